//! A registration's closed lists (jurisdiction, kind, status, filing path), checked by the
//! `registrations_check_lists` trigger (migration 0019, ARCHITECTURE.md decision 80): each bad
//! value is refused on insert and on update with SQLSTATE 23514 and the constraint name the
//! CHECK constraints it replaced carried, in every isolation mode.

use comply360_domain::IsolationMode;
use comply360_store::TenantTx;
use comply360_testkit::TestDb;
use uuid::Uuid;

const VALID: [(&str, &str); 4] = [
    ("jurisdiction", "ZA"),
    ("kind", "za_name_reservation"),
    ("status", "draft"),
    ("filing_path", "manual"),
];

/// Inserts a registration of `client` with the valid values, `column` set to `value`.
async fn insert(
    tx: &mut TenantTx,
    client: Uuid,
    column: &str,
    value: Option<&str>,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    let values: Vec<Option<&str>> = VALID
        .iter()
        .map(|(c, v)| if *c == column { value } else { Some(*v) })
        .collect();
    tx.query(
        "INSERT INTO registrations (tenant_id, id, client_id, jurisdiction, kind, status, filing_path)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(client)
    .bind(values[0])
    .bind(values[1])
    .bind(values[2])
    .bind(values[3])
    .execute(tx.conn())
    .await?;
    Ok(id)
}

/// (SQLSTATE, constraint) of a database error.
fn refusal(err: &sqlx::Error) -> (String, String) {
    match err {
        sqlx::Error::Database(db) => (
            db.code().map(|c| c.into_owned()).unwrap_or_default(),
            db.constraint().unwrap_or_default().to_owned(),
        ),
        other => panic!("not a database error: {other}"),
    }
}

#[tokio::test]
async fn each_list_refuses_a_value_outside_it_on_insert_and_on_update_in_every_mode() {
    let db = TestDb::new().await;
    for mode in [
        IsolationMode::Pooled,
        IsolationMode::Schema,
        IsolationMode::Database,
    ] {
        let slug = format!("lists-{}", mode.as_str());
        comply360_testkit::create_tenant(&db.store, &slug, mode).await;
        let t = db.store.tenancy().resolve(&slug).await.unwrap();
        let mut tx = db.store.tenancy().begin(&t).await.unwrap();
        let client = Uuid::now_v7();
        tx.query("INSERT INTO clients (tenant_id, id, kind, display_name) VALUES ($1, $2, 'person', 'Thandi')")
            .bind(t.id().as_uuid())
            .bind(client)
            .execute(tx.conn())
            .await
            .unwrap();
        let good = insert(&mut tx, client, "", None).await.unwrap();
        tx.commit().await.unwrap();

        for (column, _) in VALID {
            let constraint = format!("registrations_{column}_check");
            // Insert: a value outside the list, and one that differs only in case.
            for bad in ["bogus", "Za"] {
                let mut tx = db.store.tenancy().begin(&t).await.unwrap();
                let err = insert(&mut tx, client, column, Some(bad))
                    .await
                    .unwrap_err();
                assert_eq!(
                    refusal(&err),
                    ("23514".to_owned(), constraint.clone()),
                    "{mode}: insert {column} = {bad}: {err}"
                );
                tx.rollback().await.unwrap();
            }
            // NULL is the column's NOT NULL's to refuse, as before.
            let mut tx = db.store.tenancy().begin(&t).await.unwrap();
            let err = insert(&mut tx, client, column, None).await.unwrap_err();
            assert_eq!(refusal(&err).0, "23502", "{mode}: {column} NULL: {err}");
            tx.rollback().await.unwrap();
            // Update to a value outside the list.
            let mut tx = db.store.tenancy().begin(&t).await.unwrap();
            let err = tx
                .query(&format!(
                    "UPDATE registrations SET {column} = 'bogus' WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(t.id().as_uuid())
                .bind(good)
                .execute(tx.conn())
                .await
                .unwrap_err();
            assert_eq!(
                refusal(&err),
                ("23514".to_owned(), constraint.clone()),
                "{mode}: update {column}: {err}"
            );
            tx.rollback().await.unwrap();
        }
        // Every value of each list is taken, on update as on insert.
        let mut tx = db.store.tenancy().begin(&t).await.unwrap();
        for status in [
            "ready",
            "submitted",
            "info_requested",
            "approved",
            "rejected",
            "completed",
            "cancelled",
        ] {
            tx.query("UPDATE registrations SET status = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(t.id().as_uuid())
                .bind(good)
                .bind(status)
                .execute(tx.conn())
                .await
                .unwrap();
        }
        for kind in [
            "za_private_company",
            "za_non_profit_company",
            "za_vat_registration",
            "za_beneficial_ownership",
            "za_annual_return",
            "zw_private_limited",
            "zw_pbc",
            "zw_re_registration",
        ] {
            insert(&mut tx, client, "kind", Some(kind)).await.unwrap();
        }
        insert(&mut tx, client, "jurisdiction", Some("ZW"))
            .await
            .unwrap();
        insert(&mut tx, client, "filing_path", Some("gateway"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}
