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
//!
//! The parts: this module files (one filing per request, found again by applicant reference)
//! and numbers; `held_names` holds the register of names and judges a new one against it;
//! `decide` decides a reservation or an incorporation; `certificate` renders the certificate.

mod certificate;
mod decide;
mod held_names;

use held_names::{NameRecord, Standing, tidy};

use super::rules::{self, CompanyTypeRule};
use crate::registry::names;
use crate::registry::{FilingOutcome, IncorporationRequest, NameReservationRequest, Receipt};
use chrono::{DateTime, Utc};
use comply360_domain::Jurisdiction;
use std::collections::HashMap;
use std::time::Duration;

struct Filing {
    submitted_at: DateTime<Utc>,
    outcome: FilingOutcome,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Director;
    use chrono::NaiveDate;
    use comply360_domain::identifiers::{CompanyName, SaCompanyKind};

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
