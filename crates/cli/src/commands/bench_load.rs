//! What the HTTP benchmarks share: agencies filled with generated work, a `comply360 serve`
//! child process on the bench's own cluster, its people signed in over HTTP, and `wrk` on
//! loopback.
//!
//! The server is a separate process, as deployed, so its resident memory is the app's alone
//! and the load generator's and the data loader's work is not counted in it. It shares the
//! bench's data directory, so it joins the same embedded cluster and master key.

use crate::cli::{GlobalArgs, LogFormat};
use crate::platform;
use crate::runtime::Runtime;
use anyhow::Context;
use comply360_domain::{IsolationMode, Tier};
use comply360_identity::Identity;
use comply360_jobs::handlers::AuditTrail;
use comply360_jobs::{Outbox, RetryPolicy, Subscriptions, Transport};
use comply360_store::repo::bench;
use serde::Deserialize;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "Bench-Marula-Kestrel-1987";

/// The bench's data directory and the runtime (cluster, settings, store) opened on it.
pub struct Bench {
    pub dir: tempfile::TempDir,
    pub rt: Runtime,
    pub identity: Identity,
}

impl Bench {
    pub async fn open() -> anyhow::Result<Bench> {
        let dir = tempfile::Builder::new()
            .prefix("c360bench-")
            .tempdir_in("/tmp")?;
        // As root the embedded cluster runs as "postgres", which must reach the directory.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
        }
        let global = GlobalArgs {
            data_dir: Some(dir.path().to_owned()),
            database_url: None,
            config: None,
            log_format: LogFormat::Text,
            log_json: false,
        };
        let rt = Runtime::open(&global, false).await?;
        let subs = Subscriptions::new(RetryPolicy::DEFAULT).with(AuditTrail);
        let outbox = Outbox::new(Arc::new(subs), Transport::Postgres);
        let identity = platform::identity(&rt.settings, &rt.store, &outbox, 0).await?;
        Ok(Bench { dir, rt, identity })
    }

    pub async fn close(self) -> anyhow::Result<()> {
        self.rt.close().await
    }

    /// Provisions `count` agencies `<prefix>-<i>` in `mode`, each with `per_agency`
    /// registrations over 1,000 clients and one agent who can sign in.
    pub async fn agencies(
        &self,
        prefix: &str,
        count: usize,
        mode: IsolationMode,
        per_agency: i64,
    ) -> anyhow::Result<Vec<Agency>> {
        let store = &self.rt.store;
        let mut agencies = Vec::with_capacity(count);
        for i in 0..count {
            let slug = format!("{prefix}-{i}");
            // Enterprise: the smaller plans limit registrations a month, which the write
            // scenario would reach.
            let tenant =
                super::bench::provision_as(store, &slug, mode, Tier::Enterprise, false).await?;
            let mut tx = store.tenancy().begin(&tenant).await?;
            bench::fill_registrations(&mut tx, &slug, per_agency).await?;
            let client = bench::newest_client(&mut tx).await?;
            tx.commit().await?;
            let email = format!("agent@{slug}.example");
            self.identity
                .create_user(&tenant, &email, "agent", "Bench Agent", PASSWORD)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            agencies.push(Agency {
                slug,
                tenant: tenant.id().as_uuid(),
                schema: tenant.record().placement.schema.clone(),
                email,
                client,
                token: String::new(),
            });
        }
        Ok(agencies)
    }

    /// Events written to the agencies' outboxes so far (each read in its own tenant
    /// transaction: row-level security hides them from everyone else).
    pub async fn outbox_events(&self, agencies: &[Agency]) -> anyhow::Result<i64> {
        let mut total = 0;
        for a in agencies {
            let tenant = self.rt.store.tenancy().resolve(&a.slug).await?;
            let mut tx = self.rt.store.tenancy().begin(&tenant).await?;
            total += bench::count_outbox_events(&mut tx).await?;
            tx.commit().await?;
        }
        Ok(total)
    }

    /// Fresh planner statistics after the bulk load, as autovacuum would gather them soon
    /// after: the pooled namespace's tables, and those of `schemas`.
    pub async fn analyze(&self, schemas: &[&str]) -> anyhow::Result<()> {
        for ns in std::iter::once("pooled").chain(schemas.iter().copied()) {
            bench::analyze_namespace(self.rt.store.owner_pool(), ns).await?;
        }
        Ok(())
    }
}

