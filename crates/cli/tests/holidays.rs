//! `comply360 holidays list|add DATE NAME|remove DATE`: the declared public holidays on the
//! command line. Adding or removing one recomputes the agencies' deadlines and is audited as
//! `cli`; bad input is one line on stderr and a non-zero exit.

use crate::support::comply360;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use comply360_domain::IsolationMode;
use comply360_domain::calendar::BusinessCalendar;
use comply360_practice::clients::{self, ClientInput};
use comply360_practice::companies::{self, CompanyInput};
use comply360_practice::obligations::{self, ObligationFilter};
use comply360_testkit::TestDb;
use serde_json::{Value, json};
use std::process::Output;
use uuid::Uuid;

fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(2)).date_naive()
}

fn run(db: &TestDb, args: &[&str]) -> Output {
    comply360(db).arg("holidays").args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A table line's cells (columns are two or more spaces apart).
fn cells(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// Refused: the exit code, and exactly one line on stderr containing `says`.
fn refused(out: &Output, code: i32, says: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(says), "{err}");
}

/// The due date of the company's BO filing at incorporation.
async fn bo_due(db: &TestDb, company: Uuid) -> NaiveDate {
    let tenant = db.store.tenancy().resolve("hol-cli").await.unwrap();
    let mut tx = db.store.tenancy().begin(&tenant).await.unwrap();
    let page = obligations::list(
        &mut tx,
        &ObligationFilter {
            company_id: Some(company),
            kind: Some("beneficial_ownership".into()),
            ..Default::default()
        },
        today(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    page.items[0].due_on
}

#[tokio::test]
async fn holidays_are_listed_added_and_removed_and_the_deadlines_follow() {
    let db = TestDb::new().await;
    // An agency with a company incorporated two days ago: its BO filing (10 business days)
    // spans the day declared below.
    db.tenant("hol-cli", IsolationMode::Pooled).await;
    let tenant = db.store.tenancy().resolve("hol-cli").await.unwrap();
    let mut tx = db.store.tenancy().begin(&tenant).await.unwrap();
    let client: ClientInput = serde_json::from_value(
        json!({"first_names": "Thabo", "surname": "Mokoena", "id_number": "8001015009087"}),
    )
    .unwrap();
    let client = clients::create(
        &mut tx,
        &comply360_testkit::default_outbox(),
        Uuid::nil(),
        &client,
        today(),
    )
    .await
    .unwrap();
    let company: CompanyInput = serde_json::from_value(json!({"client_id": client.id,
        "company_type": "private_company", "name": "Brand New (Pty) Ltd",
        "incorporated_on": today() - Duration::days(2)}))
    .unwrap();
    let company = companies::create(&mut tx, Uuid::nil(), &company, today())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let before = bo_due(&db, company.id).await;
    let shipped = BusinessCalendar::shipped();
    let mut day = today() + Duration::days(3);
    while !shipped.is_business_day(day) {
        day += Duration::days(1);
    }
    assert!(day <= before, "{day} within the BO window ending {before}");
    let day_text = day.to_string();

    // The shipped list.
    let out = run(&db, &["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 10, "a header and nine days: {text}");
    assert_eq!(cells(lines[0]), ["DATE", "DAY", "NAME", "ADDED BY"]);
    assert_eq!(
        cells(lines[9]),
        ["2026-11-04", "Wed", "local government elections", "shipped"]
    );
    let out = run(&db, &["list", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 9);
    assert_eq!(list[0]["date"], "2014-05-07");

    // Declare the day (a name of several words needs no quotes): the BO filing moves.
    let out = run(&db, &["add", &day_text, "local", "by-election"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "declared {day} (local by-election)\nrecomputed deadlines in 1 agencies: 1 moved\n"
        )
    );
    let with_day = BusinessCalendar::new(
        comply360_domain::calendar::shipped_declared_holidays()
            .iter()
            .map(|h| h.on)
            .chain([day]),
    );
    assert_eq!(
        bo_due(&db, company.id).await,
        with_day.add_business_days(before, 1)
    );
    let out = run(&db, &["list"]);
    let listed = stdout(&out);
    let line = listed
        .lines()
        .find(|l| l.starts_with(&day_text))
        .expect("the new day listed");
    assert_eq!(
        cells(line),
        [
            day_text.as_str(),
            &day.weekday().to_string(),
            "local by-election",
            "cli"
        ]
    );
    refused(
        &run(&db, &["add", &day_text, "again"]),
        1,
        &format!("{day} is already a declared holiday"),
    );

    // Withdraw it: the filing is due when it was.
    let out = run(&db, &["remove", &day_text]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "withdrew {day} (local by-election)\nrecomputed deadlines in 1 agencies: 1 moved\n"
        )
    );
    assert_eq!(bo_due(&db, company.id).await, before);
    refused(
        &run(&db, &["remove", &day_text]),
        1,
        &format!("{day} is not a declared holiday"),
    );

    // Bad input: the command line's own refusals (exit 2), then ours (exit 1).
    refused(&run(&db, &["add", "2026-13-01", "x"]), 2, "2026-13-01");
    refused(&run(&db, &["add", "2026-11-11"]), 2, "NAME");
    refused(&run(&db, &["remove", "next-tuesday"]), 2, "next-tuesday");
    refused(&run(&db, &["frobnicate"]), 2, "frobnicate");
    refused(
        &run(&db, &["add", "1990-01-03", "x"]),
        1,
        "date: must be a day from 1995 to 2100",
    );
    refused(
        &run(&db, &["add", "2026-11-11", "  "]),
        1,
        "name: say why the day is a holiday",
    );
    let out = run(&db, &["list", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 9, "nothing else changed");

    // The platform audit log holds both changes, by `cli`.
    let audit: Vec<(String, String, Value)> = sqlx::query_as(
        "SELECT actor, action, detail FROM control.platform_audit_log \
         WHERE action LIKE 'holiday.%' ORDER BY at, id",
    )
    .fetch_all(db.store.owner_pool())
    .await
    .unwrap();
    let audit: Vec<(&str, &str, &Value)> = audit
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), &c["date"]))
        .collect();
    assert_eq!(
        audit,
        [
            ("cli", "holiday.declared", &json!(day)),
            ("cli", "holiday.removed", &json!(day))
        ]
    );
}
