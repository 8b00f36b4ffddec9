//! `comply360 server add|list`: PostgreSQL servers for database-mode tenants.

use super::table;
use crate::cli::{GlobalArgs, ServerAddArgs, ServerCommand};
use crate::runtime::Runtime;
use comply360_domain::ServerId;
use comply360_store::bootstrap::ensure_roles;
use comply360_store::catalog;
use comply360_store::connect::{ServerUrl, connect_once};
use sqlx::Connection;
use std::process::ExitCode;

pub async fn run(global: &GlobalArgs, cmd: ServerCommand) -> anyhow::Result<ExitCode> {
    let rt = Runtime::open(global, false).await?;
    let result = match cmd {
        ServerCommand::Add(args) => add(&rt, args).await,
        ServerCommand::List(args) => list(&rt, args.json).await,
    };
    rt.close().await?;
    result
}

async fn add(rt: &Runtime, args: ServerAddArgs) -> anyhow::Result<ExitCode> {
    let valid = args.name.len() <= 63
        && args.name.starts_with(|c: char| c.is_ascii_lowercase())
        && args
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    anyhow::ensure!(
        valid,
        "server name {:?} must be lowercase letters, digits and '-', starting with a letter",
        args.name
    );
    if catalog::server_by_name(rt.store.owner_pool(), &args.name)
        .await?
        .is_some()
    {
        return Err(comply360_store::StoreError::ServerExists(args.name).into());
    }
    let url = ServerUrl::parse(&args.url, "--url")?;
    let address = url.address.clone();
    // Prove we can reach it and prepare the roles before recording it. The admin password is
    // used for this and then forgotten: afterwards the owner role (CREATEDB) does all the work.
    let mut admin = connect_once(&url.options).await?;
    ensure_roles(&mut admin, &rt.store.settings().passwords).await?;
    admin.close().await?;
    let id = ServerId::new();
    catalog::insert_server(rt.store.owner_pool(), id, &args.name, &address, &url.user).await?;
    catalog::audit(
        rt.store.owner_pool(),
        "operator",
        "server.added",
        None,
        serde_json::json!({"name": args.name}),
    )
    .await?;
    println!(
        "registered server {} at {}; place tenants on it with `tenant create --mode database --server {}`",
        args.name, address, args.name
    );
    Ok(ExitCode::SUCCESS)
}

async fn list(rt: &Runtime, json: bool) -> anyhow::Result<ExitCode> {
    let servers = catalog::list_servers(rt.store.owner_pool()).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&servers)?);
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = servers
        .iter()
        .map(|s| {
            let addr = match rt.store.server_address(s) {
                Some(a) if s.is_primary => format!("{a} (from configuration)"),
                Some(a) => a.to_string(),
                None => "-".into(),
            };
            vec![
                s.name.clone(),
                if s.is_primary {
                    "yes".into()
                } else {
                    "no".into()
                },
                addr,
                s.admin_user.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    println!(
        "{}",
        table::render(&["NAME", "PRIMARY", "ADDRESS", "ADMIN USER"], &rows)
    );
    Ok(ExitCode::SUCCESS)
}
