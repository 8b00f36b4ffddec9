//! A person's decisions over a document: overriding the automatic verdict (with a reason,
//! audited and emitted like the verdict itself) and legal holds, which stop retention from
//! purging it.

use crate::error::DocumentError;
use crate::model::{Document, DocumentStatus, LegalHold, Review};
use crate::read;
use crate::repo;
use chrono::Utc;
use comply360_jobs::{NewEvent, Outbox, event::types};
use comply360_store::TenantTx;
use serde_json::json;
use std::net::IpAddr;
use uuid::Uuid;

fn reason_of(reason: &str) -> Result<String, DocumentError> {
    let reason = reason.trim();
    if reason.chars().count() < 3 || reason.chars().count() > 500 {
        return Err(DocumentError::field(
            "reason",
            "say why, in 3 to 500 characters (it is kept in the audit log)",
        ));
    }
    Ok(reason.to_owned())
}

/// Sets the verdict by hand.
pub async fn override_verdict(
    tx: &mut TenantTx,
    outbox: &Outbox,
    id: Uuid,
    actor: Uuid,
    ip: Option<IpAddr>,
    status: DocumentStatus,
    reason: &str,
) -> Result<Document, DocumentError> {
    if !status.reviewable() {
        return Err(DocumentError::field(
            "status",
            "choose verified, needs_review or rejected",
        ));
    }
    let reason = reason_of(reason)?;
    let d = read::get(tx, id).await?;
    if !d.status.reviewable() {
        return Err(DocumentError::Conflict {
            code: "document_not_reviewable",
            detail: format!(
                "a {} document has no verdict to override; wait until it is processed",
                d.status.as_str().replace('_', " ")
            ),
        });
    }
    let review = Review {
        status,
        reason: reason.clone(),
        by: actor,
        at: Utc::now(),
    };
    repo::set_review(tx, id, &review).await?;
    repo::audit(
        tx,
        Some(actor),
        "document.reviewed",
        id,
        ip,
        json!({"from": d.status.as_str(), "to": status.as_str(), "reason": reason}),
    )
    .await?;
    let event = match status {
        DocumentStatus::Verified => Some(types::DOCUMENT_VERIFIED),
        DocumentStatus::Rejected => Some(types::DOCUMENT_REJECTED),
        _ => None,
    };
    if let Some(event) = event {
        outbox
            .emit(
                tx,
                NewEvent::new(event, "document")
                    .aggregate(id)
                    .actor(Some(actor))
                    .payload(json!({"document_id": id, "status": status.as_str(), "overridden": true, "reason": reason})),
            )
            .await
            .map_err(|e| DocumentError::Store(e.into_store("document.reviewed")))?;
    }
    read::get(tx, id).await
}

/// Places (`Some(reason)`) or lifts (`None`) a legal hold on every version of the document.
pub async fn legal_hold(
    tx: &mut TenantTx,
    id: Uuid,
    actor: Uuid,
    ip: Option<IpAddr>,
    reason: Option<&str>,
) -> Result<Document, DocumentError> {
    let d = read::get(tx, id).await?;
    if d.status == DocumentStatus::Purged {
        return Err(DocumentError::Conflict {
            code: "document_purged",
            detail: "the document was already purged; there is nothing left to hold".into(),
        });
    }
    let hold = match reason {
        Some(r) => Some(LegalHold {
            reason: reason_of(r)?,
            by: actor,
            at: Utc::now(),
        }),
        None => None,
    };
    repo::set_legal_hold(tx, id, hold.as_ref()).await?;
    repo::audit(
        tx,
        Some(actor),
        if hold.is_some() {
            "document.legal_hold_placed"
        } else {
            "document.legal_hold_lifted"
        },
        id,
        ip,
        json!({"reason": hold.as_ref().map(|h| h.reason.clone())}),
    )
    .await?;
    read::get(tx, id).await
}
