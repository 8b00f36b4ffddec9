//! `payments_total{provider,outcome}`: what became of each provider notification (`applied`,
//! `ignored`, `refused`, or `duplicate` for a delivery of a key already stored) and each
//! payment staff record (`manual`, `recorded`). Counted when decided, inside the deciding
//! transaction: a transaction that then fails counts once more when its job runs again,
//! which the rate of `outcome` over time tolerates (the ledger, not this counter, is the
//! record of money).

pub(crate) fn count(provider: &str, outcome: &'static str) {
    // A fixed set of label values, whatever the caller holds.
    let provider = match provider {
        "payfast" => "payfast",
        "stripe" => "stripe",
        _ => "manual",
    };
    metrics::counter!("payments_total", "provider" => provider, "outcome" => outcome).increment(1);
}
