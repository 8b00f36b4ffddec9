//! Invoices in the agency's Odoo (issue 15): an issued invoice becomes a posted customer
//! invoice (`account.move`, `out_invoice`) for the client's contact; each payment received is
//! registered against it with Odoo's register-payment wizard, so Odoo reconciles it and shows
//! the invoice paid; a voided invoice is cancelled there; a credit note (a refund) becomes a
//! posted customer credit note (`out_refund`) reversing the invoice.
//!
//! Every job on an invoice's events writes the invoice's whole state (the contact, the move,
//! every payment, every credit note), so events may arrive in any order and a rerun changes
//! nothing: the move, each payment and each credit note are found by the id we keep or by
//! their external identifier (`invoice_<uuid>`, `payment_<uuid>`, `credit_note_<uuid>`) before
//! anything is made. An issued invoice is immutable on our side, so a move found posted is not
//! written again; one found in draft (a job that stopped between create and post) is written
//! and posted.
//!
//! Odoo's methods, from odoo/odoo `addons/account/models/account_move.py` (`action_post`,
//! `button_cancel`, which resets a posted entry to draft first) and
//! `addons/account/wizard/account_payment_register.py` (`create` with `active_model` and
//! `active_ids` in the context; `payment_date`, `amount`, `communication`;
//! `action_create_payments` answers an action whose `res_id` is the payment).
//!
//! Gaps: a payment is found again only by its external identifier, written right after the
//! wizard: a job stopped between the two registers it again on its retry (Odoo has no
//! idempotency key on the wizard; the memo carries our reference for a person to spot it).
//! VAT needs a matching sales tax in Odoo (a percentage, excluded from the price), else the sync
//! stops with a message saying what to add.

use crate::links::{self, Entity};
use crate::mapping::{self, CustomerMoveFacts, MODULE, MoveLineFacts};
use crate::sync::{SyncError, Synced, by_external_id, exists};
use comply360_integrations::odoo::{OdooClient, OdooError, OdooProtocol};
use comply360_payments::invoices;
use comply360_payments::invoices::model::InvoiceStatus;
use comply360_practice::PracticeError;
use comply360_store::TenantTx;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The currency an agency's Odoo company keeps its books in: left unset on the move.
const COMPANY_CURRENCY: &str = "ZAR";

#[derive(Clone, Debug)]
pub(crate) struct LineStep {
    description: String,
    quantity: i32,
    unit_cents: i64,
    vat_rate_bp: i32,
}

#[derive(Clone, Debug)]
pub(crate) struct PaymentStep {
    id: Uuid,
    known: Option<i64>,
    amount_cents: i64,
    received_on: chrono::NaiveDate,
    reference: String,
}

#[derive(Clone, Debug)]
pub(crate) struct CreditNoteStep {
    id: Uuid,
    known: Option<i64>,
    number: String,
    amount_cents: i64,
    vat_cents: i64,
    reason: String,
    issued_on: chrono::NaiveDate,
}

/// An invoice as Odoo should hold it.
#[derive(Clone, Debug)]
pub(crate) struct InvoiceStep {
    pub(crate) id: Uuid,
    pub(crate) client: Uuid,
    known: Option<i64>,
    number: String,
    currency: String,
    issued_on: chrono::NaiveDate,
    due_on: Option<chrono::NaiveDate>,
    void: bool,
    lines: Vec<LineStep>,
    payments: Vec<PaymentStep>,
    credit_notes: Vec<CreditNoteStep>,
}

