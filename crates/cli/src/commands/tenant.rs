//! `comply360 tenant …`

use super::table;
use crate::cli::{GlobalArgs, TenantCommand, TenantCreateArgs};
use crate::platform;
use crate::runtime::Runtime;
use anyhow::Context;
use comply360_domain::{ProvisioningStep, TenantStatus};
use comply360_integrations::{CallPolicy, Resilience};
use comply360_store::catalog::{self, TenantRecord};
use comply360_store::provision::{NewTenant, ProvisionOptions};
use std::process::ExitCode;

/// Test hook: `COMPLY360_FAIL_AFTER_STEP=create_namespace` makes provisioning fail on purpose
/// after that step, to exercise `tenant provision --resume`.
fn provision_options() -> anyhow::Result<ProvisionOptions> {
    let fail_after = match std::env::var("COMPLY360_FAIL_AFTER_STEP") {
        Ok(step) => Some(
            step.parse::<ProvisioningStep>()
                .context("COMPLY360_FAIL_AFTER_STEP")?,
        ),
        Err(_) => None,
    };
    Ok(ProvisionOptions { fail_after })
}

pub async fn run(global: &GlobalArgs, cmd: TenantCommand) -> anyhow::Result<ExitCode> {
    let rt = Runtime::open(global, false).await?;
    let result = dispatch(&rt, cmd).await;
    rt.close().await?;
    result
}

async fn dispatch(rt: &Runtime, cmd: TenantCommand) -> anyhow::Result<ExitCode> {
    let store = &rt.store;
    match cmd {
        TenantCommand::Create(args) => create(rt, args).await,
        TenantCommand::List(args) => {
            let tenants = catalog::list_tenants(store.owner_pool()).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&tenants)?);
            } else if tenants.is_empty() {
                println!(
                    "no tenants yet; create one with `comply360 tenant create --slug acme --name \"Acme\" --mode pooled`"
                );
            } else {
                let rows: Vec<Vec<String>> = tenants.iter().map(row).collect();
                println!(
                    "{}",
                    table::render(
                        &[
                            "SLUG",
                            "NAME",
                            "MODE",
                            "TIER",
                            "STATUS",
                            "PROVISIONING",
                            "VERSION",
                            "LOCATION"
                        ],
                        &rows
                    )
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TenantCommand::Show(args) => {
            let t = catalog::require_tenant(store.owner_pool(), &args.slug).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                print_details(&t, rt.base_domain());
            }
            Ok(ExitCode::SUCCESS)
        }
        TenantCommand::Suspend(args) => set_status(rt, &args.slug, TenantStatus::Suspended).await,
        TenantCommand::Reactivate(args) => set_status(rt, &args.slug, TenantStatus::Active).await,
        TenantCommand::Provision(args) => {
            let t = store
                .resume_provisioning(&args.slug, provision_options()?)
                .await?;
            println!(
                "tenant {} is {} ({} attempts)",
                t.slug, t.placement.state, t.placement.attempts
            );
            Ok(ExitCode::SUCCESS)
        }
        TenantCommand::Discard(args) => {
            store.discard_tenant(&args.slug, false).await?;
            println!(
                "discarded tenant {} and everything its provisioning created",
                args.slug
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn create(rt: &Runtime, args: TenantCreateArgs) -> anyhow::Result<ExitCode> {
    let mode = args.mode.unwrap_or(args.tier.default_mode());
    let new = NewTenant {
        slug: args.slug,
        name: args.name,
        mode,
        tier: args.tier,
        server: args.server,
        admin_email: args.admin_email,
    };
    let admin_email = new.admin_email.clone();
    let t = rt.store.create_tenant(new, provision_options()?).await?;
    // The first administrator chooses a password through an emailed invitation (sent by the
    // workers of a running `serve`).
    let invited = match &admin_email {
        Some(email) => {
            let resilience = Resilience::new(CallPolicy::default());
            let outbox = platform::outbox(&rt.settings, &rt.store, &resilience)?;
            let identity =
                platform::identity(&rt.settings, &rt.store, &outbox, platform::DEFAULT_PORT)
                    .await?;
            let tenant = rt.store.tenancy().resolve(&t.slug).await?;
            identity
                .invite_provisioned_admin(&tenant, email)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .then_some(email.clone())
        }
        None => None,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&t)?);
    } else {
        println!(
            "created tenant {} ({} mode, {}): {}",
            t.slug,
            t.mode,
            location(&t),
            url(&t.slug, rt.base_domain())
        );
        if let Some(email) = invited {
            println!(
                "invited {email} as the agency's administrator (the email goes out with the running service's workers)"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn set_status(rt: &Runtime, slug: &str, status: TenantStatus) -> anyhow::Result<ExitCode> {
    let (_, changed) = rt.store.set_tenant_status(slug, status, "operator").await?;
    if changed {
        println!("tenant {slug} is now {status}");
    } else {
        println!("tenant {slug} is already {status}");
    }
    Ok(ExitCode::SUCCESS)
}

fn location(t: &TenantRecord) -> String {
    let p = &t.placement;
    match &p.database {
        Some(db) => format!("database {db} on {}", p.server_name),
        None => format!("schema {} on {}", p.schema, p.server_name),
    }
}

fn url(slug: &str, base: &str) -> String {
    format!("http://{slug}.{base}:8080/")
}

fn row(t: &TenantRecord) -> Vec<String> {
    vec![
        t.slug.clone(),
        t.name.clone(),
        t.mode.to_string(),
        t.tier.to_string(),
        t.status.to_string(),
        t.placement.state.to_string(),
        t.placement
            .schema_version
            .map_or("-".into(), |v| v.to_string()),
        location(t),
    ]
}

fn print_details(t: &TenantRecord, base: &str) {
    let p = &t.placement;
    println!("slug:          {}", t.slug);
    println!("name:          {}", t.name);
    println!("id:            {}", t.id);
    println!("status:        {}", t.status);
    println!("tier:          {}", t.tier);
    println!("mode:          {}", t.mode);
    println!("location:      {}", location(t));
    println!(
        "schema ver.:   {}",
        p.schema_version.map_or("-".into(), |v| v.to_string())
    );
    println!(
        "provisioning:  {} (last step: {}, attempts: {})",
        p.state,
        p.completed_step.map_or("none".into(), |s| s.to_string()),
        p.attempts
    );
    if let Some(err) = &p.last_error {
        println!("last error:    {err}");
    }
    println!(
        "created:       {}",
        t.created_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    println!("url:           {}", url(&t.slug, base));
}
