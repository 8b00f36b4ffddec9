//! The demo agencies: one per isolation mode, with sample rows.

use crate::cli::{DemoArgs, GlobalArgs};
use crate::platform;
use crate::runtime::Runtime;
use comply360_domain::{IsolationMode, ProvisioningState, Slug, Tier};
use comply360_identity::{AuthError, Identity};
use comply360_integrations::{CallPolicy, Resilience};
use comply360_jobs::Outbox;
use comply360_store::catalog;
use comply360_store::provision::{NewTenant, ProvisionOptions};
use comply360_store::repo::demo;
use std::process::ExitCode;

/// The demo's platform operator.
pub const OPERATOR_EMAIL: &str = "operator@comply360.example";

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "Demo-Baobab-Sunrise-2026";

pub const DEMO_TENANTS: [(&str, &str, IsolationMode, Tier); 3] = [
    (
        "acacia",
        "Acacia Corporate Services",
        IsolationMode::Pooled,
        Tier::Starter,
    ),
    (
        "baobab",
        "Baobab Company Secretarial",
        IsolationMode::Schema,
        Tier::Professional,
    ),
    (
        "cedar",
        "Cedar Compliance Partners",
        IsolationMode::Database,
        Tier::Enterprise,
    ),
];

pub async fn run(global: &GlobalArgs, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let rt = Runtime::open(global, false).await?;
    let result = async {
        let resilience = Resilience::new(CallPolicy::default());
        let outbox = platform::outbox(&rt.settings, &rt.store, &resilience)?;
        let identity = platform::identity(&rt.settings, &rt.store, &outbox, args.port).await?;
        ensure(&rt, &identity, &outbox, args.port).await
    }
    .await;
    rt.close().await?;
    result.map(|()| ExitCode::SUCCESS)
}

/// Creates the demo agencies that are missing (or finishes them) and prints their URLs.
pub async fn ensure(
    rt: &Runtime,
    identity: &Identity,
    outbox: &Outbox,
    port: u16,
) -> anyhow::Result<()> {
    let store = &rt.store;
    for (slug, name, mode, tier) in DEMO_TENANTS {
        let existing = catalog::tenant_by_slug(store.owner_pool(), slug).await?;
        match existing {
            None => {
                let new = NewTenant {
                    slug: Slug::parse(slug)?,
                    name: name.into(),
                    mode,
                    tier,
                    server: None,
                    admin_email: Some(format!("admin@{slug}.example")),
                };
                store
                    .create_tenant(new, ProvisionOptions::default())
                    .await?;
            }
            Some(t) if t.placement.state != ProvisioningState::Active => {
                store
                    .resume_provisioning(slug, ProvisionOptions::default())
                    .await?;
            }
            Some(_) => {}
        }
        let tenant = store.tenancy().resolve(slug).await?;
        let mut tx = store.tenancy().begin(&tenant).await?;
        demo::seed(&mut tx, slug).await?;
        tx.commit().await?;
    }
    // Demo accounts sign in with a known password (a laptop demo, never a deployment).
    for (slug, _, _, _) in DEMO_TENANTS {
        let tenant = store.tenancy().resolve(slug).await?;
        for (email, role, name) in [
            (
                format!("admin@{slug}.example"),
                "tenant_admin",
                "Demo Administrator",
            ),
            (format!("thandi@{slug}.example"), "agent", "Thandi Mokoena"),
        ] {
            match identity
                .create_user(&tenant, &email, role, name, DEMO_PASSWORD)
                .await
            {
                Ok(_) | Err(AuthError::Conflict(_)) => {}
                Err(err) => anyhow::bail!("demo user {email}: {err}"),
            }
        }
        let users = identity.list_users(&tenant).await?;
        let id_of = |email: String| users.iter().find(|u| u.email == email).map(|u| u.id);
        if let (Some(agent), Some(admin)) = (
            id_of(format!("thandi@{slug}.example")),
            id_of(format!("admin@{slug}.example")),
        ) {
            super::demo_work::fill(store, outbox, &tenant, agent, admin).await?;
        }
    }
    // A platform operator, for the console.
    match identity
        .create_platform_user(
            OPERATOR_EMAIL,
            "super_admin",
            "Platform Operator",
            DEMO_PASSWORD,
        )
        .await
    {
        Ok(_) | Err(AuthError::Conflict(_)) => {}
        Err(err) => anyhow::bail!("demo operator {OPERATOR_EMAIL}: {err}"),
    }
    println!("Demo agencies (one per isolation mode):");
    for (slug, name, mode, _) in DEMO_TENANTS {
        println!(
            "  {name:<28} {:<9} http://{slug}.{}:{port}/login",
            mode.as_str(),
            rt.base_domain()
        );
    }
    println!(
        "Sign in as admin@<agency>.example (tenant_admin) or thandi@<agency>.example (agent), password {DEMO_PASSWORD}"
    );
    println!(
        "Platform console: http://{}:{port}/login as {OPERATOR_EMAIL} (super_admin), password {DEMO_PASSWORD}",
        rt.base_domain()
    );
    // A client with an email, so the registration below also shows a notification.
    let first = store.tenancy().resolve(DEMO_TENANTS[0].0).await?;
    let mut tx = store.tenancy().begin(&first).await?;
    let client = comply360_practice::clients::first_with_email(&mut tx).await?;
    tx.commit().await?;
    if let Some(client) = client {
        let slug = DEMO_TENANTS[0].0;
        println!(
            "Through the API: sign in, then open a registration (emits registration.created; the client's email appears at /dev/mailbox):\n  TOKEN=$(curl -s -H 'X-Tenant: {slug}' -H 'Content-Type: application/json' -d '{{\"email\": \"thandi@{slug}.example\", \"password\": \"{DEMO_PASSWORD}\"}}' http://127.0.0.1:{port}/api/v1/auth/login | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')\n  curl -H 'X-Tenant: {slug}' -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{{\"client_id\": \"{client}\", \"kind\": \"za_private_company\"}}' http://127.0.0.1:{port}/api/v1/registrations"
        );
    }
    Ok(())
}
