//! Reconciliation: what the providers say was paid against the payments recorded here.
//!
//! For one agency and a start date: PayFast's transaction history and Stripe's paid Checkout
//! Sessions (each provider the agency has connected) are set against the agency's provider
//! payments, and every transaction or payment becomes one [`Line`]:
//!
//! * `matched`: the provider's transaction and our payment, for the same amount;
//! * `amount_differs`: both, but the amounts (or currencies) differ;
//! * `missing_here`: the provider took money we have no payment for (a notification that
//!   never arrived, or was refused); the line names the checkout and invoice when the
//!   transaction names a checkout of ours;
//! * `missing_at_provider`: we recorded a provider payment the provider does not list.
//!
//! A transaction is matched to a payment by the payment's reference (PayFast's
//! `pf_payment_id`, Stripe's payment intent), else by the checkout it names (PayFast's
//! `m_payment_id`, Stripe's `client_reference_id`). Manual payments (EFT, cash) are not
//! reconciled: no provider lists them; the report counts them.
//!
//! The providers are asked from the day before the start date: a Stripe session lives up to
//! a day before it is paid, and PayFast's dates need not be South Africa's, so a payment
//! recorded on the start date may sit in the provider's previous day. Transactions of that
//! extra day whose payment was recorded before the start date are left out.
//!
//! The outside calls run outside any transaction, through the resilience wrapper (systems
//! `payfast` and `stripe`); the database is read in short transactions before and after.
//! [`compare`] is the pure core.

use crate::invoices::model::Provider;
use crate::providers;
use crate::service::{PAYFAST, Payments, STRIPE};
use chrono::{Days, NaiveDate};
use comply360_integrations::payfast::{PayFastClient, TransactionRow};
use comply360_integrations::stripe::{CheckoutSession, StripeClient};
use comply360_practice::PracticeError;
use comply360_practice::reminders::sa_today;
use comply360_store::{Tenancy, Tenant, TenantTx};
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

/// What reconciliation found for one transaction or payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    // In the order a person should read them: money unaccounted for first.
    MissingHere,
    MissingAtProvider,
    AmountDiffers,
    Matched,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::MissingHere => "missing_here",
            Status::MissingAtProvider => "missing_at_provider",
            Status::AmountDiffers => "amount_differs",
            Status::Matched => "matched",
        }
    }
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    pub status: Status,
    pub provider: Provider,
    /// PayFast's `pf_payment_id` or Stripe's payment intent.
    pub reference: String,
    pub currency: String,
    /// What the provider lists; absent when it lists nothing.
    pub provider_cents: Option<i64>,
    /// What we recorded; absent when we recorded nothing.
    pub our_cents: Option<i64>,
    pub payment_id: Option<Uuid>,
    pub checkout_id: Option<Uuid>,
    pub invoice_id: Option<Uuid>,
    pub invoice_number: Option<String>,
    /// What is wrong and what to do, in words (empty when matched).
    pub detail: String,
}

/// Counts per status, and amounts per currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub matched: usize,
    pub amount_differs: usize,
    pub missing_here: usize,
    pub missing_at_provider: usize,
    pub amounts: Vec<CurrencyTotal>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CurrencyTotal {
    pub currency: String,
    /// The sum of the provider's transactions on the report.
    pub provider_cents: i64,
    /// The sum of our payments on the report.
    pub our_cents: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub since: NaiveDate,
    /// The last day asked of the providers (today in South Africa).
    pub until: NaiveDate,
    /// The providers asked (the agency's connected ones).
    pub checked: Vec<Provider>,
    /// Manual payments (EFT, cash) recorded since the date: not reconciled.
    pub manual_payments: i64,
    pub lines: Vec<Line>,
    pub totals: Totals,
    /// Anything else a person should know (a provider not connected, an unreadable row).
    pub notes: Vec<String>,
}

