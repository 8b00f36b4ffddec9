//! Whether a namespace's tables can become Citus distributed tables, colocated on `tenant_id`
//! (`create_distributed_table('<table>', 'tenant_id', colocate_with => …)`): the rules Citus
//! enforces when it distributes a table, checked on our own DDL so the day the pooled
//! namespace outgrows one server is a procedure, not a migration project (README, "Citus").
//!
//! The rules (Citus's documentation on distributed tables and their constraints):
//! * every table has the distribution column, `tenant_id`, NOT NULL;
//! * every primary key and unique index includes it (ours lead with it);
//! * every foreign key is between tables of the namespace (colocated distributed tables) and
//!   joins `tenant_id` to `tenant_id`: a key to a table outside it (the control plane, another
//!   namespace) would cross tenants or need a reference table;
//! * no `ON DELETE/UPDATE SET NULL` or `SET DEFAULT` that would change `tenant_id` (Citus
//!   refuses them on the distribution column; a column list without it is fine);
//! * no exclusion constraint without `tenant_id`, and no `ON UPDATE CASCADE` of the key;
//! * triggers run on the shards only with `citus.enable_unsafe_triggers`, which is safe when a
//!   trigger touches nothing but its own row, or only rows of its own row's `tenant_id` in a
//!   colocated table (on the same node, routed by the distribution column): the triggers are
//!   listed so that a new one is looked at ([`ROW_LOCAL_TRIGGER_FUNCTIONS`],
//!   [`COLOCATED_TRIGGER_FUNCTIONS`]).

use crate::StoreError;
use crate::lint::Violation;
use sqlx::PgConnection;

/// Trigger functions known to change only the row they fire on (BEFORE ROW, `NEW` only).
pub const ROW_LOCAL_TRIGGER_FUNCTIONS: [&str; 3] = [
    "touch_updated_at",
    "clients_relationship_end",
    "registrations_check_lists",
];

/// Trigger functions known to write only their row's agency's row of a colocated table, keyed
/// by the row's `tenant_id` (ROW triggers): the data version
/// (`migrations/tenant/0017_data_version.sql`).
pub const COLOCATED_TRIGGER_FUNCTIONS: [&str; 1] = ["bump_data_version"];

const CITUS_SQL: &str = r#"
WITH t AS (
    SELECT c.oid, c.relname,
           (SELECT a.attnum FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
               AND a.attnotnull) AS tid
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE 'c360\_%'
)
SELECT relname, 'no distribution column: tenant_id NOT NULL is missing' FROM t WHERE tid IS NULL
UNION ALL
SELECT t.relname, format('unique index %s does not include tenant_id', ic.relname)
  FROM t JOIN pg_index i ON i.indrelid = t.oid AND i.indisunique
  JOIN pg_class ic ON ic.oid = i.indexrelid
 WHERE t.tid IS NOT NULL AND NOT (t.tid = ANY (i.indkey::int2[]))
UNION ALL
SELECT t.relname, format('foreign key %s references %s outside the namespace (a cross-tenant key)',
                         k.conname, k.confrelid::regclass)
  FROM t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
 WHERE k.confrelid NOT IN (SELECT oid FROM t)
UNION ALL
SELECT t.relname, format('foreign key %s does not join tenant_id to tenant_id', k.conname)
  FROM t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
 WHERE t.tid IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM unnest(k.conkey, k.confkey) AS p(mine, theirs)
          JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = p.theirs
         WHERE p.mine = t.tid AND ra.attname = 'tenant_id')
UNION ALL
SELECT t.relname, format('foreign key %s would set tenant_id to %s on delete', k.conname,
                         CASE k.confdeltype WHEN 'n' THEN 'NULL' ELSE 'its default' END)
  FROM t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
 WHERE k.confdeltype IN ('n', 'd') AND t.tid = ANY (k.conkey)
   AND (k.confdelsetcols IS NULL OR t.tid = ANY (k.confdelsetcols))
UNION ALL
SELECT t.relname, format('foreign key %s changes tenant_id on update (%s)', k.conname,
                         CASE k.confupdtype WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT'
                              ELSE 'CASCADE' END)
  FROM t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
 WHERE k.confupdtype IN ('n', 'd', 'c') AND t.tid = ANY (k.conkey)
UNION ALL
SELECT t.relname, format('exclusion constraint %s does not include tenant_id', k.conname)
  FROM t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype = 'x'
 WHERE NOT (t.tid = ANY (k.conkey))
UNION ALL
SELECT t.relname, format('trigger %s runs %s, not known to touch only its own row or its agency''s colocated rows', g.tgname, p.proname)
  FROM t JOIN pg_trigger g ON g.tgrelid = t.oid AND NOT g.tgisinternal
  JOIN pg_proc p ON p.oid = g.tgfoid
    -- BEFORE (bit 1) and FOR EACH ROW (bit 0): anything else reaches beyond its row ...
 WHERE NOT ((p.proname = ANY ($2) AND (g.tgtype & 3) = 3)
    -- ... unless it writes its row's agency's row of a colocated table (FOR EACH ROW).
         OR (p.proname = ANY ($3) AND (g.tgtype & 1) = 1))
ORDER BY 1, 2
"#;

/// What would stop `schema`'s tables from being distributed on `tenant_id`; empty: nothing.
pub async fn distribution_problems(
    conn: &mut PgConnection,
    schema: &str,
) -> Result<Vec<Violation>, StoreError> {
    let rows: Vec<(String, String)> = sqlx::query_as(CITUS_SQL)
        .bind(schema)
        .bind(&ROW_LOCAL_TRIGGER_FUNCTIONS[..])
        .bind(&COLOCATED_TRIGGER_FUNCTIONS[..])
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(table, problem)| Violation { table, problem })
        .collect())
}

/// The namespace's tables in an order Citus can distribute them: every table after the tables
/// its foreign keys reference (ties by name). The README's commands follow it.
pub async fn distribution_order(
    conn: &mut PgConnection,
    schema: &str,
) -> Result<Vec<String>, StoreError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE 'c360\\_%' \
          ORDER BY 1",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, r.relname::text FROM pg_constraint k \
           JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
           JOIN pg_class r ON r.oid = k.confrelid \
          WHERE n.nspname = $1 AND k.contype = 'f' AND k.conrelid <> k.confrelid",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    let mut order: Vec<String> = Vec::with_capacity(tables.len());
    let mut left = tables;
    while !left.is_empty() {
        let ready: Vec<String> = left
            .iter()
            .filter(|t| {
                edges
                    .iter()
                    .filter(|(from, _)| from == *t)
                    .all(|(_, to)| order.contains(to) || !left.contains(to))
            })
            .cloned()
            .collect();
        if ready.is_empty() {
            return Err(StoreError::Invalid(format!(
                "the foreign keys among {left:?} form a cycle; Citus distributes a cycle only in one transaction"
            )));
        }
        left.retain(|t| !ready.contains(t));
        order.extend(ready);
    }
    Ok(order)
}
