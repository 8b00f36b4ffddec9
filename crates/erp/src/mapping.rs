//! What each Comply360 record becomes in Odoo: pure functions from the facts to the values
//! written (FACTS.md section 5's fields). Amounts travel as Odoo's monetary floats in the
//! currency's major unit; the cents stay exact on our side.

use serde_json::{Map, Value, json};

/// Where the sync's external identifiers live (`ir.model.data.module`).
pub const MODULE: &str = "comply360";

/// The external identifier of a Comply360 record: `client_<uuid without dashes>`.
pub fn external_id(entity: &str, id: uuid::Uuid) -> String {
    format!("{entity}_{}", id.simple())
}

/// Cents as Odoo's monetary value (a float in the major unit).
pub fn major(cents: i64) -> f64 {
    // Exact to the cent for any amount an agency bills (|cents| < 2^53).
    cents as f64 / 100.0
}

/// A client as a contact (`res.partner`).
pub struct PartnerFacts<'a> {
    pub name: &'a str,
    pub is_company: bool,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// The VAT number, from the client's company when SARS registered one.
    pub vat: Option<&'a str>,
    /// The CIPC/registry number (`company_registry` where this Odoo has it, else in the notes).
    pub registration_number: Option<&'a str>,
    pub has_company_registry: bool,
    pub active: bool,
}

pub fn partner(f: &PartnerFacts<'_>) -> Map<String, Value> {
    let mut vals = Map::new();
    vals.insert("name".into(), json!(f.name));
    vals.insert("is_company".into(), json!(f.is_company));
    vals.insert("email".into(), json!(f.email.unwrap_or_default()));
    vals.insert("phone".into(), json!(f.phone.unwrap_or_default()));
    vals.insert("vat".into(), json!(f.vat.unwrap_or_default()));
    match (f.registration_number, f.has_company_registry) {
        (Some(n), true) => {
            vals.insert("company_registry".into(), json!(n));
        }
        (Some(n), false) => {
            vals.insert("comment".into(), json!(format!("Registration number: {n}")));
        }
        (None, _) => {}
    }
    vals.insert("active".into(), json!(f.active));
    vals
}

/// An agent as the contact their vendor bills or commission records name.
pub fn agent_partner(name: &str, email: &str) -> Map<String, Value> {
    let mut vals = Map::new();
    vals.insert("name".into(), json!(name));
    vals.insert("email".into(), json!(email));
    vals.insert("is_company".into(), json!(false));
    vals
}

/// Where a lead stands: a stage (by id), or lost (archived).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeadStage {
    Stage(i64),
    Lost,
}

/// A registration as an opportunity (`crm.lead`).
pub struct LeadFacts<'a> {
    /// "Name reservation: Umoya Bakers (Pty) Ltd".
    pub title: &'a str,
    pub partner_id: i64,
    /// The agency's fee, when it has a price for the type.
    pub expected_revenue_cents: Option<i64>,
    pub stage: LeadStage,
    pub description: &'a str,
}

pub fn lead(f: &LeadFacts<'_>) -> Map<String, Value> {
    let mut vals = Map::new();
    vals.insert("name".into(), json!(f.title));
    vals.insert("type".into(), json!("opportunity"));
    vals.insert("partner_id".into(), json!(f.partner_id));
    vals.insert(
        "expected_revenue".into(),
        json!(major(f.expected_revenue_cents.unwrap_or(0))),
    );
    vals.insert("description".into(), json!(f.description));
    match f.stage {
        LeadStage::Stage(id) => {
            vals.insert("stage_id".into(), json!(id));
            vals.insert("active".into(), json!(true));
        }
        LeadStage::Lost => {
            vals.insert("active".into(), json!(false));
        }
    }
    vals
}

/// An approved commission, as the facts both of its forms need.
pub struct CommissionFacts<'a> {
    pub id: uuid::Uuid,
    pub agent_partner_id: i64,
    pub label: &'a str,
    pub amount_cents: i64,
    pub currency: &'a str,
    /// `approved` or `paid`.
    pub status: &'a str,
    pub approved_on: chrono::NaiveDate,
    pub paid_on: Option<chrono::NaiveDate>,
}

