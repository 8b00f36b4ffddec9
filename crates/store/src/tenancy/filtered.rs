//! [`Filtered`]: a tenant list query whose `WHERE` clause names only the filters given.
//!
//! The obvious way to write an optional filter, `($2::text IS NULL OR status = $2)`, costs a
//! query plan on every execution. PostgreSQL plans a prepared statement for its parameters
//! five times, then compares those plans with one generic plan; a generic plan cannot know
//! which of the `OR`s are dead, cannot use the index the filter would, and so looks dearer
//! forever after. Measured under `bench/api-read.sh`, planning was a third of PostgreSQL's
//! time. A statement that holds only the filters present has a generic plan as good as the
//! custom one, which PostgreSQL then keeps. Each combination of filters is its own prepared
//! statement (the connection's statement cache holds them), and a list has few in use.

use super::TenantTx;
use sqlx::postgres::PgRow;
use sqlx::{Encode, Postgres, QueryBuilder, Type};

/// Build with [`TenantTx::filtered`]; the tenant condition comes first, always.
pub struct Filtered<'args> {
    sql: QueryBuilder<'args, Postgres>,
}

impl<'args> Filtered<'args> {
    /// `AND <condition> <value>` when `value` is given: `condition` ends with its operator,
    /// e.g. `"status = "` or `"due_on < "`.
    pub fn and<T>(&mut self, condition: &str, value: Option<T>) -> &mut Self
    where
        T: 'args + Encode<'args, Postgres> + Type<Postgres>,
    {
        if let Some(value) = value {
            self.sql.push(" AND ").push(condition).push_bind(value);
        }
        self
    }

    /// `AND <condition>` with no value of its own.
    pub fn and_sql(&mut self, condition: &str) -> &mut Self {
        self.sql.push(" AND ").push(condition);
        self
    }

    /// Appends SQL text as it is, e.g. the rest of a condition [`Filtered::and_sql`] opened.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push(sql);
        self
    }

    /// Appends the next parameter, bound to `value`.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'args + Encode<'args, Postgres> + Type<Postgres>,
    {
        self.sql.push_bind(value);
        self
    }

    /// The keyset page condition: rows strictly before `(created_at, id)` in
    /// `ORDER BY created_at DESC, id DESC` order, when a cursor is given.
    pub fn before<T, U>(&mut self, columns: &str, after: Option<(T, U)>) -> &mut Self
    where
        T: 'args + Encode<'args, Postgres> + Type<Postgres>,
        U: 'args + Encode<'args, Postgres> + Type<Postgres>,
    {
        if let Some((first, second)) = after {
            self.sql.push(" AND (").push(columns).push(") < (");
            self.sql
                .push_bind(first)
                .push(", ")
                .push_bind(second)
                .push(")");
        }
        self
    }

    /// Appends `ORDER BY …` (the caller's text) and `LIMIT rows`.
    pub fn order_limit(&mut self, order_by: &str, rows: i64) -> &mut Self {
        self.sql.push(" ORDER BY ").push(order_by).push(" LIMIT ");
        self.sql.push_bind(rows);
        self
    }

    pub async fn fetch_all(mut self, tx: &mut TenantTx) -> Result<Vec<PgRow>, sqlx::Error> {
        let persistent = tx.persistent();
        self.sql
            .build()
            .persistent(persistent)
            .fetch_all(tx.conn())
            .await
    }
}

impl TenantTx {
    /// A list query: `select` must end where the `WHERE` clause starts (`… FROM t`); the
    /// clause starts with `tenant_column = <this tenant>`, so the tenant-led index is used
    /// (RLS is the guard, not the filter).
    pub fn filtered<'args>(&self, select: &str, tenant_column: &str) -> Filtered<'args> {
        let mut sql = QueryBuilder::new(select);
        sql.push(" WHERE ")
            .push(tenant_column)
            .push(" = ")
            .push_bind(self.tenant_id().as_uuid());
        Filtered { sql }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Execute;

    fn sql_of(mut f: Filtered<'_>) -> String {
        f.sql.build().sql().to_owned()
    }

    fn filtered<'a>() -> Filtered<'a> {
        let mut sql = QueryBuilder::new("SELECT id FROM t");
        sql.push(" WHERE tenant_id = ").push_bind(uuid::Uuid::nil());
        Filtered { sql }
    }

    #[test]
    fn only_the_filters_given_reach_the_statement() {
        let mut f = filtered();
        f.and("status = ", Some("draft"))
            .and("kind = ", None::<&str>)
            .before("created_at, id", None::<(i64, i64)>)
            .order_limit("created_at DESC, id DESC", 51);
        assert_eq!(
            sql_of(f),
            "SELECT id FROM t WHERE tenant_id = $1 AND status = $2 ORDER BY created_at DESC, id DESC LIMIT $3"
        );
    }

    #[test]
    fn a_cursor_adds_the_keyset_condition_with_two_parameters() {
        let mut f = filtered();
        f.and_sql("deleted_at IS NULL")
            .before("created_at, id", Some((1_i64, 2_i64)))
            .order_limit("created_at DESC, id DESC", 11);
        assert_eq!(
            sql_of(f),
            "SELECT id FROM t WHERE tenant_id = $1 AND deleted_at IS NULL AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4"
        );
    }
}
