//! `serve` and the dev mailbox: absent on a listener other than loopback (and `serve` says
//! so), and on a loopback listener answered only at `localhost`, never on an agency's host.

use crate::support::BIN;
use comply360_testkit::free_port;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `serve --demo` on `listen`; its stdout lines arrive on the channel.
async fn serve(dir: &Path, listen: &str, port: u16) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .args(["serve", "--demo", "--listen", listen, "--data-dir"])
        .arg(dir)
        .env_remove("DATABASE_URL")
        .env_remove("COMPLY360_EMAIL_TRANSPORT")
        .env("COMPLY360_METRICS_LISTEN", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Ok(res) = reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await
            && res.status().is_success()
        {
            return (child, rx);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("serve did not become ready on {listen}");
}

fn stop(mut child: Child) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(child.wait().unwrap().success());
}

fn said(rx: &mpsc::Receiver<String>) -> String {
    rx.try_iter().collect::<Vec<_>>().join("\n")
}

async fn mailbox_status(port: u16, host: &str, extra: Option<(&str, &str)>) -> u16 {
    let mut req = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/dev/mailbox"))
        .header("host", host);
    if let Some((name, value)) = extra {
        req = req.header(name, value);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn the_dev_mailbox_is_served_on_loopback_only_and_never_on_an_agencys_host() {
    let root = tempfile::Builder::new()
        .prefix("c360dev-")
        .tempdir_in("/tmp")
        .unwrap();

    // Listening on every address: the page does not exist, on any host.
    let port = free_port();
    let (child, out) = serve(root.path(), &format!("0.0.0.0:{port}"), port).await;
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("acacia.localhost:{port}"),
    ] {
        assert_eq!(mailbox_status(port, &host, None).await, 404, "{host}");
    }
    let told = said(&out);
    assert!(
        told.contains("the /dev/mailbox page is not served")
            && told.contains("not a loopback address"),
        "serve says why: {told}"
    );
    stop(child);

    // On loopback: at localhost only.
    let port = free_port();
    let (child, out) = serve(root.path(), &format!("127.0.0.1:{port}"), port).await;
    assert_eq!(
        mailbox_status(port, &format!("localhost:{port}"), None).await,
        200
    );
    assert_eq!(
        mailbox_status(port, &format!("127.0.0.1:{port}"), None).await,
        200
    );
    for (host, extra) in [
        (format!("acacia.localhost:{port}"), None),
        (format!("baobab.localhost:{port}"), None),
        (format!("admin.localhost:{port}"), None),
        (format!("localhost:{port}"), Some(("x-tenant", "acacia"))),
        (
            format!("localhost:{port}"),
            Some(("x-forwarded-for", "198.51.100.7")),
        ),
        ("comply360.example".to_owned(), None),
    ] {
        assert_eq!(
            mailbox_status(port, &host, extra).await,
            404,
            "{host} {extra:?}"
        );
    }
    let told = said(&out);
    assert!(
        told.contains(&format!("http://localhost:{port}/dev/mailbox"))
            && told.contains("never on an agency's address"),
        "{told}"
    );
    stop(child);
}
