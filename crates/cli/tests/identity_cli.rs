//! Accounts and signing keys from the command line: `user create`, `platform-user create`,
//! `keys list|rotate`, and a served sign-in with what they made.

use crate::support::{BIN, on_data_dir, output_with_stdin};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = on_data_dir(dir, args);
    cmd.env_remove("COMPLY360_MASTER_KEY");
    output_with_stdin(cmd, stdin.map(str::as_bytes))
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn one_line_error(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line expected: {err}");
    assert!(
        err.starts_with("error: ") && err.contains(needle),
        "{needle:?} not in {err:?}"
    );
}

#[tokio::test]
async fn accounts_and_keys_from_the_command_line_then_a_served_sign_in() {
    let dir_guard = tempfile::Builder::new()
        .prefix("c360id-")
        .tempdir_in("/tmp")
        .unwrap();
    let dir = dir_guard.path();
    let created = ok(&run(
        dir,
        &[
            "tenant",
            "create",
            "--slug",
            "umoya",
            "--name",
            "Umoya Secretarial",
            "--mode",
            "schema",
            "--admin-email",
            "owner@umoya.example",
        ],
        None,
    ));
    assert!(
        created.contains("invited owner@umoya.example as the agency's administrator"),
        "{created}"
    );
    let create = |email: &str, role: &str, password: Option<&str>| {
        run(
            dir,
            &[
                "user",
                "create",
                "--tenant",
                "umoya",
                "--email",
                email,
                "--role",
                role,
                "--name",
                "Lindiwe Dube",
            ],
            password,
        )
    };
    // Bad input: one line each, nothing created.
    one_line_error(
        &create("not-an-email", "agent", Some("Savanna-Copper-Lantern-58\n")),
        "email",
    );
    one_line_error(
        &create("lindiwe@umoya.example", "agent", Some("password1234\n")),
        "password",
    );
    one_line_error(
        &create("lindiwe@umoya.example", "agent", Some("")),
        "no password given",
    );
    one_line_error(
        &create(
            "lindiwe@umoya.example",
            "wizard",
            Some("Savanna-Copper-Lantern-58\n"),
        ),
        "role",
    );
    // The real thing, then the same again is a conflict.
    let out = ok(&create(
        "lindiwe@umoya.example",
        "tenant_admin",
        Some("Savanna-Copper-Lantern-58\n"),
    ));
    assert!(
        out.contains("created lindiwe@umoya.example (tenant_admin) in umoya"),
        "{out}"
    );
    one_line_error(
        &create(
            "lindiwe@umoya.example",
            "agent",
            Some("Savanna-Copper-Lantern-58\n"),
        ),
        "already has an active account",
    );

    let pw_file = dir.join("ops-password");
    std::fs::write(&pw_file, "Harbour-Quartz-Velvet-31\n").unwrap();
    let out = ok(&run(
        dir,
        &[
            "platform-user",
            "create",
            "--email",
            "ops@comply360.example",
            "--role",
            "super_admin",
            "--password-file",
            pw_file.to_str().unwrap(),
        ],
        None,
    ));
    assert!(
        out.contains("created platform user ops@comply360.example (super_admin)"),
        "{out}"
    );
    one_line_error(
        &run(
            dir,
            &[
                "platform-user",
                "create",
                "--email",
                "x@comply360.example",
                "--role",
                "tenant_admin",
                "--password-file",
                pw_file.to_str().unwrap(),
            ],
            None,
        ),
        "super_admin or global_support",
    );

    // Keys: one signs; a rotation adds one that signs, the old one still verifies.
    let listed = ok(&run(dir, &["keys", "list"], None));
    assert_eq!(listed.lines().count(), 2, "{listed}");
    let rotated = ok(&run(dir, &["keys", "rotate"], None));
    assert!(rotated.contains("new signing key"), "{rotated}");
    let rows: Vec<Vec<String>> = rotated
        .lines()
        .skip_while(|l| !l.starts_with("KID"))
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{rotated}");
    let (old, new) = (&rows[0], &rows[1]);
    assert_eq!(
        (old[3].as_str(), old[4].as_str()),
        ("no", "yes"),
        "{rotated}"
    );
    assert_eq!(
        (new[3].as_str(), new[4].as_str()),
        ("yes", "yes"),
        "{rotated}"
    );
    let new_kid = new[0].clone();

    // Served: the user signs in, the token carries the new kid, and the master key file
    // that sealed the keys is private to its owner.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir)
        .env_remove("DATABASE_URL")
        .env_remove("COMPLY360_MASTER_KEY")
        .env("COMPLY360_METRICS_LISTEN", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut body = serde_json::Value::Null;
    while Instant::now() < deadline {
        if let Ok(res) = client
            .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
            .header("x-tenant", "umoya")
            .json(&serde_json::json!({"email": "lindiwe@umoya.example", "password": "Savanna-Copper-Lantern-58"}))
            .send()
            .await
        {
            body = res.json().await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let platform: serde_json::Value = client
        .post(format!("http://127.0.0.1:{port}/api/v1/platform/auth/login"))
        .json(&serde_json::json!({"email": "ops@comply360.example", "password": "Harbour-Quartz-Velvet-31"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(server.id()).unwrap()),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(server.wait().unwrap().success());
    let token = body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    use base64::Engine;
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], new_kid.as_str());
    assert!(platform["access_token"].is_string(), "{platform}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("master.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}
