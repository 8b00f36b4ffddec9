//! What a registration still needs: its type's required documents (those whose condition
//! holds), one ID copy per person of the filing, each matched with the document that
//! satisfies it, if any.

use crate::error::DocumentError;
use crate::model::{Document, DocumentStatus, SubjectKind};
use crate::repo::{self, Filter};
use comply360_practice::{clients, registrations};
use comply360_store::TenantTx;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// Where a requirement stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequirementState {
    /// Nothing uploaded (or only quarantined or rejected documents).
    Missing,
    /// Uploaded, still being scanned, read or reviewed.
    Pending,
    /// A verified document satisfies it.
    Satisfied,
}

/// One document the registration needs.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Requirement {
    /// The document kind (`id_copy`, `moi`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    pub label: String,
    /// Whose document, when it is a person's: their name and ID or passport number.
    pub person_name: Option<String>,
    pub person_ref: Option<String>,
    pub state: RequirementState,
    /// The document that satisfies it (or is pending), if any.
    pub document: Option<Document>,
}

fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

/// The people of the filing (any people field of any step), by ID or passport number.
fn people(steps: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for step in steps.as_object().into_iter().flat_map(|s| s.values()) {
        for field in step.as_object().into_iter().flat_map(|f| f.values()) {
            for item in field.as_array().into_iter().flatten() {
                let number = item
                    .get("id_number")
                    .or_else(|| item.get("passport_number"))
                    .and_then(Value::as_str)
                    .filter(|s| !s.trim().is_empty());
                let name = item.get("full_name").and_then(Value::as_str);
                if let (Some(number), Some(name)) = (number, name)
                    && !out.iter().any(|(n, _)| compact(n) == compact(number))
                {
                    out.push((number.trim().to_owned(), name.to_owned()));
                }
            }
        }
    }
    out
}

fn condition_holds(steps: &Value, when: Option<&[String; 2]>) -> bool {
    let Some([path, value]) = when else {
        return true;
    };
    let mut parts = path.splitn(2, '.');
    let (Some(step), Some(field)) = (parts.next(), parts.next()) else {
        return false;
    };
    steps
        .get(step)
        .and_then(|s| s.get(field))
        .and_then(Value::as_str)
        == Some(value.as_str())
}

fn state_of(d: Option<&Document>) -> RequirementState {
    match d.map(|d| d.status) {
        Some(DocumentStatus::Verified | DocumentStatus::Uploaded) => RequirementState::Satisfied,
        Some(
            DocumentStatus::Scanning | DocumentStatus::Processing | DocumentStatus::NeedsReview,
        ) => RequirementState::Pending,
        _ => RequirementState::Missing,
    }
}

/// The best candidate: verified first, then pending, newest first within each.
fn best<'a>(candidates: impl Iterator<Item = &'a Document>) -> Option<&'a Document> {
    let rank = |d: &Document| match state_of(Some(d)) {
        RequirementState::Satisfied => 0,
        RequirementState::Pending => 1,
        RequirementState::Missing => 2,
    };
    candidates
        .filter(|d| rank(d) < 2)
        .min_by_key(|d| (rank(d), std::cmp::Reverse(d.created_at)))
}

pub async fn of_registration(
    tx: &mut TenantTx,
    registration: Uuid,
) -> Result<Vec<Requirement>, DocumentError> {
    let r = registrations::get(tx, registration).await?;
    let ty = r.registration_type()?;
    let client = clients::get(tx, r.client_id, true).await?;
    let docs = repo::list(
        tx,
        &Filter {
            for_registration: Some((r.id, r.client_id)),
            ..Filter::default()
        },
        500,
    )
    .await?;
    let people = people(&r.steps);
    let mut out = Vec::new();
    for req in &ty.required_documents {
        if !condition_holds(&r.steps, req.when.as_ref()) {
            continue;
        }
        let of_kind = |d: &&Document| d.doc_type == req.kind;
        if req.kind == "id_copy" && !people.is_empty() {
            for (number, name) in &people {
                let mine = |d: &&Document| {
                    d.person_ref
                        .as_deref()
                        .is_some_and(|p| compact(p) == compact(number))
                        || (d.subject == SubjectKind::Client
                            && client
                                .id_number
                                .as_deref()
                                .is_some_and(|n| compact(n) == compact(number)))
                };
                let found = best(docs.iter().filter(of_kind).filter(mine));
                out.push(Requirement {
                    kind: req.kind.clone(),
                    label: req.label.clone(),
                    person_name: Some(name.clone()),
                    person_ref: Some(number.clone()),
                    state: state_of(found),
                    document: found.cloned(),
                });
            }
            continue;
        }
        let found = best(docs.iter().filter(of_kind));
        out.push(Requirement {
            kind: req.kind.clone(),
            label: req.label.clone(),
            person_name: None,
            person_ref: None,
            state: state_of(found),
            document: found.cloned(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn people_are_found_in_any_people_field_once_each() {
        let steps = json!({
            "directors": {"directors": [
                {"full_name": "Thandi Mokoena", "id_number": "8001015009087"},
                {"full_name": "Sipho Dlamini", "passport_number": "A1234567"}
            ]},
            "incorporators": {"people": [{"full_name": "Thandi Mokoena", "id_number": "800101 5009 087"}]},
            "company_details": {"moi": "bespoke"}
        });
        let found = people(&steps);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(condition_holds(
            &steps,
            Some(&["company_details.moi".into(), "bespoke".into()])
        ));
        assert!(!condition_holds(
            &steps,
            Some(&["company_details.moi".into(), "standard".into()])
        ));
        assert!(condition_holds(&steps, None));
    }
}