impl Report {
    /// Every line matched (nothing to look into).
    pub fn all_matched(&self) -> bool {
        self.lines.iter().all(|l| l.status == Status::Matched)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(
        "{provider} could not be asked for its transactions ({detail}); try again in a few minutes"
    )]
    Provider {
        provider: &'static str,
        detail: String,
    },
    #[error(transparent)]
    Practice(#[from] PracticeError),
}

impl From<sqlx::Error> for ReconcileError {
    fn from(e: sqlx::Error) -> Self {
        ReconcileError::Practice(PracticeError::from(e))
    }
}

impl From<comply360_store::StoreError> for ReconcileError {
    fn from(e: comply360_store::StoreError) -> Self {
        ReconcileError::Practice(PracticeError::from(e))
    }
}

/// A payment the provider lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderTxn {
    pub provider: Provider,
    /// PayFast's `pf_payment_id`; Stripe's payment intent (the session id when it has none,
    /// as the notification records it).
    pub reference: String,
    /// The checkout it names: PayFast's `m_payment_id`, Stripe's `client_reference_id`.
    pub names: Option<String>,
    pub amount_cents: i64,
    /// Upper case (`ZAR`).
    pub currency: String,
}

/// A provider payment recorded here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub id: Uuid,
    pub provider: Provider,
    pub reference: String,
    pub amount_cents: i64,
    pub currency: String,
    pub received_on: NaiveDate,
    pub invoice_id: Uuid,
    pub invoice_number: Option<String>,
    pub checkout_id: Option<Uuid>,
}

/// A checkout of ours a transaction names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutRef {
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub invoice_number: Option<String>,
}

/// The pure core: `txns` (what the providers list) against `ours` (payments recorded since
/// `since`, and any others the transactions' references find); `checked` says which
/// providers were asked, so a payment of another provider is not called missing there.
pub fn compare(
    since: NaiveDate,
    checked: &[Provider],
    txns: &[ProviderTxn],
    ours: &[Recorded],
    checkouts: &[CheckoutRef],
) -> Vec<Line> {
    let mut used: HashSet<Uuid> = HashSet::new();
    let mut lines = Vec::new();
    for t in txns {
        let named = t.names.as_deref().and_then(|n| n.parse::<Uuid>().ok());
        let found = ours
            .iter()
            .find(|p| p.provider == t.provider && p.reference == t.reference)
            .or_else(|| {
                named.and_then(|c| {
                    ours.iter()
                        .find(|p| p.provider == t.provider && p.checkout_id == Some(c))
                })
            });
        let Some(p) = found else {
            let checkout = named.and_then(|c| checkouts.iter().find(|k| k.id == c));
            let detail = match checkout {
                Some(k) => format!(
                    "{} took this payment for invoice {} (checkout {}), but no payment is recorded here: its notification never arrived or was refused; see the invoice's notifications, then record it",
                    title(t.provider),
                    k.invoice_number.as_deref().unwrap_or("(draft)"),
                    k.id
                ),
                None => format!(
                    "{} took this payment, but it names no checkout of this agency ({}); look it up in {}'s dashboard",
                    title(t.provider),
                    t.names.as_deref().unwrap_or("no reference"),
                    title(t.provider)
                ),
            };
            lines.push(Line {
                status: Status::MissingHere,
                provider: t.provider,
                reference: t.reference.clone(),
                currency: t.currency.clone(),
                provider_cents: Some(t.amount_cents),
                our_cents: None,
                payment_id: None,
                checkout_id: checkout.map(|k| k.id),
                invoice_id: checkout.map(|k| k.invoice_id),
                invoice_number: checkout.and_then(|k| k.invoice_number.clone()),
                detail,
            });
            continue;
        };
        if !used.insert(p.id) {
            // A second transaction for one payment (a provider listing it twice): the first
            // line accounts for the payment; this one is money without a payment.
            lines.push(Line {
                status: Status::MissingHere,
                provider: t.provider,
                reference: t.reference.clone(),
                currency: t.currency.clone(),
                provider_cents: Some(t.amount_cents),
                our_cents: None,
                payment_id: None,
                checkout_id: p.checkout_id,
                invoice_id: Some(p.invoice_id),
                invoice_number: p.invoice_number.clone(),
                detail: format!(
                    "{} lists a second transaction for payment {}; look it up in {}'s dashboard",
                    title(t.provider),
                    p.reference,
                    title(t.provider)
                ),
            });
            continue;
        }
        if p.received_on < since {
            // The extra day asked of the provider, recorded before the window: not ours to
            // report.
            continue;
        }
        let same = p.amount_cents == t.amount_cents && p.currency == t.currency;
        lines.push(Line {
            status: if same {
                Status::Matched
            } else {
                Status::AmountDiffers
            },
            provider: t.provider,
            reference: t.reference.clone(),
            currency: t.currency.clone(),
            provider_cents: Some(t.amount_cents),
            our_cents: Some(p.amount_cents),
            payment_id: Some(p.id),
            checkout_id: p.checkout_id,
            invoice_id: Some(p.invoice_id),
            invoice_number: p.invoice_number.clone(),
            detail: if same {
                String::new()
            } else {
                format!(
                    "{} lists {} {} but payment {} records {} {}; correct the payment (a refund or credit note) after checking {}'s dashboard",
                    title(t.provider),
                    cents(t.amount_cents),
                    t.currency,
                    p.reference,
                    cents(p.amount_cents),
                    p.currency,
                    title(t.provider)
                )
            },
        });
    }
    for p in ours {
        if used.contains(&p.id) || p.received_on < since || !checked.contains(&p.provider) {
            continue;
        }
        lines.push(Line {
            status: Status::MissingAtProvider,
            provider: p.provider,
            reference: p.reference.clone(),
            currency: p.currency.clone(),
            provider_cents: None,
            our_cents: Some(p.amount_cents),
            payment_id: Some(p.id),
            checkout_id: p.checkout_id,
            invoice_id: Some(p.invoice_id),
            invoice_number: p.invoice_number.clone(),
            detail: format!(
                "recorded here on {} but {} does not list it; check {}'s dashboard before trusting this payment",
                p.received_on,
                title(p.provider),
                title(p.provider)
            ),
        });
    }
    lines.sort_by(|a, b| {
        (a.status, a.provider.as_str(), &a.reference).cmp(&(
            b.status,
            b.provider.as_str(),
            &b.reference,
        ))
    });
    lines
}

