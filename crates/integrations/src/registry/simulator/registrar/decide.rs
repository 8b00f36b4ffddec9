//! Deciding a filing: a name reservation (the first of the names that may be held) or an
//! incorporation (directors, the name and its ending, the reservation quoted, the numbers).

use super::Registrar;
use super::certificate::certificate;
use super::held_names::{NameRecord, Standing, tidy};
use super::rules::{self, CompanyTypeRule, NameKind, RegistryRules};
use crate::registry::names;
use crate::registry::{FilingOutcome, IncorporationRequest, NameReservationRequest, RefusedName};
use chrono::{Datelike, NaiveDate};
use comply360_domain::Jurisdiction;
use comply360_domain::identifiers::{CompanyName, CompanyNameError, SaIdNumber};

impl Registrar {
    pub(super) fn decide_reservation(
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

    pub(super) fn decide_incorporation(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
