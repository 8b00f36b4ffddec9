//! `odoo.sync`: the job that mirrors a client, a registration, a commission or an invoice (with
//! its payments and credit notes, [`crate::invoices`]) into the agency's Odoo, on the events
//! that change them.
//!
//! The Odoo calls happen in `prepare`, outside any transaction (a slow Odoo must not hold a
//! pooled connection), through the resilience wrapper (timeout, retries, the agency's Odoo
//! circuit); `handle` then records each record's Odoo id in the job's transaction and emits
//! `integration.synced`. Every write is an upsert found by Odoo's own external identifiers
//! (`ir.model.data`, module `comply360`) or the id we keep, so a rerun (a retry, a replay, a
//! reconcile) updates instead of duplicating. An unreachable Odoo fails no request: the job
//! waits out the open circuit (deferred, no attempt used) and runs when Odoo is back.

use crate::invoices::{self, InvoiceStep};
use crate::links::{self, Entity};
use crate::mapping::{self, CommissionFacts, LeadFacts, LeadStage, MODULE, PartnerFacts};
use crate::settings::{self, Connection};
use async_trait::async_trait;
use comply360_identity::sealed::MasterKey;
use comply360_integrations::odoo::{COMMISSION_MODEL, OdooClient, OdooError};
use comply360_integrations::{CallError, Resilience, Retryable};
use comply360_jobs::event::types;
use comply360_jobs::{Event, Handler, HandlerError, JobContext, NewEvent, PrepareContext};
use comply360_money::commissions::{self, CommissionStatus, Viewer};
use comply360_practice::clients;
use comply360_practice::companies::{self, CompanyFilter};
use comply360_practice::registration_types::RegistrationTypes;
use comply360_practice::registrations;
use comply360_practice::reminders::sa_date;
use comply360_store::{Tenancy, Tenant, TenantTx};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The name circuits and metrics know the agencies' Odoo by.
pub const SYSTEM: &str = "odoo";

/// What went wrong in one sync: Odoo's refusal or absence, or a setting that does not fit
/// this Odoo (a stage name it does not have).
#[derive(Debug)]
pub enum SyncError {
    Odoo(OdooError),
    Setup(String),
}

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyncError::Odoo(e) => e.fmt(f),
            SyncError::Setup(s) => f.write_str(s),
        }
    }
}

impl From<OdooError> for SyncError {
    fn from(e: OdooError) -> Self {
        SyncError::Odoo(e)
    }
}

impl Retryable for SyncError {
    fn is_retryable(&self) -> bool {
        matches!(self, SyncError::Odoo(e) if e.is_retryable())
    }
}

/// A record to sync, named by the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub entity: Entity,
    pub id: Uuid,
}

impl Target {
    /// The record an event is about, if the sync mirrors it.
    pub fn of(event: &Event) -> Option<Target> {
        let id = |key: &str| {
            event
                .payload
                .get(key)
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
        };
        let (entity, key) = match event.event_type.as_str() {
            t if t.starts_with("client.") => (Entity::Client, "client_id"),
            t if t.starts_with("registration.") => (Entity::Registration, "registration_id"),
            types::COMMISSION_APPROVED | types::COMMISSION_PAID | types::COMMISSION_REJECTED => {
                (Entity::Commission, "commission_id")
            }
            // Each writes the invoice's whole state: the move, its payments, its credit notes.
            types::INVOICE_ISSUED
            | types::INVOICE_VOIDED
            | types::PAYMENT_RECEIVED
            | types::PAYMENT_REFUNDED => (Entity::Invoice, "invoice_id"),
            types::INTEGRATION_SYNC_REQUESTED => {
                let entity = event
                    .payload
                    .get("entity")
                    .and_then(Value::as_str)?
                    .parse()
                    .ok()?;
                (entity, "entity_id")
            }
            _ => return None,
        };
        Some(Target {
            entity,
            id: id(key)?,
        })
    }
}

/// One record as written to Odoo.
#[derive(Clone, Debug)]
pub struct Synced {
    pub entity: Entity,
    pub id: Uuid,
    pub model: &'static str,
    pub odoo_id: i64,
    /// The values written (kept on the link, to find later edits in Odoo).
    pub written: Value,
}

