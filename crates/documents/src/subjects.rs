//! A document's subject, found in the agency's practice: the client it ultimately belongs to
//! (retention and data-subject requests count by client), and the ids stored with it.

use crate::error::DocumentError;
use crate::model::{Subject, SubjectKind};
use comply360_practice::{PracticeError, clients, companies, registrations};
use comply360_store::TenantTx;
use uuid::Uuid;

/// The subject's place in the practice.
#[derive(Clone, Copy, Debug)]
pub struct Placed {
    pub subject: Subject,
    pub client_id: Uuid,
    pub company_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub registration_id: Option<Uuid>,
}

/// Finds the subject in this agency (a subject of another agency is simply not found).
pub async fn place(tx: &mut TenantTx, subject: Subject) -> Result<Placed, DocumentError> {
    let not_found = |e: PracticeError| match e {
        PracticeError::NotFound(_) => DocumentError::field(
            "subject_id",
            format!("no {} with this id in your agency", subject.kind),
        ),
        other => DocumentError::Practice(other),
    };
    let mut placed = Placed {
        subject,
        client_id: subject.id,
        company_id: None,
        person_id: None,
        registration_id: None,
    };
    match subject.kind {
        SubjectKind::Client => {
            let c = clients::get(tx, subject.id, true)
                .await
                .map_err(not_found)?;
            if c.deleted_at.is_some() {
                return Err(DocumentError::field(
                    "subject_id",
                    "this client was deleted; restore the client before adding documents",
                ));
            }
        }
        SubjectKind::Company => {
            let c = companies::get(tx, subject.id).await.map_err(not_found)?;
            placed.client_id = c.client_id;
            placed.company_id = Some(c.id);
        }
        SubjectKind::Person => {
            let (c, p) = companies::person(tx, subject.id).await.map_err(not_found)?;
            placed.client_id = c.client_id;
            placed.company_id = Some(c.id);
            placed.person_id = Some(p.id);
        }
        SubjectKind::Registration => {
            let r = registrations::get(tx, subject.id)
                .await
                .map_err(not_found)?;
            placed.client_id = r.client_id;
            placed.registration_id = Some(r.id);
        }
    }
    Ok(placed)
}
