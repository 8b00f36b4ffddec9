//! One embedded cluster per test process.

use comply360_store::connect::{ServerAddress, connect_once};
use comply360_store::embedded::{EmbeddedCluster, EmbeddedOptions};
use comply360_store::{EMBEDDED_ADMIN_ROLE, Store, StoreSettings, quote_ident};
use sqlx::Connection;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::OnceCell;

const TEMPLATE_DB: &str = "c360test_template";

pub struct TestCluster {
    cluster: EmbeddedCluster,
    dir: PathBuf,
}

static CLUSTER: OnceCell<TestCluster> = OnceCell::const_new();

/// The process's cluster, started (and its template database migrated) on first use.
pub async fn test_cluster() -> &'static TestCluster {
    CLUSTER.get_or_init(start).await
}

async fn start() -> TestCluster {
    // Under /tmp so the unprivileged postgres user can traverse it and the socket path stays
    // short. Kept (not a TempDir) because the reaper removes it after we exit.
    let dir = tempfile::Builder::new()
        .prefix("c360test-")
        .tempdir_in("/tmp")
        .expect("temp dir")
        .keep();
    let mut opts = EmbeddedOptions::new(&dir);
    opts.unsafe_no_fsync = true;
    opts.max_connections = 400;
    let cluster = EmbeddedCluster::start(&opts)
        .await
        .expect("start the embedded test cluster");
    spawn_reaper(&dir);
    let this = TestCluster { cluster, dir };
    // The template: control plane migrated, pooled namespace built. Each test clones it.
    let settings = this.settings(TEMPLATE_DB);
    let store = Store::open(StoreSettings {
        maintenance: false,
        ..settings
    })
    .await
    .expect("migrate the template");
    store.close().await;
    this
}

/// Stops the cluster and removes its directory once this process is gone, however it ends.
fn spawn_reaper(dir: &std::path::Path) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         kill -QUIT $(head -1 {dir}/pg/postmaster.pid) 2>/dev/null; sleep 2; rm -rf {dir}",
        pid = std::process::id(),
        dir = dir.display()
    );
    let _ = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

impl TestCluster {
    pub fn address(&self) -> ServerAddress {
        self.cluster.address()
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Store settings for an app database on this cluster, with tenant databases prefixed by
    /// the app database's name.
    pub fn settings(&self, database: &str) -> StoreSettings {
        let mut s = StoreSettings::new(self.address(), EMBEDDED_ADMIN_ROLE);
        s.app_database = database.to_owned();
        s.database_prefix = format!("{database}_t_");
        s.maintenance = true;
        s.cache_ttl = Duration::from_secs(60);
        s
    }

    pub fn admin_options(&self, database: &str) -> sqlx::postgres::PgConnectOptions {
        self.address().options(EMBEDDED_ADMIN_ROLE, None, database)
    }

    /// A new app database cloned from the migrated template.
    pub async fn fresh_database(&self) -> String {
        let name = format!(
            "c360test_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let mut admin = connect_once(&self.admin_options("postgres"))
            .await
            .expect("admin connection");
        sqlx::raw_sql(&format!(
            "CREATE DATABASE {} TEMPLATE {} OWNER c360_owner",
            quote_ident(&name),
            quote_ident(TEMPLATE_DB)
        ))
        .execute(&mut admin)
        .await
        .expect("clone the template database");
        admin.close().await.ok();
        name
    }
}
