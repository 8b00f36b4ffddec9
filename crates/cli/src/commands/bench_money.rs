//! `comply360 bench --suite money`: how fast commissions are calculated (the
//! `commissions.calculate` job over approved registrations, rules and prices read per job)
//! and how fast an agency's records reach its Odoo (the `odoo.sync` job writing clients to
//! the Odoo stand-in over loopback HTTP, each an upsert by external identifier), with both
//! Odoo protocols.

use comply360_domain::{IsolationMode, Slug, Tier};
use comply360_erp::OdooSync;
use comply360_erp::settings::{self, OdooSettingsInput};
use comply360_identity::sealed::MasterKey;
use comply360_integrations::odoo::{OdooProtocol, OdooStandIn, StandInConfig};
use comply360_integrations::{CallPolicy, Resilience};
use comply360_jobs::event::types;
use comply360_jobs::{NewEvent, Outbox, RetryPolicy, Runner, Subscriptions, Transport};
use comply360_money::{CalculateCommission, prices, rules};
use comply360_practice::clients::{self, ClientInput};
use comply360_practice::reminders::sa_today;
use comply360_store::provision::{NewTenant, ProvisionOptions};
use comply360_store::repo::bench;
use comply360_store::{Store, Tenant};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

async fn agency(store: &Store, slug: &str) -> anyhow::Result<Arc<Tenant>> {
    let record = store
        .create_tenant(
            NewTenant {
                slug: Slug::parse(slug)?,
                name: format!("Bench {slug}"),
                mode: IsolationMode::Pooled,
                tier: Tier::Starter,
                server: None,
                admin_email: None,
            },
            ProvisionOptions::default(),
        )
        .await?;
    Ok(store.tenancy().resolve(&record.slug).await?)
}

/// Runs the agency's due jobs until none is left; how long it took.
async fn drain(store: &Store, outbox: &Outbox, tenant: &Tenant) -> anyhow::Result<Duration> {
    let runner = Runner::new(
        store.tenancy().clone(),
        outbox.clone(),
        Duration::from_secs(60),
    );
    let started = Instant::now();
    while comply360_jobs::run_due(&runner, tenant).await? > 0 {}
    Ok(started.elapsed())
}

pub async fn bench(
    store: &Store,
    registrations: usize,
    clients_per_protocol: usize,
) -> anyhow::Result<()> {
    calculation(store, registrations).await?;
    for protocol in [OdooProtocol::Json2, OdooProtocol::XmlRpc] {
        sync(store, protocol, clients_per_protocol).await?;
    }
    Ok(())
}

async fn calculation(store: &Store, n: usize) -> anyhow::Result<()> {
    let tenant = agency(store, "bench-commissions").await?;
    let outbox = Outbox::new(
        Arc::new(Subscriptions::new(RetryPolicy::DEFAULT).with(CalculateCommission)),
        Transport::Postgres,
    );
    let agent = Uuid::now_v7();
    let mut tx = store.tenancy().begin(&tenant).await?;
    bench::insert_agent(&mut tx, agent, "agent@bench.example").await?;
    let today = sa_today();
    let price = prices::PriceInput {
        kind: Some("za_name_reservation".into()),
        amount_cents: Some(150_050),
        ..Default::default()
    };
    prices::set(&mut tx, Uuid::nil(), &price, today)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for input in [
        json!({"basis": "percentage", "rate_bp": 1250}),
        json!({"basis": "fixed", "amount_cents": 20_000, "kind": "za_vat_registration"}),
        json!({"basis": "percentage", "rate_bp": 1500, "agent_id": agent, "kind": "za_name_reservation"}),
    ] {
        let input: rules::RuleInput = serde_json::from_value(input)?;
        rules::create(&mut tx, Uuid::nil(), &input, today)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let ids = bench::fill_approved(&mut tx, agent, n as i64).await?;
    for id in &ids {
        outbox
            .emit(
                &mut tx,
                NewEvent::new(types::REGISTRATION_APPROVED, "registration")
                    .aggregate(*id)
                    .payload(json!({"registration_id": id})),
            )
            .await?;
    }
    tx.commit().await?;
    let took = drain(store, &outbox, &tenant).await?;
    let mut tx = store.tenancy().begin(&tenant).await?;
    let made = bench::count_commissions(&mut tx).await?;
    tx.rollback().await?;
    anyhow::ensure!(made as usize == n, "{made} commissions for {n} approvals");
    println!(
        "commission calculation: {n} approvals -> {made} commissions in {:.2} s = {:.0} per second (job, rule choice, price, insert, event)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
    Ok(())
}

async fn sync(store: &Store, protocol: OdooProtocol, n: usize) -> anyhow::Result<()> {
    let odoo = OdooStandIn::start(StandInConfig {
        commission_model: true,
        ..StandInConfig::default()
    })
    .await?;
    let tenant = agency(store, &format!("bench-odoo-{protocol}")).await?;
    let master = MasterKey::generate();
    let outbox = Outbox::new(
        Arc::new(Subscriptions::new(RetryPolicy::DEFAULT).with(OdooSync::new(
            master.clone(),
            Resilience::new(CallPolicy::default()),
            comply360_erp::http_client(),
        ))),
        Transport::Postgres,
    );
    let config = odoo.odoo_config(protocol);
    let mut tx = store.tenancy().begin(&tenant).await?;
    let input = OdooSettingsInput {
        base_url: Some(config.base_url.to_string()),
        database: Some(config.database.clone()),
        login: Some(config.login.clone()),
        api_key: Some(config.api_key.expose().to_owned()),
        protocol: Some(protocol.as_str().to_owned()),
        ..OdooSettingsInput::default()
    };
    settings::save(&mut tx, &master, Uuid::nil(), &input)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for i in 0..n {
        let client = ClientInput {
            kind: Some("organisation".into()),
            display_name: Some(format!("Bench Trading {i} (Pty) Ltd")),
            email: Some(format!("office{i}@bench.example")),
            ..ClientInput::default()
        };
        clients::create(&mut tx, &outbox, Uuid::nil(), &client, sa_today())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    tx.commit().await?;
    let calls_before = odoo.total_calls();
    let took = drain(store, &outbox, &tenant).await?;
    let partners = odoo.records("res.partner").len();
    anyhow::ensure!(partners == n, "{partners} partners in Odoo for {n} clients");
    println!(
        "odoo sync over {}: {n} clients -> {partners} partners in {:.2} s = {:.0} records per second ({:.1} Odoo calls each)",
        protocol,
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        (odoo.total_calls() - calls_before) as f64 / n as f64,
    );
    odoo.shutdown().await;
    Ok(())
}
