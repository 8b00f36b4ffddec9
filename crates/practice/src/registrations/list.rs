//! Listing registrations: filters checked with field errors, keyset pages.

use super::{Registration, repo};
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
    let query = repo::ListQuery {
        status: f.status.as_deref(),
        kind: f.kind.as_deref(),
        agent: f.agent,
        client_id: f.client_id,
        due_before: f.due_before,
        after: cursor,
        rows: limit + 1,
    };
    let items = repo::list(tx, &query).await?;
    Ok(Page::from_rows(items, limit, |r| Cursor {
        created_at: r.created_at,
        id: r.id,
    }))
}
