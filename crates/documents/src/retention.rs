//! How long each document is kept, and on what legal basis. Agencies are accountable
//! institutions under FICA: customer due diligence records are kept at least five years after
//! the business relationship ends (s22–23), which is POPIA's "required by law" basis (s14)
//! for keeping them; after that they are destroyed (FACTS.md section 8). An agency may set a
//! longer period, or another basis, per kind (`document_retention`).

use crate::error::DocumentError;
use comply360_store::TenantTx;
use serde::Serialize;
use sqlx::Row;

/// The built-in rule: years after the client relationship ends, and why.
pub const DEFAULT_YEARS: i32 = 5;
pub const DEFAULT_BASIS: &str = "FICA s22–23: records of a client's due diligence and transactions are kept for at least 5 years after the business relationship ends (POPIA s14(1)(a): retention required by law)";

/// The rule for one kind (or custom type) of document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RetentionRule {
    #[serde(rename = "type")]
    pub kind: String,
    /// Years kept after the client relationship ends.
    pub years: i32,
    pub basis: String,
    /// Whether the agency set it (otherwise the built-in rule).
    pub custom: bool,
}

/// The rule for `kind`: the agency's, else the built-in one.
pub async fn rule_for(tx: &mut TenantTx, kind: &str) -> Result<RetentionRule, DocumentError> {
    let row = tx
        .query("SELECT years, basis FROM document_retention WHERE tenant_id = $1 AND kind = $2")
        .bind(tx.tenant_id().as_uuid())
        .bind(kind)
        .fetch_optional(tx.conn())
        .await?;
    Ok(match row {
        Some(r) => RetentionRule {
            kind: kind.to_owned(),
            years: r.try_get(0)?,
            basis: r.try_get(1)?,
            custom: true,
        },
        None => RetentionRule {
            kind: kind.to_owned(),
            years: DEFAULT_YEARS,
            basis: DEFAULT_BASIS.to_owned(),
            custom: false,
        },
    })
}

/// Sets the agency's rule for a kind. The law's minimum is not negotiable: fewer than the
/// built-in years is refused.
pub async fn set_rule(
    tx: &mut TenantTx,
    kind: &str,
    years: i32,
    basis: &str,
) -> Result<RetentionRule, DocumentError> {
    if !(DEFAULT_YEARS..=100).contains(&years) {
        return Err(DocumentError::field(
            "years",
            format!("between {DEFAULT_YEARS} (FICA's minimum after the relationship ends) and 100"),
        ));
    }
    let basis = basis.trim();
    if basis.chars().count() < 3 || basis.chars().count() > 300 {
        return Err(DocumentError::field(
            "basis",
            "the legal basis for keeping it this long, 3 to 300 characters",
        ));
    }
    tx.query(
        "INSERT INTO document_retention (tenant_id, kind, years, basis) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tenant_id, kind) DO UPDATE SET years = EXCLUDED.years, basis = EXCLUDED.basis, updated_at = now()",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(kind)
    .bind(years)
    .bind(basis)
    .execute(tx.conn())
    .await?;
    rule_for(tx, kind).await
}
