//! `comply360 odoo test|reconcile --tenant SLUG` and `comply360 odoo stand-in`.

use super::table;
use crate::cli::{GlobalArgs, OdooCommand, OdooReconcileArgs, OdooStandInArgs, OdooTenantArgs};
use crate::platform;
use crate::runtime::Runtime;
use comply360_erp::reconcile::{self, DifferenceKind};
use comply360_erp::{check, settings};
use comply360_integrations::odoo::{OdooStandIn, StandInConfig};
use comply360_integrations::{CallPolicy, Resilience};
use std::process::ExitCode;

pub async fn run(global: &GlobalArgs, cmd: OdooCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        OdooCommand::Test(args) => test(global, args).await,
        OdooCommand::Reconcile(args) => reconcile(global, args).await,
        OdooCommand::StandIn(args) => stand_in(args).await,
    }
}

async fn test(global: &GlobalArgs, args: OdooTenantArgs) -> anyhow::Result<ExitCode> {
    let rt = Runtime::open(global, false).await?;
    let result = async {
        let master = platform::master_key(&rt.settings)?;
        let tenant = rt.store.tenancy().resolve(&args.tenant).await?;
        let mut tx = rt.store.tenancy().begin(&tenant).await?;
        let connection = settings::connect(&mut tx, &master, &comply360_erp::http_client())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        tx.rollback().await?;
        let Some(connection) = connection else {
            anyhow::bail!("{} has no Odoo connection: set it in the portal (Settings › Odoo) or with PUT /api/v1/integrations/odoo", args.tenant);
        };
        match check::test(&connection.client).await {
            Ok(report) if args.json => println!("{}", serde_json::to_string_pretty(&report)?),
            Ok(report) => {
                println!("Odoo {} over {}", report.server_version, report.protocol);
                println!(
                    "signed in as {} (uid {}{})",
                    report.login,
                    report.uid,
                    report.user_name.as_deref().map(|n| format!(", {n}")).unwrap_or_default()
                );
                let rows: Vec<Vec<String>> = report
                    .models
                    .iter()
                    .map(|m| vec![m.model.to_owned(), if m.present { "present" } else { "missing" }.to_owned()])
                    .collect();
                println!("{}", table::render(&["MODEL", "HERE"], &rows));
                println!("approved commissions go to {}", report.commissions_as);
            }
            Err(e) => {
                eprintln!("{}: {e}", args.tenant);
                return Ok(ExitCode::FAILURE);
            }
        }
        anyhow::Ok(ExitCode::SUCCESS)
    }
    .await;
    rt.close().await?;
    result
}

async fn reconcile(global: &GlobalArgs, args: OdooReconcileArgs) -> anyhow::Result<ExitCode> {
    let rt = Runtime::open(global, false).await?;
    let result = async {
        let master = platform::master_key(&rt.settings)?;
        let resilience = Resilience::new(CallPolicy::default());
        let outbox = platform::outbox(&rt.settings, &rt.store, &resilience)?;
        let tenant = rt.store.tenancy().resolve(&args.target.tenant).await?;
        let report = reconcile::run(
            rt.store.tenancy(),
            &tenant,
            &master,
            &comply360_erp::http_client(),
            &outbox,
            args.fix,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.target.tenant))?;
        if args.target.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else if report.differences.is_empty() {
            println!(
                "{} records checked; Comply360 and Odoo agree",
                report.checked
            );
        } else {
            let rows: Vec<Vec<String>> = report
                .differences
                .iter()
                .map(|d| {
                    vec![
                        format!("{:?}", d.kind).to_lowercase(),
                        d.entity.map(|e| e.to_string()).unwrap_or_default(),
                        d.entity_id.map(|i| i.to_string()).unwrap_or_default(),
                        d.model.clone(),
                        d.odoo_id.map(|i| i.to_string()).unwrap_or_default(),
                        d.detail.clone(),
                    ]
                })
                .collect();
            println!(
                "{}",
                table::render(
                    &["DIFFERENCE", "RECORD", "ID", "MODEL", "ODOO ID", "DETAIL"],
                    &rows
                )
            );
            println!(
                "{} records checked, {} differences",
                report.checked,
                report.differences.len()
            );
            if args.fix {
                println!(
                    "{} records queued to be written again (extras are left for a person)",
                    report.requeued
                );
            }
        }
        let unresolved = report
            .differences
            .iter()
            .any(|d| !args.fix || d.kind == DifferenceKind::Extra);
        anyhow::Ok(if unresolved {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        })
    }
    .await;
    rt.close().await?;
    result
}

async fn stand_in(args: OdooStandInArgs) -> anyhow::Result<ExitCode> {
    let config = StandInConfig {
        listen: args.listen,
        server_version: args.server_version,
        commission_model: args.commission_model,
        ..StandInConfig::default()
    };
    let user = config.users.first().cloned();
    let database = config.database.clone();
    let handle = OdooStandIn::start(config)
        .await
        .map_err(|e| anyhow::anyhow!("the Odoo stand-in cannot listen on {}: {e}", args.listen))?;
    println!("Odoo stand-in on {}", handle.base_url());
    if let Some(u) = user {
        println!(
            "database {database}, login {}, API key {}",
            u.login, u.api_key
        );
    }
    super::shutdown_signal().await;
    handle.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
