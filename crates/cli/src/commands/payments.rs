//! `comply360 payments reconcile --tenant SLUG --since DATE` and `comply360 payments stand-in`.

use super::table;
use crate::cli::{GlobalArgs, PaymentsCommand, PaymentsReconcileArgs, PaymentsStandInArgs};
use crate::platform;
use crate::runtime::Runtime;
use comply360_integrations::payfast::{PayFastStandIn, PayFastStandInConfig};
use comply360_integrations::stripe::{StripeStandIn, StripeStandInConfig};
use comply360_integrations::{CallPolicy, Resilience};
use comply360_payments::invoices::model::Provider;
use comply360_payments::reconcile::{self, Report};
use comply360_practice::reminders::sa_today;
use std::net::SocketAddr;
use std::process::ExitCode;

pub async fn run(global: &GlobalArgs, cmd: PaymentsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PaymentsCommand::Reconcile(args) => reconcile(global, args).await,
        PaymentsCommand::StandIn(args) => stand_in(args).await,
    }
}

async fn reconcile(global: &GlobalArgs, args: PaymentsReconcileArgs) -> anyhow::Result<ExitCode> {
    let today = sa_today();
    anyhow::ensure!(
        args.since <= today,
        "--since {} is in the future; give a day up to today ({today})",
        args.since
    );
    let rt = Runtime::open(global, false).await?;
    let result = async {
        let payments = platform::payments(&rt.settings, &Resilience::new(CallPolicy::default()))?;
        let tenant = rt.store.tenancy().resolve(&args.tenant).await?;
        let report = reconcile::run(&payments, rt.store.tenancy(), &tenant, args.since)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.tenant))?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            println!("{}", render(&args.tenant, &report));
        }
        anyhow::Ok(if report.all_matched() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
    .await;
    rt.close().await?;
    result
}

/// The report as a person reads it: what was compared, a table of the lines (differences
/// first), the totals, and what was not compared.
pub fn render(tenant: &str, report: &Report) -> String {
    let mut out = Vec::new();
    let asked = match report.checked.as_slice() {
        [] => "no provider is connected".to_owned(),
        providers => format!(
            "{} asked up to {}",
            providers
                .iter()
                .map(|p| provider_name(*p))
                .collect::<Vec<_>>()
                .join(" and "),
            date(report.until)
        ),
    };
    out.push(format!(
        "Online payments of {tenant} since {} ({asked})",
        date(report.since)
    ));
    if report.lines.is_empty() {
        out.push("Nothing was paid through the providers in that time.".to_owned());
    } else {
        let rows: Vec<Vec<String>> = report
            .lines
            .iter()
            .map(|l| {
                let amount = |c: Option<i64>| c.map(|c| money(c, &l.currency)).unwrap_or_default();
                vec![
                    l.status.as_str().to_owned(),
                    provider_name(l.provider).to_owned(),
                    l.reference.clone(),
                    l.invoice_number.clone().unwrap_or_default(),
                    amount(l.provider_cents),
                    amount(l.our_cents),
                    l.detail.clone(),
                ]
            })
            .collect();
        out.push(table::render(
            &[
                "STATUS",
                "PROVIDER",
                "REFERENCE",
                "INVOICE",
                "PROVIDER AMOUNT",
                "RECORDED",
                "DETAIL",
            ],
            &rows,
        ));
    }
    let t = &report.totals;
    out.push(format!(
        "{} matched, {} amount differs, {} missing here, {} missing at provider",
        t.matched, t.amount_differs, t.missing_here, t.missing_at_provider
    ));
    for a in &t.amounts {
        out.push(format!(
            "{}: the providers list {}, recorded here {}",
            a.currency,
            money(a.provider_cents, &a.currency),
            money(a.our_cents, &a.currency)
        ));
    }
    out.push(format!(
        "Manual payments (EFT, cash) are not reconciled: {} recorded since {}.",
        report.manual_payments,
        date(report.since)
    ));
    out.extend(report.notes.iter().cloned());
    out.join("\n")
}

fn provider_name(p: Provider) -> &'static str {
    match p {
        Provider::Payfast => "PayFast",
        Provider::Stripe => "Stripe",
        Provider::Manual => "manual",
    }
}

