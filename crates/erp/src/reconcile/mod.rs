//! `comply360 odoo reconcile --tenant SLUG [--fix]`: what Comply360 holds against what the
//! agency's Odoo holds. Differences: **missing** (never synced, or only failed), **deleted**
//! (gone from Odoo), **changed** (changed in Comply360 after its last sync, or edited in Odoo
//! since: the values last written compared with Odoo's), **extra** (records carrying our
//! external identifiers that Comply360 does not know). `--fix` asks for each missing, deleted
//! or changed record to be written again (`integration.sync_requested`, one job each); extras
//! are reported, never deleted: only a person should remove records from the books.

mod repo;

use crate::links::{self, Entity, Link, LinkState};
use crate::mapping::{self, MODULE};
use crate::settings;
use crate::settings::Sealing;
use crate::sync::SyncError;
use comply360_jobs::event::types;
use comply360_jobs::{NewEvent, Outbox};
use comply360_store::{Tenancy, Tenant};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    Missing,
    Deleted,
    Changed,
    Extra,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Difference {
    pub kind: DifferenceKind,
    /// Absent for an extra record.
    pub entity: Option<Entity>,
    pub entity_id: Option<Uuid>,
    pub model: String,
    pub odoo_id: Option<i64>,
    /// What differs, in words.
    pub detail: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// Records Comply360 expects in Odoo.
    pub checked: usize,
    pub differences: Vec<Difference>,
    /// Records asked to be written again (`--fix`).
    pub requeued: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error("the agency has no Odoo connection: set it in the portal (Settings › Odoo) first")]
    NotConnected,
    #[error("{0}")]
    Odoo(String),
    #[error(transparent)]
    Practice(#[from] comply360_practice::PracticeError),
    #[error(transparent)]
    Store(#[from] comply360_store::StoreError),
}

impl From<SyncError> for ReconcileError {
    fn from(e: SyncError) -> Self {
        ReconcileError::Odoo(e.to_string())
    }
}

impl From<comply360_integrations::odoo::OdooError> for ReconcileError {
    fn from(e: comply360_integrations::odoo::OdooError) -> Self {
        ReconcileError::Odoo(e.to_string())
    }
}

impl From<sqlx::Error> for ReconcileError {
    fn from(e: sqlx::Error) -> Self {
        ReconcileError::Store(e.into())
    }
}

/// How many records one `read` asks for.
const CHUNK: usize = 200;

pub async fn run(
    tenancy: &Tenancy,
    tenant: &Tenant,
    master: &dyn Sealing,
    http: &reqwest::Client,
    outbox: &Outbox,
    fix: bool,
) -> Result<Report, ReconcileError> {
    let mut tx = tenancy.begin(tenant).await?;
    let connection = settings::connect(&mut tx, master, http)
        .await?
        .ok_or(ReconcileError::NotConnected)?;
    let all_links = links::repo::all(&mut tx).await?;
    let expected = repo::expected(&mut tx).await?;
    tx.rollback().await?;
    let by_record: HashMap<(Entity, Uuid), &Link> = all_links
        .iter()
        .map(|l| ((l.entity, l.entity_id), l))
        .collect();

    let mut differences = Vec::new();
    for (entity, id, updated_at) in &expected {
        let difference = |kind, detail: String, link: Option<&Link>| Difference {
            kind,
            entity: Some(*entity),
            entity_id: Some(*id),
            model: link.map_or_else(|| default_model(*entity).to_owned(), |l| l.model.clone()),
            odoo_id: link.and_then(|l| l.odoo_id),
            detail,
        };
        match by_record.get(&(*entity, *id)) {
            None => differences.push(difference(
                DifferenceKind::Missing,
                "never synced".into(),
                None,
            )),
            Some(l) if l.odoo_id.is_none() => differences.push(difference(
                DifferenceKind::Missing,
                format!(
                    "not in Odoo: the last attempt failed: {}",
                    l.last_error.as_deref().unwrap_or("")
                ),
                Some(l),
            )),
            Some(l)
                if l.state == LinkState::Synced && l.synced_at.is_some_and(|s| s < *updated_at) =>
            {
                differences.push(difference(
                    DifferenceKind::Changed,
                    "changed in Comply360 after its last sync".into(),
                    Some(l),
                ));
            }
            _ => {}
        }
    }
    let odoo = &connection.client;
    let mut by_model: BTreeMap<&str, Vec<&Link>> = BTreeMap::new();
    for l in all_links.iter().filter(|l| l.odoo_id.is_some()) {
        by_model.entry(l.model.as_str()).or_default().push(l);
    }
    for (model, group) in by_model {
        for chunk in group.chunks(CHUNK) {
            let ids: Vec<i64> = chunk.iter().filter_map(|l| l.odoo_id).collect();
            let fields = fields_of(chunk);
            let field_refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            let rows = odoo.read(model, &ids, &field_refs).await?;
            let found: HashMap<i64, &Map<String, Value>> = rows
                .iter()
                .filter_map(|r| Some((r.get("id")?.as_i64()?, r)))
                .collect();
            for l in chunk {
                let Some(odoo_id) = l.odoo_id else { continue };
                let entry = |kind, detail: String| Difference {
                    kind,
                    entity: Some(l.entity),
                    entity_id: Some(l.entity_id),
                    model: l.model.clone(),
                    odoo_id: Some(odoo_id),
                    detail,
                };
                match (
                    found.get(&odoo_id),
                    l.written.as_ref().and_then(Value::as_object),
                ) {
                    (None, _) => {
                        differences.push(entry(DifferenceKind::Deleted, "deleted in Odoo".into()))
                    }
                    (Some(actual), Some(written)) => {
                        let changed = mapping::differences(written, actual);
                        if !changed.is_empty() {
                            differences.push(entry(
                                DifferenceKind::Changed,
                                format!("changed in Odoo: {}", changed.join(", ")),
                            ));
                        }
                    }
                    (Some(_), None) => {}
                }
            }
        }
    }
    differences.extend(extras(odoo, &all_links).await?);

    let requeued = if fix {
        requeue(tenancy, tenant, outbox, &differences).await?
    } else {
        0
    };
    Ok(Report {
        checked: expected.len(),
        differences,
        requeued,
    })
}

fn default_model(entity: Entity) -> &'static str {
    match entity {
        Entity::Client | Entity::Agent => "res.partner",
        Entity::Registration => "crm.lead",
        Entity::Commission | Entity::Invoice | Entity::CreditNote => "account.move",
        Entity::Payment => "account.payment",
    }
}

