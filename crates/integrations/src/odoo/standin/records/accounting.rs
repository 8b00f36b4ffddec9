//! Invoicing as Odoo does it, for the stand-in: posting and cancelling journal entries, their
//! taxes, totals and what is left to pay, and the register-payment wizard that makes a payment
//! and reconciles it with the invoices.
//!
//! After odoo/odoo `addons/account/models/account_move.py` (`action_post`/`_post`,
//! `button_draft`, `button_cancel`: a posted entry is reset to draft, unreconciled, then
//! cancelled) and `addons/account/wizard/account_payment_register.py` (`default_get` reads
//! `active_model`/`active_ids` from the context and refuses unposted entries or nothing left to
//! pay; `action_create_payments` answers an `ir.actions.act_window` on the payment, or `True`
//! with `dont_redirect_to_payments` in the context). The messages are Odoo's where quoted from
//! those files (or copies of them in the index); the ones marked UNCONFIRMED are not.
//! Simplified: no journals, accounts or journal items beyond the invoice lines; a payment is
//! reconciled with the invoices it was registered for, in full up to what is left to pay.

use super::{Database, OrmError};
use crate::odoo::standin::schema::{AMOUNT_RESIDUAL, AMOUNT_TOTAL, Model, PAYMENT_STATE};
use serde_json::{Map, Value, json};

pub(in crate::odoo::standin) const WIZARD: &str = "account.payment.register";
const MOVE: &str = "account.move";
const LINE: &str = "account.move.line";
const PAYMENT: &str = "account.payment";

/// The business methods the stand-in has, all of them on records.
pub(in crate::odoo::standin) fn record_method(model: &str, method: &str) -> bool {
    matches!(
        (model, method),
        (MOVE, "action_post" | "button_draft" | "button_cancel")
            | (WIZARD, "action_create_payments")
    )
}

/// To the cent, as the company currency rounds (half away from zero).
fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

