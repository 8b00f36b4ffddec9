//! A real PgBouncer (Debian's `pgbouncer`) in transaction-pooling mode in front of the test
//! cluster, with few server connections so that tenants' transactions interleave on them.

use crate::cluster::TestCluster;
use comply360_store::connect::ServerAddress;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

pub struct PgBouncer {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

fn binary() -> PathBuf {
    for p in ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"] {
        if std::path::Path::new(p).is_file() {
            return p.into();
        }
    }
    panic!("pgbouncer is not installed; the test command installs it (apt-get install pgbouncer)");
}

impl PgBouncer {
    /// Starts PgBouncer with `pool_size` server connections per (user, database).
    pub async fn start(cluster: &TestCluster, pool_size: u32) -> PgBouncer {
        let dir = tempfile::Builder::new()
            .prefix("c360bouncer-")
            .tempdir_in("/tmp")
            .expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let pg = cluster.address();
        let ini = format!(
            "[databases]\n* = host={host} port={pgport}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n\
             unix_socket_dir = {dir}\nauth_type = trust\nauth_file = {dir}/users.txt\npool_mode = transaction\n\
             default_pool_size = {pool_size}\nmax_client_conn = 1000\nserver_reset_query =\n\
             ignore_startup_parameters = extra_float_digits,options\nlogfile = {dir}/pgbouncer.log\n\
             pidfile = {dir}/pgbouncer.pid\nadmin_users = c360_owner\n",
            host = pg.host,
            pgport = pg.port,
            dir = dir.path().display(),
        );
        std::fs::write(dir.path().join("pgbouncer.ini"), ini).expect("write pgbouncer.ini");
        std::fs::write(
            dir.path().join("users.txt"),
            "\"c360_app\" \"\"\n\"c360_owner\" \"\"\n",
        )
        .expect("users");
        chown_postgres(dir.path());
        let child = spawn(&dir, port).await;
        PgBouncer { port, child, dir }
    }

    /// Stops PgBouncer (every client and server connection through it is cut), then starts it
    /// again on the same port with the same settings once `down` has passed.
    pub async fn restart(&mut self, down: Duration) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        tokio::time::sleep(down).await;
        self.child = spawn(&self.dir, self.port).await;
    }

    pub fn address(&self) -> ServerAddress {
        ServerAddress {
            host: "127.0.0.1".into(),
            port: self.port,
        }
    }
}

/// Runs PgBouncer on the settings in `dir`; returns once it listens on `port`.
async fn spawn(dir: &tempfile::TempDir, port: u16) -> Child {
    let mut cmd = Command::new(binary());
    if nix::unistd::Uid::effective().is_root() {
        cmd.args(["-u", "postgres"]);
    }
    cmd.arg(dir.path().join("pgbouncer.ini"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let child = cmd.spawn().expect("start pgbouncer");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = std::fs::read_to_string(dir.path().join("pgbouncer.log")).unwrap_or_default();
    panic!("pgbouncer did not start listening on {port}: {log}");
}

fn chown_postgres(dir: &std::path::Path) {
    if !nix::unistd::Uid::effective().is_root() {
        return;
    }
    if let Ok(Some(user)) = nix::unistd::User::from_name("postgres") {
        let (u, g) = (user.uid.as_raw(), user.gid.as_raw());
        let _ = std::os::unix::fs::chown(dir, Some(u), Some(g));
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let _ = std::os::unix::fs::chown(e.path(), Some(u), Some(g));
        }
    }
}