/// `R 1 234.56` (thousands spaced, as on the invoices); other currencies by their code.
fn money(cents: i64, currency: &str) -> String {
    let symbol = match currency {
        "ZAR" => "R",
        "USD" => "US$",
        other => other,
    };
    let sign = if cents < 0 { "-" } else { "" };
    let magnitude = cents.unsigned_abs();
    let whole = (magnitude / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    format!("{sign}{symbol} {grouped}.{:02}", magnitude % 100)
}

fn date(day: chrono::NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
}

async fn stand_in(args: PaymentsStandInArgs) -> anyhow::Result<ExitCode> {
    let stripe_listen = args.stripe_listen.unwrap_or_else(|| {
        // Port 0 stays 0 (any free port); otherwise the next one.
        let port = match args.listen.port() {
            0 => 0,
            p => p.saturating_add(1),
        };
        SocketAddr::new(args.listen.ip(), port)
    });
    let pf_config = PayFastStandInConfig {
        listen: args.listen,
        ..PayFastStandInConfig::default()
    };
    let merchant = pf_config.merchants.first().cloned();
    let mut payfast = PayFastStandIn::start(pf_config).await.map_err(|e| {
        anyhow::anyhow!(
            "PayFast's stand-in cannot listen on {}: {e}; choose another address with --listen",
            args.listen
        )
    })?;
    let st_config = StripeStandInConfig {
        listen: stripe_listen,
        webhook_url: args.stripe_webhook_url.clone(),
        ..StripeStandInConfig::default()
    };
    let (secret_key, webhook_secret) = (
        st_config.secret_key.clone(),
        st_config.webhook_secret.clone(),
    );
    let mut stripe = StripeStandIn::start(st_config).await.map_err(|e| {
        anyhow::anyhow!(
            "Stripe's stand-in cannot listen on {stripe_listen}: {e}; choose another address with --stripe-listen"
        )
    })?;
    println!("PayFast stand-in on {}", payfast.base_url());
    println!("Stripe stand-in on {}", stripe.base_url());
    println!();
    println!("Point Comply360 at them (then start `comply360 serve`):");
    println!("  COMPLY360_PAYFAST_URL={}", payfast.base_url());
    // The stand-in posts ITNs from this machine.
    println!("  COMPLY360_PAYFAST_ITN_HOSTS=localhost");
    println!("  COMPLY360_STRIPE_API_URL={}", stripe.base_url());
    println!();
    println!(
        "Connect an agency (as its administrator: PUT /api/v1/payment-providers/payfast and .../stripe):"
    );
    if let Some(m) = merchant {
        println!(
            "  PayFast: merchant id {}, merchant key {}, passphrase {}, sandbox on (PayFast's sandbox merchant)",
            m.merchant_id,
            m.merchant_key,
            m.passphrase.as_deref().unwrap_or("(none)")
        );
    }
    println!("  Stripe: secret key {secret_key}, webhook signing secret {webhook_secret}");
    match &args.stripe_webhook_url {
        Some(url) => println!("Stripe's webhooks go to {url}"),
        None => println!(
            "Stripe's webhooks go nowhere: give --stripe-webhook-url http://HOST:PORT/api/v1/webhooks/stripe/SLUG for the agency that takes payments"
        ),
    }
    super::shutdown_signal().await;
    payfast.stop().await;
    stripe.stop().await;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use comply360_payments::reconcile::{Line, Status, totals};

    #[test]
    fn the_report_reads_as_a_table_with_totals() {
        let lines = vec![
            Line {
                status: Status::MissingHere,
                provider: Provider::Stripe,
                reference: "pi_123".into(),
                currency: "ZAR".into(),
                provider_cents: Some(127_500),
                our_cents: None,
                payment_id: None,
                checkout_id: None,
                invoice_id: None,
                invoice_number: Some("INV-0007".into()),
                detail: "no payment here".into(),
            },
            Line {
                status: Status::Matched,
                provider: Provider::Payfast,
                reference: "1089250".into(),
                currency: "ZAR".into(),
                provider_cents: Some(100),
                our_cents: Some(100),
                payment_id: None,
                checkout_id: None,
                invoice_id: None,
                invoice_number: Some("INV-0001".into()),
                detail: String::new(),
            },
        ];
        let report = Report {
            since: "2026-05-14".parse().unwrap(),
            until: "2026-05-20".parse().unwrap(),
            checked: vec![Provider::Payfast, Provider::Stripe],
            manual_payments: 2,
            totals: totals(&lines),
            lines,
            notes: vec![],
        };
        let text = render("karoo", &report);
        assert!(
            text.starts_with(
                "Online payments of karoo since 14 May 2026 (PayFast and Stripe asked up to 20 May 2026)"
            ),
            "{text}"
        );
        assert!(text.contains("STATUS"), "{text}");
        assert!(text.contains("missing_here  Stripe"), "{text}");
        assert!(text.contains("R 1 275.00"), "{text}");
        assert!(
            text.contains("1 matched, 0 amount differs, 1 missing here, 0 missing at provider"),
            "{text}"
        );
        assert!(
            text.contains("ZAR: the providers list R 1 276.00, recorded here R 1.00"),
            "{text}"
        );
        assert!(
            text.contains("Manual payments (EFT, cash) are not reconciled: 2 recorded"),
            "{text}"
        );
    }

    #[test]
    fn amounts_read_as_on_the_invoices() {
        assert_eq!(money(123_456_789, "ZAR"), "R 1 234 567.89");
        assert_eq!(money(-15_000, "USD"), "-US$ 150.00");
        assert_eq!(money(5, "ZWG"), "ZWG 0.05");
    }
}
