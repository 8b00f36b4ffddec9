//! The search box: free text finds clients, companies and registrations by name (word
//! prefixes, decision 33), ID number, registration number, email or a registry's reference
//! (exact, indexed), a few of each kind with a flag when there are more. Deleted clients and
//! companies are not found, nor anything through them; a kind the caller may not read is not
//! searched at all.
//!
//! `model` holds the types, `terms` reads the text, `repo` the statements; this file the
//! operation and how a hit is titled.

mod model;
mod repo;
mod terms;

use crate::error::PracticeError;
use crate::reach::Reach;
use crate::registration_types::RegistrationTypes;
use crate::workflow::Status;
use comply360_domain::RegistrationKind;
use comply360_store::TenantTx;
use repo::{ClientRow, CompanyRow, RegistrationRow};
use terms::Terms;

pub(crate) use repo::proposed_name;

pub use model::{
    DEFAULT_PER_KIND, Found, Group, Hit, MAX_PER_KIND, MAX_QUERY_CHARS, MatchedOn, RecordKind,
    SearchQuery,
};

/// Searches what `reach` allows for `query.q`: a group per readable kind, each with at most
/// `query.limit` hits (default [`DEFAULT_PER_KIND`]). An over-long text or a limit outside
/// 1..=[`MAX_PER_KIND`] is a field error; text with no word or identifier finds nothing.
pub async fn search(
    tx: &mut TenantTx,
    query: &SearchQuery,
    reach: Reach,
) -> Result<Found, PracticeError> {
    let per_kind = check(query)?;
    let terms = Terms::parse(&query.q);
    let mut groups = Vec::new();
    // One more row than shown tells whether there are more.
    let rows = per_kind + 1;
    if reach.clients {
        let found = if terms.is_empty() {
            Vec::new()
        } else {
            repo::clients(tx, &terms, rows).await?
        };
        groups.push(group(RecordKind::Client, found, per_kind, client_hit));
        let found = if terms.is_empty() {
            Vec::new()
        } else {
            repo::companies(tx, &terms, rows).await?
        };
        groups.push(group(RecordKind::Company, found, per_kind, company_hit));
    }
    if reach.registrations {
        let found = if terms.is_empty() {
            Vec::new()
        } else {
            repo::registrations(tx, &terms, rows).await?
        };
        groups.push(group(
            RecordKind::Registration,
            found,
            per_kind,
            registration_hit,
        ));
    }
    Ok(Found { groups })
}

fn check(query: &SearchQuery) -> Result<i64, PracticeError> {
    if query.q.chars().count() > MAX_QUERY_CHARS {
        return Err(PracticeError::field(
            "q",
            format!("at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    match query.limit.unwrap_or(DEFAULT_PER_KIND) {
        n @ 1..=MAX_PER_KIND => Ok(n),
        _ => Err(PracticeError::field(
            "limit",
            format!("from 1 to {MAX_PER_KIND}"),
        )),
    }
}

fn group<R>(kind: RecordKind, mut rows: Vec<R>, per_kind: i64, hit: fn(R) -> Hit) -> Group {
    let more = rows.len() as i64 > per_kind;
    rows.truncate(per_kind as usize);
    Group {
        kind,
        items: rows.into_iter().map(hit).collect(),
        more,
    }
}

/// The parts that are there, joined with a middle dot.
fn joined<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    parts.into_iter().flatten().collect::<Vec<_>>().join(" · ")
}

fn client_hit(c: ClientRow) -> Hit {
    Hit {
        id: c.id,
        kind: RecordKind::Client,
        subtitle: joined([
            c.id_number.as_deref().or(c.registration_number.as_deref()),
            c.email.as_deref(),
            c.archived.then_some("archived"),
        ]),
        title: c.display_name,
        matched_on: c.matched,
    }
}

fn company_hit(c: CompanyRow) -> Hit {
    Hit {
        id: c.id,
        kind: RecordKind::Company,
        subtitle: joined([
            c.registration_number.as_deref(),
            Some(c.status.as_str()),
            Some(&c.client_name),
        ]),
        title: c.name,
        matched_on: c.matched,
    }
}

/// A status as a person reads it ("info requested", not `info_requested`).
fn status_words(s: Status) -> String {
    s.as_str().replace('_', " ")
}

fn type_title(kind: RegistrationKind) -> &'static str {
    RegistrationTypes::built_in()
        .get(kind)
        .map_or(kind.as_str(), |t| t.title.as_str())
}

/// What a filing is for: its company, else the name it proposes, else its client.
pub(crate) fn subject<'a>(
    company_name: Option<&'a str>,
    proposed_name: Option<&'a str>,
    client_name: &'a str,
) -> &'a str {
    company_name.or(proposed_name).unwrap_or(client_name)
}

/// A registration as a person names it: its type and what it is for
/// ("Name reservation: Umoya Bakers (Pty) Ltd").
pub(crate) fn registration_title(kind: RegistrationKind, subject: &str) -> String {
    format!("{}: {subject}", type_title(kind))
}

fn registration_hit(r: RegistrationRow) -> Hit {
    let subject = subject(
        r.company_name.as_deref(),
        r.proposed_name.as_deref(),
        &r.client_name,
    );
    let status = status_words(r.status);
    Hit {
        id: r.id,
        kind: RecordKind::Registration,
        title: registration_title(r.kind, subject),
        subtitle: joined([
            Some(status.as_str()),
            r.registry_reference.as_deref(),
            (subject != r.client_name).then_some(r.client_name.as_str()),
        ]),
        matched_on: r.matched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn registration(company: Option<&str>, proposed: Option<&str>) -> RegistrationRow {
        RegistrationRow {
            id: Uuid::nil(),
            kind: RegistrationKind::ZaNameReservation,
            status: Status::InfoRequested,
            registry_reference: Some("2026000001".into()),
            client_name: "Thabo Mokoena".into(),
            company_name: company.map(str::to_owned),
            proposed_name: proposed.map(str::to_owned),
            matched: MatchedOn::Reference,
        }
    }

    #[test]
    fn a_registration_is_titled_by_what_it_is_for() {
        let h = registration_hit(registration(None, Some("Umoya Bakers (Pty) Ltd")));
        assert_eq!(h.title, "Name reservation: Umoya Bakers (Pty) Ltd");
        assert_eq!(h.subtitle, "info requested · 2026000001 · Thabo Mokoena");
        let h = registration_hit(registration(None, None));
        assert_eq!(h.title, "Name reservation: Thabo Mokoena");
        assert_eq!(h.subtitle, "info requested · 2026000001");
        let h = registration_hit(registration(Some("Karoo Sun"), Some("Other")));
        assert_eq!(h.title, "Name reservation: Karoo Sun");
    }

    #[test]
    fn limits_and_lengths_are_checked() {
        let q = |q: &str, limit| SearchQuery { q: q.into(), limit };
        assert_eq!(check(&q("a", None)).unwrap(), DEFAULT_PER_KIND);
        assert!(check(&q("a", Some(0))).is_err());
        assert!(check(&q("a", Some(MAX_PER_KIND + 1))).is_err());
        assert!(check(&q(&"a".repeat(MAX_QUERY_CHARS + 1), None)).is_err());
    }
}