fn text(row: &Map<String, Value>, field: &str) -> String {
    row.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

impl Database {
    /// Runs an accounting method (or the wizard's `create`, which needs the context).
    pub(super) fn accounting(
        &mut self,
        model: &Model,
        method: &str,
        ids: &[i64],
        args: &Map<String, Value>,
        context: &Value,
    ) -> Result<Value, OrmError> {
        match (model.name, method) {
            (WIZARD, "create") => self.register_create(model, args, context),
            (WIZARD, "action_create_payments") => {
                self.check_exist(model, ids)?;
                let mut payments = Vec::new();
                for id in ids {
                    payments.push(self.create_payment(*id)?);
                }
                if context.get("dont_redirect_to_payments") == Some(&Value::Bool(true)) {
                    return Ok(json!(true));
                }
                let mut action = json!({
                    "name": "Payments", "type": "ir.actions.act_window",
                    "res_model": PAYMENT, "context": {"create": false},
                });
                if let (Some(obj), [one]) = (action.as_object_mut(), payments.as_slice()) {
                    obj.insert("view_mode".into(), json!("form"));
                    obj.insert("res_id".into(), json!(one));
                } else if let Some(obj) = action.as_object_mut() {
                    obj.insert("view_mode".into(), json!("list,form"));
                    obj.insert("domain".into(), json!([["id", "in", payments]]));
                }
                Ok(action)
            }
            (MOVE, "action_post") => {
                self.check_exist(model, ids)?;
                for id in ids {
                    self.post(*id)?;
                }
                // Odoo's action_post answers False (not the recordset).
                Ok(json!(false))
            }
            (MOVE, "button_draft") => {
                self.check_exist(model, ids)?;
                self.reset_to_draft(ids)?;
                Ok(Value::Null)
            }
            (MOVE, "button_cancel") => {
                self.check_exist(model, ids)?;
                let posted: Vec<i64> = ids
                    .iter()
                    .copied()
                    .filter(|id| self.move_state(*id) == "posted")
                    .collect();
                if !posted.is_empty() {
                    self.reset_to_draft(&posted)?;
                }
                if ids.iter().any(|id| self.move_state(*id) != "draft") {
                    return Err(OrmError::User(
                        "Only draft journal entries can be cancelled.".into(),
                    ));
                }
                for id in ids {
                    self.set(MOVE, *id, "state", json!("cancel"));
                }
                // Odoo's button_cancel returns None (which XML-RPC cannot marshal).
                Ok(Value::Null)
            }
            (name, other) => Err(OrmError::Python {
                exception: "AttributeError",
                message: format!("The method '{other}' does not exist on the model '{name}'"),
            }),
        }
    }

    /// `amount_total`, `amount_residual` or `payment_state` of move `id`.
    pub(super) fn computed_value(&self, model: &Model, id: i64, name: &str) -> Value {
        if model.name != MOVE {
            return Value::Bool(false);
        }
        let total = self.amount_total(id);
        let residual = (total - self.paid(id)).max(0.0);
        match name {
            AMOUNT_TOTAL => json!(total),
            AMOUNT_RESIDUAL => json!(cents(residual)),
            PAYMENT_STATE => {
                let state = if self.move_state(id) != "posted" {
                    "not_paid"
                } else if residual < 0.005 {
                    "paid"
                } else if self.paid(id) > 0.0 {
                    "partial"
                } else {
                    "not_paid"
                };
                json!(state)
            }
            _ => Value::Bool(false),
        }
    }

    fn row(&self, model: &str, id: i64) -> Option<&Map<String, Value>> {
        self.tables.get(model)?.rows.get(&id)
    }

    fn set(&mut self, model: &str, id: i64, field: &str, value: Value) {
        if let Some(row) = self.tables.get_mut(model).and_then(|t| t.rows.get_mut(&id)) {
            row.insert(field.to_owned(), value);
        }
    }

    fn move_state(&self, id: i64) -> String {
        self.row(MOVE, id)
            .map(|r| text(r, "state"))
            .unwrap_or_default()
    }

    fn lines(&self, move_id: i64) -> Vec<&Map<String, Value>> {
        self.tables
            .get(LINE)
            .map(|t| {
                t.rows
                    .values()
                    .filter(|l| l.get("move_id").and_then(Value::as_i64) == Some(move_id))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The untaxed amounts plus each line's percentage taxes (tax-excluded ones), rounded per
    /// line (Odoo's default "round per line").
    fn amount_total(&self, move_id: i64) -> f64 {
        self.lines(move_id)
            .iter()
            .map(|l| {
                let quantity = l.get("quantity").and_then(Value::as_f64).unwrap_or(0.0);
                let price = l.get("price_unit").and_then(Value::as_f64).unwrap_or(0.0);
                let untaxed = cents(quantity * price);
                let rate: f64 = l
                    .get("tax_ids")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_i64)
                    .filter_map(|t| self.row("account.tax", t))
                    .filter(|t| {
                        text(t, "amount_type") == "percent"
                            && t.get("price_include") != Some(&Value::Bool(true))
                    })
                    .filter_map(|t| t.get("amount").and_then(Value::as_f64))
                    .sum();
                untaxed + cents(untaxed * rate / 100.0)
            })
            .sum::<f64>()
    }

    /// What the payments reconciled with move `id` cover.
    fn paid(&self, move_id: i64) -> f64 {
        self.tables
            .get(PAYMENT)
            .map(|t| {
                t.rows
                    .values()
                    .filter(|p| {
                        p.get("reconciled_invoice_ids")
                            .and_then(Value::as_array)
                            .is_some_and(|ids| ids.contains(&json!(move_id)))
                    })
                    .filter_map(|p| p.get("amount").and_then(Value::as_f64))
                    .sum()
            })
            .unwrap_or(0.0)
    }

    /// `_post`: checks, the number from the journal's sequence, the state. The three messages
    /// below ("already posted", "add a line", "field 'Customer' is required") are recalled from
    /// Odoo 16-17, not read in the source here: UNCONFIRMED.
    fn post(&mut self, id: i64) -> Result<(), OrmError> {
        let row = self.row(MOVE, id).cloned().unwrap_or_default();
        let name = text(&row, "name");
        match text(&row, "state").as_str() {
            "posted" => {
                return Err(OrmError::User(format!(
                    "The entry {name} (id {id}) is already posted."
                )));
            }
            "cancel" => {
                // UNCONFIRMED: Odoo's wording for posting a cancelled entry.
                return Err(OrmError::User(format!(
                    "The entry {name} (id {id}) is cancelled: reset it to draft before posting it."
                )));
            }
            _ => {}
        }
        if self.lines(id).is_empty() {
            return Err(OrmError::User(
                "You need to add a line before posting.".into(),
            ));
        }
        let move_type = text(&row, "move_type");
        let (partner_label, document, prefix) = match move_type.as_str() {
            "out_invoice" => ("Customer", "Customer Invoice", "INV"),
            "out_refund" => ("Customer", "Customer Credit Note", "RINV"),
            "in_invoice" => ("Vendor", "Vendor Bill", "BILL"),
            "in_refund" => ("Vendor", "Vendor Credit Note", "RBILL"),
            _ => ("", "", "MISC"),
        };
        let invoice = !partner_label.is_empty();
        if invoice && matches!(row.get("partner_id"), None | Some(Value::Bool(false))) {
            return Err(OrmError::User(format!(
                "The field '{partner_label}' is required, please complete it to validate the {document}."
            )));
        }
        let date = match row.get("invoice_date").and_then(Value::as_str) {
            Some(d) => d.to_owned(),
            None => {
                let today = chrono::Utc::now().date_naive().to_string();
                if invoice {
                    self.set(MOVE, id, "invoice_date", json!(today));
                }
                today
            }
        };
        if name.is_empty() || name == "/" {
            let year = date.get(..4).unwrap_or("0000");
            let stem = format!("{prefix}/{year}/");
            let taken = self
                .tables
                .get(MOVE)
                .map(|t| {
                    t.rows
                        .values()
                        .filter(|r| text(r, "name").starts_with(&stem))
                        .count()
                })
                .unwrap_or(0);
            self.set(MOVE, id, "name", json!(format!("{stem}{:05}", taken + 1)));
        }
        self.set(MOVE, id, "state", json!("posted"));
        Ok(())
    }

    /// `button_draft`: the payments reconciled with them are unreconciled (and stay).
    fn reset_to_draft(&mut self, ids: &[i64]) -> Result<(), OrmError> {
        if ids
            .iter()
            .any(|id| !matches!(self.move_state(*id).as_str(), "posted" | "cancel"))
        {
            return Err(OrmError::User(
                "Only posted/cancelled journal entries can be reset to draft.".into(),
            ));
        }
        if let Some(payments) = self.tables.get_mut(PAYMENT) {
            for p in payments.rows.values_mut() {
                if let Some(Value::Array(moves)) = p.get_mut("reconciled_invoice_ids") {
                    moves.retain(|m| m.as_i64().is_none_or(|m| !ids.contains(&m)));
                }
            }
        }
        for id in ids {
            self.set(MOVE, *id, "state", json!("draft"));
        }
        Ok(())
    }

    /// The wizard's `create` with `default_get`'s checks on the entries in the context.
    fn register_create(
        &mut self,
        model: &Model,
        args: &Map<String, Value>,
        context: &Value,
    ) -> Result<Value, OrmError> {
        let mut vals = match args.get("vals_list") {
            Some(Value::Object(vals)) => vals.clone(),
            Some(Value::Array(items)) if items.len() == 1 => items[0]
                .as_object()
                .cloned()
                .ok_or_else(|| OrmError::value("create() takes a dict"))?,
            _ => {
                return Err(OrmError::value(
                    "the stand-in's register wizard is made one at a time, from a dict",
                ));
            }
        };
        if context.get("active_model").and_then(Value::as_str) != Some(MOVE) {
            return Err(OrmError::User(
                "The register payment wizard should only be called on account.move or account.move.line records."
                    .into(),
            ));
        }
        let moves: Vec<i64> = context
            .get("active_ids")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        let move_model = self
            .model(MOVE)
            .cloned()
            .ok_or_else(|| OrmError::User(format!("Object {MOVE} doesn't exist")))?;
        self.check_exist(&move_model, &moves)?;
        let mut due = 0.0;
        for m in &moves {
            if self.move_state(*m) != "posted" {
                return Err(OrmError::User(
                    "You can only register payment for posted journal entries.".into(),
                ));
            }
            due += (self.amount_total(*m) - self.paid(*m)).max(0.0);
        }
        if moves.is_empty() || due < 0.005 {
            return Err(OrmError::User(
                "You can't register a payment because there is nothing left to pay on the selected journal items."
                    .into(),
            ));
        }
        vals.entry("amount").or_insert_with(|| json!(cents(due)));
        vals.entry("payment_date")
            .or_insert_with(|| json!(chrono::Utc::now().date_naive().to_string()));
        if !vals.contains_key("communication") {
            // `_get_batch_communication`: the payment reference, else the reference, else the
            // number.
            let row = self.row(MOVE, moves[0]).cloned().unwrap_or_default();
            let label = ["payment_reference", "ref", "name"]
                .iter()
                .map(|f| text(&row, f))
                .find(|t| !t.is_empty())
                .unwrap_or_default();
            vals.insert("communication".into(), json!(label));
        }
        let id = self.create(model, vals)?;
        // Odoo keeps the receivable journal items (`line_ids`); the stand-in, the entries.
        self.set(WIZARD, id, "_active_ids", json!(moves));
        Ok(json!([id]))
    }

    /// One payment for the wizard `id`, reconciled with its entries; the payment's id.
    fn create_payment(&mut self, id: i64) -> Result<i64, OrmError> {
        let wizard = self.row(WIZARD, id).cloned().unwrap_or_default();
        let moves: Vec<i64> = wizard
            .get("_active_ids")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        let first = moves
            .first()
            .and_then(|m| self.row(MOVE, *m))
            .cloned()
            .unwrap_or_default();
        if moves.iter().any(|m| self.move_state(*m) != "posted") {
            return Err(OrmError::User(
                "You can only register payment for posted journal entries.".into(),
            ));
        }
        let move_type = text(&first, "move_type");
        let inbound = matches!(
            move_type.as_str(),
            "out_invoice" | "in_refund" | "out_receipt"
        );
        let date = text(&wizard, "payment_date");
        let year = date.get(..4).unwrap_or("0000").to_owned();
        let stem = format!("PBNK1/{year}/");
        let taken = self.tables.get(PAYMENT).map(|t| t.rows.len()).unwrap_or(0);
        let payment_model = self
            .model(PAYMENT)
            .cloned()
            .ok_or_else(|| OrmError::User(format!("Object {PAYMENT} doesn't exist")))?;
        let mut vals = Map::new();
        // UNCONFIRMED: the payment's number (Odoo numbers it from the bank journal's sequence).
        vals.insert("name".into(), json!(format!("{stem}{:05}", taken + 1)));
        vals.insert(
            "payment_type".into(),
            json!(if inbound { "inbound" } else { "outbound" }),
        );
        vals.insert(
            "partner_type".into(),
            json!(if move_type.starts_with("out_") {
                "customer"
            } else {
                "supplier"
            }),
        );
        vals.insert(
            "partner_id".into(),
            first
                .get("partner_id")
                .cloned()
                .unwrap_or(Value::Bool(false)),
        );
        vals.insert(
            "amount".into(),
            wizard.get("amount").cloned().unwrap_or(json!(0.0)),
        );
        vals.insert("date".into(), json!(date));
        vals.insert(
            "memo".into(),
            wizard
                .get("communication")
                .cloned()
                .unwrap_or(Value::Bool(false)),
        );
        vals.insert("reconciled_invoice_ids".into(), json!(moves));
        self.create(&payment_model, vals)
    }
}
