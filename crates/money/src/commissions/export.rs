//! Commissions as CSV: the list's filter, every matching row (up to a cap), amounts in rands
//! and cents as decimals a spreadsheet reads.

use super::{CommissionFilter, Viewer, parse_filter, repo};
use crate::sheet::{Sheet, guard};
use comply360_domain::Cents;
use comply360_practice::PracticeError;
use comply360_store::TenantTx;

/// Rows in one export at most; a longer period is exported in parts.
pub const MAX_ROWS: i64 = 50_000;

const HEADER: [&str; 16] = [
    "commission_id",
    "earned_on",
    "agent_email",
    "client",
    "registration_kind",
    "registration_reference",
    "fee",
    "amount",
    "currency",
    "status",
    "explanation",
    "approved_at",
    "rejected_reason",
    "paid_on",
    "payment_reference",
    "registration_id",
];

pub async fn csv(
    tx: &mut TenantTx,
    viewer: Viewer,
    filter: &CommissionFilter,
) -> Result<Vec<u8>, PracticeError> {
    let (status, _) = parse_filter(filter)?;
    let rows = repo::list(
        tx,
        &repo::ListQuery {
            agent: viewer.agent_filter(filter.agent),
            status,
            from: filter.from,
            to: filter.to,
            after: None,
            fetch: MAX_ROWS + 1,
        },
    )
    .await?;
    if rows.len() as i64 > MAX_ROWS {
        return Err(PracticeError::field(
            "from",
            format!("more than {MAX_ROWS} commissions match: export a shorter period"),
        ));
    }
    let mut out = Sheet::with_header(HEADER)?;
    for c in rows.iter().rev() {
        out.row([
            c.id.to_string(),
            c.earned_on.to_string(),
            c.agent_email.clone(),
            guard(&c.client_name),
            c.registration_kind.to_string(),
            c.registration_reference
                .clone()
                .map(|r| guard(&r))
                .unwrap_or_default(),
            c.fee_cents
                .map(|f| Cents(f).to_string())
                .unwrap_or_default(),
            Cents(c.amount_cents).to_string(),
            c.currency.clone(),
            c.status.to_string(),
            guard(
                c.calculation
                    .get("explanation")
                    .and_then(|e| e.as_str())
                    .unwrap_or(""),
            ),
            c.approved_at.map(|a| a.to_rfc3339()).unwrap_or_default(),
            c.reason.as_deref().map(guard).unwrap_or_default(),
            c.paid_on.map(|d| d.to_string()).unwrap_or_default(),
            c.payment_reference
                .as_deref()
                .map(guard)
                .unwrap_or_default(),
            c.registration_id.to_string(),
        ])?;
    }
    out.finish()
}
