//! The command line: one clap enum, written for a person reading `--help`.

use clap::{Args, Parser, Subcommand};
use comply360_domain::{IsolationMode, Slug, Tier};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Comply360: company registration and compliance for corporate-service agencies.
///
/// With no DATABASE_URL, comply360 runs its own PostgreSQL in the data directory (./.comply360
/// by default). Every command works whether or not a `serve` is running on that directory.
#[derive(Debug, Parser)]
#[command(
    name = "comply360",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where the embedded PostgreSQL keeps its data (ignored when DATABASE_URL is set).
    #[arg(
        long,
        global = true,
        env = "COMPLY360_DATA_DIR",
        value_name = "DIR",
        help_heading = "Global options"
    )]
    pub data_dir: Option<PathBuf>,
    /// Use this PostgreSQL server instead of the embedded one; its user creates the roles and
    /// databases (or finds them created).
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        value_name = "URL",
        hide_env_values = true,
        help_heading = "Global options"
    )]
    pub database_url: Option<String>,
    /// A TOML file with settings (environment variables override it).
    #[arg(
        long,
        global = true,
        env = "COMPLY360_CONFIG",
        value_name = "FILE",
        help_heading = "Global options"
    )]
    pub config: Option<PathBuf>,
    /// Log lines as JSON (for log collectors) instead of text.
    #[arg(long, global = true, help_heading = "Global options")]
    pub log_json: bool,
}

impl GlobalArgs {
    pub fn log_format(&self) -> bool {
        self.log_json || std::env::var("COMPLY360_LOG_FORMAT").is_ok_and(|v| v == "json")
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (and background work): migrates, then serves until Ctrl-C.
    Serve(ServeArgs),
    /// Migrate the control plane, then every tenant namespace.
    Migrate(MigrateArgs),
    /// Create, inspect, suspend and provision agencies (tenants).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Register PostgreSQL servers that host database-mode tenants.
    #[command(subcommand)]
    Server(ServerCommand),
    /// Create the three demo agencies (one per isolation mode) if absent, and print their URLs.
    Demo(DemoArgs),
    /// Measure provisioning per mode and a fleet migration, on a throwaway cluster.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "COMPLY360_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Also create the demo agencies and print where to find them.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Namespaces migrated at once (each holds one connection).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Print the summary as JSON.
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Afterwards, check every namespace against the tenancy contract (RLS forced, policies,
    /// tenant_id-led keys).
    #[arg(long)]
    pub verify: bool,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create and provision an agency.
    Create(TenantCreateArgs),
    /// List agencies as a table (or JSON).
    List(JsonArg),
    /// Show one agency, its placement and provisioning state.
    Show(SlugJsonArgs),
    /// Refuse every request for the agency (HTTP 423) until reactivated. Data is kept.
    Suspend(SlugArg),
    /// Serve a suspended agency again.
    Reactivate(SlugArg),
    /// Finish provisioning an agency whose provisioning failed or was interrupted.
    Provision(ProvisionArgs),
    /// Undo a failed provisioning: drop what was created and forget the agency.
    Discard(SlugArg),
}

#[derive(Debug, Args)]
pub struct TenantCreateArgs {
    /// Subdomain and identifier: 3-63 of a-z, 0-9 and '-', starting with a letter.
    #[arg(long)]
    pub slug: Slug,
    /// The agency's display name.
    #[arg(long)]
    pub name: String,
    /// Isolation: pooled (shared tables), schema (own schema) or database (own database).
    #[arg(long)]
    pub mode: Option<IsolationMode>,
    /// Commercial tier: starter, professional or enterprise (sets the default mode).
    #[arg(long, default_value = "starter")]
    pub tier: Tier,
    /// For database mode: the registered server to place the database on.
    #[arg(long, value_name = "NAME")]
    pub server: Option<String>,
    /// Invite this address as the agency's first administrator.
    #[arg(long, value_name = "EMAIL")]
    pub admin_email: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProvisionArgs {
    /// Resume from the last completed step.
    #[arg(long, required = true)]
    pub resume: bool,
    pub slug: String,
}

#[derive(Debug, Args)]
pub struct SlugArg {
    pub slug: String,
}

#[derive(Debug, Args)]
pub struct SlugJsonArgs {
    pub slug: String,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Register a server; its admin user creates the roles there now.
    Add(ServerAddArgs),
    /// List registered servers (credentials are never shown).
    List(JsonArg),
}

#[derive(Debug, Args)]
pub struct ServerAddArgs {
    /// A short name, used by `tenant create --server`.
    #[arg(long)]
    pub name: String,
    /// postgres://ADMIN:PASSWORD@HOST:PORT/DATABASE of a user that may create roles and databases.
    #[arg(long, env = "COMPLY360_SERVER_URL", hide_env_values = true)]
    pub url: String,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The port the server listens on, for the printed URLs.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Tenants provisioned per mode for the latency figures (database mode gets a fifth).
    #[arg(long, default_value_t = 50)]
    pub per_mode: usize,
    /// Schema-mode tenants in the fleet migration.
    #[arg(long, default_value_t = 1000)]
    pub fleet: usize,
    /// Fleet migration concurrency.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Run the throwaway cluster with fsync off (faster, not representative of production).
    #[arg(long)]
    pub no_fsync: bool,
}

/// Clap's own errors, reduced to one line (help and version print as usual).
pub fn report_parse_error(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            ExitCode::SUCCESS
        }
        _ => {
            let text = err.render().to_string();
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("error: invalid arguments");
            eprintln!("{} (see --help)", first.trim_end());
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