/// The custom model's record (`x_comply360_commission`).
pub fn commission_record(f: &CommissionFacts<'_>) -> Map<String, Value> {
    let mut vals = Map::new();
    vals.insert("x_name".into(), json!(f.label));
    vals.insert("x_agent".into(), json!(f.agent_partner_id));
    vals.insert("x_amount".into(), json!(major(f.amount_cents)));
    vals.insert("x_currency".into(), json!(f.currency));
    vals.insert("x_external_ref".into(), json!(f.id.to_string()));
    vals.insert("x_status".into(), json!(f.status));
    vals.insert(
        "x_paid_on".into(),
        f.paid_on
            .map_or(Value::Bool(false), |d| json!(d.to_string())),
    );
    vals
}

/// A vendor bill for the agent (`account.move`, `in_invoice`) with one line.
pub fn vendor_bill(f: &CommissionFacts<'_>) -> Map<String, Value> {
    let mut vals = Map::new();
    vals.insert("move_type".into(), json!("in_invoice"));
    vals.insert("partner_id".into(), json!(f.agent_partner_id));
    vals.insert(
        "ref".into(),
        json!(format!("Comply360 commission {}", f.id)),
    );
    vals.insert("invoice_date".into(), json!(f.approved_on.to_string()));
    vals.insert(
        "invoice_line_ids".into(),
        json!([[0, 0, {"name": f.label, "quantity": 1.0, "price_unit": major(f.amount_cents)}]]),
    );
    vals
}

/// One line of an invoice or credit note.
pub struct MoveLineFacts<'a> {
    pub description: &'a str,
    pub quantity: i32,
    /// Exclusive of VAT.
    pub unit_cents: i64,
    /// The Odoo sales tax for the line's VAT rate; None for a line without VAT.
    pub tax_id: Option<i64>,
}

/// An issued invoice (or a credit note) as a customer document (`account.move`).
pub struct CustomerMoveFacts<'a> {
    /// `out_invoice` or `out_refund`.
    pub move_type: &'a str,
    pub partner_id: i64,
    /// Our number (`INV-000042`, or the credit note's).
    pub number: &'a str,
    pub date: chrono::NaiveDate,
    pub due_on: Option<chrono::NaiveDate>,
    /// None: the company's currency (ZAR).
    pub currency_id: Option<i64>,
    /// For a credit note, the invoice it reverses.
    pub reversed_entry_id: Option<i64>,
    pub lines: &'a [MoveLineFacts<'a>],
}

/// `ref` and `payment_reference` carry our number (the customer pays against it; Odoo numbers
/// the move itself when it is posted). Every line names its taxes, an empty set for no VAT:
/// left out, Odoo would give a line without a product the company's default sales tax.
/// Fields from odoo/odoo `addons/account/models/account_move.py` (`move_type`, `ref`,
/// `invoice_date`, `invoice_date_due`, `payment_reference`, `currency_id`, `reversed_entry_id`,
/// `invoice_line_ids`; the lines' `tax_ids`); that `reversed_entry_id` may be written on create
/// outside the reversal wizard is UNCONFIRMED.
pub fn customer_move(f: &CustomerMoveFacts<'_>) -> Map<String, Value> {
    let mut vals = Map::new();
    vals.insert("move_type".into(), json!(f.move_type));
    vals.insert("partner_id".into(), json!(f.partner_id));
    vals.insert("ref".into(), json!(f.number));
    vals.insert("payment_reference".into(), json!(f.number));
    vals.insert("invoice_date".into(), json!(f.date.to_string()));
    if let Some(due) = f.due_on {
        vals.insert("invoice_date_due".into(), json!(due.to_string()));
    }
    if let Some(currency) = f.currency_id {
        vals.insert("currency_id".into(), json!(currency));
    }
    if let Some(reversed) = f.reversed_entry_id {
        vals.insert("reversed_entry_id".into(), json!(reversed));
    }
    let lines: Vec<Value> = f
        .lines
        .iter()
        .map(|l| {
            json!([0, 0, {
                "name": l.description,
                "quantity": f64::from(l.quantity),
                "price_unit": major(l.unit_cents),
                "tax_ids": [[6, 0, l.tax_id.into_iter().collect::<Vec<_>>()]],
            }])
        })
        .collect();
    vals.insert("invoice_line_ids".into(), Value::Array(lines));
    vals
}

