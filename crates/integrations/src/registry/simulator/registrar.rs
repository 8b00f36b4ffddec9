//! The simulator's registry: the names it holds, the filings it received and what it decided.
//!
//! A filing is decided the moment it is submitted (filings are processed in the order they
//! arrive, under one lock), and the decision is only *revealed* once `answer_after` has passed.
//! So two reservations for the same name are decided first come, first served, and a poll
//! always sees the same decision once it is no longer pending.
//!
//! Numbers the simulator issues (its own formats where FACTS.md is silent):
//! * reservation numbers: 10 digits, the application year then a 6-digit sequence per year
//!   (`2026000001`);
//! * registration numbers: `YYYY/NNNNNN/NN` in South Africa, the sequence per year starting at
//!   000001 and shared by all company types; `ZW-SIM/YYYY/NNNNNN/PL|PBC` in Zimbabwe;
//! * filing ids: UUIDs.

use super::rules::{self, CompanyTypeRule, NameKind, RegistryRules};
use crate::registry::names::{self, Resemblance};
use crate::registry::pdf;
use crate::registry::{
    Certificate, FilingOutcome, IncorporationRequest, NameReservationRequest, Receipt, RefusedName,
};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use comply360_domain::Jurisdiction;
use comply360_domain::identifiers::{CompanyName, CompanyNameError, SaCompanyKind, SaIdNumber};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;

#[derive(Clone, Debug)]
enum Standing {
    /// Given at start-up (`--seed`): treated as registered.
    Seeded,
    Reserved {
        number: String,
        expires_on: NaiveDate,
    },
    Registered {
        registration_number: String,
        /// The reservation it was registered under, so a reused number gets a clear answer.
        reservation_number: Option<String>,
    },
}

#[derive(Clone, Debug)]
struct NameRecord {
    jurisdiction: Jurisdiction,
    name: String,
    normalised: String,
    standing: Standing,
}

impl NameRecord {
    /// Whether the name still blocks others on `today` (a reservation lapses when it expires).
    fn blocks(&self, today: NaiveDate) -> bool {
        match &self.standing {
            Standing::Reserved { expires_on, .. } => today <= *expires_on,
            Standing::Seeded | Standing::Registered { .. } => true,
        }
    }

    fn standing_word(&self) -> &'static str {
        match self.standing {
            Standing::Reserved { .. } => "reserved",
            Standing::Seeded | Standing::Registered { .. } => "registered",
        }
    }
}

struct Filing {
    submitted_at: DateTime<Utc>,
    outcome: FilingOutcome,
}

/// One entry of `GET /v1/names`.
#[derive(Clone, Debug, Serialize)]
pub struct NameEntry {
    pub jurisdiction: &'static str,
    pub name: String,
    pub standing: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservation_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
}

#[derive(Default)]
pub struct Registrar {
    names: Vec<NameRecord>,
    filings: HashMap<String, Filing>,
    reservation_sequence: HashMap<i32, u32>,
    registration_sequence: HashMap<(Jurisdiction, i32), u32>,
    /// (operation, applicant_reference) -> filing: the same request filed again (a client
    /// retrying after a lost answer) gets the first filing's receipt, not a second decision.
    by_reference: HashMap<(&'static str, String), String>,
}

impl Registrar {
    /// A registry holding `seed_names` as registered names in both jurisdictions.
    pub fn new(seed_names: &[String]) -> Registrar {
        let mut registrar = Registrar::default();
        for name in seed_names.iter().filter(|n| !n.trim().is_empty()) {
            for jurisdiction in Jurisdiction::ALL {
                registrar.names.push(NameRecord {
                    jurisdiction: *jurisdiction,
                    name: tidy(name),
                    normalised: names::normalise(name),
                    standing: Standing::Seeded,
                });
            }
        }
        registrar
    }

