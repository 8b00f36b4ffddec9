//! `comply360 user create` and `comply360 platform-user create`: accounts with a password,
//! for the first administrator of an agency and for operators. The password comes from a file
//! or standard input, never from the command line (where `ps` and shell history would keep it).

use crate::cli::{GlobalArgs, PlatformUserCommand, UserCommand};
use crate::platform;
use crate::runtime::Runtime;
use anyhow::Context;
use comply360_identity::AuthError;
use comply360_integrations::{CallPolicy, Resilience};
use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;

fn read_password(file: Option<&Path>) -> anyhow::Result<String> {
    let line = match file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the password file {}", path.display()))?
            .lines()
            .next()
            .unwrap_or("")
            .to_owned(),
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            line
        }
    };
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    anyhow::ensure!(
        !password.is_empty(),
        "no password given: pipe it on standard input or pass --password-file"
    );
    Ok(password)
}

/// One line for an identity refusal (a weak password says why).
fn explain(err: AuthError) -> anyhow::Error {
    match err {
        AuthError::Invalid { field, message } => anyhow::anyhow!("{field} {message}"),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn identity(rt: &Runtime) -> anyhow::Result<comply360_identity::Identity> {
    let resilience = Resilience::new(CallPolicy::default());
    let outbox = platform::outbox(&rt.settings, &rt.store, &resilience)?;
    platform::identity(&rt.settings, &rt.store, &outbox, platform::DEFAULT_PORT).await
}

pub async fn run_user(global: &GlobalArgs, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let UserCommand::Create(args) = cmd;
    let password = read_password(args.password_file.as_deref())?;
    let rt = Runtime::open(global, false).await?;
    let result = async {
        let identity = identity(&rt).await?;
        let tenant = rt.store.tenancy().resolve(&args.tenant).await?;
        let user = identity
            .create_user(&tenant, &args.email, &args.role, &args.name, &password)
            .await
            .map_err(explain)?;
        println!(
            "created {} ({}) in {} — user {}",
            user.email,
            user.role,
            tenant.slug(),
            user.id
        );
        Ok(ExitCode::SUCCESS)
    }
    .await;
    rt.close().await?;
    result
}

pub async fn run_platform_user(
    global: &GlobalArgs,
    cmd: PlatformUserCommand,
) -> anyhow::Result<ExitCode> {
    let PlatformUserCommand::Create(args) = cmd;
    let password = read_password(args.password_file.as_deref())?;
    let rt = Runtime::open(global, false).await?;
    let result = async {
        let identity = identity(&rt).await?;
        let id = identity
            .create_platform_user(&args.email, &args.role, &args.name, &password)
            .await
            .map_err(explain)?;
        println!(
            "created platform user {} ({}) — {}",
            args.email.trim(),
            args.role,
            id
        );
        Ok(ExitCode::SUCCESS)
    }
    .await;
    rt.close().await?;
    result
}
