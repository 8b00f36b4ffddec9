//! The pooled namespace can be distributed by Citus on `tenant_id` (row-based sharding), and
//! the README's commands distribute its tables in an order Citus accepts.

use comply360_domain::IsolationMode;
use comply360_store::citus::{distribution_order, distribution_problems};
use comply360_testkit::TestDb;

/// The tables the README's row-based sharding commands name, in their order.
fn readme_order() -> Vec<String> {
    let readme = include_str!("../../../README.md");
    readme
        .lines()
        .filter_map(|l| {
            let rest = l
                .trim()
                .strip_prefix("SELECT create_distributed_table('pooled.")?;
            Some(rest.split('\'').next()?.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_pooled_namespace_keeps_citus_rules_and_the_readme_distributes_it_in_order() {
    let db = TestDb::new().await;
    db.tenant("citus-pooled", IsolationMode::Pooled).await;
    let mut conn = db.store.owner_pool().acquire().await.unwrap();
    let problems = distribution_problems(&mut conn, "pooled").await.unwrap();
    assert!(problems.is_empty(), "{problems:#?}");
    let order = distribution_order(&mut conn, "pooled").await.unwrap();
    assert_eq!(order.len(), 40, "{order:?}");
    assert_eq!(
        readme_order(),
        order,
        "the README's create_distributed_table commands, in this order:\n{}",
        order
            .iter()
            .enumerate()
            .map(|(i, t)| if i == 0 {
                format!("SELECT create_distributed_table('pooled.{t}', 'tenant_id');")
            } else {
                format!(
                    "SELECT create_distributed_table('pooled.{t}', 'tenant_id', colocate_with => 'pooled.{}');",
                    order[0]
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test]
async fn each_rule_citus_would_refuse_is_named() {
    let db = TestDb::new().await;
    db.tenant("citus-bad", IsolationMode::Schema).await;
    let mut conn = db.store.owner_pool().acquire().await.unwrap();
    sqlx::raw_sql(
        r#"BEGIN;
        SELECT set_config('search_path', 't_citus_bad', true);
        CREATE TABLE no_tenant (id uuid PRIMARY KEY);
        CREATE TABLE loose (tenant_id uuid NOT NULL, id uuid NOT NULL, code text, owner uuid,
            agency uuid, other_id uuid, other_tenant uuid,
            PRIMARY KEY (tenant_id, id), UNIQUE (code),
            FOREIGN KEY (tenant_id, owner) REFERENCES users (tenant_id, id) ON DELETE SET NULL,
            FOREIGN KEY (agency) REFERENCES control.tenants (id),
            FOREIGN KEY (other_tenant, other_id) REFERENCES clients (tenant_id, id),
            FOREIGN KEY (tenant_id, id) REFERENCES registrations (tenant_id, id) ON UPDATE CASCADE);
        CREATE FUNCTION count_elsewhere() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE clients SET display_name = display_name; RETURN NEW; END $$;
        CREATE TRIGGER loose_counts AFTER INSERT ON loose FOR EACH ROW EXECUTE FUNCTION count_elsewhere();
        COMMIT;"#,
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let found: Vec<String> = distribution_problems(&mut conn, "t_citus_bad")
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    for expected in [
        "no_tenant: no distribution column: tenant_id NOT NULL is missing",
        "loose: unique index loose_code_key does not include tenant_id",
        "loose: foreign key loose_tenant_id_owner_fkey would set tenant_id to NULL on delete",
        "loose: foreign key loose_agency_fkey references control.tenants outside the namespace (a cross-tenant key)",
        "loose: foreign key loose_other_tenant_other_id_fkey does not join tenant_id to tenant_id",
        "loose: foreign key loose_tenant_id_id_fkey changes tenant_id on update (CASCADE)",
        "loose: trigger loose_counts runs count_elsewhere, not known to touch only its own row or its agency's colocated rows",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "missing {expected:?} in {found:#?}"
        );
    }
}
