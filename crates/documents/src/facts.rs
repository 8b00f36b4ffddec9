//! What the practice knows that a document must agree with: the person it is of, the
//! company, the reserved name. Gathered from the document's subject.

use crate::error::DocumentError;
use crate::model::{DocType, Document, SubjectKind};
use crate::validate::{CompanyFacts, Facts, PersonFacts};
use comply360_practice::clients::ClientKind;
use comply360_practice::documents::DocumentKind;
use comply360_practice::reminders::sa_today;
use comply360_practice::{clients, companies, registrations};
use comply360_store::TenantTx;
use serde_json::Value;

pub async fn gather(tx: &mut TenantTx, d: &Document) -> Result<Facts, DocumentError> {
    let kind = DocType::from_columns(&d.doc_type, None)
        .and_then(|t| t.builtin())
        .unwrap_or(DocumentKind::Other);
    let mut facts = Facts {
        kind,
        today: sa_today(),
        person: None,
        company: None,
        reserved_name: None,
    };
    match d.subject {
        SubjectKind::Client => client(tx, d.client_id, &mut facts).await?,
        SubjectKind::Company => {
            let c = companies::get(tx, d.subject_id).await?;
            facts.reserved_name = Some(c.name.clone());
            facts.company = Some(CompanyFacts {
                name: c.name,
                registration_number: c.registration_number,
            });
        }
        SubjectKind::Person => {
            let (c, p) = companies::person(tx, d.subject_id).await?;
            facts.person = Some(PersonFacts {
                full_name: p.full_name,
                id_number: p.id_number,
                passport_number: p.passport_number,
            });
            facts.company = Some(CompanyFacts {
                name: c.name,
                registration_number: c.registration_number,
            });
        }
        SubjectKind::Registration => {
            let r = registrations::get(tx, d.subject_id).await?;
            // Whose document: a person of the filing named by the upload, else the client.
            match &d.person_ref {
                Some(reference) => facts.person = person_in(&r.steps, reference),
                None => client(tx, r.client_id, &mut facts).await?,
            }
            let outcome = r.outcome.as_ref();
            let text = |v: Option<&Value>, key: &str| {
                v.and_then(|o| o.get(key))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            facts.reserved_name =
                text(outcome, "reserved_name").or_else(|| first_name_choice(&r.steps));
            if let Some(company) = r.company_id {
                let c = companies::get(tx, company).await?;
                facts.company = Some(CompanyFacts {
                    name: c.name,
                    registration_number: c.registration_number,
                });
            } else if let Some(name) = facts.reserved_name.clone() {
                facts.company = Some(CompanyFacts {
                    name,
                    registration_number: text(outcome, "registration_number"),
                });
            }
        }
    }
    Ok(facts)
}

async fn client(tx: &mut TenantTx, id: uuid::Uuid, facts: &mut Facts) -> Result<(), DocumentError> {
    let c = clients::get(tx, id, true).await?;
    match c.kind {
        ClientKind::Person => {
            facts.person = Some(PersonFacts {
                full_name: c.display_name,
                id_number: c.id_number,
                passport_number: c.passport_number,
            })
        }
        ClientKind::Organisation => {
            facts.company = Some(CompanyFacts {
                name: c.display_name,
                registration_number: c.registration_number,
            })
        }
    }
    Ok(())
}

/// A person of the filing (any people field of any step) with this ID or passport number.
fn person_in(steps: &Value, reference: &str) -> Option<PersonFacts> {
    let wanted: String = reference.chars().filter(|c| !c.is_whitespace()).collect();
    let same = |v: Option<&Value>| {
        v.and_then(Value::as_str).is_some_and(|s| {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .eq_ignore_ascii_case(&wanted)
        })
    };
    let steps = steps.as_object()?;
    for step in steps.values() {
        for field in step.as_object()?.values() {
            for item in field.as_array().into_iter().flatten() {
                if same(item.get("id_number")) || same(item.get("passport_number")) {
                    let s = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_owned);
                    return Some(PersonFacts {
                        full_name: s("full_name").unwrap_or_default(),
                        id_number: s("id_number"),
                        passport_number: s("passport_number"),
                    });
                }
            }
        }
    }
    None
}

/// The first name proposed in a name-choice step, before the registry reserved one.
fn first_name_choice(steps: &Value) -> Option<String> {
    let steps = steps.as_object()?;
    steps.values().find_map(|s| {
        s.get("names")
            .and_then(Value::as_array)
            .and_then(|n| n.first())
            .and_then(Value::as_str)
            .map(str::to_owned)
    })
}