    /// Decides a (validated) name reservation and files the decision.
    pub fn reserve(&mut self, request: &NameReservationRequest, now: DateTime<Utc>) -> Receipt {
        if let Some(receipt) = self.refiled("reservation", &request.applicant_reference) {
            return receipt;
        }
        let outcome = self.decide_reservation(request, now.date_naive());
        self.file(outcome, now, "reservation", &request.applicant_reference)
    }

    /// Decides a (validated) incorporation of type `rule` and files the decision.
    pub fn incorporate(
        &mut self,
        request: &IncorporationRequest,
        rule: &CompanyTypeRule,
        now: DateTime<Utc>,
    ) -> Receipt {
        if let Some(receipt) = self.refiled("incorporation", &request.applicant_reference) {
            return receipt;
        }
        let registry = rules::registry_rules(request.jurisdiction);
        let outcome = match self.decide_incorporation(request, rule, registry, now.date_naive()) {
            Ok(outcome) => outcome,
            Err(reason) => FilingOutcome::Rejected {
                reason,
                document: registry.documents.rejected.to_owned(),
            },
        };
        self.file(outcome, now, "incorporation", &request.applicant_reference)
    }

    /// The outcome of `filing_id` as seen at `now`: pending until `answer_after` has passed.
    pub fn outcome(
        &self,
        filing_id: &str,
        now: DateTime<Utc>,
        answer_after: Duration,
    ) -> Option<FilingOutcome> {
        let filing = self.filings.get(filing_id)?;
        let waited = (now - filing.submitted_at)
            .to_std()
            .unwrap_or(Duration::ZERO);
        Some(if waited < answer_after {
            FilingOutcome::Pending
        } else {
            filing.outcome.clone()
        })
    }

    /// Names whose text contains `query` (case-insensitive) or whose normalised form contains
    /// the query's; all names for an empty query.
    pub fn names(&self, query: &str, today: NaiveDate) -> Vec<NameEntry> {
        let lower = query.trim().to_lowercase();
        let normalised = names::normalise(query);
        self.names
            .iter()
            .filter(|r| r.blocks(today))
            .filter(|r| {
                lower.is_empty()
                    || r.name.to_lowercase().contains(&lower)
                    || (!normalised.is_empty() && r.normalised.contains(&normalised))
            })
            .map(|r| {
                let (reservation_number, expires_on, registration_number) = match &r.standing {
                    Standing::Seeded => (None, None, None),
                    Standing::Reserved { number, expires_on } => {
                        (Some(number.clone()), Some(*expires_on), None)
                    }
                    Standing::Registered {
                        registration_number,
                        reservation_number,
                    } => (
                        reservation_number.clone(),
                        None,
                        Some(registration_number.clone()),
                    ),
                };
                NameEntry {
                    jurisdiction: r.jurisdiction.as_str(),
                    name: r.name.clone(),
                    standing: match r.standing {
                        Standing::Seeded => "seeded",
                        Standing::Reserved { .. } => "reserved",
                        Standing::Registered { .. } => "registered",
                    },
                    reservation_number,
                    expires_on,
                    registration_number,
                }
            })
            .collect()
    }

    /// The receipt of an earlier filing of the same operation by the same applicant reference.
    fn refiled(&self, operation: &'static str, reference: &str) -> Option<Receipt> {
        let filing_id = self.by_reference.get(&(operation, reference.to_owned()))?;
        let filing = self.filings.get(filing_id)?;
        Some(Receipt {
            filing_id: filing_id.clone(),
            submitted_at: filing.submitted_at,
        })
    }

    fn file(
        &mut self,
        outcome: FilingOutcome,
        now: DateTime<Utc>,
        operation: &'static str,
        reference: &str,
    ) -> Receipt {
        let filing_id = uuid::Uuid::new_v4().to_string();
        self.by_reference
            .insert((operation, reference.to_owned()), filing_id.clone());
        self.filings.insert(
            filing_id.clone(),
            Filing {
                submitted_at: now,
                outcome,
            },
        );
        Receipt {
            filing_id,
            submitted_at: now,
        }
    }

