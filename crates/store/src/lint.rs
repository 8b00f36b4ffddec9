//! The schema lint: checks one namespace against the tenancy contract (DESIGN.md section 3).
//!
//! Every table (except our `c360_*` bookkeeping) must have `tenant_id uuid NOT NULL`, a primary
//! key and every unique index and foreign key led by `tenant_id`, and RLS enabled and forced
//! with the `tenant_isolation` policy on `app.tenant_id`, for reads and writes. Once the
//! namespace keeps a data version (`migrations/tenant/0017_data_version.sql`), every table but
//! the machinery's ([`UNVERSIONED`]) must move it when it changes, or a cached answer would
//! outlive the data it was computed from. It reads only
//! `pg_catalog`, filtered by the namespace, so it stays fast with thousands of schemas: the
//! namespace's relations are found through `pg_depend` (each relation depends on its schema,
//! and that catalog is indexed by what is depended on), because `pg_class` has no index on
//! `relnamespace` alone, and a scan of it grows with every schema (two million rows at 10,000
//! schema agencies), which made each provisioning and each namespace of a fleet migration
//! slower than the last.

use crate::StoreError;
use sqlx::PgConnection;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    pub table: String,
    pub problem: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.table, self.problem)
    }
}

/// The tables whose changes do not move the agency's data version: the machinery's (queue,
/// outbox, inbox, idempotency, audit, credentials and sessions, deliveries), which no cached
/// answer reads and which change on almost every request or job. Kept in step with the
/// migration that put the trigger on every other table.
pub const UNVERSIONED: &[&str] = &[
    "api_keys",
    "audit_log",
    "data_version",
    "idempotency_keys",
    "inbox",
    "jobs",
    "notification_messages",
    "outbox_events",
    "payment_notifications",
    "recovery_codes",
    "refresh_tokens",
    "sessions",
    "user_tokens",
];

const LINT_SQL: &str = r#"
WITH namespace_relations AS (
    SELECT d.objid FROM pg_namespace n
      JOIN pg_depend d ON d.refclassid = 'pg_namespace'::regclass AND d.refobjid = n.oid
                      AND d.classid = 'pg_class'::regclass
     WHERE n.nspname = $1
),
t AS (
    SELECT c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity,
           (SELECT a.attnum FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
               AND a.atttypid = 'uuid'::regtype AND a.attnotnull) AS tid
    FROM pg_class c
    WHERE c.oid IN (SELECT objid FROM namespace_relations)
      AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE 'c360\_%'
),
-- Materialized so pg_get_expr runs only on this namespace's policies: it takes an
-- AccessShareLock on the policy's table, and evaluated on another namespace's policies it would
-- wait on (and deadlock with) a concurrent migration there.
pol AS MATERIALIZED (
    SELECT p.polrelid, p.polname, p.polcmd, p.polpermissive, p.polqual, p.polwithcheck
      FROM pg_policy p JOIN t ON p.polrelid = t.oid
),
good AS MATERIALIZED (
    SELECT polrelid FROM pol
     WHERE polname = 'tenant_isolation' AND polcmd = '*' AND polpermissive
       AND pg_get_expr(polqual, polrelid) LIKE '%tenant_id = ( SELECT (NULLIF(current_setting(''app.tenant_id''::text, true), ''''::text))::uuid%'
       AND pg_get_expr(polwithcheck, polrelid) LIKE '%tenant_id = ( SELECT (NULLIF(current_setting(''app.tenant_id''::text, true), ''''::text))::uuid%'
)
SELECT relname, 'no tenant_id uuid NOT NULL column' FROM t WHERE tid IS NULL
UNION ALL
SELECT relname, 'row-level security is not enabled' FROM t WHERE NOT relrowsecurity
UNION ALL
SELECT relname, 'row-level security is not forced' FROM t WHERE NOT relforcerowsecurity
UNION ALL
SELECT relname, 'no primary key' FROM t
 WHERE NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = t.oid AND i.indisprimary)
UNION ALL
SELECT t.relname, format('unique index %s does not lead with tenant_id', ic.relname)
  FROM t JOIN pg_index i ON i.indrelid = t.oid AND i.indisunique
  JOIN pg_class ic ON ic.oid = i.indexrelid
 WHERE t.tid IS NOT NULL AND i.indkey[0] <> t.tid
UNION ALL
SELECT t.relname, format('foreign key %s does not lead with tenant_id', k.conname)
  FROM t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
 WHERE t.tid IS NOT NULL AND (k.conkey[1] <> t.tid OR NOT EXISTS (
        SELECT 1 FROM pg_attribute ra WHERE ra.attrelid = k.confrelid
           AND ra.attnum = k.confkey[1] AND ra.attname = 'tenant_id'))
UNION ALL
SELECT relname, 'no tenant_isolation policy for all commands on app.tenant_id' FROM t
 WHERE t.oid NOT IN (SELECT polrelid FROM good)
UNION ALL
SELECT t.relname, format('policy %s would let rows through beside tenant_isolation', p.polname)
  FROM t JOIN pol p ON p.polrelid = t.oid
 WHERE p.polname <> 'tenant_isolation' AND p.polpermissive
UNION ALL
SELECT t.relname, 'no deferred data_version trigger (changes here would not move the agency''s data version)'
  FROM t
 WHERE EXISTS (SELECT 1 FROM t v WHERE v.relname = 'data_version')
   AND t.relname <> ALL ($2)
   AND NOT EXISTS (
        SELECT 1 FROM pg_trigger g JOIN pg_proc f ON f.oid = g.tgfoid
         WHERE g.tgrelid = t.oid AND g.tgname = 'data_version' AND f.proname = 'bump_data_version'
           AND g.tgdeferrable AND g.tginitdeferred AND g.tgenabled <> 'D'
           -- FOR EACH ROW (1), INSERT (4), DELETE (8), UPDATE (16)
           AND (g.tgtype & 29) = 29)
ORDER BY 1, 2
"#;

/// Returns the violations in `schema`; empty means the namespace keeps the contract.
pub async fn lint_namespace(
    conn: &mut PgConnection,
    schema: &str,
) -> Result<Vec<Violation>, StoreError> {
    let rows: Vec<(String, String)> = sqlx::query_as(LINT_SQL)
        .bind(schema)
        .bind(UNVERSIONED)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(table, problem)| Violation { table, problem })
        .collect())
}

/// Number of tenant tables in a namespace (the lint is vacuous on an empty schema).
pub async fn tenant_table_count(conn: &mut PgConnection, schema: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c
          WHERE c.oid IN (SELECT d.objid FROM pg_namespace n
                            JOIN pg_depend d ON d.refclassid = 'pg_namespace'::regclass
                             AND d.refobjid = n.oid AND d.classid = 'pg_class'::regclass
                           WHERE n.nspname = $1)
            AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE 'c360\\_%'",
    )
    .bind(schema)
    .fetch_one(&mut *conn)
    .await?)
}
