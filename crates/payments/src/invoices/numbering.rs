//! Invoice and credit-note numbers: one sequence per agency and series, without gaps.
//!
//! The next number is taken by incrementing the series' counter row in the transaction that
//! issues the document. The row lock makes concurrent issues wait their turn, and a
//! transaction that rolls back gives its number back with it, so every number is used once
//! and none is skipped (what SARS expects of tax invoices' serial numbers).

use comply360_store::TenantTx;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Series {
    Invoice,
    CreditNote,
}

impl Series {
    fn as_str(self) -> &'static str {
        match self {
            Series::Invoice => "invoice",
            Series::CreditNote => "credit_note",
        }
    }
}

/// The next number of `series`, for use in the caller's transaction.
pub(crate) async fn next(tx: &mut TenantTx, series: Series) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = tx
        .query_as(
            "INSERT INTO invoice_counters (tenant_id, series, last_number) VALUES ($1, $2, 1) \
             ON CONFLICT (tenant_id, series) DO UPDATE \
             SET last_number = invoice_counters.last_number + 1 \
             RETURNING last_number",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(series.as_str())
        .fetch_one(tx.conn())
        .await?;
    Ok(n)
}

/// `INV-000042`: the prefix and the sequence, zero-padded to six digits (longer past a
/// million).
pub fn format(prefix: &str, n: i64) -> String {
    format!("{prefix}{n:06}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_padded_to_six_digits() {
        assert_eq!(super::format("INV-", 42), "INV-000042");
        assert_eq!(super::format("CN/", 1_234_567), "CN/1234567");
    }
}
