//! The command line: one clap enum, written for a person reading `--help`.
//!
//! Kept in one file because it is one job: the clap command tree, declarations only, read top to
//! bottom as the `--help` a person sees; the commands' code lives in `commands/`.

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
    /// Log lines as text (for a terminal) or JSON lines (for log collectors).
    #[arg(
        long,
        global = true,
        value_enum,
        env = "COMPLY360_LOG_FORMAT",
        default_value = "text",
        help_heading = "Global options"
    )]
    pub log_format: LogFormat,
    /// The same as `--log-format json` (kept for scripts written before it).
    #[arg(long, global = true, hide = true)]
    pub log_json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl GlobalArgs {
    /// Whether log lines are JSON.
    pub fn json_logs(&self) -> bool {
        self.log_json || self.log_format == LogFormat::Json
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
    /// Measure provisioning and a fleet migration, or the job queue, on a throwaway cluster.
    Bench(BenchArgs),
    /// Inspect the job queue and replay dead letters.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// The state of outside systems' circuit breakers, across every running replica.
    #[command(subcommand)]
    Integrations(IntegrationsCommand),
    /// Email and SMS: send a test message through the configured channel.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// Agency users: create one with a password (e.g. the first administrator).
    #[command(subcommand)]
    User(UserCommand),
    /// Platform operators (super_admin, global_support).
    #[command(name = "platform-user", subcommand)]
    PlatformUser(PlatformUserCommand),
    /// The access-token signing keys: list them, or rotate to a new one.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Check identifiers (SA ID, tax reference, VAT, CIPC registration number); exit 1 if any
    /// is invalid.
    Check(CheckArgs),
    /// Bring an agency's records in from spreadsheets (CSV).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Run the local registry simulator: an HTTP registry that reserves names and incorporates
    /// companies asynchronously (for the automated filing path and tests).
    #[command(name = "registry-sim")]
    RegistrySim(RegistrySimArgs),
    /// The compliance calendar: recompute obligations and emit the reminders due now.
    #[command(subcommand)]
    Obligations(ObligationsCommand),
    /// Declared public holidays (election days, presidential decrees): list them, or add or
    /// remove one, which recomputes every agency's deadlines.
    #[command(subcommand)]
    Holidays(HolidaysCommand),
    /// Documents: rewrap the agencies' data keys after a master-key change, or run the
    /// housekeeping (hand-off into storage, retention purges) now.
    #[command(subcommand)]
    Documents(DocumentsCommand),
    /// An agency's Odoo: test its connection, reconcile what Comply360 and Odoo hold, or run
    /// a local Odoo stand-in for development.
    #[command(subcommand)]
    Odoo(OdooCommand),
    /// Online payments: reconcile an agency's payments with PayFast and Stripe, or run both
    /// providers' stand-ins for a demo.
    #[command(subcommand)]
    Payments(PaymentsCommand),
    /// The platform's billing of agencies: invoice a month, hold agencies unpaid past the
    /// grace period (and release those that paid), record a payment seen by EFT, list.
    #[command(subcommand)]
    Billing(BillingCommand),
}

#[derive(Debug, Subcommand)]
pub enum BillingCommand {
    /// Invoice every active agency for a month at its plan's price (never twice a month).
    Invoice(BillingInvoiceArgs),
    /// Hold agencies unpaid past the grace period; release those with nothing overdue.
    Enforce,
    /// Record that a platform invoice was paid (releases the agency if nothing else is due).
    Paid(BillingPaidArgs),
    /// Every platform invoice, newest first.
    List,
}

#[derive(Debug, Args)]
pub struct BillingInvoiceArgs {
    /// Any day of the month to invoice, YYYY-MM-DD (default: this month).
    #[arg(long, value_name = "DATE")]
    pub month: Option<chrono::NaiveDate>,
}

#[derive(Debug, Args)]
pub struct BillingPaidArgs {
    /// The invoice's number, e.g. C360-000042.
    pub number: String,
    /// The payment's reference (the bank statement's).
    #[arg(long)]
    pub reference: String,
}

#[derive(Debug, Subcommand)]
pub enum PaymentsCommand {
    /// Compare what PayFast and Stripe list as paid with the payments recorded here, since a
    /// date: matched, amount_differs, missing_here (the provider took money we have no
    /// payment for), missing_at_provider. Manual payments (EFT, cash) are not compared.
    /// Exit 0 when everything matched, 1 when there are differences.
    Reconcile(PaymentsReconcileArgs),
    /// PayFast's and Stripe's stand-ins until Ctrl-C, for a demo: prints their addresses, the
    /// settings that point Comply360 at them and the test accounts to connect.
    #[command(name = "stand-in")]
    StandIn(PaymentsStandInArgs),
}

#[derive(Debug, Args)]
pub struct PaymentsReconcileArgs {
    /// The agency's slug.
    #[arg(long, value_name = "SLUG")]
    pub tenant: String,
    /// The first day to compare, YYYY-MM-DD (South African dates).
    #[arg(long, value_name = "DATE")]
    pub since: chrono::NaiveDate,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PaymentsStandInArgs {
    /// Where PayFast's stand-in listens.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8791")]
    pub listen: SocketAddr,
    /// Where Stripe's stand-in listens (default: the next port after --listen's).
    #[arg(long, value_name = "ADDR")]
    pub stripe_listen: Option<SocketAddr>,
    /// Where Stripe's stand-in posts its webhooks: one agency's endpoint,
    /// http://HOST:PORT/api/v1/webhooks/stripe/SLUG (default: nowhere).
    #[arg(long, value_name = "URL")]
    pub stripe_webhook_url: Option<url::Url>,
}

#[derive(Debug, Subcommand)]
pub enum OdooCommand {
    /// Connect with the agency's stored settings: print Odoo's version, the signed-in user and
    /// which models the sync needs are present. Exit 1 when Odoo refuses.
    Test(OdooTenantArgs),
    /// Compare Comply360 with Odoo: records missing, deleted, changed (either side) or extra.
    /// Exit 1 when there are differences (0 after --fix queued them).
    Reconcile(OdooReconcileArgs),
    /// An in-memory Odoo (JSON-2 and XML-RPC) until Ctrl-C, to point an agency at while
    /// developing; it prints the database, login and API key to enter.
    #[command(name = "stand-in")]
    StandIn(OdooStandInArgs),
}

#[derive(Debug, Args)]
pub struct OdooTenantArgs {
    /// The agency's slug.
    #[arg(long, value_name = "SLUG")]
    pub tenant: String,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct OdooReconcileArgs {
    #[command(flatten)]
    pub target: OdooTenantArgs,
    /// Queue a sync of every missing, deleted or changed record (extras are only reported).
    #[arg(long)]
    pub fix: bool,
}

#[derive(Debug, Args)]
pub struct OdooStandInArgs {
    #[arg(long, default_value = "127.0.0.1:8069")]
    pub listen: std::net::SocketAddr,
    /// The version it reports: 19.0 serves JSON-2 and XML-RPC, below 19 XML-RPC only.
    #[arg(long, default_value = "19.0")]
    pub server_version: String,
    /// Install the custom commission model (x_comply360_commission).
    #[arg(long)]
    pub commission_model: bool,
}

#[derive(Debug, Subcommand)]
pub enum DocumentsCommand {
    /// After the master key was changed: rewrap every agency's data key from the previous
    /// master key to the current one (documents themselves are not rewritten).
    Rewrap {
        /// The previous master key (base64, as `openssl rand -base64 32` prints), in a file.
        #[arg(long, value_name = "PATH")]
        previous_master_key_file: std::path::PathBuf,
    },
    /// Run the documents housekeeping now: move handed-off registry certificates into
    /// storage, purge what retention has ended (legal holds kept); print what it did.
    Sweep {
        /// Only this agency (its slug); otherwise every servable agency.
        #[arg(long, value_name = "SLUG")]
        tenant: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum HolidaysCommand {
    /// The declared holidays, by date (the Public Holidays Act's own days are built in).
    List {
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Declare a public holiday; every agency's deadlines whose window spans it move.
    Add {
        /// The day, YYYY-MM-DD (a Sunday also makes the Monday a holiday).
        #[arg(value_name = "DATE")]
        date: chrono::NaiveDate,
        /// Why, e.g. "local government elections" (several words need no quotes).
        #[arg(value_name = "NAME", required = true, num_args = 1..)]
        name: Vec<String>,
    },
    /// Withdraw a declared holiday; the deadlines it moved move back.
    Remove {
        /// The day, YYYY-MM-DD.
        #[arg(value_name = "DATE")]
        date: chrono::NaiveDate,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import clients from a CSV file (UTF-8, a header row; `comply360 import clients --help`
    /// lists the columns). All rows or none, unless --skip-invalid.
    Clients(ImportClientsArgs),
}

#[derive(Debug, Args)]
#[command(
    after_help = "Columns (any order; a name column is required): kind, display_name, first_names, surname, email, phone, id_number, passport_number, passport_country, registration_number, tax_reference, address_line1, address_line2, address_city, address_postal_code, address_province, address_country, notes, external_ref, agent_email"
)]
pub struct ImportClientsArgs {
    /// The agency.
    #[arg(long, value_name = "SLUG")]
    pub tenant: String,
    /// The CSV file; `-` reads standard input.
    pub file: std::path::PathBuf,
    /// Check every row and report, without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the valid rows and report the others (default: one bad row writes nothing).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RegistrySimArgs {
    #[arg(long, default_value = "127.0.0.1:8790")]
    pub listen: std::net::SocketAddr,
    /// How long a filing stays pending before its answer shows (e.g. 2s, 500ms).
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    pub answer_after: std::time::Duration,
    /// A name already on the register (repeatable).
    #[arg(long = "seed", value_name = "NAME")]
    pub seed: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ObligationsCommand {
    /// Recompute every company's obligations and emit `obligation.due` for those due soon
    /// (what `serve` does every COMPLY360_OBLIGATION_SWEEP_SECS).
    Remind(RemindArgs),
}

#[derive(Debug, Args)]
pub struct RemindArgs {
    /// Only this agency (default: every agency).
    #[arg(long, value_name = "SLUG")]
    pub tenant: Option<String>,
    /// The day to compute for (default: today in South Africa), YYYY-MM-DD.
    #[arg(long)]
    pub today: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckKind {
    /// South African ID number (13 digits).
    SaId,
    /// SARS income-tax reference number (10 digits).
    TaxRef,
    /// SARS VAT number (10 digits starting with 4).
    Vat,
    /// CIPC registration or enterprise number (2015/255566/07, K2015/255566/07).
    CompanyReg,
    /// South African company name; its ending says the type ("Karoo Solar (Pty) Ltd").
    CompanyName,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// What the values are.
    #[arg(value_enum)]
    pub kind: CheckKind,
    /// The values; `-` reads one per line from standard input.
    #[arg(required = true)]
    pub values: Vec<String>,
    /// One JSON object per value (input, valid, reason, warnings, parsed fields).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an active user with a password (an invited user with that email is activated).
    Create(UserCreateArgs),
}

#[derive(Debug, Args)]
pub struct UserCreateArgs {
    /// The agency.
    #[arg(long, value_name = "SLUG")]
    pub tenant: String,
    #[arg(long)]
    pub email: String,
    /// tenant_admin, agent, agent_assistant, or one of the agency's custom roles.
    #[arg(long, default_value = "agent")]
    pub role: String,
    #[arg(long, default_value = "")]
    pub name: String,
    /// Read the password from this file (first line); otherwise from standard input.
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PlatformUserCommand {
    /// Create a platform operator with a password.
    Create(PlatformUserCreateArgs),
}

#[derive(Debug, Args)]
pub struct PlatformUserCreateArgs {
    #[arg(long)]
    pub email: String,
    /// super_admin or global_support.
    #[arg(long, default_value = "global_support")]
    pub role: String,
    #[arg(long, default_value = "")]
    pub name: String,
    /// Read the password from this file (first line); otherwise from standard input.
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Every signing key: which one signs, which still verify.
    List,
    /// Add a new signing key; tokens signed by older keys verify until they expire.
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send the test message (with the agency's branding) and wait for the outcome.
    Test(NotifyTestArgs),
}

#[derive(Debug, Args)]
pub struct NotifyTestArgs {
    /// The agency whose branding and sender name the message carries.
    #[arg(long, value_name = "SLUG")]
    pub tenant: String,
    /// An email address, or a phone number in E.164 form (+27...) for an SMS.
    #[arg(long, value_name = "ADDRESS")]
    pub to: String,
    /// How long to wait for delivery, retries included (e.g. 2m, 30s).
    #[arg(long, default_value = "2m", value_parser = humantime::parse_duration)]
    pub wait: std::time::Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// The API and the background workers.
    All,
    /// Only the API (health and metrics included).
    Api,
    /// Only the background workers (serves health and metrics).
    Worker,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Jobs waiting, running or dead (or the states given), oldest first.
    List(JobsListArgs),
    /// Dead letters: jobs that failed their last attempt, with the error.
    Dead(JobsScopeArgs),
    /// Queue one dead letter again with a fresh set of attempts.
    Retry(JobsRetryArgs),
    /// Queue every dead letter again.
    RetryAllDead(JobsScopeArgs),
    /// Delete dead letters older than the given age.
    PurgeDead(JobsPurgeArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JobState {
    Queued,
    Running,
    Done,
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }
}

#[derive(Debug, Args)]
pub struct JobsScopeArgs {
    /// Only this agency (all agencies when omitted).
    #[arg(long, value_name = "SLUG")]
    pub tenant: Option<String>,
    /// At most this many jobs per agency.
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JobsListArgs {
    #[command(flatten)]
    pub scope: JobsScopeArgs,
    /// States to list (repeatable); queued, running and dead when omitted.
    #[arg(long, value_enum)]
    pub state: Vec<JobState>,
}

#[derive(Debug, Args)]
pub struct JobsRetryArgs {
    /// The job's id, as `jobs dead` shows it.
    pub id: comply360_domain::JobId,
    /// The agency the job belongs to (searched in all when omitted).
    #[arg(long, value_name = "SLUG")]
    pub tenant: Option<String>,
}

#[derive(Debug, Args)]
pub struct JobsPurgeArgs {
    /// Age of the dead letters to delete, e.g. 7d, 12h, 30m.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub older_than: std::time::Duration,
    /// Only this agency (all agencies when omitted).
    #[arg(long, value_name = "SLUG")]
    pub tenant: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum IntegrationsCommand {
    /// Circuit state per outside system and agency, as each replica last reported it.
    Status(JsonArg),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "COMPLY360_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Also create the demo agencies and print where to find them.
    #[arg(long)]
    pub demo: bool,
    /// What this process runs: the API, the background workers, or both.
    #[arg(long, env = "COMPLY360_ROLE", value_enum, default_value = "all")]
    pub role: Role,
    /// Where Prometheus scrapes `/metrics`: a listener of its own, never an agency's host
    /// (port 0: any free port, printed at start).
    #[arg(
        long,
        env = "COMPLY360_METRICS_LISTEN",
        default_value = "127.0.0.1:9090"
    )]
    pub metrics_listen: SocketAddr,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchSuite {
    /// Provisioning latency per mode, then a fleet migration.
    Provisioning,
    /// Provisioning latency per isolation mode (p50/p95).
    Provision,
    /// One new column across 1,000 and 10,000 schema agencies, then a run with nothing to do.
    FleetMigrate,
    /// Authenticated registration lists over HTTP under wrk: 100 agencies, 32 and 64
    /// connections.
    ApiRead,
    /// Registrations created over HTTP (each with its outbox event) under wrk.
    ApiWrite,
    /// The server's resident memory idle and under the api-read load.
    Memory,
    /// The same 50-client list served by Comply360, django-tenants and PostGraphile, and the
    /// pgbench ceiling, in one run.
    Peers,
    /// Job queue throughput (emit to handler completion) and emit's cost in a request.
    #[value(alias = "events")]
    Jobs,
    /// Sign-in latency over HTTP, and the token check + RBAC decision of each request.
    Auth,
    /// Listing 50 registrations by status from a tenant holding 100,000.
    Registrations,
    /// Each main portal page's time and bytes, for an agency of 1,000 clients and 5,000
    /// registrations.
    Portal,
    /// Upload throughput of 1 MB documents over HTTP into encrypted storage (and the vault
    /// alone), and OCR pages per minute at 300 dpi.
    #[value(alias = "ocr")]
    Documents,
    /// Commission calculations per second, and records per second synced to the Odoo
    /// stand-in over JSON-2 and XML-RPC.
    Money,
    /// The four reports (JSON, CSV, the portal page) over HTTP for an agency of 5,000
    /// registrations over 18 months with timelines, prices and commissions; their plans.
    Reports,
    /// Stripe webhooks per second over HTTP, duplicates mixed in, each verified, stored once
    /// and applied once (the payment, the invoice, `payment.received`); zero double effects.
    #[value(alias = "webhooks")]
    Payments,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// What to measure.
    #[arg(long, value_enum, default_value = "provisioning")]
    pub suite: BenchSuite,
    /// Jobs suite: events emitted (spread over one tenant per mode).
    #[arg(long, default_value_t = 30_000)]
    pub events: usize,
    /// Jobs suite: jobs the worker runs at once.
    #[arg(long, default_value_t = 8)]
    pub jobs_concurrency: usize,
    /// Tenants provisioned per mode for the latency figures (database mode gets a fifth).
    #[arg(long, default_value_t = 50)]
    pub per_mode: usize,
    /// Schema-mode tenants in the fleet migration.
    #[arg(long, default_value_t = 1000)]
    pub fleet: usize,
    /// Fleet migration concurrency.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Documents suite: files uploaded (and written through the vault alone).
    #[arg(long, default_value_t = 200)]
    pub documents_files: usize,
    /// Documents suite: bytes of each file.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub documents_bytes: usize,
    /// Documents suite: uploads in flight at once.
    #[arg(long, default_value_t = 4)]
    pub documents_clients: usize,
    /// Documents suite: pages of the image-only PDF OCR'd.
    #[arg(long, default_value_t = 16)]
    pub ocr_pages: usize,
    /// Money suite: approved registrations whose commissions are calculated.
    #[arg(long, default_value_t = 5_000)]
    pub approvals: usize,
    /// Money suite: clients synced to Odoo per protocol.
    #[arg(long, default_value_t = 500)]
    pub odoo_records: usize,
    /// Payments suite: paid checkouts whose webhooks are delivered (a quarter more are
    /// duplicates).
    #[arg(long, default_value_t = 5_000)]
    pub webhooks: usize,
    /// Payments suite: deliveries in flight at once.
    #[arg(long, default_value_t = 32)]
    pub webhooks_in_flight: usize,
    /// Fleet-migrate suite: the fleet sizes migrated, comma-separated (the largest also gets
    /// a run with nothing to do).
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    pub fleet_sizes: Vec<usize>,
    /// HTTP suites (api-read, api-write, memory, peers): agencies the load rotates over.
    #[arg(long, default_value_t = 100)]
    pub agencies: usize,
    /// HTTP suites: registrations of each agency (over its 1,000 clients).
    #[arg(long, default_value_t = 1000)]
    pub per_agency: i64,
    /// HTTP suites: seconds of each load.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Peers suite: where the peers are installed (default: ~/.cache/comply360-bench/peers).
    #[arg(long)]
    pub peers_dir: Option<std::path::PathBuf>,
    /// Also write the figures as one JSON document to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<std::path::PathBuf>,
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
            // The first line, and the indented lines that continue it (clap lists missing
            // arguments there: "the following required arguments were not provided:\n
            // <NAME>..."), up to the blank line before the usage.
            let mut lines = text.lines().skip_while(|l| l.trim().is_empty());
            let mut line = lines
                .next()
                .unwrap_or("error: invalid arguments")
                .trim_end()
                .to_owned();
            for more in lines.take_while(|l| l.starts_with(' ') && !l.trim().is_empty()) {
                line.push(' ');
                line.push_str(more.trim());
            }
            eprintln!("{line} (see --help)");
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