/// Counts and sums of `lines`.
pub fn totals(lines: &[Line]) -> Totals {
    let mut t = Totals::default();
    let mut amounts: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for l in lines {
        match l.status {
            Status::Matched => t.matched += 1,
            Status::AmountDiffers => t.amount_differs += 1,
            Status::MissingHere => t.missing_here += 1,
            Status::MissingAtProvider => t.missing_at_provider += 1,
        }
        let sum = amounts.entry(l.currency.as_str()).or_default();
        sum.0 += l.provider_cents.unwrap_or(0);
        sum.1 += l.our_cents.unwrap_or(0);
    }
    t.amounts = amounts
        .into_iter()
        .map(|(currency, (provider_cents, our_cents))| CurrencyTotal {
            currency: currency.to_owned(),
            provider_cents,
            our_cents,
        })
        .collect();
    t
}

/// `123456` → `1234.56`.
fn cents(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", (c / 100).abs(), (c % 100).abs())
}

/// The provider's name as people write it.
fn title(p: Provider) -> &'static str {
    match p {
        Provider::Payfast => "PayFast",
        Provider::Stripe => "Stripe",
        Provider::Manual => "manual",
    }
}

/// Reconciles `tenant`'s provider payments since `since` (a South African date).
pub async fn run(
    payments: &Payments,
    tenancy: &Tenancy,
    tenant: &Tenant,
    since: NaiveDate,
) -> Result<Report, ReconcileError> {
    let until = sa_today();
    let from = since.checked_sub_days(Days::new(1)).unwrap_or(since);
    let (payfast, stripe) = {
        let mut tx = tenancy.begin(tenant).await?;
        let pf = providers::payfast(
            &mut tx,
            payments.sealing(),
            payments.endpoints(),
            payments.http(),
        )
        .await?;
        let st = providers::stripe(
            &mut tx,
            payments.sealing(),
            payments.endpoints(),
            payments.http(),
        )
        .await?;
        tx.rollback().await?;
        (pf, st)
    };
    let mut notes = Vec::new();
    let mut checked = Vec::new();
    let mut txns = Vec::new();
    match &payfast {
        Some(pf) => {
            checked.push(Provider::Payfast);
            let rows = payfast_rows(payments, tenant, pf, from, until).await?;
            txns.extend(payfast_txns(&rows, &mut notes));
        }
        None => notes.push("PayFast is not connected: not checked".to_owned()),
    }
    match &stripe {
        Some(st) => {
            checked.push(Provider::Stripe);
            let sessions = stripe_sessions(payments, tenant, st, from).await?;
            txns.extend(stripe_txns(&sessions));
        }
        None => notes.push("Stripe is not connected: not checked".to_owned()),
    }
    let mut tx = tenancy.begin(tenant).await?;
    let mut ours = recorded_since(&mut tx, since).await?;
    for provider in [Provider::Payfast, Provider::Stripe] {
        let references: Vec<String> = txns
            .iter()
            .filter(|t| t.provider == provider)
            .map(|t| t.reference.clone())
            .collect();
        for p in recorded_with_references(&mut tx, provider, &references).await? {
            if !ours.iter().any(|o| o.id == p.id) {
                ours.push(p);
            }
        }
    }
    let named: Vec<Uuid> = txns
        .iter()
        .filter_map(|t| t.names.as_deref()?.parse().ok())
        .collect();
    let checkouts = checkouts_with_ids(&mut tx, &named).await?;
    let manual_payments = manual_since(&mut tx, since).await?;
    tx.rollback().await?;
    let lines = compare(since, &checked, &txns, &ours, &checkouts);
    Ok(Report {
        since,
        until,
        checked,
        manual_payments,
        totals: totals(&lines),
        lines,
        notes,
    })
}

