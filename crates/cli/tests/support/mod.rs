//! Helpers shared by the cli test modules: the binary under test, on a data directory of its
//! own or on a test database of the testkit's cluster.

use comply360_testkit::TestDb;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The `comply360` binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_comply360");

/// `comply360` pointed at the test's app database on the test cluster.
pub fn comply360(db: &TestDb) -> Command {
    comply360_testkit::comply360_command(BIN, db)
}

/// `comply360 <args> --data-dir <dir>`: the binary's own embedded cluster in `dir`, never a
/// `DATABASE_URL` or `RUST_LOG` from the caller's environment.
pub fn on_data_dir(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG");
    cmd
}

/// Runs `cmd` with `stdin` (if any) on its standard input, which is then closed; its output.
pub fn output_with_stdin(mut cmd: Command, stdin: Option<&[u8]>) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(bytes) = stdin {
            pipe.write_all(bytes).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

/// The demo's password for every demo account (`serve --demo`).
pub const DEMO_PASSWORD: &str = "Demo-Baobab-Sunrise-2026";

/// A running `serve`, stopped with SIGTERM (and waited for) when dropped.
pub struct Serve {
    pub child: std::process::Child,
    pub port: u16,
    /// Where its `/metrics` listener is.
    pub metrics_port: u16,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.child.wait();
    }
}

/// `comply360 serve --demo` on free ports with its own embedded cluster in `data`, plus
/// `args` and `env`, its standard error to `stderr`; returned once `/readyz` answers.
pub async fn serve_demo(
    data: &Path,
    args: &[&str],
    env: &[(&str, String)],
    stderr: Stdio,
) -> Serve {
    let (port, metrics_port) = (
        comply360_testkit::free_port(),
        comply360_testkit::free_port(),
    );
    let child = Command::new(BIN)
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env(
            "COMPLY360_METRICS_LISTEN",
            format!("127.0.0.1:{metrics_port}"),
        )
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let serve = Serve {
        child,
        port,
        metrics_port,
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    while std::time::Instant::now() < deadline {
        if let Ok(res) = reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await
            && res.status().is_success()
        {
            return serve;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("serve did not become ready");
}

/// Signs `email` in at the demo agency `agency`; its access token.
pub async fn sign_in(http: &reqwest::Client, port: u16, agency: &str, email: &str) -> String {
    let res = http
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .header("x-tenant", agency)
        .json(&serde_json::json!({"email": email, "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "sign-in of {email} at {agency}");
    res.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}
