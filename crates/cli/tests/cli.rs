//! The `comply360` binary as a person uses it: bad input, the tenant lifecycle, a second server,
//! and `serve` surviving restarts and a crash.

use crate::support::{BIN, on_data_dir};
use comply360_store::embedded::{EmbeddedCluster, EmbeddedOptions};
use comply360_testkit::free_port;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A temporary directory removed when the guard drops (also when the test panics).
fn data_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("c360cli-")
        .tempdir_in("/tmp")
        .unwrap()
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = on_data_dir(dir, args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Fails unless the command failed with exactly one line on stderr containing `needle`.
fn assert_one_line_error(out: &Output, code: i32, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line expected, got: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

fn stop_cluster(dir: &Path) {
    // Each command stops the cluster it started; make sure nothing is left behind.
    let pid = dir.join("pg/postmaster.pid");
    assert!(
        !pid.exists(),
        "the embedded cluster was left running in {}",
        dir.display()
    );
}

#[test]
fn bad_input_gets_one_clear_line_and_no_partial_state() {
    let root = data_dir();
    let dir = root.path().join("never-created");
    let cases: [(&[&str], i32, &str); 5] = [
        (
            &[
                "tenant", "create", "--slug", "Bad_Slug", "--name", "X", "--mode", "pooled",
            ],
            2,
            "may contain only lowercase letters",
        ),
        (
            &[
                "tenant", "create", "--slug", "admin", "--name", "X", "--mode", "pooled",
            ],
            2,
            "reserved",
        ),
        (
            &[
                "tenant", "create", "--slug", "ok-slug", "--name", "X", "--mode", "shared",
            ],
            2,
            "expected one of: pooled schema database",
        ),
        (
            &[
                "tenant", "create", "--slug", "ok-slug", "--name", "X", "--tier", "gold",
            ],
            2,
            "unknown tier",
        ),
        (&["migrate", "--concurrency", "0"], 2, "--concurrency"),
    ];
    for (args, code, needle) in cases {
        let out = run(&dir, args, &[]);
        assert_one_line_error(&out, code, needle);
    }
    assert!(
        !dir.exists(),
        "refused input must not create the data directory"
    );

    let out = run(
        &dir,
        &["tenant", "list"],
        &[("COMPLY360_PG_BIN_DIR", "/nonexistent/bin")],
    );
    assert_one_line_error(
        &out,
        1,
        "PostgreSQL server programs (initdb, pg_ctl, postgres) were not found in /nonexistent/bin",
    );
    assert!(stderr(&out).contains("apt-get install postgresql"));

    let file_root = data_dir();
    let file = file_root.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let out = run(&file.join("data"), &["tenant", "list"], &[]);
    assert_one_line_error(&out, 1, "is not writable");

    if nix::unistd::Uid::effective().is_root() {
        use std::os::unix::fs::PermissionsExt;
        let closed = data_dir();
        std::fs::set_permissions(closed.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let out = run(closed.path(), &["tenant", "list"], &[]);
        assert_one_line_error(&out, 1, "cannot enter");
        assert!(stderr(&out).contains("chmod o+x"), "{}", stderr(&out));
    }

    let out = run(
        &dir,
        &["tenant", "list"],
        &[(
            "DATABASE_URL",
            "postgres://someone:secret@127.0.0.1:1/comply360",
        )],
    );
    assert_one_line_error(&out, 1, "cannot reach PostgreSQL at 127.0.0.1:1");
    assert!(
        !stderr(&out).contains("secret"),
        "the password must not be printed"
    );

    let out = run(
        &dir,
        &["tenant", "list"],
        &[("DATABASE_URL", "mysql://nope")],
    );
    assert_one_line_error(&out, 1, "DATABASE_URL");
}

/// A bad setting is one line naming it as the operator wrote it: the environment variable
/// (also inside the flattened notify settings, where serde loses the key), or the file and key.
#[test]
fn a_bad_setting_names_its_variable_or_key() {
    let root = data_dir();
    let dir = root.path().join("never-created");
    let cases = [
        (
            "COMPLY360_EMAIL_TRANSPORT",
            "ses",
            "expected `one of `mailbox`, `smtp`, `sendgrid``",
        ),
        ("COMPLY360_JOBS_LEASE_SECS", "soon", "expected u64"),
        ("COMPLY360_SMTP_PORT", "99999999", "expected u16"),
        ("COMPLY360_DB_POOL_MAIN", "many", "expected u32"),
    ];
    for (var, value, expected) in cases {
        let out = run(&dir, &["tenant", "list"], &[(var, value)]);
        assert_one_line_error(&out, 1, &format!("invalid setting {var}: "));
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    }
    let file = root.path().join("comply360.toml");
    std::fs::write(&file, "email_transport = \"ses\"\n").unwrap();
    let config = file.to_str().unwrap();
    let out = run(&dir, &["--config", config, "tenant", "list"], &[]);
    assert_one_line_error(
        &out,
        1,
        &format!("invalid setting email_transport in {config}: unknown variant"),
    );
    assert!(
        !dir.exists(),
        "a bad setting must not create the data directory"
    );
}

#[test]
fn tenant_lifecycle_from_the_command_line() {
    let dir_guard = data_dir();
    let dir = dir_guard.path().to_path_buf();
    let ok = |out: Output| {
        assert!(out.status.success(), "stderr: {}", stderr(&out));
        stdout(&out)
    };
    let count = |dir: &Path| -> usize {
        let out = run(dir, &["tenant", "list", "--json"], &[]);
        serde_json::from_str::<Vec<serde_json::Value>>(&ok(out))
            .unwrap()
            .len()
    };
    let created = ok(run(
        &dir,
        &[
            "tenant",
            "create",
            "--slug",
            "alpha",
            "--name",
            "Alpha Agency",
            "--mode",
            "pooled",
        ],
        &[],
    ));
    assert!(
        created.contains("created tenant alpha (pooled mode"),
        "{created}"
    );

    // A failure injected after the namespace exists, then resumed.
    let out = run(
        &dir,
        &[
            "tenant", "create", "--slug", "halfway", "--name", "Halfway", "--mode", "schema",
        ],
        &[("COMPLY360_FAIL_AFTER_STEP", "create_namespace")],
    );
    assert_one_line_error(
        &out,
        1,
        "provisioning tenant \"halfway\" failed at step create_namespace",
    );
    let shown: serde_json::Value = serde_json::from_str(&ok(run(
        &dir,
        &["tenant", "show", "halfway", "--json"],
        &[],
    )))
    .unwrap();
    assert_eq!(shown["placement"]["state"], "failed");
    let resumed = ok(run(
        &dir,
        &["tenant", "provision", "--resume", "halfway"],
        &[],
    ));
    assert!(
        resumed.contains("tenant halfway is active (2 attempts)"),
        "{resumed}"
    );

    // Refusals change nothing.
    assert_eq!(count(&dir), 2);
    let out = run(
        &dir,
        &[
            "tenant", "create", "--slug", "alpha", "--name", "Again", "--mode", "schema",
        ],
        &[],
    );
    assert_one_line_error(&out, 1, "a tenant with slug \"alpha\" already exists");
    let out = run(
        &dir,
        &[
            "tenant", "create", "--slug", "www", "--name", "W", "--mode", "schema",
        ],
        &[],
    );
    assert_one_line_error(&out, 2, "reserved");
    assert_one_line_error(
        &run(&dir, &["tenant", "suspend", "ghost"], &[]),
        1,
        "no tenant with slug \"ghost\"",
    );
    assert_one_line_error(
        &run(&dir, &["tenant", "show", "ghost"], &[]),
        1,
        "no tenant with slug \"ghost\"",
    );
    assert_eq!(count(&dir), 2);

    let table = ok(run(&dir, &["tenant", "list"], &[]));
    assert!(table.starts_with("SLUG"), "{table}");
    assert!(
        table.contains("halfway") && table.contains("schema t_halfway on primary"),
        "{table}"
    );

    assert!(ok(run(&dir, &["tenant", "suspend", "alpha"], &[])).contains("now suspended"));
    let shown: serde_json::Value =
        serde_json::from_str(&ok(run(&dir, &["tenant", "show", "alpha", "--json"], &[]))).unwrap();
    assert_eq!(shown["status"], "suspended");
    assert!(ok(run(&dir, &["tenant", "reactivate", "alpha"], &[])).contains("now active"));

    let report: serde_json::Value =
        serde_json::from_str(&ok(run(&dir, &["migrate", "--json", "--verify"], &[]))).unwrap();
    assert_eq!(report["planned"], 0);
    stop_cluster(&dir);
}

/// Another PostgreSQL server for a test: a separate embedded cluster in its own directory.
async fn other_server() -> (EmbeddedCluster, tempfile::TempDir) {
    let dir = data_dir();
    let mut opts = EmbeddedOptions::new(dir.path());
    opts.unsafe_no_fsync = true;
    (EmbeddedCluster::start(&opts).await.unwrap(), dir)
}

#[tokio::test]
async fn database_tenants_on_a_second_server() {
    let dir_guard = data_dir();
    let dir = dir_guard.path().to_path_buf();
    // Another PostgreSQL server: a second embedded cluster, reached over its socket.
    let (second, second_dir) = other_server().await;
    let addr = second.address();
    let url = format!(
        "postgres://c360_admin@localhost/postgres?host={}&port={}",
        addr.host, addr.port
    );

    let out = run(
        &dir,
        &["server", "add", "--name", "second", "--url", &url],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(
        &dir,
        &["server", "add", "--name", "second", "--url", &url],
        &[],
    );
    assert_one_line_error(&out, 1, "already registered");
    let out = run(
        &dir,
        &[
            "server",
            "add",
            "--name",
            "dead",
            "--url",
            "postgres://x:y@127.0.0.1:1/postgres",
        ],
        &[],
    );
    assert_one_line_error(&out, 1, "cannot reach PostgreSQL at 127.0.0.1:1");
    let listed = stdout(&run(&dir, &["server", "list"], &[]));
    assert!(
        listed.contains("second") && listed.contains(&addr.to_string()),
        "{listed}"
    );

    let out = run(
        &dir,
        &[
            "tenant", "create", "--slug", "remote", "--name", "Remote", "--mode", "database",
            "--server", "second",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("database c360_t_remote on second"),
        "{}",
        stdout(&out)
    );
    let out = run(
        &dir,
        &[
            "tenant", "create", "--slug", "nowhere", "--name", "N", "--mode", "database",
            "--server", "missing",
        ],
        &[],
    );
    assert_one_line_error(&out, 1, "no server named \"missing\"");
    let out = run(&dir, &["migrate", "--verify"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));

    // The database really lives on the second server.
    let mut conn =
        comply360_store::connect::connect_once(&addr.options("c360_admin", None, "postgres"))
            .await
            .unwrap();
    let there: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'c360_t_remote')",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(there);
    drop(conn);
    second.release().await.unwrap();
    stop_cluster(&dir);
    drop(second_dir);
}

struct Server {
    child: std::process::Child,
    port: u16,
}

async fn start_serve(dir: &Path, demo: bool) -> Server {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .arg("--listen")
        .arg(&listen)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("DATABASE_URL")
        .env("COMPLY360_METRICS_LISTEN", "127.0.0.1:0");
    if demo {
        cmd.arg("--demo");
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        if let Ok(res) = reqwest::get(format!("http://{listen}/readyz")).await
            && res.status().is_success()
        {
            return Server { child, port };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("serve did not become ready on {listen}");
}

async fn tenant_name(port: u16, slug: &str) -> String {
    let res = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/tenant"))
        .header("Host", format!("{slug}.localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{slug}");
    let body: serde_json::Value = res.json().await.unwrap();
    body["name"].as_str().unwrap().to_owned()
}

/// The statuses of an agency's registrations, as its demo administrator sees them.
async fn demo_statuses(port: u16, slug: &str) -> Vec<String> {
    let http = reqwest::Client::new();
    // A server still seeding its demo on a busy machine may answer 503 with Retry-After (the
    // sign-in's hashing is bounded); a client waits as told, and so does this one.
    let mut login = serde_json::Value::Null;
    for _ in 0..30 {
        let res = http
            .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
            .header("X-Tenant", slug)
            .json(&serde_json::json!({"email": format!("admin@{slug}.example"), "password": "Demo-Baobab-Sunrise-2026"}))
            .send()
            .await
            .unwrap();
        let status = res.status();
        let retry = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        login = res.json().await.unwrap();
        match (status.as_u16(), retry) {
            (200, _) => break,
            (429 | 503, Some(secs)) => {
                tokio::time::sleep(Duration::from_secs(secs.clamp(1, 5))).await;
            }
            _ => panic!("{slug}: sign-in answered {status}: {login}"),
        }
    }
    assert!(login["access_token"].is_string(), "{slug}: {login}");
    let page: serde_json::Value = http
        .get(format!(
            "http://127.0.0.1:{port}/api/v1/registrations?limit=100"
        ))
        .header("X-Tenant", slug)
        .bearer_auth(login["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut statuses: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect();
    statuses.sort();
    statuses
}

fn terminate(mut server: Server) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = server.child.wait().unwrap();
    assert!(status.success(), "serve exits cleanly on SIGTERM: {status}");
}

#[tokio::test]
async fn serve_keeps_its_data_across_restarts_and_crashes() {
    let dir_guard = data_dir();
    let dir = dir_guard.path().to_path_buf();
    let server = start_serve(&dir, true).await;
    let names = [
        tenant_name(server.port, "acacia").await,
        tenant_name(server.port, "baobab").await,
        tenant_name(server.port, "cedar").await,
    ];
    assert_eq!(
        names,
        [
            "Acacia Corporate Services",
            "Baobab Company Secretarial",
            "Cedar Compliance Partners"
        ]
    );
    // The demo's work in progress: registrations in several states, in every agency.
    for slug in ["acacia", "baobab", "cedar"] {
        let statuses = demo_statuses(server.port, slug).await;
        for wanted in [
            "cancelled",
            "completed",
            "draft",
            "info_requested",
            "submitted",
        ] {
            assert!(statuses.iter().any(|s| s == wanted), "{slug}: {statuses:?}");
        }
    }
    terminate(server);
    assert!(
        !dir.join("pg/postmaster.pid").exists(),
        "graceful shutdown stops the embedded cluster"
    );

    // Restart: the data is still there.
    let server = start_serve(&dir, false).await;
    assert_eq!(
        tenant_name(server.port, "cedar").await,
        "Cedar Compliance Partners"
    );

    // Commands beside a running serve share its cluster and leave it running.
    let out = run(
        &dir,
        &[
            "tenant",
            "create",
            "--slug",
            "beside",
            "--name",
            "Beside Serve",
            "--mode",
            "schema",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(tenant_name(server.port, "beside").await, "Beside Serve");
    // The demo company's calendar: its 2027 annual return is due within 30 days of 20 April
    // 2027, so a sweep for that day emits its reminder.
    let out = run(
        &dir,
        &[
            "obligations",
            "remind",
            "--tenant",
            "acacia",
            "--today",
            "2027-04-20",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        said.trim().ends_with("reminders emitted for 2027-04-20") && !said.starts_with("0 "),
        "{said}"
    );
    let out = run(&dir, &["tenant", "suspend", "beside"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut status = 0;
    for _ in 0..250 {
        status = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{}/api/v1/tenant", server.port))
            .header("X-Tenant", "beside")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if status == 423 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        status, 423,
        "a suspension from the CLI reaches the running server"
    );

    // Crash: kill serve and the postmaster with SIGKILL, leaving a stale postmaster.pid.
    let pid_text = std::fs::read_to_string(dir.join("pg/postmaster.pid")).unwrap();
    let postmaster: i32 = pid_text.lines().next().unwrap().trim().parse().unwrap();
    let mut child = server.child;
    child.kill().unwrap();
    child.wait().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(postmaster),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    for _ in 0..100 {
        if !Path::new(&format!("/proc/{postmaster}")).exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        dir.join("pg/postmaster.pid").exists(),
        "the crash left a stale pid file"
    );
    let server = start_serve(&dir, false).await;
    assert_eq!(
        tenant_name(server.port, "acacia").await,
        "Acacia Corporate Services"
    );
    terminate(server);
    stop_cluster(&dir);
}

#[tokio::test]
async fn an_external_server_from_database_url() {
    // An "external" server: a separate embedded cluster, reached only through DATABASE_URL.
    let (server, server_dir) = other_server().await;
    let addr = server.address();
    let mut admin =
        comply360_store::connect::connect_once(&addr.options("c360_admin", None, "postgres"))
            .await
            .unwrap();
    sqlx::raw_sql("CREATE ROLE limited LOGIN")
        .execute(&mut admin)
        .await
        .unwrap();
    drop(admin);
    let url = |user: &str| {
        format!(
            "postgres://{user}@localhost/postgres?host={}&port={}",
            addr.host, addr.port
        )
    };
    let unused_root = data_dir();
    let unused = unused_root.path().join("unused");

    // A user that may not create roles gets told exactly what to create.
    let out = run(
        &unused,
        &["tenant", "list"],
        &[("DATABASE_URL", &url("limited"))],
    );
    assert_one_line_error(&out, 1, "may not create roles");
    assert!(
        stderr(&out).contains("CREATE ROLE c360_owner LOGIN CREATEDB"),
        "{}",
        stderr(&out)
    );

    // A superuser URL bootstraps everything; no embedded cluster is started.
    let out = run(
        &unused,
        &[
            "tenant", "create", "--slug", "external", "--name", "External", "--mode", "schema",
        ],
        &[("DATABASE_URL", &url("c360_admin"))],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !unused.exists(),
        "with DATABASE_URL no data directory is used"
    );

    // Once the roles and database exist, the limited user is enough to run.
    let out = run(
        &unused,
        &["tenant", "list", "--json"],
        &[("DATABASE_URL", &url("limited"))],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("\"slug\": \"external\""),
        "{}",
        stdout(&out)
    );
    server.release().await.unwrap();
    drop(server_dir);
}

#[tokio::test]
async fn migrate_reports_progress_and_a_summary() {
    let dir_guard = data_dir();
    let dir = dir_guard.path().to_path_buf();
    for (slug, mode) in [
        ("prog-a", "schema"),
        ("prog-b", "schema"),
        ("prog-c", "pooled"),
    ] {
        let out = run(
            &dir,
            &[
                "tenant", "create", "--slug", slug, "--name", slug, "--mode", mode,
            ],
            &[],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    // Join the data directory's cluster ourselves (holding a lease keeps it running) and make the
    // catalog believe every namespace is behind: migrate must repair it from each namespace's
    // own ledger without re-running anything.
    let cluster = EmbeddedCluster::start(&EmbeddedOptions::new(&dir))
        .await
        .unwrap();
    let mut admin = comply360_store::connect::connect_once(&cluster.address().options(
        "c360_admin",
        None,
        "comply360",
    ))
    .await
    .unwrap();
    let n = sqlx::query("UPDATE control.namespaces SET schema_version = 0")
        .execute(&mut admin)
        .await
        .unwrap();
    assert_eq!(n.rows_affected(), 3, "pooled + two schemas");

    let out = run(&dir, &["migrate", "--concurrency", "2"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let latest = comply360_store::migrations::MigrationSet::tenant().latest();
    let progress = stderr(&out);
    assert!(
        progress.contains(&format!("migrating 3 namespaces to version {latest}")),
        "{progress}"
    );
    for ns in ["pooled", "t_prog_a", "t_prog_b"] {
        assert!(
            progress.contains(&format!("migrated {ns} from 0 to {latest}")),
            "{progress}"
        );
    }
    assert!(
        stdout(&out).starts_with(&format!("migrated 3 of 3 namespaces to version {latest}")),
        "{}",
        stdout(&out)
    );
    let again = stdout(&run(&dir, &["migrate"], &[]));
    assert!(
        again.starts_with(&format!(
            "up to date: every namespace is at version {latest}"
        )),
        "{again}"
    );
    drop(admin);
    cluster.release().await.unwrap();
    stop_cluster(&dir);
}
