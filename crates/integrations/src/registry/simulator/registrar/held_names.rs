//! The register of names the simulator holds (seeded, reserved, registered), listed for
//! `GET /v1/names`, and whether a new name may be held: well formed and not like any other.

use super::Registrar;
use super::rules;
use crate::registry::names::{self, Resemblance};
use chrono::NaiveDate;
use comply360_domain::Jurisdiction;
use comply360_domain::identifiers::{CompanyName, CompanyNameError, SaCompanyKind};
use serde::Serialize;

#[derive(Clone, Debug)]
pub(super) enum Standing {
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
pub(super) struct NameRecord {
    pub(super) jurisdiction: Jurisdiction,
    pub(super) name: String,
    pub(super) normalised: String,
    pub(super) standing: Standing,
}

impl NameRecord {
    /// Whether the name still blocks others on `today` (a reservation lapses when it expires).
    pub(super) fn blocks(&self, today: NaiveDate) -> bool {
        match &self.standing {
            Standing::Reserved { expires_on, .. } => today <= *expires_on,
            Standing::Seeded | Standing::Registered { .. } => true,
        }
    }

    pub(super) fn standing_word(&self) -> &'static str {
        match self.standing {
            Standing::Reserved { .. } => "reserved",
            Standing::Seeded | Standing::Registered { .. } => "registered",
        }
    }
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

impl Registrar {
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

    /// Whether `name` may be reserved or registered: well formed and not like any name held,
    /// apart from the reservation `except` (the one the name is being registered under).
    pub(super) fn judge(
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

    pub(super) fn check_reservation(
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

    pub(super) fn reservation_index(
        &self,
        jurisdiction: Jurisdiction,
        number: &str,
    ) -> Option<usize> {
        self.names.iter().position(|r| {
            r.jurisdiction == jurisdiction
                && matches!(&r.standing, Standing::Reserved { number: held, .. } if held == number)
        })
    }
}

/// Whitespace collapsed, as registries print names.
pub(super) fn tidy(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// South African names must use the characters and brackets s11 allows; FACTS.md has no such
/// rule for Zimbabwe. A name without an ending is checked as if it had the private one.
pub(super) fn form_problem(jurisdiction: Jurisdiction, name: &str) -> Option<String> {
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
