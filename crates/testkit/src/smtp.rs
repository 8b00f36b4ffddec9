//! A real SMTP server: `smtp_server.py` on aiosmtpd, storing each message as a file.

use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct SmtpServer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
}

impl SmtpServer {
    /// `None` (the test skips) when aiosmtpd is not installed, except under `CI=true`, where
    /// a missing server fails the run: `scripts/test` installs it.
    pub async fn start() -> Option<SmtpServer> {
        let available = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .status()
            .await
            .is_ok_and(|s| s.success());
        if !available {
            assert!(
                !crate::ci(),
                "aiosmtpd is not installed (python3 -m pip install aiosmtpd; scripts/test does it)"
            );
            eprintln!("SKIPPED: python3 with aiosmtpd is not installed; run scripts/test");
            return None;
        }
        let dir = tempfile::tempdir().expect("a directory for the messages");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/smtp_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the SMTP test server");
        let stdout = child.stdout.take().expect("the server's stdout");
        let mut line = String::new();
        tokio::time::timeout(
            Duration::from_secs(20),
            BufReader::new(stdout).read_line(&mut line),
        )
        .await
        .expect("the SMTP server printed its port in time")
        .expect("read the SMTP server's port");
        let port = line.trim().parse().expect("a port number");
        Some(SmtpServer { port, dir, child })
    }

    /// Every message received so far (file name order = arrival order).
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("the message directory")
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read(p).expect("a message file"))
            .collect()
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
