//! Listing registrations: filters checked with field errors, keyset pages.

use super::{Registration, from_row};
use crate::error::{PracticeError, Problems};
use crate::page::{self, Cursor, Page};
use crate::workflow::Status;
use chrono::NaiveDate;
use comply360_domain::RegistrationKind;
use comply360_store::TenantTx;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RegistrationFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub agent: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub due_before: Option<NaiveDate>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

impl RegistrationFilter {
    fn check(&self) -> Result<Option<Cursor>, PracticeError> {
        let mut p = Problems::default();
        if let Some(s) = &self.status
            && let Err(e) = s.parse::<Status>()
        {
            p.add("status", e);
        }
        if let Some(k) = &self.kind
            && let Err(e) = k.parse::<RegistrationKind>()
        {
            p.add("kind", e.to_string());
        }
        let cursor = match &self.cursor {
            Some(c) => Cursor::decode(c).or_else(|| {
                p.add(
                    "cursor",
                    "not a cursor this API gave out; start again without it",
                );
                None
            }),
            None => None,
        };
        p.finish("the filter is invalid")?;
        Ok(cursor)
    }
}

pub async fn list(
    tx: &mut TenantTx,
    f: &RegistrationFilter,
) -> Result<Page<Registration>, PracticeError> {
    let cursor = f.check()?;
    let limit = page::limit(f.limit);
    let rows = tx
        .query(select_registrations!(
            "WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR kind = $3) \
             AND ($4::uuid IS NULL OR agent_id = $4) AND ($5::uuid IS NULL OR client_id = $5) \
             AND ($6::date IS NULL OR due_on < $6) \
             AND ($7::timestamptz IS NULL OR (created_at, id) < ($7, $8)) \
             ORDER BY created_at DESC, id DESC LIMIT $9"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(&f.status)
        .bind(&f.kind)
        .bind(f.agent)
        .bind(f.client_id)
        .bind(f.due_before)
        .bind(cursor.map(|c| c.created_at))
        .bind(cursor.map(|c| c.id))
        .bind(limit + 1)
        .fetch_all(tx.conn())
        .await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, limit, |r| Cursor {
        created_at: r.created_at,
        id: r.id,
    }))
}