    fn decide_reservation(
        &mut self,
        request: &NameReservationRequest,
        today: NaiveDate,
    ) -> FilingOutcome {
        let registry = rules::registry_rules(request.jurisdiction);
        let mut refused = Vec::new();
        for (position, name) in request.names.iter().enumerate() {
            let name = tidy(name);
            if let Err(reason) = self.judge(request.jurisdiction, &name, None, today) {
                refused.push(RefusedName { name, reason });
                continue;
            }
            let Some(expires_on) = registry.reservation_validity.after(today) else {
                refused.push(RefusedName {
                    name,
                    reason: "the expiry date is out of range; apply again".to_owned(),
                });
                continue;
            };
            let number = self.next_reservation_number(today.year());
            self.names.push(NameRecord {
                jurisdiction: request.jurisdiction,
                normalised: names::normalise(&name),
                name: name.clone(),
                standing: Standing::Reserved {
                    number: number.clone(),
                    expires_on,
                },
            });
            return FilingOutcome::NameReserved {
                name,
                reservation_number: number,
                document: registry.documents.name_reserved.to_owned(),
                applied_on: today,
                expires_on,
                refused,
                not_considered: request.names[position + 1..]
                    .iter()
                    .map(|n| tidy(n))
                    .collect(),
            };
        }
        FilingOutcome::NamesRefused {
            refused,
            document: registry.documents.names_refused.to_owned(),
        }
    }

    fn decide_incorporation(
        &mut self,
        request: &IncorporationRequest,
        rule: &CompanyTypeRule,
        registry: &RegistryRules,
        today: NaiveDate,
    ) -> Result<FilingOutcome, String> {
        check_directors(request, rule, today)?;
        let reservation = request
            .name_reservation_number
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let name = match (request.name.as_deref(), reservation) {
            (None, Some(number)) => {
                return Err(format!(
                    "reservation {number} was quoted without a name; give the name exactly as reserved"
                ));
            }
            (None, None) if !rule.number_name => {
                let why = match request.jurisdiction {
                    Jurisdiction::SouthAfrica => {
                        "only profit companies may, Companies Act s11(1)(b)"
                    }
                    Jurisdiction::Zimbabwe => {
                        "number-names are not documented in Zimbabwe, so the simulator files none"
                    }
                };
                return Err(format!(
                    "a {} cannot use its registration number as its name ({why}); give a name",
                    rule.label
                ));
            }
            (None, None) => None,
            (Some(name), reservation) => {
                let full = full_name(name, rule)?;
                if let Some(number) = reservation {
                    self.check_reservation(request.jurisdiction, number, &full, today)?;
                }
                self.judge(request.jurisdiction, &full, reservation, today)?;
                Some(full)
            }
        };

        let sequence = self.next_registration_sequence(request.jurisdiction, today.year());
        let registration_number = format!(
            "{}{:04}/{sequence:06}/{}",
            registry.number_prefix,
            today.year(),
            rule.number_suffix
        );
        let enterprise_number = format!("{}{registration_number}", registry.enterprise_prefix);
        // FACTS.md section 1: a number-name is followed by "(South Africa)" and the ending.
        let name =
            name.unwrap_or_else(|| format!("{registration_number} (South Africa) {}", rule.ending));
        let standing = Standing::Registered {
            registration_number: registration_number.clone(),
            reservation_number: reservation.map(str::to_owned),
        };
        match reservation.and_then(|number| self.reservation_index(request.jurisdiction, number)) {
            Some(index) => {
                self.names[index].name = name.clone();
                self.names[index].standing = standing;
            }
            None => self.names.push(NameRecord {
                jurisdiction: request.jurisdiction,
                normalised: names::normalise(&name),
                name: name.clone(),
                standing,
            }),
        }
        let certificate = certificate(
            registry,
            &name,
            &registration_number,
            &enterprise_number,
            today,
        );
        Ok(FilingOutcome::Incorporated {
            registration_number,
            enterprise_number,
            name,
            document: registry.documents.incorporated.to_owned(),
            certificate,
        })
    }

