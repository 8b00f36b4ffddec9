//! What the registry said, recorded on the registration: the reference and the registry's
//! document (CoR 9.4 with the reserved name and its expiry, CoR 14.3 with the registration
//! number and the certificate, a refusal's reason), whether an agent typed it in (manual
//! path) or the registry gateway returned it. Completing an incorporation creates the
//! company, with its people, so its compliance calendar starts at once.

use crate::companies;
use crate::documents::{self, DocumentKind};
use crate::error::{PracticeError, Problems};
use crate::registration_types::{Operation, RegistrationType};
use crate::registrations::{self, Registration};
use crate::{history, obligations};
use chrono::NaiveDate;
use comply360_domain::{Jurisdiction, RegistrationKind};
use comply360_store::TenantTx;
use record::{decode, incorporated_company, registration_number};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

mod record;

pub use record::{Approved, Attachment, OutcomeInput, for_approval, for_rejection};

pub async fn store(tx: &mut TenantTx, r: &Registration, a: &Approved) -> Result<(), PracticeError> {
    registrations::repo::set_outcome(tx, r.id, &a.record, a.reference.as_deref()).await?;
    if let Some((name, content_type, bytes)) = &a.certificate {
        attach(tx, r, name, content_type, bytes).await?;
    }
    Ok(())
}

/// Stores the registry's document on the registration (bytes in `document_contents` until
/// the documents capability brings object storage).
pub async fn attach(
    tx: &mut TenantTx,
    r: &Registration,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<Uuid, PracticeError> {
    let id = Uuid::now_v7();
    let kind = if r.kind == RegistrationKind::ZaNameReservation {
        DocumentKind::Cor94
    } else if r.jurisdiction == Jurisdiction::SouthAfrica {
        DocumentKind::Cor143
    } else {
        DocumentKind::Certificate
    };
    let file_name: String = file_name.chars().take(255).collect();
    let sha256 = hex::encode(Sha256::digest(bytes));
    let storage_key = format!("db:document_contents/{id}");
    documents::insert_verified(
        tx,
        &documents::NewDocument {
            id,
            client_id: r.client_id,
            registration_id: r.id,
            kind,
            file_name: &file_name,
            content_type,
            size_bytes: bytes.len() as i64,
            sha256: &sha256,
            storage_key: &storage_key,
        },
    )
    .await?;
    documents::insert_content(tx, id, bytes).await?;
    Ok(id)
}

/// The incorporation's certificate: attached now, or at approval; without one the filing
/// cannot complete.
async fn certificate(
    tx: &mut TenantTx,
    ty: &RegistrationType,
    r: &Registration,
    input: Option<&OutcomeInput>,
) -> Result<Uuid, PracticeError> {
    let mut p = Problems::default();
    let new_certificate = input
        .and_then(|o| o.certificate.as_ref())
        .and_then(|a| decode(a, "outcome.certificate", &mut p));
    p.finish("the certificate is not readable")?;
    match (
        new_certificate,
        documents::latest_certificate(tx, r.id).await?,
    ) {
        (Some((name, ct, bytes)), _) => attach(tx, r, &name, &ct, &bytes).await,
        (None, Some(existing)) => Ok(existing),
        (None, None) => Err(PracticeError::field(
            "outcome.certificate",
            format!(
                "attach the registry's certificate ({}) to complete the incorporation",
                ty.outcome_document.as_deref().unwrap_or("certificate")
            ),
        )),
    }
}

/// Completes the filing: an incorporation needs its certificate (attached at approval or now)
/// and creates the company; returns the timeline detail.
pub async fn complete(
    tx: &mut TenantTx,
    actor: Uuid,
    ty: &RegistrationType,
    r: &Registration,
    input: Option<&OutcomeInput>,
    today: NaiveDate,
) -> Result<Value, PracticeError> {
    if ty.operation != Operation::Incorporation {
        return Ok(json!({}));
    }
    let document = certificate(tx, ty, r, input).await?;
    let number = registration_number(r);
    let company = match r.company_id {
        Some(id) => id,
        None => {
            let input = incorporated_company(ty, r, today);
            let company = companies::create(tx, actor, &input, today).await?;
            registrations::repo::set_company(tx, r.id, company.id).await?;
            company.id
        }
    };
    history::record(
        tx,
        actor,
        "company.incorporated",
        "company",
        company,
        json!({"registration_id": r.id, "registration_number": number}),
    )
    .await?;
    obligations::refresh_company(tx, company, today).await?;
    Ok(
        json!({"company_id": company, "certificate_document_id": document, "registration_number": number}),
    )
}
