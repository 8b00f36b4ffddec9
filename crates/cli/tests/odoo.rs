//! `comply360 odoo test|reconcile`: against the Odoo stand-in with the agency's stored (sealed)
//! settings; a record deleted in Odoo is found and, with `--fix`, written again; an agency
//! without a connection is one line and exit 1.

use crate::support::comply360;
use comply360_domain::IsolationMode;
use comply360_erp::settings::{self, OdooSettingsInput};
use comply360_integrations::odoo::{OdooProtocol, OdooStandIn, StandInConfig};
use comply360_practice::clients::{self, ClientInput};
use comply360_practice::reminders::sa_today;
use comply360_testkit::{TestDb, default_outbox, test_master_key};
use std::time::Duration;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// Two threads: the stand-in serves on this runtime while the test waits on the command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odoo_test_and_reconcile_use_the_agencys_settings() {
    let db = TestDb::new().await;
    db.tenant("odoo-cli", IsolationMode::Schema).await;
    db.tenant("odoo-none", IsolationMode::Pooled).await;
    let odoo = OdooStandIn::start(StandInConfig::default()).await.unwrap();
    let config = odoo.odoo_config(OdooProtocol::XmlRpc);
    let tenant = db.store.tenancy().resolve("odoo-cli").await.unwrap();
    let outbox = default_outbox();
    let mut tx = db.store.tenancy().begin(&tenant).await.unwrap();
    let input = OdooSettingsInput {
        base_url: Some(config.base_url.to_string()),
        database: Some(config.database.clone()),
        login: Some(config.login.clone()),
        api_key: Some(config.api_key.expose().to_owned()),
        protocol: Some("xmlrpc".into()),
        ..OdooSettingsInput::default()
    };
    settings::save(&mut tx, &test_master_key(), uuid::Uuid::nil(), &input)
        .await
        .unwrap();
    let client = ClientInput {
        kind: Some("organisation".into()),
        display_name: Some("Cli Mirror Trust".into()),
        ..ClientInput::default()
    };
    clients::create(&mut tx, &outbox, uuid::Uuid::nil(), &client, sa_today())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let run_jobs = || async {
        let runner = comply360_jobs::Runner::new(
            db.store.tenancy().clone(),
            outbox.clone(),
            Duration::from_secs(60),
        );
        comply360_jobs::run_due(&runner, &tenant).await.unwrap()
    };
    run_jobs().await;
    assert_eq!(odoo.records("res.partner").len(), 1);
    let odoo_cmd = |args: &[&str]| {
        comply360(&db)
            .arg("odoo")
            .args(args)
            .env("COMPLY360_MASTER_KEY", test_master_key().to_base64())
            .output()
            .unwrap()
    };

    let out = odoo_cmd(&["test", "--tenant", "odoo-cli"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Odoo 19.0 over xmlrpc"), "{stdout}");
    assert!(
        stdout.contains("signed in as admin (uid 2, Mitchell Admin)"),
        "{stdout}"
    );
    assert!(stdout.contains("vendor bills"), "{stdout}");

    let out = odoo_cmd(&["reconcile", "--tenant", "odoo-cli"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 records checked; Comply360 and Odoo agree"),
        "{}",
        text(&out.stdout)
    );

    let id = odoo.records("res.partner")[0]["id"].as_i64().unwrap();
    assert!(odoo.delete("res.partner", id));
    let out = odoo_cmd(&["reconcile", "--tenant", "odoo-cli"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("deleted in Odoo"), "{stdout}");
    let out = odoo_cmd(&["reconcile", "--tenant", "odoo-cli", "--fix"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 records queued to be written again"),
        "{}",
        text(&out.stdout)
    );
    run_jobs().await;
    assert_eq!(odoo.records("res.partner").len(), 1, "restored");

    let out = odoo_cmd(&["test", "--tenant", "odoo-none"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("odoo-none has no Odoo connection"),
        "{stderr}"
    );
}
