//! `comply360 bench --suite peers`: the same tenant-scoped, authenticated list of 50 clients,
//! three fields each (id, name, email), served in one run by Comply360, by django-tenants
//! (Django REST framework under gunicorn, 2 workers; schema per agency) and by PostGraphile 4
//! (JWT to Row-Level Security; pooled rows), with `pgbench`'s ceiling for the same SQL.
//!
//! Every side reads the very same rows of the same cluster: django-tenants the schema-mode
//! agencies' `t_<slug>.clients`, PostGraphile the pooled agencies' `pooled.clients`, and
//! Comply360 both. The peers are installed by `bench/peers/install` from PyPI and npm into a
//! scratch directory (see `bench/peers/README.md`); each load is `wrk` with the same rotation
//! script, 32 connections.

use super::bench_api::{Shape, list_targets, pooled_agencies};
use super::bench_load::{Agency, Bench, Load, Server, Target, WrkResult, free_port, round1};
use anyhow::Context;
use comply360_domain::IsolationMode;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 32;
const FIELDS: &str = "id,display_name,email";

/// `bench/peers/`, found from the source tree the binary was built in, or the working
/// directory.
fn peers_scripts() -> anyhow::Result<PathBuf> {
    let candidates = [
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/peers"),
        PathBuf::from("bench/peers"),
    ];
    candidates
        .into_iter()
        .find(|p| p.join("install").is_file())
        .context("bench/peers/install not found: run the peers suite from the source tree")
}

fn script(dir: &Path, name: &str) -> std::process::Command {
    std::process::Command::new(dir.join(name))
}

fn run(mut cmd: std::process::Command, what: &str) -> anyhow::Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {what}"))?;
    anyhow::ensure!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A peer's server process, stopped when dropped.
struct Peer {
    child: std::process::Child,
    port: u16,
    name: &'static str,
}

impl Peer {
    fn start(
        name: &'static str,
        mut cmd: std::process::Command,
        log: &Path,
    ) -> anyhow::Result<Peer> {
        let port = free_port()?;
        let out = std::fs::File::create(log)?;
        cmd.arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        Ok(Peer {
            child: cmd
                .spawn()
                .with_context(|| format!("cannot start {name}"))?,
            port,
            name,
        })
    }

