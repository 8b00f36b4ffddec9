//! `comply360 notify test` as an operator runs it, against a real SMTP server (aiosmtpd,
//! started here): the message arrives with the agency's branding; with the server down it is
//! retried, then marked failed, and the failure is visible in the command's output, on the
//! message and as a dead letter.

use comply360_domain::IsolationMode;
use comply360_testkit::smtp::SmtpServer;
use comply360_testkit::{TestDb, create_tenant};
use std::process::Command;

/// `comply360` on the test database, sending mail by SMTP to 127.0.0.1:`smtp_port`.
fn comply360(db: &TestDb, smtp_port: u16) -> Command {
    let mut cmd = crate::support::comply360(db);
    cmd.env("COMPLY360_EMAIL_TRANSPORT", "smtp")
        .env("COMPLY360_EMAIL_FROM", "no-reply@agency-mail.example")
        .env("COMPLY360_SMTP_HOST", "127.0.0.1")
        .env("COMPLY360_SMTP_PORT", smtp_port.to_string())
        .env("COMPLY360_SMTP_TLS", "none")
        .env("COMPLY360_NOTIFY_MAX_ATTEMPTS", "2")
        .env("COMPLY360_NOTIFY_RETRY_FIRST_DELAY_MS", "200");
    cmd
}

#[tokio::test]
async fn notify_test_delivers_with_branding_and_reports_a_dead_server() {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let db = TestDb::new().await;
    create_tenant(&db.store, "brandco", IsolationMode::Database).await;
    let tenant = db.store.tenancy().resolve("brandco").await.unwrap();
    let mut tx = db.store.tenancy().begin(&tenant).await.unwrap();
    comply360_store::repo::settings::put(
        &mut tx,
        "branding",
        &serde_json::json!({"display_name": "Brand & Co Secretarial", "primary_color": "#12a4c7"}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let out = comply360(&db, smtp.port)
        .args([
            "notify",
            "test",
            "--tenant",
            "brandco",
            "--to",
            "ops@brand.example",
            "--wait",
            "30s",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("sent the test message to ops@brand.example via smtp"),
        "{stdout}"
    );

    let files: Vec<_> = std::fs::read_dir(smtp.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    assert_eq!(files.len(), 1, "one message at the SMTP server");
    let raw = std::fs::read(&files[0]).unwrap();
    assert!(raw.starts_with(b"X-Envelope-To: ops@brand.example\r\n"));
    let mail = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let from = mail.from().unwrap().first().unwrap();
    assert_eq!(
        from.name(),
        Some("Brand & Co Secretarial"),
        "the agency's name as sender"
    );
    assert_eq!(from.address(), Some("no-reply@agency-mail.example"));
    assert_eq!(
        mail.subject(),
        Some("Test message from Brand & Co Secretarial")
    );
    let html = mail.body_html(0).unwrap();
    assert!(
        html.contains("#12a4c7"),
        "the agency's colour in the HTML: {html}"
    );
    assert!(
        html.contains("Brand &amp; Co Secretarial"),
        "the name, escaped: {html}"
    );
    assert!(
        mail.body_text(0)
            .unwrap()
            .contains("Brand & Co Secretarial")
    );

    // The server goes away: the command retries, then reports the failure in one line.
    drop(smtp);
    let out = comply360(&db, 1)
        .args([
            "notify",
            "test",
            "--tenant",
            "brandco",
            "--to",
            "ops@brand.example",
            "--wait",
            "60s",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("is failed after 2 attempts"), "{stderr}");

    let mut tx = db.store.tenancy().begin(&tenant).await.unwrap();
    let (state, attempts, error): (String, i32, Option<String>) = tx
        .query_as(
            "SELECT state, attempts, last_error FROM notification_messages
             WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(tenant.id().as_uuid())
        .fetch_one(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((state.as_str(), attempts), ("failed", 2));
    assert!(error.is_some_and(|e| !e.is_empty()));
    let dead = comply360(&db, 1)
        .args(["jobs", "dead", "--tenant", "brandco", "--json"])
        .output()
        .unwrap();
    let dead: serde_json::Value = serde_json::from_slice(&dead.stdout).unwrap();
    assert_eq!(dead[0]["handler"], "notify.deliver", "{dead}");
    assert_eq!(dead[0]["attempts"], 2);
}