/// One agency of the bench: who signs in, and a client of its to file for.
#[derive(Clone, Debug)]
pub struct Agency {
    pub slug: String,
    pub tenant: uuid::Uuid,
    /// The schema holding its rows (`pooled`, or its own in schema mode).
    pub schema: String,
    pub email: String,
    pub client: uuid::Uuid,
    /// The agent's access token, once signed in.
    pub token: String,
}

impl Agency {
    pub fn host(&self, port: u16) -> String {
        format!("{}.localhost:{port}", self.slug)
    }
}

/// A `comply360 serve --role api` child on the bench's data directory.
pub struct Server {
    child: tokio::process::Child,
    pub port: u16,
    pid: u32,
    log: PathBuf,
}

impl Server {
    pub async fn start(dir: &Path) -> anyhow::Result<Server> {
        let port = free_port()?;
        let log = dir.join("serve.log");
        let out = std::fs::File::create(&log)?;
        let mut child = tokio::process::Command::new(std::env::current_exe()?)
            .args(["serve", "--role", "api", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["--metrics-listen", "127.0.0.1:0"])
            .env("COMPLY360_DATA_DIR", dir)
            // The bench's sign-ins come from one address in a burst; the API's own per-agency
            // quota stays the default (the load spreads over the agencies).
            .env("COMPLY360_RATE_LIMIT_SIGNIN", "100000/s burst 100000")
            .env("COMPLY360_ACCESS_TOKEN_TTL_SECS", "7200")
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .kill_on_drop(true)
            .spawn()
            .context("starting comply360 serve")?;
        let pid = child.id().context("serve has no pid")?;
        let client = reqwest::Client::new();
        let ready = format!("http://127.0.0.1:{port}/readyz");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = child.try_wait()? {
                anyhow::bail!(
                    "serve exited ({status}) before it was ready:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            if let Ok(res) = client.get(&ready).send().await
                && res.status().is_success()
            {
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "serve was not ready after 120 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Server {
            child,
            port,
            pid,
            log,
        })
    }

    /// Signs each agency's agent in over HTTP (Argon2id and all), keeping the access token.
    pub async fn sign_in(&self, agencies: &mut [Agency]) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{}/api/v1/auth/login", self.port);
        for a in agencies.iter_mut() {
            let res = client
                .post(&url)
                .header("x-tenant", &a.slug)
                .json(&json!({"email": a.email, "password": PASSWORD}))
                .send()
                .await?;
            let status = res.status();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            anyhow::ensure!(
                status == 200,
                "sign-in to {} answered {status}: {body}",
                a.slug
            );
            a.token = body["access_token"]
                .as_str()
                .context("the sign-in gave no access token")?
                .to_owned();
        }
        Ok(())
    }

    /// Resident memory now, in MiB (VmRSS).
    pub fn rss_mib(&self) -> f64 {
        status_kib(self.pid, "VmRSS:") as f64 / 1024.0
    }

    /// Resident memory now, in MiB, split into the process's own (anonymous: heap, stacks)
    /// and the mapped files' (the binary's code and data, libraries): `RssAnon`, `RssFile`.
    pub fn rss_split_mib(&self) -> (f64, f64) {
        (
            status_kib(self.pid, "RssAnon:") as f64 / 1024.0,
            status_kib(self.pid, "RssFile:") as f64 / 1024.0,
        )
    }

    /// The most resident memory so far, in MiB (VmHWM).
    pub fn peak_rss_mib(&self) -> f64 {
        status_kib(self.pid, "VmHWM:") as f64 / 1024.0
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        // SIGTERM: the server drains and leaves the cluster to the bench.
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status();
        match tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await {
            Ok(status) => {
                let status = status?;
                anyhow::ensure!(
                    status.success(),
                    "serve ended with {status}; its log: {}",
                    self.log.display()
                );
            }
            Err(_) => {
                self.child.kill().await?;
                anyhow::bail!("serve did not stop within 30 s of SIGTERM");
            }
        }
        Ok(())
    }
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// What wrk measured (its script's `WRK_JSON` line).
#[derive(Debug, Deserialize, serde::Serialize)]
pub struct WrkResult {
    pub requests: u64,
    pub duration_us: u64,
    pub bytes: u64,
    pub errors: WrkErrors,
    pub latency_us: WrkLatency,
}

#[derive(Debug, Deserialize, serde::Serialize)]
pub struct WrkErrors {
    pub connect: u64,
    pub read: u64,
    pub write: u64,
    /// Answers outside 2xx and 3xx.
    pub status: u64,
    pub timeout: u64,
}

#[derive(Debug, Deserialize, serde::Serialize)]
pub struct WrkLatency {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
    pub mean: f64,
}

impl WrkResult {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / (self.duration_us as f64 / 1e6)
    }

    pub fn error_count(&self) -> u64 {
        let e = &self.errors;
        e.connect + e.read + e.write + e.status + e.timeout
    }

    /// One line for the progress output: rate, latency, errors, size.
    pub fn summary(&self) -> String {
        format!(
            "{:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {}  {} bytes each",
            self.per_second(),
            self.latency_us.p50 as f64 / 1000.0,
            self.latency_us.p99 as f64 / 1000.0,
            self.error_count(),
            self.bytes / self.requests.max(1)
        )
    }

    pub fn to_json(&self) -> Value {
        json!({
            "requests": self.requests,
            "requests_per_second": round1(self.per_second()),
            "ok_per_second": round1(
                (self.requests - self.error_count().min(self.requests)) as f64
                    / (self.duration_us as f64 / 1e6)
            ),
            "p50_ms": self.latency_us.p50 as f64 / 1000.0,
            "p90_ms": self.latency_us.p90 as f64 / 1000.0,
            "p99_ms": self.latency_us.p99 as f64 / 1000.0,
            "max_ms": self.latency_us.max as f64 / 1000.0,
            "errors": self.error_count(),
            "error_kinds": self.errors,
            "bytes_per_response": self.bytes.checked_div(self.requests).unwrap_or(0),
        })
    }
}

pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// One load: `connections` connections over `seconds` against `port`, every request one of
/// `targets` in turn (`host`, `Authorization` value, path, and a value for the body).
pub struct Load<'a> {
    pub port: u16,
    pub connections: usize,
    pub seconds: u64,
    pub targets: &'a [Target],
    /// `POST` with this body (`{{n}}`: a counter, `{{value}}`: the target's value).
    pub post_body: Option<&'a str>,
}