/// A contact to upsert.
#[derive(Clone, Debug)]
struct PartnerStep {
    entity: Entity,
    id: Uuid,
    known: Option<i64>,
    name: String,
    is_company: bool,
    email: Option<String>,
    phone: Option<String>,
    vat: Option<String>,
    registration_number: Option<String>,
    active: bool,
}

#[derive(Clone, Debug)]
struct LeadStep {
    id: Uuid,
    known: Option<i64>,
    client: Uuid,
    title: String,
    description: String,
    fee_cents: Option<i64>,
    status: String,
}

#[derive(Clone, Debug)]
struct CommissionStep {
    id: Uuid,
    known: Option<(String, i64)>,
    agent: Uuid,
    label: String,
    amount_cents: i64,
    currency: String,
    status: CommissionStatus,
    approved_on: chrono::NaiveDate,
    paid_on: Option<chrono::NaiveDate>,
}

#[derive(Clone, Debug)]
enum Step {
    Partner(PartnerStep),
    Lead(LeadStep),
    Commission(CommissionStep),
    Invoice(Box<InvoiceStep>),
}

/// Everything one job writes, read from the database before Odoo is called.
pub struct Plan {
    connection: Connection,
    steps: Vec<Step>,
}

/// Loads the master key when a sync first needs it.
type KeyLoader = Box<dyn Fn() -> Result<MasterKey, String> + Send + Sync>;

pub struct OdooSync {
    master: std::sync::OnceLock<MasterKey>,
    load_master: KeyLoader,
    resilience: Resilience,
    http: reqwest::Client,
}

impl OdooSync {
    pub fn new(master: MasterKey, resilience: Resilience, http: reqwest::Client) -> OdooSync {
        let loaded = std::sync::OnceLock::new();
        let _ = loaded.set(master.clone());
        OdooSync {
            master: loaded,
            load_master: Box::new(move || Ok(master.clone())),
            resilience,
            http,
        }
    }

    /// With the master key loaded on the first sync, not at start-up: commands that only
    /// emit events (an import) neither need the key nor report on its file.
    pub fn loading_the_key(
        load: impl Fn() -> Result<MasterKey, String> + Send + Sync + 'static,
        resilience: Resilience,
        http: reqwest::Client,
    ) -> OdooSync {
        OdooSync {
            master: std::sync::OnceLock::new(),
            load_master: Box::new(load),
            resilience,
            http,
        }
    }

    fn master(&self) -> Result<&MasterKey, HandlerError> {
        if let Some(key) = self.master.get() {
            return Ok(key);
        }
        let key = (self.load_master)().map_err(HandlerError::Retryable)?;
        Ok(self.master.get_or_init(|| key))
    }

    /// Reads what `target` needs written, in a short transaction of its own; None when the
    /// agency has no Odoo connection or the record has nothing to mirror.
    pub async fn plan(
        &self,
        tenancy: &Tenancy,
        tenant: &Tenant,
        target: Target,
    ) -> Result<Option<Plan>, HandlerError> {
        let master = self.master()?;
        let mut tx = tenancy.begin(tenant).await?;
        let plan = plan_in(&mut tx, master, &self.http, target).await;
        tx.rollback().await?;
        plan.map_err(|e| match e {
            comply360_practice::PracticeError::Store(s) => HandlerError::Retryable(s.to_string()),
            other => HandlerError::Permanent(other.to_string()),
        })
    }

