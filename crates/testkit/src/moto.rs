//! A real S3-protocol server for the document vault's tests: moto's server (PyPI
//! `moto[server]`), one per test process, a fresh bucket per test.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// How long moto may take to import and start answering (it is a Flask app).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The running server. Any access key and secret are accepted; buckets are addressed
/// path-style (`http://127.0.0.1:PORT/<bucket>/<key>`).
pub struct Moto {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Where its output goes, for the failure message if it does not start.
    log: std::path::PathBuf,
    /// Held for the life of the process; the reaper ends it after the process exits.
    process: std::process::Child,
}

static MOTO: OnceCell<Option<Moto>> = OnceCell::const_new();

/// The process's moto server, started on first use. `None` (the test says so and returns)
/// when moto is not installed, except under `CI=true`, where that fails the test:
/// `scripts/test` installs it.
pub async fn moto() -> Option<&'static Moto> {
    MOTO.get_or_init(start).await.as_ref()
}

async fn start() -> Option<Moto> {
    let installed = tokio::process::Command::new("python3")
        .args(["-c", "import moto.server"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            !crate::ci(),
            "moto is not installed (python3 -m pip install 'moto[server]>=5'; scripts/test does it)"
        );
        eprintln!("SKIPPED: python3 with moto[server] is not installed; run scripts/test");
        return None;
    }
    let dir = tempfile::Builder::new()
        .prefix("c360moto-")
        .tempdir_in("/tmp")
        .expect("a directory for moto's log")
        .keep();
    let log = dir.join("moto.log");
    let log_file = std::fs::File::create(&log).expect("moto's log file");
    let port = crate::free_port();
    // A plain child, not tokio's: it must outlive the runtime of the test that started it,
    // and the reaper below ends it with the test process.
    let child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("moto's log file"))
        .stderr(log_file)
        .spawn()
        .expect("start moto's server");
    spawn_reaper(child.id(), &dir);
    let mut moto = Moto {
        endpoint: format!("http://127.0.0.1:{port}"),
        log,
        process: child,
    };
    moto.wait_until_answering().await;
    Some(moto)
}

/// Stops moto and removes its directory once this process is gone, however it ends.
fn spawn_reaper(moto_pid: u32, dir: &std::path::Path) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; kill {moto_pid} 2>/dev/null; rm -rf {dir}",
        pid = std::process::id(),
        dir = dir.display()
    );
    let _ = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

impl Moto {
    async fn wait_until_answering(&mut self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(res) = client.get(&self.endpoint).send().await
                && res.status().is_success()
            {
                return;
            }
            // Exited (the port was taken meanwhile, a broken install): say so now, not later.
            let exited = self.process.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() >= deadline {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!(
                    "moto did not answer on {} (exit: {exited:?}):\n{log}",
                    self.endpoint
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Creates a new empty bucket (a plain path-style `PUT /<bucket>`); its name.
    pub async fn fresh_bucket(&self) -> String {
        let bucket = format!(
            "c360test-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let res = reqwest::Client::new()
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .expect("create a bucket on moto");
        assert!(
            res.status().is_success(),
            "moto refused to create bucket {bucket}: {}",
            res.status()
        );
        bucket
    }

    /// Multipart uploads of `bucket` begun and neither completed nor aborted (S3's
    /// `ListMultipartUploads`): parts a crashed or careless writer left behind.
    pub async fn pending_uploads(&self, bucket: &str) -> usize {
        let res = reqwest::Client::new()
            .get(format!("{}/{bucket}?uploads", self.endpoint))
            .send()
            .await
            .expect("list multipart uploads on moto");
        assert!(
            res.status().is_success(),
            "ListMultipartUploads: {}",
            res.status()
        );
        let body = res.text().await.expect("the upload listing");
        body.matches("<Upload>").count()
    }
}