    /// Waits until a request of `probe` answers 200 with `rows` rows, counted by `count`.
    async fn ready(
        &mut self,
        probe: &Target,
        body: Option<&str>,
        count: impl Fn(&Value) -> usize,
        rows: usize,
    ) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{}{}", self.port, probe.path);
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!("{} exited ({status}) before it answered", self.name);
            }
            let req = match body {
                Some(b) => client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(b.to_owned()),
                None => client.get(&url),
            };
            if let Ok(res) = req
                .header("host", &probe.host)
                .header("authorization", &probe.authorization)
                .send()
                .await
            {
                let status = res.status();
                let json: Value = res.json().await.unwrap_or(Value::Null);
                anyhow::ensure!(
                    status == 200 || status.is_server_error(),
                    "{} answered {status}: {json}",
                    self.name
                );
                if status == 200 {
                    let got = count(&json);
                    anyhow::ensure!(
                        got == rows,
                        "{} gave {got} rows, not {rows}: {json}",
                        self.name
                    );
                    return Ok(());
                }
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "{} did not answer within 90 s",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn load(
    port: u16,
    seconds: u64,
    targets: &[Target],
    body: Option<&str>,
) -> anyhow::Result<WrkResult> {
    Load {
        port,
        connections: CONNECTIONS,
        seconds,
        targets,
        post_body: body,
    }
    .run(|| {})
    .await
}

fn report(label: &str, r: &WrkResult) -> Value {
    eprintln!("{label:<46} {}", r.summary());
    r.to_json()
}

/// pgbench over the same statements as Comply360's pooled list, one script per agency
/// (pgbench picks one at random per transaction): the tenant context, the 50 rows, commit.
fn pgbench(
    bench: &Bench,
    agencies: &[Agency],
    seconds: u64,
    scratch: &Path,
) -> anyhow::Result<Value> {
    let address = &bench.rt.store.settings().primary;
    let mut cmd = std::process::Command::new(pg_program("pgbench")?);
    cmd.args(["-n", "-M", "prepared", "-j", "2"])
        .arg(format!("-c{CONNECTIONS}"))
        .arg(format!("-T{seconds}"))
        .args(["-h", &address.host, "-p", &address.port.to_string()])
        .args(["-U", comply360_store::APP_ROLE]);
    for (i, a) in agencies.iter().enumerate() {
        let path = scratch.join(format!("pgbench-{i}.sql"));
        let mut f = std::fs::File::create(&path)?;
        writeln!(
            f,
            "BEGIN;\nSELECT set_config('search_path', 'pooled', true), set_config('app.tenant_id', '{t}', true);\n\
             SELECT id, display_name, email FROM clients WHERE tenant_id = '{t}' AND deleted_at IS NULL \
             ORDER BY created_at DESC, id DESC LIMIT 51;\nCOMMIT;",
            t = a.tenant
        )?;
        cmd.arg("-f").arg(&path);
    }
    cmd.arg(&bench.rt.settings.app_database);
    let out = run(cmd, "pgbench")?;
    let tps = out
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .with_context(|| format!("pgbench printed no tps: {out}"))?;
    let latency = out
        .lines()
        .find_map(|l| l.strip_prefix("latency average = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok());
    eprintln!(
        "{:<46} {tps:>8.0} tps    (average latency {:.2} ms)",
        "pgbench ceiling (same SQL, pooled)",
        latency.unwrap_or(0.0)
    );
    Ok(json!({"transactions_per_second": round1(tps), "latency_average_ms": latency}))
}

/// A program of the PostgreSQL the cluster runs: beside its `postgres` (resolving links, as
/// a `postgres` on `PATH` may be one), else on `PATH`.
fn pg_program(name: &str) -> anyhow::Result<PathBuf> {
    let postgres = comply360_store::embedded::PgBinaries::locate(None)?.postgres;
    let beside = std::fs::canonicalize(&postgres)
        .unwrap_or(postgres)
        .with_file_name(name);
    Ok(if beside.is_file() {
        beside
    } else {
        PathBuf::from(name)
    })
}

pub async fn peers(shape: Shape, peers_home: Option<PathBuf>) -> anyhow::Result<Value> {
    let scripts = peers_scripts()?;
    let home = peers_home.unwrap_or_else(|| {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into()))
                    .join(".cache")
            });
        cache.join("comply360-bench/peers")
    });
    eprintln!("== installing the peers into {}", home.display());
    let mut install = script(&scripts, "install");
    install.arg(&home);
    eprint!("{}", run(install, "bench/peers/install")?);

    let bench = Bench::open().await?;
    let started = Instant::now();
    let mut pooled = pooled_agencies(&bench, &shape).await?;
    let mut schema = bench
        .agencies(
            "bench-s",
            shape.agencies,
            IsolationMode::Schema,
            shape.per_agency,
        )
        .await?;
    let schemas: Vec<String> = schema.iter().map(|a| a.schema.clone()).collect();
    bench
        .analyze(&schemas.iter().map(String::as_str).collect::<Vec<_>>())
        .await?;
    eprintln!(
        "loaded {0} pooled and {0} schema agencies of 1,000 clients and {1} registrations each in {2:.1} s",
        shape.agencies,
        shape.per_agency,
        started.elapsed().as_secs_f64()
    );
    let scratch = tempfile::tempdir()?;
    let address = &bench.rt.store.settings().primary;
    let database_url = format!(
        "postgresql://{}@/{}?host={}&port={}",
        comply360_store::EMBEDDED_ADMIN_ROLE,
        bench.rt.settings.app_database,
        address.host,
        address.port
    );

    // Comply360 first, on a server process of its own.
    let server = Server::start(bench.dir.path()).await?;
    server.sign_in(&mut pooled).await?;
    server.sign_in(&mut schema).await?;
    let mut ours = serde_json::Map::new();
    for (key, label, agencies, fields) in [
        (
            "pooled_3_fields",
            "comply360, pooled, 3 fields",
            &pooled,
            Some(FIELDS),
        ),
        (
            "pooled_full_rows",
            "comply360, pooled, full rows (22 fields)",
            &pooled,
            None,
        ),
        (
            "schema_3_fields",
            "comply360, schema, 3 fields",
            &schema,
            Some(FIELDS),
        ),
    ] {
        let targets = list_targets(agencies, server.port, "/api/v1/clients?limit=50", fields);
        let r = load(server.port, shape.seconds, &targets, None).await?;
        ours.insert(key.into(), report(label, &r));
    }
    server.stop().await?;

    // django-tenants on the schema agencies.
    let agencies_tsv = scratch.path().join("agencies.tsv");
    std::fs::write(
        &agencies_tsv,
        schema
            .iter()
            .map(|a| format!("{}\t{}\n", a.slug, a.schema))
            .collect::<String>(),
    )?;
    let tokens_tsv = scratch.path().join("tokens.tsv");
    let mut prepare = script(&scripts, "django-prepare");
    prepare
        .env("PEERS_HOME", &home)
        .arg(&database_url)
        .arg(&agencies_tsv)
        .arg(&tokens_tsv);
    run(prepare, "bench/peers/django-prepare")?;
    let tokens = std::fs::read_to_string(&tokens_tsv)?;
    let mut serve = script(&scripts, "django-serve");
    serve.env("PEERS_HOME", &home).arg(&database_url);
    let mut django = Peer::start("django-tenants", serve, &scratch.path().join("django.log"))?;
    let django_targets: Vec<Target> = tokens
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(slug, token)| Target {
            host: format!("{slug}.localhost:{}", django.port),
            authorization: format!("Token {token}"),
            path: "/api/clients/".into(),
            value: String::new(),
        })
        .collect();
    anyhow::ensure!(
        django_targets.len() == schema.len(),
        "django-prepare wrote {} tokens for {} agencies",
        django_targets.len(),
        schema.len()
    );
    django
        .ready(
            &django_targets[0],
            None,
            |v| v.as_array().map_or(0, Vec::len),
            50,
        )
        .await?;
    let r = load(django.port, shape.seconds, &django_targets, None).await?;
    let django_figures = report("django-tenants + DRF, gunicorn 2 workers", &r);
    drop(django);

    // PostGraphile on the pooled agencies.
    let secret = uuid::Uuid::new_v4().simple().to_string();
    let mut prepare = script(&scripts, "postgraphile-prepare");
    prepare
        .env("PEERS_HOME", &home)
        .arg(&database_url)
        .arg(&secret);
    run(prepare, "bench/peers/postgraphile-prepare")?;
    let mut serve = script(&scripts, "postgraphile-serve");
    serve.env("PEERS_HOME", &home).arg(&database_url);
    // The port goes before the secret: postgraphile-serve DATABASE_URL PORT JWT_SECRET.
    let mut graphile = {
        let port = free_port()?;
        serve.arg(port.to_string()).arg(&secret);
        let log = std::fs::File::create(scratch.path().join("postgraphile.log"))?;
        Peer {
            child: serve
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()
                .context("cannot start PostGraphile")?,
            port,
            name: "PostGraphile",
        }
    };
    let query = std::fs::read_to_string(scripts.join("query.graphql"))?;
    let body = json!({ "query": query }).to_string();
    let mut graphile_targets = Vec::with_capacity(pooled.len());
    for a in &pooled {
        let mut token = script(&scripts, "postgraphile-token");
        token
            .env("PEERS_HOME", &home)
            .arg(&secret)
            .arg(a.tenant.to_string());
        let jwt = run(token, "bench/peers/postgraphile-token")?;
        graphile_targets.push(Target {
            host: format!("127.0.0.1:{}", graphile.port),
            authorization: format!("Bearer {}", jwt.trim()),
            path: "/graphql".into(),
            value: String::new(),
        });
    }
    let nodes = |v: &Value| {
        v["data"]["allClients"]["nodes"]
            .as_array()
            .map_or(0, Vec::len)
    };
    graphile
        .ready(&graphile_targets[0], Some(&body), nodes, 50)
        .await?;
    let r = load(graphile.port, shape.seconds, &graphile_targets, Some(&body)).await?;
    let graphile_figures = report("PostGraphile 4, JWT to RLS", &r);
    drop(graphile);

    let ceiling = pgbench(&bench, &pooled, shape.seconds, scratch.path())?;
    bench.close().await?;

    // Answers that were not refused, per second (a 429 is cheap, and no list).
    let rate = |v: &Value| v["ok_per_second"].as_f64().unwrap_or(0.0);
    let ratio = |a: f64, b: f64| if b > 0.0 { round1(a / b) } else { 0.0 };
    let ours_pooled = rate(&ours["pooled_3_fields"]);
    let ours_schema = rate(&ours["schema_3_fields"]);
    let ratios = json!({
        "comply360_schema_vs_django_tenants": ratio(ours_schema, rate(&django_figures)),
        "comply360_pooled_vs_postgraphile": ratio(ours_pooled, rate(&graphile_figures)),
        "comply360_pooled_share_of_pgbench_ceiling": ratio(
            ours_pooled,
            ceiling["transactions_per_second"].as_f64().unwrap_or(0.0)
        ),
    });
    eprintln!("ratios: {ratios}");
    Ok(json!({
        "scenario": "peers",
        "list": "50 clients (id, name, email), newest first, not deleted; 32 connections",
        "seconds": shape.seconds,
        "pooled_agencies": shape.agencies,
        "schema_agencies": shape.agencies,
        "comply360": ours,
        "django_tenants": django_figures,
        "postgraphile": graphile_figures,
        "pgbench_ceiling": ceiling,
        "ratios": ratios,
        "targets": {"times_each_peer": 5},
    }))
}