    /// Writes the plan to Odoo under the agency's circuit. A failure is recorded on the
    /// target's link (in a transaction of its own) and becomes the job's error.
    pub async fn push(
        &self,
        tenancy: &Tenancy,
        tenant: &Tenant,
        target: Target,
        plan: &Plan,
    ) -> Result<Vec<Synced>, HandlerError> {
        let result = self
            .resilience
            .call(tenant.id(), SYSTEM, || {
                execute(&plan.connection, &plan.steps)
            })
            .await;
        let failure = match result {
            Ok(done) => return Ok(done),
            Err(e) => e,
        };
        let message = failure.to_string();
        let mut tx = tenancy.begin(tenant).await?;
        links::repo::failed(
            &mut tx,
            target.entity,
            target.id,
            model_of(target.entity),
            &message,
        )
        .await?;
        tx.commit().await?;
        Err(match failure {
            CallError::CircuitOpen { .. } => HandlerError::Deferred {
                after: self.resilience.policy(SYSTEM).cool_down,
                reason: message,
            },
            CallError::Timeout { .. } => HandlerError::Retryable(message),
            CallError::Failed(e) if e.is_retryable() => HandlerError::Retryable(message),
            CallError::Failed(_) => HandlerError::Permanent(message),
        })
    }
}

fn model_of(entity: Entity) -> &'static str {
    match entity {
        Entity::Client | Entity::Agent => "res.partner",
        Entity::Registration => "crm.lead",
        Entity::Commission | Entity::Invoice | Entity::CreditNote => "account.move",
        Entity::Payment => "account.payment",
    }
}

#[async_trait]
impl Handler for OdooSync {
    fn name(&self) -> &'static str {
        "odoo.sync"
    }

    /// An ERP under maintenance for hours must not mean manual work: the long tail.
    fn retry_policy(&self) -> Option<comply360_jobs::RetryPolicy> {
        Some(comply360_jobs::RetryPolicy::LONG_TAIL)
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &[
            "client.*",
            "registration.*",
            types::COMMISSION_APPROVED,
            types::COMMISSION_PAID,
            types::COMMISSION_REJECTED,
            types::INVOICE_ISSUED,
            types::INVOICE_VOIDED,
            types::PAYMENT_RECEIVED,
            types::PAYMENT_REFUNDED,
            types::INTEGRATION_SYNC_REQUESTED,
        ]
    }

    async fn prepare(
        &self,
        ctx: &PrepareContext<'_>,
    ) -> Result<Option<comply360_jobs::Prepared>, HandlerError> {
        let Some(target) = Target::of(ctx.event) else {
            return Ok(None);
        };
        let Some(plan) = self.plan(ctx.tenancy, ctx.tenant, target).await? else {
            return Ok(None);
        };
        let done = self.push(ctx.tenancy, ctx.tenant, target, &plan).await?;
        Ok(Some(Box::new(done)))
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let Some(prepared) = ctx.prepared.take() else {
            return Ok(());
        };
        let Ok(done) = prepared.downcast::<Vec<Synced>>() else {
            return Err(HandlerError::Permanent(
                "odoo.sync prepared something else".into(),
            ));
        };
        record(ctx.tx, ctx.outbox, &done).await
    }
}

/// Records what was written and emits `integration.synced` for each record.
pub async fn record(
    tx: &mut TenantTx,
    outbox: &comply360_jobs::Outbox,
    done: &[Synced],
) -> Result<(), HandlerError> {
    for s in done {
        links::repo::synced(tx, s.entity, s.id, s.model, s.odoo_id, &s.written).await?;
        outbox
            .emit(
                tx,
                NewEvent::new(types::INTEGRATION_SYNCED, "integration").aggregate(s.id).payload(json!({
                    "system": SYSTEM, "entity": s.entity, "entity_id": s.id, "model": s.model, "odoo_id": s.odoo_id,
                })),
            )
            .await?;
    }
    Ok(())
}

