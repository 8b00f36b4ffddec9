//! `comply360 billing`: the month's platform invoices (once), enforcement, a payment recorded
//! by hand, the list; a wrong number is one line and a non-zero exit.

use crate::support::comply360;
use comply360_domain::{IsolationMode, Tier};
use comply360_testkit::{TestDb, create_tenant_on};

fn run(db: &TestDb, args: &[&str]) -> (Option<i32>, String, String) {
    let out = comply360(db).args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_month_is_invoiced_once_and_a_payment_is_recorded() {
    let db = TestDb::new().await;
    create_tenant_on(
        &db.store,
        "billed-agency",
        IsolationMode::Pooled,
        Tier::Professional,
    )
    .await;

    let (code, out, err) = run(&db, &["billing", "invoice"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("billed-agency"), "{out}");
    // R2,490 + 15% VAT.
    assert!(out.contains("2863.50"), "{out}");
    let number = out
        .split_whitespace()
        .find(|w| w.starts_with("C360-"))
        .unwrap()
        .to_owned();
    let (_, again, _) = run(&db, &["billing", "invoice"]);
    assert!(again.starts_with("0 invoices"), "{again}");

    let (code, out, err) = run(&db, &["billing", "enforce"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("held: none"), "{out}");

    let (code, _, err) = run(&db, &["billing", "paid", "C360-999999", "--reference", "x"]);
    assert_eq!(code, Some(1));
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("no platform invoice is numbered"), "{err}");

    let (code, out, err) = run(&db, &["billing", "paid", &number, "--reference", "FNB 42"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("paid"), "{out}");
    let (_, listed, _) = run(&db, &["billing", "list"]);
    assert!(
        listed.contains(&number) && listed.contains("paid"),
        "{listed}"
    );
}