/// The invoice a payment or credit note belongs to (for a sync asked for by their id).
pub(crate) async fn invoice_of(
    tx: &mut TenantTx,
    entity: Entity,
    id: Uuid,
) -> Result<Option<Uuid>, PracticeError> {
    let table = match entity {
        Entity::Payment => "payments",
        Entity::CreditNote => "credit_notes",
        _ => return Ok(None),
    };
    let row: Option<(Uuid,)> = tx
        .query_as(&format!(
            "SELECT invoice_id FROM {table} WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tx.tenant_id().as_uuid())
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    Ok(row.map(|(invoice,)| invoice))
}

/// What invoice `id` needs in Odoo; None for a draft (not yet in the books).
pub(crate) async fn plan(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<InvoiceStep>, PracticeError> {
    let detail = invoices::detail(tx, id).await?;
    let invoice = detail.invoice;
    let (Some(number), Some(issued_on)) = (invoice.number.clone(), invoice.issued_on) else {
        return Ok(None);
    };
    let mut payments = Vec::new();
    for p in &detail.payments {
        payments.push(PaymentStep {
            id: p.id,
            known: link_id(tx, Entity::Payment, p.id).await?,
            amount_cents: p.amount_cents,
            received_on: p.received_on,
            reference: p.reference.clone(),
        });
    }
    let mut credit_notes = Vec::new();
    for c in &detail.credit_notes {
        credit_notes.push(CreditNoteStep {
            id: c.id,
            known: link_id(tx, Entity::CreditNote, c.id).await?,
            number: c.number.clone(),
            amount_cents: c.amount_cents,
            vat_cents: c.vat_cents,
            reason: c.reason.clone(),
            issued_on: c.issued_on,
        });
    }
    Ok(Some(InvoiceStep {
        id: invoice.id,
        client: invoice.client_id,
        known: link_id(tx, Entity::Invoice, invoice.id).await?,
        number,
        currency: invoice.currency.clone(),
        issued_on,
        due_on: invoice.due_on,
        void: invoice.status == InvoiceStatus::Void,
        lines: invoice
            .lines
            .iter()
            .map(|l| LineStep {
                description: l.description.clone(),
                quantity: l.quantity,
                unit_cents: l.unit_cents,
                vat_rate_bp: l.vat_rate_bp,
            })
            .collect(),
        payments,
        credit_notes,
    }))
}

async fn link_id(
    tx: &mut TenantTx,
    entity: Entity,
    id: Uuid,
) -> Result<Option<i64>, PracticeError> {
    Ok(links::repo::get(tx, entity, id)
        .await?
        .and_then(|l| l.odoo_id))
}

/// Writes the invoice (its contact is `partner_id`), its payments and credit notes; what was
/// written.
pub(crate) async fn execute(
    odoo: &OdooClient,
    step: &InvoiceStep,
    partner_id: i64,
) -> Result<Vec<Synced>, SyncError> {
    let mut done = Vec::new();
    let xmlid = mapping::external_id(Entity::Invoice.as_str(), step.id);
    let found = find(odoo, "account.move", step.known, &xmlid).await?;
    if found.is_none() && step.void {
        // Voided before it reached Odoo: nothing to cancel.
        return Ok(done);
    }
    let currency_id = currency(odoo, &step.currency).await?;
    let mut taxes = BTreeMap::new();
    let mut lines = Vec::new();
    for l in &step.lines {
        lines.push(MoveLineFacts {
            description: &l.description,
            quantity: l.quantity,
            unit_cents: l.unit_cents,
            tax_id: sales_tax(odoo, &mut taxes, l.vat_rate_bp).await?,
        });
    }
    let vals = mapping::customer_move(&CustomerMoveFacts {
        move_type: "out_invoice",
        partner_id,
        number: &step.number,
        date: step.issued_on,
        due_on: step.due_on,
        currency_id,
        reversed_entry_id: None,
        lines: &lines,
    });
    let move_id = settle_move(odoo, found, &xmlid, &vals, !step.void).await?;
    if step.void {
        cancel(odoo, move_id).await?;
    }
    done.push(Synced {
        entity: Entity::Invoice,
        id: step.id,
        model: "account.move",
        odoo_id: move_id,
        written: Value::Object(vals),
    });
    if step.void || move_state(odoo, move_id).await? != "posted" {
        // Payments go only against a posted invoice (Odoo refuses others).
        return Ok(done);
    }
    for p in &step.payments {
        done.push(payment(odoo, p, move_id, partner_id, &step.number).await?);
    }
    for c in &step.credit_notes {
        done.push(credit_note(odoo, c, step, move_id, partner_id, currency_id, &mut taxes).await?);
    }
    Ok(done)
}

/// The move we know or that carries the identifier; the id once it exists and is posted
/// (`post`) or left as found. A new move gets its identifier at once, so a rerun finds it.
async fn settle_move(
    odoo: &OdooClient,
    found: Option<i64>,
    xmlid: &str,
    vals: &Map<String, Value>,
    post: bool,
) -> Result<i64, SyncError> {
    let id = match found {
        Some(id) => {
            if post && move_state(odoo, id).await? == "draft" {
                let mut again = vals.clone();
                // The lines replaced, not added to.
                if let Some(Value::Array(lines)) = again.get_mut("invoice_line_ids") {
                    lines.insert(0, json!([5, 0, 0]));
                }
                odoo.write("account.move", &[id], again).await?;
            }
            id
        }
        None => {
            let id = odoo.create("account.move", vals.clone()).await?;
            name_record(odoo, "account.move", xmlid, id).await?;
            id
        }
    };
    if post && move_state(odoo, id).await? == "draft" {
        call_on(odoo, "account.move", "action_post", &[id]).await?;
    }
    Ok(id)
}

/// Cancels move `id` unless it is already (Odoo's `button_cancel` resets a posted entry to
/// draft, unreconciling its payments, then cancels it).
async fn cancel(odoo: &OdooClient, id: i64) -> Result<(), SyncError> {
    if move_state(odoo, id).await? == "cancel" {
        return Ok(());
    }
    match call_on(odoo, "account.move", "button_cancel", &[id]).await {
        Ok(_) => Ok(()),
        // button_cancel returns None, which Odoo's XML-RPC cannot send back once it is done.
        Err(OdooError::Fault { message, .. }) if message.contains("cannot marshal None") => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Registers payment `p` against the posted move, unless it is there already.
async fn payment(
    odoo: &OdooClient,
    p: &PaymentStep,
    move_id: i64,
    partner_id: i64,
    number: &str,
) -> Result<Synced, SyncError> {
    let xmlid = mapping::external_id(Entity::Payment.as_str(), p.id);
    // What reconcile reads back from `account.payment`.
    let mut written = Map::new();
    written.insert("amount".into(), json!(mapping::major(p.amount_cents)));
    written.insert("date".into(), json!(p.received_on.to_string()));
    written.insert("partner_id".into(), json!(partner_id));
    let synced = |odoo_id| Synced {
        entity: Entity::Payment,
        id: p.id,
        model: "account.payment",
        odoo_id,
        written: Value::Object(written.clone()),
    };
    if let Some(id) = find(odoo, "account.payment", p.known, &xmlid).await? {
        return Ok(synced(id));
    }
    let id = register_payment(
        odoo,
        move_id,
        p.amount_cents,
        p.received_on,
        format!("{number} {}", p.reference).trim(),
    )
    .await?;
    name_record(odoo, "account.payment", &xmlid, id).await?;
    Ok(synced(id))
}

/// Odoo's register-payment wizard on `move_id`; the payment's id.
async fn register_payment(
    odoo: &OdooClient,
    move_id: i64,
    amount_cents: i64,
    date: chrono::NaiveDate,
    memo: &str,
) -> Result<i64, SyncError> {
    let mut vals = Map::new();
    vals.insert("amount".into(), json!(mapping::major(amount_cents)));
    vals.insert("payment_date".into(), json!(date.to_string()));
    vals.insert("communication".into(), json!(memo));
    let mut kwargs = Map::new();
    kwargs.insert(
        "context".into(),
        json!({"active_model": "account.move", "active_ids": [move_id]}),
    );
    let created = odoo
        .execute_kw(
            "account.payment.register",
            "create",
            vec![Value::Object(vals)],
            kwargs,
        )
        .await?;
    let wizard = match &created {
        Value::Array(ids) => ids.first().and_then(Value::as_i64),
        other => other.as_i64(),
    }
    .ok_or_else(|| SyncError::Setup(format!("Odoo's payment wizard answered {created}")))?;
    let action = call_on(
        odoo,
        "account.payment.register",
        "action_create_payments",
        &[wizard],
    )
    .await?;
    action.get("res_id").and_then(Value::as_i64).ok_or_else(|| {
        SyncError::Setup(format!(
            "Odoo registered the payment but did not say which record it is ({action})"
        ))
    })
}

/// A credit note as a posted `out_refund` reversing the invoice. Its VAT is our share of the
/// invoice's (fees carry VAT, disbursements do not), so it becomes two lines: the base that
/// carries the VAT (at the invoice's rate) and the rest without, so Odoo's total is ours.
async fn credit_note(
    odoo: &OdooClient,
    c: &CreditNoteStep,
    invoice: &InvoiceStep,
    move_id: i64,
    partner_id: i64,
    currency_id: Option<i64>,
    taxes: &mut BTreeMap<i32, Option<i64>>,
) -> Result<Synced, SyncError> {
    let rate = invoice
        .lines
        .iter()
        .map(|l| l.vat_rate_bp)
        .find(|r| *r > 0)
        .filter(|_| c.vat_cents > 0)
        .unwrap_or(0);
    let taxed_base = if rate > 0 {
        // vat / rate, to the nearest cent.
        (c.vat_cents * 10_000 + i64::from(rate) / 2) / i64::from(rate)
    } else {
        0
    };
    let untaxed = c.amount_cents - c.vat_cents - taxed_base;
    let tax_id = sales_tax(odoo, taxes, rate).await?;
    let mut line = Vec::new();
    if taxed_base != 0 {
        line.push(MoveLineFacts {
            description: &c.reason,
            quantity: 1,
            unit_cents: taxed_base,
            tax_id,
        });
    }
    if untaxed != 0 || line.is_empty() {
        line.push(MoveLineFacts {
            description: &c.reason,
            quantity: 1,
            unit_cents: untaxed,
            tax_id: None,
        });
    }
    let vals = mapping::customer_move(&CustomerMoveFacts {
        move_type: "out_refund",
        partner_id,
        number: &c.number,
        date: c.issued_on,
        due_on: None,
        currency_id,
        reversed_entry_id: Some(move_id),
        lines: &line,
    });
    let xmlid = mapping::external_id(Entity::CreditNote.as_str(), c.id);
    let found = find(odoo, "account.move", c.known, &xmlid).await?;
    let id = settle_move(odoo, found, &xmlid, &vals, true).await?;
    Ok(Synced {
        entity: Entity::CreditNote,
        id: c.id,
        model: "account.move",
        odoo_id: id,
        written: Value::Object(vals),
    })
}

/// The record we know (if it still exists) or the one carrying the identifier.
async fn find(
    odoo: &OdooClient,
    model: &str,
    known: Option<i64>,
    xmlid: &str,
) -> Result<Option<i64>, SyncError> {
    if let Some(id) = known
        && exists(odoo, model, id, false).await?
    {
        return Ok(Some(id));
    }
    match by_external_id(odoo, model, xmlid).await? {
        Some((_, id)) if exists(odoo, model, id, false).await? => Ok(Some(id)),
        Some((xml_row, _)) => {
            // Deleted in Odoo, its identifier left behind: it is made again.
            odoo.unlink("ir.model.data", &[xml_row]).await?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// Gives record `id` of `model` our external identifier `xmlid`.
pub(crate) async fn name_record(
    odoo: &OdooClient,
    model: &str,
    xmlid: &str,
    id: i64,
) -> Result<(), SyncError> {
    let mut xml = Map::new();
    xml.insert("module".into(), json!(MODULE));
    xml.insert("name".into(), json!(xmlid));
    xml.insert("model".into(), json!(model));
    xml.insert("res_id".into(), json!(id));
    odoo.create("ir.model.data", xml).await?;
    Ok(())
}

async fn move_state(odoo: &OdooClient, id: i64) -> Result<String, SyncError> {
    let rows = odoo.read("account.move", &[id], &["state"]).await?;
    Ok(rows
        .first()
        .and_then(|r| r.get("state"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned())
}

/// None for the company's currency; else the currency's id in Odoo.
async fn currency(odoo: &OdooClient, code: &str) -> Result<Option<i64>, SyncError> {
    if code == COMPANY_CURRENCY {
        return Ok(None);
    }
    let ids = odoo
        .search("res.currency", json!([["name", "=", code]]), Some(1))
        .await?;
    ids.first().copied().map(Some).ok_or_else(|| {
        SyncError::Setup(format!(
            "Odoo has no active currency {code}: activate it in Odoo (Accounting › Configuration › Currencies) so {code} invoices can be sent"
        ))
    })
}

/// The sales tax for `rate_bp` (None for no VAT), found once per job.
async fn sales_tax(
    odoo: &OdooClient,
    found: &mut BTreeMap<i32, Option<i64>>,
    rate_bp: i32,
) -> Result<Option<i64>, SyncError> {
    if rate_bp <= 0 {
        return Ok(None);
    }
    if let Some(id) = found.get(&rate_bp) {
        return Ok(*id);
    }
    let percent = f64::from(rate_bp) / 100.0;
    // UNCONFIRMED for 19.0: `price_include` became computed in 18 (`price_include_override`).
    let ids = odoo
        .search(
            "account.tax",
            json!([
                ["type_tax_use", "=", "sale"],
                ["amount_type", "=", "percent"],
                ["amount", "=", percent],
                ["price_include", "=", false]
            ]),
            Some(1),
        )
        .await?;
    let id = ids.first().copied().ok_or_else(|| {
        SyncError::Setup(format!(
            "Odoo has no {percent}% sales tax excluded from the price: add one in Odoo (Accounting › Configuration › Taxes) so invoices carry their VAT"
        ))
    })?;
    found.insert(rate_bp, Some(id));
    Ok(Some(id))
}

/// A business method on records (`action_post`, `button_cancel`): over XML-RPC the ids are the
/// first positional argument, as Odoo's `call_kw` takes them; JSON-2 takes them as `ids`.
/// (The client's `execute_kw` names positional arguments only for the ORM methods it knows;
/// this belongs there, as `OdooClient::call_records`, when the client is next changed.)
async fn call_on(
    odoo: &OdooClient,
    model: &str,
    method: &str,
    ids: &[i64],
) -> Result<Value, OdooError> {
    match odoo.config().protocol {
        OdooProtocol::XmlRpc => {
            odoo.execute_kw(model, method, vec![json!(ids)], Map::new())
                .await
        }
        OdooProtocol::Json2 => {
            let mut kwargs = Map::new();
            kwargs.insert("ids".into(), json!(ids));
            odoo.execute_kw(model, method, vec![], kwargs).await
        }
    }
}