async fn plan_in(
    tx: &mut TenantTx,
    master: &MasterKey,
    http: &reqwest::Client,
    target: Target,
) -> Result<Option<Plan>, comply360_practice::PracticeError> {
    let Some(connection) = settings::connect(tx, master, http).await? else {
        return Ok(None);
    };
    let steps = match target.entity {
        Entity::Client => vec![Step::Partner(client_step(tx, target.id).await?)],
        Entity::Registration => {
            let r = registrations::get(tx, target.id).await?;
            let client = client_step(tx, r.client_id).await?;
            let title = RegistrationTypes::built_in()
                .get(r.kind)
                .map_or_else(|| r.kind.to_string(), |t| t.title.clone());
            let client_name = client.name.clone();
            let fee_day = r
                .submitted_at
                .map_or_else(|| sa_date(r.created_at), sa_date);
            let fee = comply360_money::prices::fee_on(tx, r.kind, fee_day).await?;
            let known = link_id(tx, Entity::Registration, r.id).await?;
            vec![
                Step::Partner(client),
                Step::Lead(LeadStep {
                    id: r.id,
                    known,
                    client: r.client_id,
                    title: format!("{title}: {client_name}"),
                    description: format!(
                        "Comply360 registration {}\nStatus: {}\nRegistry reference: {}",
                        r.id,
                        r.status,
                        r.registry_reference.as_deref().unwrap_or("none yet")
                    ),
                    fee_cents: fee.map(|(c, _)| c.0),
                    status: r.status.to_string(),
                }),
            ]
        }
        Entity::Commission => {
            let every = Viewer {
                id: Uuid::nil(),
                every_agent: true,
            };
            let c = commissions::get(tx, every, target.id).await?;
            let linked = links::repo::get(tx, Entity::Commission, c.id).await?;
            // Pending commissions are not mirrored; a rejection only updates one already there.
            let mirrored = matches!(
                c.status,
                CommissionStatus::Approved | CommissionStatus::Paid
            ) || (c.status == CommissionStatus::Rejected
                && linked.as_ref().is_some_and(|l| l.odoo_id.is_some()));
            if !mirrored {
                return Ok(None);
            }
            let agent_known = link_id(tx, Entity::Agent, c.agent_id).await?;
            vec![
                Step::Partner(PartnerStep {
                    entity: Entity::Agent,
                    id: c.agent_id,
                    known: agent_known,
                    name: c.agent_email.clone(),
                    is_company: false,
                    email: Some(c.agent_email.clone()),
                    phone: None,
                    vat: None,
                    registration_number: None,
                    active: true,
                }),
                Step::Commission(CommissionStep {
                    id: c.id,
                    known: linked.and_then(|l| l.odoo_id.map(|id| (l.model, id))),
                    agent: c.agent_id,
                    label: format!(
                        "Commission: {} for {} ({})",
                        c.registration_kind, c.client_name, c.earned_on
                    ),
                    amount_cents: c.amount_cents,
                    currency: c.currency.clone(),
                    status: c.status,
                    approved_on: c.approved_at.map_or(c.earned_on, sa_date),
                    paid_on: c.paid_on,
                }),
            ]
        }
        Entity::Invoice => return invoice_plan(tx, connection, target.id).await,
        // Written with their invoice.
        Entity::Payment | Entity::CreditNote => {
            let Some(invoice) = invoices::invoice_of(tx, target.entity, target.id).await? else {
                return Ok(None);
            };
            return invoice_plan(tx, connection, invoice).await;
        }
        Entity::Agent => return Ok(None),
    };
    Ok(Some(Plan { connection, steps }))
}

/// The client's contact, then the invoice; None for a draft.
async fn invoice_plan(
    tx: &mut TenantTx,
    connection: Connection,
    id: Uuid,
) -> Result<Option<Plan>, comply360_practice::PracticeError> {
    let Some(invoice) = invoices::plan(tx, id).await? else {
        return Ok(None);
    };
    let client = client_step(tx, invoice.client).await?;
    Ok(Some(Plan {
        connection,
        steps: vec![Step::Partner(client), Step::Invoice(Box::new(invoice))],
    }))
}

async fn link_id(
    tx: &mut TenantTx,
    entity: Entity,
    id: Uuid,
) -> Result<Option<i64>, comply360_practice::PracticeError> {
    Ok(links::repo::get(tx, entity, id)
        .await?
        .and_then(|l| l.odoo_id))
}