    /// Whether `name` may be reserved or registered: well formed and not like any name held,
    /// apart from the reservation `except` (the one the name is being registered under).
    fn judge(
        &self,
        jurisdiction: Jurisdiction,
        name: &str,
        except: Option<&str>,
        today: NaiveDate,
    ) -> Result<(), String> {
        if let Some(problem) = form_problem(jurisdiction, name) {
            return Err(problem);
        }
        let normalised = names::normalise(name);
        if normalised.is_empty() {
            return Err("it has no distinctive words besides the company-type ending".to_owned());
        }
        for record in self
            .names
            .iter()
            .filter(|r| r.jurisdiction == jurisdiction && r.blocks(today))
        {
            if let (Some(number), Standing::Reserved { number: held, .. }) =
                (except, &record.standing)
                && held == number
            {
                continue;
            }
            match names::resemblance(&normalised, &record.normalised) {
                Some(Resemblance::Duplicate) => {
                    return Err(format!(
                        "it duplicates the {} name '{}'",
                        record.standing_word(),
                        record.name
                    ));
                }
                Some(Resemblance::TooClose) => {
                    return Err(format!(
                        "it is too close to the {} name '{}'",
                        record.standing_word(),
                        record.name
                    ));
                }
                None => {}
            }
        }
        Ok(())
    }

    fn check_reservation(
        &self,
        jurisdiction: Jurisdiction,
        number: &str,
        name: &str,
        today: NaiveDate,
    ) -> Result<(), String> {
        let record = self
            .names
            .iter()
            .filter(|r| r.jurisdiction == jurisdiction)
            .find(|r| match &r.standing {
                Standing::Reserved { number: held, .. } => held == number,
                Standing::Registered {
                    reservation_number, ..
                } => reservation_number.as_deref() == Some(number),
                Standing::Seeded => false,
            })
            .ok_or_else(|| {
                format!(
                    "there is no name reservation {number} in {}; check the number on the {}",
                    rules::registry_rules(jurisdiction).registry,
                    rules::registry_rules(jurisdiction).documents.name_reserved
                )
            })?;
        match &record.standing {
            Standing::Registered {
                registration_number,
                ..
            } => Err(format!(
                "reservation {number} was already used to register '{}' ({registration_number})",
                record.name
            )),
            Standing::Reserved { expires_on, .. } if today > *expires_on => Err(format!(
                "reservation {number} expired on {expires_on}; reserve the name again"
            )),
            _ if names::normalise(name) != record.normalised => Err(format!(
                "the name '{name}' does not match reservation {number}, which is for '{}'",
                record.name
            )),
            _ => Ok(()),
        }
    }

    fn reservation_index(&self, jurisdiction: Jurisdiction, number: &str) -> Option<usize> {
        self.names.iter().position(|r| {
            r.jurisdiction == jurisdiction
                && matches!(&r.standing, Standing::Reserved { number: held, .. } if held == number)
        })
    }

    fn next_reservation_number(&mut self, year: i32) -> String {
        let sequence = self.reservation_sequence.entry(year).or_insert(0);
        *sequence += 1;
        format!("{year:04}{:06}", *sequence)
    }