pub struct Target {
    pub host: String,
    pub authorization: String,
    pub path: String,
    pub value: String,
}

impl Load<'_> {
    /// Runs wrk (from Debian: `apt-get install wrk`) with the shared rotation script; while
    /// it runs, `during` is called every 100 ms (e.g. to sample the server's memory).
    pub async fn run(&self, mut during: impl FnMut()) -> anyhow::Result<WrkResult> {
        let scratch = tempfile::tempdir()?;
        let targets = scratch.path().join("targets.tsv");
        let mut f = std::fs::File::create(&targets)?;
        for t in self.targets {
            writeln!(
                f,
                "{}\t{}\t{}\t{}",
                t.host, t.authorization, t.path, t.value
            )?;
        }
        drop(f);
        let script = scratch.path().join("targets.lua");
        std::fs::write(&script, include_str!("../../../../bench/lib/targets.lua"))?;
        let mut cmd = tokio::process::Command::new("wrk");
        cmd.arg("-t2")
            .arg(format!("-c{}", self.connections))
            .arg(format!("-d{}s", self.seconds))
            .arg("--timeout")
            .arg("5s")
            .arg("-s")
            .arg(&script)
            .arg(format!("http://127.0.0.1:{}", self.port))
            .env("BENCH_TARGETS", &targets)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(body) = self.post_body {
            let path = scratch.path().join("body.json");
            std::fs::write(&path, body)?;
            cmd.env("BENCH_METHOD", "POST").env("BENCH_BODY", &path);
        }
        let child = cmd.spawn().map_err(|e| {
            anyhow::anyhow!("cannot run wrk ({e}); install it: apt-get install wrk")
        })?;
        let output = child.wait_with_output();
        tokio::pin!(output);
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        let output = loop {
            tokio::select! {
                out = &mut output => break out?,
                _ = tick.tick() => during(),
            }
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        anyhow::ensure!(
            output.status.success(),
            "wrk failed ({}): {}{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("WRK_JSON "))
            .context("wrk printed no WRK_JSON line")?;
        Ok(serde_json::from_str(line)?)
    }
}