async fn payfast_rows(
    payments: &Payments,
    tenant: &Tenant,
    pf: &PayFastClient,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<TransactionRow>, ReconcileError> {
    payments
        .resilience()
        .call(tenant.id(), PAYFAST, || pf.transactions(from, until))
        .await
        .map_err(|e| ReconcileError::Provider {
            provider: "PayFast",
            detail: e.to_string(),
        })
}

async fn stripe_sessions(
    payments: &Payments,
    tenant: &Tenant,
    st: &StripeClient,
    from: NaiveDate,
) -> Result<Vec<CheckoutSession>, ReconcileError> {
    // Midnight in South Africa (UTC+2) at the start of `from`.
    let created_gte = from
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp() - 2 * 3600);
    payments
        .resilience()
        .call(tenant.id(), STRIPE, || {
            st.all_checkout_sessions(created_gte)
        })
        .await
        .map_err(|e| ReconcileError::Provider {
            provider: "Stripe",
            detail: e.to_string(),
        })
}

/// PayFast's rows that are money received (a positive gross with a payment id); a row whose
/// gross cannot be read is noted, not guessed at.
pub fn payfast_txns(rows: &[TransactionRow], notes: &mut Vec<String>) -> Vec<ProviderTxn> {
    let mut out = Vec::new();
    for row in rows {
        let Some(reference) = row.pf_payment_id().filter(|r| !r.trim().is_empty()) else {
            continue;
        };
        match row.gross_cents() {
            Ok(gross) if gross > 0 => out.push(ProviderTxn {
                provider: Provider::Payfast,
                reference: reference.trim().to_owned(),
                names: row
                    .m_payment_id()
                    .map(|m| m.trim().to_owned())
                    .filter(|m| !m.is_empty()),
                amount_cents: gross,
                currency: row.get("Currency").unwrap_or("ZAR").trim().to_uppercase(),
            }),
            Ok(_) => {} // a refund or a fee, not a payment received
            Err(e) => notes.push(format!(
                "PayFast's row for payment {reference} was not compared: {e}"
            )),
        }
    }
    out
}