    fn next_registration_sequence(&mut self, jurisdiction: Jurisdiction, year: i32) -> u32 {
        let sequence = self
            .registration_sequence
            .entry((jurisdiction, year))
            .or_insert(0);
        *sequence += 1;
        *sequence
    }
}

/// Whitespace collapsed, as registries print names.
fn tidy(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// South African names must use the characters and brackets s11 allows; FACTS.md has no such
/// rule for Zimbabwe. A name without an ending is checked as if it had the private one.
fn form_problem(jurisdiction: Jurisdiction, name: &str) -> Option<String> {
    if jurisdiction != Jurisdiction::SouthAfrica {
        return None;
    }
    let problem = match CompanyName::parse_sa_any(name) {
        Ok(_) => return None,
        Err(CompanyNameError::Ending(_)) => {
            CompanyName::parse_sa(&format!("{name} (Pty) Ltd"), SaCompanyKind::Private).err()?
        }
        Err(other) => other,
    };
    Some(format!("it is not a valid company name: {problem}"))
}

/// `name` with the ending `rule` needs: kept when present, added when there is none, refused
/// when it is another type's ending.
fn full_name(name: &str, rule: &CompanyTypeRule) -> Result<String, String> {
    let name = tidy(name);
    let parse = |text: &str| match rule.name_kind {
        NameKind::Sa(kind) => CompanyName::parse_sa(text, kind),
        NameKind::Zw(kind) => CompanyName::parse_zw(text, kind),
    };
    match parse(&name) {
        Ok(parsed) => return Ok(parsed.as_str().to_owned()),
        Err(CompanyNameError::Ending(_)) => {}
        Err(other) => return Err(format!("the name '{name}' is not valid: {other}")),
    }
    if let (NameKind::Sa(_), Ok((_, other))) = (rule.name_kind, CompanyName::parse_sa_any(&name)) {
        return Err(format!(
            "the name '{name}' has the ending of a {}, but this is a {}; remove the ending or file \
             the right company type",
            other.as_str().replace('_', " "),
            rule.label
        ));
    }
    parse(&format!("{name} {}", rule.ending))
        .map(|parsed| parsed.as_str().to_owned())
        .map_err(|e| format!("the name '{name}' is not valid: {e}"))
}

/// The director rules: the minimum (and maximum) count for the type, and that each director
/// can be identified. South African ID numbers must be valid (CIPC validates them with Home
/// Affairs, FACTS.md section 1).
fn check_directors(
    request: &IncorporationRequest,
    rule: &CompanyTypeRule,
    today: NaiveDate,
) -> Result<(), String> {
    let count = request.directors.len();
    if count < rule.min_directors {
        return Err(format!(
            "a {} needs at least {} directors ({}); {count} were given",
            rule.label, rule.min_directors, rule.directors_source
        ));
    }
    if let Some(max) = rule.max_directors.filter(|max| count > *max) {
        return Err(format!(
            "a {} has at most {max} directors ({}); {count} were given",
            rule.label, rule.directors_source
        ));
    }
    for director in &request.directors {
        let id = director
            .id_number
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let passport = director
            .passport
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        match (id, passport) {
            (None, None) => {
                return Err(format!(
                    "director '{}' has neither an ID number nor a passport number",
                    director.full_name
                ));
            }
            (Some(id), _) if request.jurisdiction == Jurisdiction::SouthAfrica => {
                SaIdNumber::parse(id, today).map_err(|e| {
                    format!(
                        "director '{}' has an invalid SA ID number: {e}",
                        director.full_name
                    )
                })?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn certificate(
    registry: &RegistryRules,
    name: &str,
    registration_number: &str,
    enterprise_number: &str,
    today: NaiveDate,
) -> Certificate {
    let title = match registry.registry {
        "CIPC" => format!(
            "{} Registration Certificate",
            registry.documents.incorporated
        ),
        _ => format!(
            "{} ({})",
            capitalise(registry.documents.incorporated),
            registry.registry
        ),
    };
    let lines = vec![
        title,
        format!("Name: {name}"),
        format!("Registration number: {registration_number}"),
        format!("Enterprise number: {enterprise_number}"),
        format!("Date of registration: {today}"),
        String::new(),
        "Issued by the Comply360 registry simulator. This is not a registry document.".to_owned(),
    ];
    let stem: String = registration_number
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let prefix = registry.documents.incorporated.replace(' ', "");
    Certificate {
        file_name: format!("{prefix}-{stem}.pdf"),
        content_type: "application/pdf".to_owned(),
        content: pdf::text_page(&lines),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Director;

    fn now() -> DateTime<Utc> {
        "2026-03-10T09:00:00Z".parse().unwrap()
    }

    fn director(name: &str, id: &str) -> Director {
        Director {
            full_name: name.into(),
            id_number: Some(id.into()),
            passport: None,
        }
    }

    fn incorporation(name: Option<&str>, kind: &str) -> IncorporationRequest {
        IncorporationRequest {
            jurisdiction: Jurisdiction::SouthAfrica,
            company_type: kind.into(),
            name: name.map(str::to_owned),
            name_reservation_number: None,
            directors: vec![director("Thabo Mokoena", "8001015009087")],
            financial_year_end: None,
            // A fresh reference per request: the same reference would get the first filing back.
            applicant_reference: uuid::Uuid::new_v4().to_string(),
        }
    }

    #[test]
    fn filing_again_with_the_same_reference_returns_the_first_filing() {
        let mut registrar = Registrar::new(&[]);
        let request = NameReservationRequest {
            jurisdiction: Jurisdiction::SouthAfrica,
            names: vec!["Umoya Bakery".into()],
            applicant_reference: "registration-7".into(),
        };
        let first = registrar.reserve(&request, now());
        let again = registrar.reserve(&request, now() + chrono::Duration::seconds(5));
        assert_eq!(first, again);
        // Without the key, the retry would have been refused as a duplicate of itself.
        assert!(matches!(
            decided(&registrar, &again),
            FilingOutcome::NameReserved { .. }
        ));
    }

    fn decided(registrar: &Registrar, receipt: &Receipt) -> FilingOutcome {
        registrar
            .outcome(&receipt.filing_id, now(), Duration::ZERO)
            .unwrap()
    }

    #[test]
    fn a_number_name_carries_south_africa_and_the_ending() {
        let mut registrar = Registrar::new(&[]);
        let rule = rules::company_type("private_company").unwrap();
        let receipt = registrar.incorporate(&incorporation(None, "private_company"), rule, now());
        let FilingOutcome::Incorporated {
            name,
            registration_number,
            ..
        } = decided(&registrar, &receipt)
        else {
            panic!("not incorporated");
        };
        assert_eq!(registration_number, "2026/000001/07");
        assert_eq!(name, "2026/000001/07 (South Africa) (Pty) Ltd");
        assert!(
            CompanyName::parse_sa(&name, SaCompanyKind::Private)
                .unwrap()
                .is_number_name()
        );
    }

    #[test]
    fn names_get_their_ending_and_wrong_endings_are_rejected() {
        let rule = rules::company_type("non_profit_company").unwrap();
        assert_eq!(
            full_name("Ubuntu  Literacy", rule).unwrap(),
            "Ubuntu Literacy NPC"
        );
        assert_eq!(
            full_name("Ubuntu Literacy NPC", rule).unwrap(),
            "Ubuntu Literacy NPC"
        );
        let wrong = full_name("Ubuntu Literacy (Pty) Ltd", rule).unwrap_err();
        assert!(wrong.contains("private company"), "{wrong}");
        let zw = rules::company_type("zw_pbc").unwrap();
        assert_eq!(full_name("Msasa Traders", zw).unwrap(), "Msasa Traders PBC");
    }

    #[test]
    fn an_npc_may_not_be_a_number_name_and_needs_three_directors() {
        let mut registrar = Registrar::new(&[]);
        let rule = rules::company_type("non_profit_company").unwrap();
        let mut request = incorporation(None, "non_profit_company");
        request.applicant_reference = uuid::Uuid::new_v4().to_string();

        let receipt = registrar.incorporate(&request, rule, now());
        let FilingOutcome::Rejected { reason, document } = decided(&registrar, &receipt) else {
            panic!("not rejected");
        };
        assert_eq!(document, "CoR 14.2");
        assert!(reason.contains("at least 3 directors"), "{reason}");
        request.directors = ["8001015009087", "8506150123089", "9512314999181"]
            .iter()
            .map(|id| director("A Director", id))
            .collect();
        request.applicant_reference = uuid::Uuid::new_v4().to_string();

        let receipt = registrar.incorporate(&request, rule, now());
        let FilingOutcome::Rejected { reason, .. } = decided(&registrar, &receipt) else {
            panic!("not rejected");
        };
        assert!(reason.contains("s11(1)(b)"), "{reason}");
    }

    #[test]
    fn invalid_sa_id_numbers_and_unidentified_directors_are_rejected() {
        let mut registrar = Registrar::new(&[]);
        let rule = rules::company_type("private_company").unwrap();
        let mut request = incorporation(Some("Karoo Solar"), "private_company");
        request.directors = vec![director("Thabo Mokoena", "8001015009088")];
        request.applicant_reference = uuid::Uuid::new_v4().to_string();

        let receipt = registrar.incorporate(&request, rule, now());
        let FilingOutcome::Rejected { reason, .. } = decided(&registrar, &receipt) else {
            panic!("not rejected");
        };
        assert!(reason.contains("check digit"), "{reason}");
        request.directors = vec![Director {
            full_name: "Jane Doe".into(),
            id_number: None,
            passport: None,
        }];
        request.applicant_reference = uuid::Uuid::new_v4().to_string();

        let receipt = registrar.incorporate(&request, rule, now());
        let FilingOutcome::Rejected { reason, .. } = decided(&registrar, &receipt) else {
            panic!("not rejected");
        };
        assert!(
            reason.contains("neither an ID number nor a passport"),
            "{reason}"
        );
    }

    #[test]
    fn zimbabwe_is_a_separate_register_with_its_own_numbers() {
        let mut registrar = Registrar::new(&["Msasa Holdings".into()]);
        let rule = rules::company_type("zw_private_limited").unwrap();
        let mut request = incorporation(Some("Msasa Holdings"), "zw_private_limited");
        request.jurisdiction = Jurisdiction::Zimbabwe;
        request.applicant_reference = uuid::Uuid::new_v4().to_string();

        let receipt = registrar.incorporate(&request, rule, now());
        assert!(matches!(
            decided(&registrar, &receipt),
            FilingOutcome::Rejected { .. }
        ));
        request.name = Some("Kopje Mining".into());
        request.applicant_reference = uuid::Uuid::new_v4().to_string();

        let receipt = registrar.incorporate(&request, rule, now());
        let FilingOutcome::Incorporated {
            registration_number,
            enterprise_number,
            name,
            ..
        } = decided(&registrar, &receipt)
        else {
            panic!("not incorporated");
        };
        assert_eq!(registration_number, "ZW-SIM/2026/000001/PL");
        assert_eq!(enterprise_number, registration_number);
        assert_eq!(name, "Kopje Mining (Private) Limited");
        // The same name is free in South Africa.
        let za = rules::company_type("private_company").unwrap();
        let receipt = registrar.incorporate(
            &incorporation(Some("Kopje Mining"), "private_company"),
            za,
            now(),
        );
        assert!(matches!(
            decided(&registrar, &receipt),
            FilingOutcome::Incorporated { .. }
        ));
    }

    #[test]
    fn outcomes_stay_pending_until_the_delay_has_passed() {
        let mut registrar = Registrar::new(&[]);
        let request = NameReservationRequest {
            jurisdiction: Jurisdiction::SouthAfrica,
            names: vec!["Karoo Solar".into()],
            applicant_reference: "r".into(),
        };
        let receipt = registrar.reserve(&request, now());
        let delay = Duration::from_secs(2);
        assert_eq!(
            registrar.outcome(&receipt.filing_id, now(), delay),
            Some(FilingOutcome::Pending)
        );
        let later = now() + chrono::Duration::seconds(2);
        let FilingOutcome::NameReserved {
            reservation_number,
            expires_on,
            ..
        } = registrar.outcome(&receipt.filing_id, later, delay).unwrap()
        else {
            panic!("not reserved");
        };
        assert_eq!(reservation_number, "2026000001");
        assert_eq!(expires_on, NaiveDate::from_ymd_opt(2026, 9, 10).unwrap());
        assert_eq!(registrar.outcome("nope", later, delay), None);
    }
}