/// The fields worth reading back: those written (a bill's lines aside).
fn fields_of(links: &[&Link]) -> Vec<String> {
    let mut fields: BTreeSet<String> = BTreeSet::from(["id".to_owned()]);
    for l in links {
        if let Some(Value::Object(w)) = &l.written {
            fields.extend(w.keys().filter(|k| !k.ends_with("_ids")).cloned());
        }
    }
    fields.into_iter().collect()
}

/// Records carrying our external identifiers that no link names.
async fn extras(
    odoo: &comply360_integrations::odoo::OdooClient,
    links: &[Link],
) -> Result<Vec<Difference>, ReconcileError> {
    let known: BTreeSet<String> = links
        .iter()
        .map(|l| mapping::external_id(l.entity.as_str(), l.entity_id))
        .collect();
    let rows = odoo
        .search_read(
            "ir.model.data",
            json!([["module", "=", MODULE]]),
            &["name", "model", "res_id"],
            None,
        )
        .await?;
    Ok(rows
        .iter()
        .filter(|r| {
            r.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| !known.contains(n))
        })
        .map(|r| Difference {
            kind: DifferenceKind::Extra,
            entity: None,
            entity_id: None,
            model: r
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            odoo_id: r.get("res_id").and_then(Value::as_i64),
            detail: format!(
                "in Odoo as {MODULE}.{} but unknown to Comply360 (left for a person to review)",
                r.get("name").and_then(Value::as_str).unwrap_or_default()
            ),
        })
        .collect())
}

/// Asks for each missing, deleted or changed record to be written again; how many.
async fn requeue(
    tenancy: &Tenancy,
    tenant: &Tenant,
    outbox: &Outbox,
    differences: &[Difference],
) -> Result<usize, ReconcileError> {
    let records: BTreeSet<(Entity, Uuid)> = differences
        .iter()
        .filter(|d| d.kind != DifferenceKind::Extra)
        .filter_map(|d| Some((d.entity?, d.entity_id?)))
        // An agent's contact is written with their commissions.
        .filter(|(e, _)| *e != Entity::Agent)
        .collect();
    let mut tx = tenancy.begin(tenant).await?;
    for (entity, id) in &records {
        outbox
            .emit(
                &mut tx,
                NewEvent::new(types::INTEGRATION_SYNC_REQUESTED, "integration")
                    .aggregate(*id)
                    .payload(json!({"system": "odoo", "entity": entity, "entity_id": id})),
            )
            .await
            .map_err(|e| ReconcileError::Odoo(format!("cannot queue the sync: {e}")))?;
    }
    tx.commit().await?;
    Ok(records.len())
}
