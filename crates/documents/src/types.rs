//! The document types an agency uses: the built-in kinds and its own, each with the retention
//! rule that applies to it.

use crate::error::DocumentError;
use crate::retention::{self, RetentionRule};
use comply360_practice::documents::DocumentKind;
use comply360_store::TenantTx;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// A type, as the API and the portal list them.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentType {
    /// The code uploads name (`id_copy`, or the agency's own `share_certificate`).
    pub code: String,
    pub label: String,
    /// Built into Comply360 (with automatic checks for some), or the agency's own.
    pub builtin: bool,
    pub retention: RetentionRule,
}

/// A new type of the agency's own.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct NewDocumentType {
    /// Lower case letters, digits and underscores, starting with a letter (2–40).
    pub code: String,
    pub label: String,
}

/// The human name of a built-in kind.
pub fn builtin_label(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::IdCopy => "ID copy",
        DocumentKind::Passport => "Passport",
        DocumentKind::ProofOfAddress => "Proof of address",
        DocumentKind::Moi => "Memorandum of Incorporation",
        DocumentKind::Certificate => "Registry certificate",
        DocumentKind::Cor94 => "CoR 9.4 (name reservation)",
        DocumentKind::Cor143 => "CoR 14.3 (registration certificate)",
        DocumentKind::BankConfirmation => "Bank confirmation letter",
        DocumentKind::TaxClearance => "Tax compliance status",
        DocumentKind::Other => "Other",
    }
}

pub async fn list(tx: &mut TenantTx) -> Result<Vec<DocumentType>, DocumentError> {
    let mut out = Vec::new();
    for kind in DocumentKind::ALL {
        out.push(DocumentType {
            code: kind.as_str().to_owned(),
            label: builtin_label(*kind).to_owned(),
            builtin: true,
            retention: retention::rule_for(tx, kind.as_str()).await?,
        });
    }
    let rows = tx
        .query("SELECT code, label FROM document_types WHERE tenant_id = $1 ORDER BY label")
        .bind(tx.tenant_id().as_uuid())
        .fetch_all(tx.conn())
        .await?;
    for r in rows {
        let code: String = r.try_get(0)?;
        out.push(DocumentType {
            retention: retention::rule_for(tx, &code).await?,
            label: r.try_get(1)?,
            builtin: false,
            code,
        });
    }
    Ok(out)
}

fn valid_code(code: &str) -> bool {
    let mut chars = code.chars();
    (2..=40).contains(&code.len())
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub async fn add(tx: &mut TenantTx, new: &NewDocumentType) -> Result<DocumentType, DocumentError> {
    let code = new.code.trim();
    let label = new.label.trim();
    let mut fields = Vec::new();
    if !valid_code(code) {
        fields.push(("code".to_owned(), "2 to 40 lower-case letters, digits and underscores, starting with a letter (e.g. share_certificate)".to_owned()));
    } else if code == "custom" || code.parse::<DocumentKind>().is_ok() {
        fields.push((
            "code".to_owned(),
            format!("`{code}` is a built-in type; choose another code"),
        ));
    }
    if label.is_empty() || label.chars().count() > 80 {
        fields.push((
            "label".to_owned(),
            "the name people see, 1 to 80 characters".to_owned(),
        ));
    }
    if !fields.is_empty() {
        return Err(DocumentError::Invalid {
            detail: "the document type has invalid fields".into(),
            fields,
        });
    }
    let inserted = tx
        .query("INSERT INTO document_types (tenant_id, code, label) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(tx.tenant_id().as_uuid())
        .bind(code)
        .bind(label)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if inserted == 0 {
        return Err(DocumentError::Conflict {
            code: "document_type_exists",
            detail: format!("your agency already has a document type `{code}`"),
        });
    }
    Ok(DocumentType {
        code: code.to_owned(),
        label: label.to_owned(),
        builtin: false,
        retention: retention::rule_for(tx, code).await?,
    })
}

/// Whether the code names a type of this agency (built-in or its own).
pub async fn exists(tx: &mut TenantTx, code: &str) -> Result<bool, DocumentError> {
    Ok(code.parse::<DocumentKind>().is_ok() || crate::repo::custom_type_exists(tx, code).await?)
}
