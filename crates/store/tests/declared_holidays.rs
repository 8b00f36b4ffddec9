//! The declared public holidays in the control plane: seeded with the list the domain ships,
//! audited when changed, and seen by every tenant transaction's calendar, including after a
//! change made elsewhere (the catalog channel drops the cached calendar).

use chrono::NaiveDate;
use comply360_domain::IsolationMode;
use comply360_domain::calendar::{DeclaredHoliday, shipped_declared_holidays};
use comply360_store::holidays;
use comply360_testkit::{TestDb, eventually};
use std::time::Duration;

#[tokio::test]
async fn the_seed_is_the_shipped_list_and_changes_reach_every_transaction() {
    let db = TestDb::new().await;
    let seeded = holidays::list(db.store.owner_pool()).await.unwrap();
    assert_eq!(
        seeded.iter().map(|h| h.holiday()).collect::<Vec<_>>(),
        shipped_declared_holidays()
    );
    assert!(seeded.iter().all(|h| h.added_by == "shipped"));

    db.tenant("hol-store", IsolationMode::Database).await;
    let tenant = db.store.tenancy().resolve("hol-store").await.unwrap();
    let day = NaiveDate::from_ymd_opt(2031, 5, 7).unwrap();
    let tx = db.store.tenancy().begin(&tenant).await.unwrap();
    assert!(
        tx.calendar()
            .is_holiday(NaiveDate::from_ymd_opt(2026, 11, 4).unwrap())
    );
    assert!(!tx.calendar().is_holiday(day));
    tx.rollback().await.unwrap();

    // Another process adds a day (through the app role, as the API does): the cached calendar
    // is dropped by the NOTIFY, without this process being told.
    let added = holidays::add(
        db.store.tenancy().catalog_pool(),
        "test",
        &DeclaredHoliday {
            on: day,
            name: "national and provincial elections".into(),
        },
    )
    .await
    .unwrap()
    .expect("a new day");
    assert_eq!(added.added_by, "test");
    let again = holidays::add(db.store.tenancy().catalog_pool(), "test", &added.holiday())
        .await
        .unwrap();
    assert_eq!(again, None, "a day is declared once");
    eventually(
        "the new day in a tenant transaction",
        Duration::from_secs(10),
        || async {
            let tx = db.store.tenancy().begin(&tenant).await.unwrap();
            let seen = tx.calendar().is_holiday(day);
            tx.rollback().await.unwrap();
            seen
        },
    )
    .await;

    let removed = holidays::remove(db.store.tenancy().catalog_pool(), "test", day)
        .await
        .unwrap();
    assert_eq!(removed.map(|r| r.date), Some(day));
    assert_eq!(
        holidays::remove(db.store.tenancy().catalog_pool(), "test", day)
            .await
            .unwrap(),
        None
    );
    eventually("the day gone again", Duration::from_secs(10), || async {
        let tx = db.store.tenancy().begin(&tenant).await.unwrap();
        let seen = tx.calendar().is_holiday(day);
        tx.rollback().await.unwrap();
        !seen
    })
    .await;
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM control.platform_audit_log WHERE actor = 'test' AND action LIKE 'holiday.%'",
    )
    .fetch_one(db.store.owner_pool())
    .await
    .unwrap();
    assert_eq!(
        audited, 2,
        "one entry per change, none for the refused ones"
    );
}