/// Stripe's paid sessions, referenced as the notification records them.
pub fn stripe_txns(sessions: &[CheckoutSession]) -> Vec<ProviderTxn> {
    sessions
        .iter()
        .filter(|s| s.payment_status == "paid")
        .map(|s| ProviderTxn {
            provider: Provider::Stripe,
            reference: s.payment_intent.clone().unwrap_or_else(|| s.id.clone()),
            names: s.client_reference_id.clone(),
            amount_cents: s.amount_total.unwrap_or(0),
            currency: s.currency.as_deref().unwrap_or("").to_uppercase(),
        })
        .collect()
}

const RECORDED: &str = "SELECT p.id, p.provider, p.reference, p.amount_cents, p.currency, \
     p.received_on, p.invoice_id, i.number, p.checkout_id \
     FROM payments p JOIN invoices i ON i.tenant_id = p.tenant_id AND i.id = p.invoice_id \
     WHERE p.tenant_id = $1 AND p.provider <> 'manual'";

fn recorded(row: &sqlx::postgres::PgRow) -> Result<Recorded, sqlx::Error> {
    let provider: String = row.try_get("provider")?;
    Ok(Recorded {
        id: row.try_get("id")?,
        provider: provider
            .parse()
            .map_err(|e| sqlx::Error::Decode(format!("{e}").into()))?,
        reference: row.try_get("reference")?,
        amount_cents: row.try_get("amount_cents")?,
        currency: row.try_get("currency")?,
        received_on: row.try_get("received_on")?,
        invoice_id: row.try_get("invoice_id")?,
        invoice_number: row.try_get("number")?,
        checkout_id: row.try_get("checkout_id")?,
    })
}

/// The provider payments received on or after `since`.
pub async fn recorded_since(
    tx: &mut TenantTx,
    since: NaiveDate,
) -> Result<Vec<Recorded>, sqlx::Error> {
    let sql = format!("{RECORDED} AND p.received_on >= $2 ORDER BY p.received_on, p.id");
    let rows = tx
        .query(&sql)
        .bind(tx.tenant_id().as_uuid())
        .bind(since)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(recorded).collect()
}

/// `provider`'s payments with these references, whenever received.
pub async fn recorded_with_references(
    tx: &mut TenantTx,
    provider: Provider,
    references: &[String],
) -> Result<Vec<Recorded>, sqlx::Error> {
    if references.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("{RECORDED} AND p.provider = $2 AND p.reference = ANY($3)");
    let rows = tx
        .query(&sql)
        .bind(tx.tenant_id().as_uuid())
        .bind(provider.as_str())
        .bind(references)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(recorded).collect()
}

/// This agency's checkouts among `ids`, with their invoices' numbers.
pub async fn checkouts_with_ids(
    tx: &mut TenantTx,
    ids: &[Uuid],
) -> Result<Vec<CheckoutRef>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = tx
        .query(
            "SELECT c.id, c.invoice_id, i.number FROM payment_checkouts c \
             JOIN invoices i ON i.tenant_id = c.tenant_id AND i.id = c.invoice_id \
             WHERE c.tenant_id = $1 AND c.id = ANY($2)",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(ids)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(CheckoutRef {
                id: r.try_get("id")?,
                invoice_id: r.try_get("invoice_id")?,
                invoice_number: r.try_get("number")?,
            })
        })
        .collect()
}