async fn client_step(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<PartnerStep, comply360_practice::PracticeError> {
    let c = clients::get(tx, id, true).await?;
    let companies = companies::list(
        tx,
        &CompanyFilter {
            client_id: Some(id),
            limit: Some(20),
            ..CompanyFilter::default()
        },
    )
    .await?;
    let vat = companies.items.iter().find_map(|co| co.vat_number.clone());
    let registration_number = c.registration_number.clone().or_else(|| {
        companies
            .items
            .iter()
            .find_map(|co| co.registration_number.clone())
    });
    Ok(PartnerStep {
        entity: Entity::Client,
        id,
        known: link_id(tx, Entity::Client, id).await?,
        name: c.display_name.clone(),
        is_company: c.kind == clients::ClientKind::Organisation,
        email: c.email.clone(),
        phone: c.phone.clone(),
        vat,
        registration_number,
        active: c.deleted_at.is_none(),
    })
}

/// Runs the steps in order (a contact before what names it); what each wrote.
async fn execute(connection: &Connection, steps: &[Step]) -> Result<Vec<Synced>, SyncError> {
    let odoo = &connection.client;
    let mut partners: BTreeMap<Uuid, i64> = BTreeMap::new();
    let mut done = Vec::new();
    for step in steps {
        if let Step::Invoice(invoice) = step {
            let partner_id = *partners.get(&invoice.client).ok_or_else(|| {
                SyncError::Setup("the client's contact was not written first".into())
            })?;
            done.extend(invoices::execute(odoo, invoice, partner_id).await?);
            continue;
        }
        let synced = match step {
            Step::Partner(p) => {
                let has_registry = odoo
                    .fields_get("res.partner", &["type"])
                    .await?
                    .contains_key("company_registry");
                let vals = mapping::partner(&PartnerFacts {
                    name: &p.name,
                    is_company: p.is_company,
                    email: p.email.as_deref(),
                    phone: p.phone.as_deref(),
                    vat: p.vat.as_deref(),
                    registration_number: p.registration_number.as_deref(),
                    has_company_registry: has_registry,
                    active: p.active,
                });
                let vals = if p.entity == Entity::Agent {
                    mapping::agent_partner(&p.name, p.email.as_deref().unwrap_or_default())
                } else {
                    vals
                };
                let xmlid = mapping::external_id(p.entity.as_str(), p.id);
                let odoo_id = upsert(odoo, "res.partner", &xmlid, p.known, true, &vals).await?;
                partners.insert(p.id, odoo_id);
                Synced {
                    entity: p.entity,
                    id: p.id,
                    model: "res.partner",
                    odoo_id,
                    written: Value::Object(vals),
                }
            }
            Step::Lead(l) => {
                let partner_id = *partners.get(&l.client).ok_or_else(|| {
                    SyncError::Setup("the client's contact was not written first".into())
                })?;
                let stage = match connection.stages.get(&l.status) {
                    None => LeadStage::Lost,
                    Some(name) => LeadStage::Stage(stage_id(odoo, name).await?),
                };
                let vals = mapping::lead(&LeadFacts {
                    title: &l.title,
                    partner_id,
                    expected_revenue_cents: l.fee_cents,
                    stage,
                    description: &l.description,
                });
                let xmlid = mapping::external_id("registration", l.id);
                let odoo_id = upsert(odoo, "crm.lead", &xmlid, l.known, true, &vals).await?;
                Synced {
                    entity: Entity::Registration,
                    id: l.id,
                    model: "crm.lead",
                    odoo_id,
                    written: Value::Object(vals),
                }
            }
            Step::Commission(c) => commission(odoo, c, &partners).await?,
            Step::Invoice(_) => continue,
        };
        done.push(synced);
    }
    Ok(done)
}

async fn commission(
    odoo: &OdooClient,
    c: &CommissionStep,
    partners: &BTreeMap<Uuid, i64>,
) -> Result<Synced, SyncError> {
    let agent_partner_id = *partners
        .get(&c.agent)
        .ok_or_else(|| SyncError::Setup("the agent's contact was not written first".into()))?;
    let facts = CommissionFacts {
        id: c.id,
        agent_partner_id,
        label: &c.label,
        amount_cents: c.amount_cents,
        currency: &c.currency,
        status: c.status.as_str(),
        approved_on: c.approved_on,
        paid_on: c.paid_on,
    };
    let xmlid = mapping::external_id("commission", c.id);
    // The custom model where this Odoo has it (found each time: an agency may install it).
    let custom = odoo
        .models_present(&[COMMISSION_MODEL])
        .await?
        .iter()
        .any(|m| m == COMMISSION_MODEL);
    if custom {
        let vals = mapping::commission_record(&facts);
        let known = c
            .known
            .as_ref()
            .filter(|(m, _)| m == COMMISSION_MODEL)
            .map(|(_, id)| *id);
        let odoo_id = upsert(odoo, COMMISSION_MODEL, &xmlid, known, false, &vals).await?;
        return Ok(Synced {
            entity: Entity::Commission,
            id: c.id,
            model: COMMISSION_MODEL,
            odoo_id,
            written: Value::Object(vals),
        });
    }
    // A vendor bill is written once: later steps (paid, rejected) belong to Odoo's accounting.
    let vals = mapping::vendor_bill(&facts);
    let known = c
        .known
        .as_ref()
        .filter(|(m, _)| m == "account.move")
        .map(|(_, id)| *id);
    let odoo_id = match known {
        Some(id) if exists(odoo, "account.move", id, false).await? => id,
        _ => upsert(odoo, "account.move", &xmlid, None, false, &vals).await?,
    };
    Ok(Synced {
        entity: Entity::Commission,
        id: c.id,
        model: "account.move",
        odoo_id,
        written: Value::Object(vals),
    })
}

/// The id of the CRM stage named `name`.
async fn stage_id(odoo: &OdooClient, name: &str) -> Result<i64, SyncError> {
    let ids = odoo
        .search("crm.stage", json!([["name", "=", name]]), Some(1))
        .await?;
    ids.first().copied().ok_or_else(|| {
        SyncError::Setup(format!(
            "Odoo has no CRM stage named {name:?}: rename the stage in Odoo, or map the status to an existing stage in the Odoo settings"
        ))
    })
}

/// Whether record `id` of `model` exists (archived ones too).
pub(crate) async fn exists(
    odoo: &OdooClient,
    model: &str,
    id: i64,
    has_active: bool,
) -> Result<bool, SyncError> {
    let domain = if has_active {
        json!([
            "&",
            ["id", "=", id],
            "|",
            ["active", "=", true],
            ["active", "=", false]
        ])
    } else {
        json!([["id", "=", id]])
    };
    Ok(!odoo.search(model, domain, Some(1)).await?.is_empty())
}

/// The record the external identifier `name` points at, if any (with the identifier's id).
pub(crate) async fn by_external_id(
    odoo: &OdooClient,
    model: &str,
    name: &str,
) -> Result<Option<(i64, i64)>, SyncError> {
    let rows = odoo
        .search_read(
            "ir.model.data",
            json!([
                ["module", "=", MODULE],
                ["name", "=", name],
                ["model", "=", model]
            ]),
            &["res_id"],
            Some(1),
        )
        .await?;
    Ok(rows
        .first()
        .and_then(|r| Some((r.get("id")?.as_i64()?, r.get("res_id")?.as_i64()?))))
}

/// Writes `vals` to the record we know (by the id we keep, else by its external identifier),
/// or creates it with its identifier; its id.
async fn upsert(
    odoo: &OdooClient,
    model: &str,
    xmlid: &str,
    known: Option<i64>,
    has_active: bool,
    vals: &Map<String, Value>,
) -> Result<i64, SyncError> {
    if let Some(id) = known
        && exists(odoo, model, id, has_active).await?
    {
        odoo.write(model, &[id], vals.clone()).await?;
        return Ok(id);
    }
    if let Some((xml_row, id)) = by_external_id(odoo, model, xmlid).await? {
        if exists(odoo, model, id, has_active).await? {
            odoo.write(model, &[id], vals.clone()).await?;
            return Ok(id);
        }
        // The record was deleted in Odoo and its identifier left behind: replace both.
        odoo.unlink("ir.model.data", &[xml_row]).await?;
    }
    let id = odoo.create(model, vals.clone()).await?;
    let mut xml = Map::new();
    xml.insert("module".into(), json!(MODULE));
    xml.insert("name".into(), json!(xmlid));
    xml.insert("model".into(), json!(model));
    xml.insert("res_id".into(), json!(id));
    odoo.create("ir.model.data", xml).await?;
    Ok(id)
}