/// The fields of `wanted` whose value in Odoo's `actual` record differs: many2one read as
/// `[id, name]` compare by id, monetary floats to the cent, Odoo's `false` equals an empty
/// text. One2many commands (a bill's lines) are not compared.
pub fn differences(wanted: &Map<String, Value>, actual: &Map<String, Value>) -> Vec<String> {
    wanted
        .iter()
        .filter(|(k, _)| !k.ends_with("_ids"))
        .filter(|(k, v)| !same(v, actual.get(k.as_str()).unwrap_or(&Value::Bool(false))))
        .map(|(k, _)| k.clone())
        .collect()
}

fn same(wanted: &Value, actual: &Value) -> bool {
    match (wanted, actual) {
        (Value::Number(w), Value::Array(pair)) => {
            pair.first().and_then(Value::as_i64) == w.as_i64()
        }
        (Value::Number(w), Value::Number(a)) => match (w.as_f64(), a.as_f64()) {
            (Some(w), Some(a)) => (w - a).abs() < 0.005,
            _ => false,
        },
        (Value::String(w), Value::Bool(false)) => w.is_empty(),
        (Value::Bool(false), Value::String(a)) => a.is_empty(),
        (w, a) => w == a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odoos_readings_compare_as_what_was_written() {
        let wanted = partner(&PartnerFacts {
            name: "Umoya Bakers",
            is_company: true,
            email: None,
            phone: Some("+27825550101"),
            vat: Some("4123456789"),
            registration_number: Some("2015/255566/07"),
            has_company_registry: false,
            active: true,
        });
        let mut actual = wanted.clone();
        actual.insert("email".into(), json!(false));
        assert!(differences(&wanted, &actual).is_empty());
        actual.insert("vat".into(), json!("4999999999"));
        assert_eq!(differences(&wanted, &actual), ["vat"]);
        let lead = lead(&LeadFacts {
            title: "Name reservation: Umoya",
            partner_id: 7,
            expected_revenue_cents: Some(150_050),
            stage: LeadStage::Stage(3),
            description: "",
        });
        let mut read = lead.clone();
        read.insert("partner_id".into(), json!([7, "Umoya Bakers"]));
        read.insert("stage_id".into(), json!([3, "Proposition"]));
        read.insert("expected_revenue".into(), json!(1500.5000001));
        assert!(
            differences(&lead, &read).is_empty(),
            "{:?}",
            differences(&lead, &read)
        );
        read.insert("stage_id".into(), json!([4, "Won"]));
        assert_eq!(differences(&lead, &read), ["stage_id"]);
    }

    #[test]
    fn an_invoice_carries_our_number_and_its_lines_in_rands() {
        let lines = [
            MoveLineFacts {
                description: "Name reservation",
                quantity: 2,
                unit_cents: 150_005,
                tax_id: Some(4),
            },
            MoveLineFacts {
                description: "CIPC fee",
                quantity: 1,
                unit_cents: 5_000,
                tax_id: None,
            },
        ];
        let date = chrono::NaiveDate::from_ymd_opt(2026, 5, 14).unwrap();
        let vals = customer_move(&CustomerMoveFacts {
            move_type: "out_invoice",
            partner_id: 7,
            number: "INV-000042",
            date,
            due_on: Some(date),
            currency_id: None,
            reversed_entry_id: None,
            lines: &lines,
        });
        assert_eq!(vals["ref"], "INV-000042");
        assert_eq!(vals["invoice_date_due"], "2026-05-14");
        assert!(!vals.contains_key("currency_id"), "ZAR is the company's");
        assert_eq!(
            vals["invoice_line_ids"],
            json!([
                [0, 0, {"name": "Name reservation", "quantity": 2.0, "price_unit": 1500.05, "tax_ids": [[6, 0, [4]]]}],
                [0, 0, {"name": "CIPC fee", "quantity": 1.0, "price_unit": 50.0, "tax_ids": [[6, 0, []]]}],
            ])
        );
    }

    #[test]
    fn external_ids_name_the_kind_and_the_record() {
        assert_eq!(
            external_id("client", uuid::Uuid::nil()),
            "client_00000000000000000000000000000000"
        );
    }
}