/// Manual payments received on or after `since`.
pub async fn manual_since(tx: &mut TenantTx, since: NaiveDate) -> Result<i64, sqlx::Error> {
    tx.query_scalar(
        "SELECT count(*) FROM payments WHERE tenant_id = $1 AND provider = 'manual' \
         AND received_on >= $2",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(since)
    .fetch_one(tx.conn())
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    fn txn(provider: Provider, reference: &str, names: Option<Uuid>, cents: i64) -> ProviderTxn {
        ProviderTxn {
            provider,
            reference: reference.into(),
            names: names.map(|n| n.to_string()),
            amount_cents: cents,
            currency: "ZAR".into(),
        }
    }

    fn paid(provider: Provider, reference: &str, cents: i64, on: &str) -> Recorded {
        Recorded {
            id: Uuid::now_v7(),
            provider,
            reference: reference.into(),
            amount_cents: cents,
            currency: "ZAR".into(),
            received_on: day(on),
            invoice_id: Uuid::now_v7(),
            invoice_number: Some("INV-0001".into()),
            checkout_id: Some(Uuid::now_v7()),
        }
    }

    #[test]
    fn each_case_is_named_and_problems_come_first() {
        let since = day("2026-03-01");
        let checkout = CheckoutRef {
            id: Uuid::now_v7(),
            invoice_id: Uuid::now_v7(),
            invoice_number: Some("INV-0007".into()),
        };
        let ours = vec![
            paid(Provider::Payfast, "1001", 127_500, "2026-03-02"),
            paid(Provider::Stripe, "pi_a", 5_000, "2026-03-02"),
            paid(Provider::Stripe, "pi_gone", 7_000, "2026-03-03"),
            // Before the window, found by its reference: left out.
            paid(Provider::Stripe, "pi_old", 1_000, "2026-02-28"),
            // A provider that was not asked: never called missing there.
            paid(Provider::Payfast, "1002", 3_000, "2026-03-03"),
        ];
        let txns = vec![
            txn(Provider::Payfast, "1001", None, 127_500),
            txn(Provider::Stripe, "pi_a", None, 5_500),
            txn(Provider::Stripe, "pi_old", None, 1_000),
            txn(Provider::Stripe, "pi_lost", Some(checkout.id), 9_900),
            txn(Provider::Stripe, "pi_stranger", Some(Uuid::now_v7()), 100),
        ];
        let lines = compare(
            since,
            &[Provider::Stripe],
            &txns,
            &ours,
            std::slice::from_ref(&checkout),
        );
        let got: Vec<(Status, &str)> = lines
            .iter()
            .map(|l| (l.status, l.reference.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Status::MissingHere, "pi_lost"),
                (Status::MissingHere, "pi_stranger"),
                (Status::MissingAtProvider, "pi_gone"),
                (Status::AmountDiffers, "pi_a"),
                (Status::Matched, "1001"),
            ]
        );
        assert_eq!(lines[0].invoice_number.as_deref(), Some("INV-0007"));
        assert!(lines[0].detail.contains("INV-0007"), "{}", lines[0].detail);
        assert!(lines[1].detail.contains("names no checkout"));
        let t = totals(&lines);
        assert_eq!(
            (
                t.matched,
                t.amount_differs,
                t.missing_here,
                t.missing_at_provider
            ),
            (1, 1, 2, 1)
        );
        assert_eq!(t.amounts[0].provider_cents, 127_500 + 5_500 + 9_900 + 100);
        assert_eq!(t.amounts[0].our_cents, 127_500 + 5_000 + 7_000);
    }

    #[test]
    fn a_payment_recorded_by_session_is_found_through_its_checkout() {
        let mut p = paid(Provider::Stripe, "cs_123", 2_000, "2026-03-02");
        let c = Uuid::now_v7();
        p.checkout_id = Some(c);
        let lines = compare(
            day("2026-03-01"),
            &[Provider::Stripe],
            &[txn(Provider::Stripe, "pi_123", Some(c), 2_000)],
            &[p],
            &[],
        );
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].status, Status::Matched);
    }

    #[test]
    fn payfast_rows_keep_payments_and_note_what_cannot_be_read() {
        let row = |pf: &str, m: &str, gross: &str| {
            TransactionRow(BTreeMap::from([
                ("PF Payment ID".to_owned(), pf.to_owned()),
                ("M Payment ID".to_owned(), m.to_owned()),
                ("Gross".to_owned(), gross.to_owned()),
            ]))
        };
        let mut notes = Vec::new();
        let txns = payfast_txns(
            &[
                row("1", "abc", "1275.00"),
                row("2", "", "-100.00"),
                row("3", "x", "lots"),
                row("", "y", "5.00"),
            ],
            &mut notes,
        );
        assert_eq!(txns.len(), 1);
        assert_eq!(txns[0].amount_cents, 127_500);
        assert_eq!(txns[0].names.as_deref(), Some("abc"));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("payment 3"));
    }

    #[test]
    fn cents_print_as_rands() {
        assert_eq!(cents(127_500), "1275.00");
        assert_eq!(cents(-5), "-0.05");
    }
}
