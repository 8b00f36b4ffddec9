//! The models the stand-in knows and their fields, shaped after Odoo's (FACTS.md section 5 key
//! fields; the labels as Odoo 19 shows them where known). Only what Comply360 uses is here.

use serde_json::{Value, json};

/// A field's type, as `fields_get` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldType {
    Char,
    Text,
    Integer,
    Float,
    Monetary,
    Boolean,
    Date,
    Selection(&'static [(&'static str, &'static str)]),
    Many2one(&'static str),
    /// Ids of `relation`'s records, set with `[6, 0, ids]` / `[4, id, 0]` / `[5, 0, 0]` or a
    /// plain list; read as a list of ids.
    Many2many(&'static str),
    /// The lines of a record: `relation`'s records whose `inverse` many2one points here.
    One2many {
        relation: &'static str,
        inverse: &'static str,
    },
}

impl FieldType {
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Char => "char",
            FieldType::Text => "text",
            FieldType::Integer => "integer",
            FieldType::Float => "float",
            FieldType::Monetary => "monetary",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Selection(_) => "selection",
            FieldType::Many2one(_) => "many2one",
            FieldType::Many2many(_) => "many2many",
            FieldType::One2many { .. } => "one2many",
        }
    }

    /// What an unset field reads as: `false`, or 0 for numbers (as Odoo reads them).
    pub fn empty(self) -> Value {
        match self {
            FieldType::Integer => json!(0),
            FieldType::Float | FieldType::Monetary => json!(0.0),
            FieldType::One2many { .. } | FieldType::Many2many(_) => json!([]),
            _ => Value::Bool(false),
        }
    }
}

/// A value a field takes on create when none is given.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Initial {
    Bool(bool),
    Str(&'static str),
    Float(f64),
    /// The first record of a model, in id order (a lead's first stage).
    FirstOf(&'static str),
}

#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub name: &'static str,
    pub string: &'static str,
    pub kind: FieldType,
    pub required: bool,
    pub readonly: bool,
    pub initial: Option<Initial>,
}

/// Computed fields: read only, never stored.
pub(crate) const DISPLAY_NAME: &str = "display_name";
pub(crate) const AMOUNT_TOTAL: &str = "amount_total";
pub(crate) const AMOUNT_RESIDUAL: &str = "amount_residual";
pub(crate) const PAYMENT_STATE: &str = "payment_state";

/// `account.move.payment_state` as Odoo 17+ names it (`in_payment` needs the Accounting app;
/// Invoicing goes straight to `paid`; `blocked` is 18's) [P: odoo/odoo
/// `addons/account/models/account_move.py`, copies in the index; UNCONFIRMED against 19.0].
pub(crate) const PAYMENT_STATES: &[(&str, &str)] = &[
    ("not_paid", "Not Paid"),
    ("in_payment", "In Payment"),
    ("paid", "Paid"),
    ("partial", "Partially Paid"),
    ("reversed", "Reversed"),
    ("invoicing_legacy", "Invoicing App Legacy"),
];

/// The computed fields of `model`: name, label, type (as `fields_get` names it).
pub(crate) fn computed(model: &str) -> &'static [(&'static str, &'static str, &'static str)] {
    match model {
        "account.move" => &[
            (AMOUNT_TOTAL, "Total", "monetary"),
            (AMOUNT_RESIDUAL, "Amount Due", "monetary"),
            (PAYMENT_STATE, "Payment Status", "selection"),
        ],
        _ => &[],
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub name: &'static str,
    pub description: &'static str,
    /// The field shown as the record's name (`_rec_name`).
    pub rec_name: Option<&'static str>,
    pub fields: Vec<Field>,
    /// A custom model (`x_…`), `ir.model.state` "manual".
    pub custom: bool,
}

impl Model {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether `name` can be read: a field, `id`, or a computed field.
    pub fn readable(&self, name: &str) -> bool {
        name == "id"
            || name == DISPLAY_NAME
            || computed(self.name).iter().any(|(c, _, _)| *c == name)
            || self.field(name).is_some()
    }

    /// `fields_get`'s description of every readable field.
    pub fn describe(&self) -> Vec<(&'static str, serde_json::Map<String, Value>)> {
        let mut out = vec![
            ("id", attributes("ID", "integer", false, true)),
            (
                DISPLAY_NAME,
                attributes("Display Name", "char", false, true),
            ),
        ];
        for (name, label, kind) in computed(self.name) {
            let mut attrs = attributes(label, kind, false, true);
            if *name == PAYMENT_STATE {
                attrs.insert("selection".into(), selection(PAYMENT_STATES));
            }
            out.push((name, attrs));
        }
        for field in &self.fields {
            let mut attrs = attributes(
                field.string,
                field.kind.name(),
                field.required,
                field.readonly,
            );
            match field.kind {
                FieldType::Many2one(relation) | FieldType::Many2many(relation) => {
                    attrs.insert("relation".into(), json!(relation));
                }
                FieldType::One2many { relation, inverse } => {
                    attrs.insert("relation".into(), json!(relation));
                    attrs.insert("relation_field".into(), json!(inverse));
                }
                FieldType::Selection(options) => {
                    attrs.insert("selection".into(), selection(options));
                }
                _ => {}
            }
            out.push((field.name, attrs));
        }
        out
    }
}

fn selection(options: &[(&str, &str)]) -> Value {
    json!(
        options
            .iter()
            .map(|(k, v)| json!([k, v]))
            .collect::<Vec<_>>()
    )
}

fn attributes(
    string: &str,
    kind: &str,
    required: bool,
    readonly: bool,
) -> serde_json::Map<String, Value> {
    let mut attrs = serde_json::Map::new();
    attrs.insert("string".into(), json!(string));
    attrs.insert("type".into(), json!(kind));
    attrs.insert("required".into(), json!(required));
    attrs.insert("readonly".into(), json!(readonly));
    attrs
}

fn field(name: &'static str, string: &'static str, kind: FieldType) -> Field {
    Field {
        name,
        string,
        kind,
        required: false,
        readonly: false,
        initial: None,
    }
}

impl Field {
    fn required(mut self) -> Field {
        self.required = true;
        self
    }

    fn readonly(mut self) -> Field {
        self.readonly = true;
        self
    }

    fn initial(mut self, initial: Initial) -> Field {
        self.initial = Some(initial);
        self
    }
}

/// The custom model an agency installs for Comply360's commissions.
pub const COMMISSION_MODEL: &str = "x_comply360_commission";

const MOVE_TYPES: &[(&str, &str)] = &[
    ("entry", "Journal Entry"),
    ("out_invoice", "Customer Invoice"),
    ("out_refund", "Customer Credit Note"),
    ("in_invoice", "Vendor Bill"),
    ("in_refund", "Vendor Credit Note"),
];

/// Every model, the custom one only when installed.
pub(crate) fn models(with_commission_model: bool) -> Vec<Model> {
    use FieldType::*;
    let mut models = vec![
        Model {
            name: "res.partner",
            description: "Contact",
            rec_name: Some("name"),
            custom: false,
            fields: vec![
                field("name", "Name", Char).required(),
                field("is_company", "Is a Company", Boolean).initial(Initial::Bool(false)),
                field("parent_id", "Related Company", Many2one("res.partner")),
                field("email", "Email", Char),
                field("phone", "Phone", Char),
                field("vat", "Tax ID", Char),
                field("ref", "Reference", Char),
                field("street", "Street", Char),
                field("city", "City", Char),
                field("zip", "Zip", Char),
                field("comment", "Notes", Text),
                field("active", "Active", Boolean).initial(Initial::Bool(true)),
            ],
        },
        Model {
            name: "crm.stage",
            description: "CRM Stages",
            rec_name: Some("name"),
            custom: false,
            fields: vec![
                field("name", "Stage Name", Char).required(),
                field("sequence", "Sequence", Integer),
                field("is_won", "Is Won Stage?", Boolean).initial(Initial::Bool(false)),
            ],
        },
        Model {
            name: "crm.lead",
            description: "Lead/Opportunity",
            rec_name: Some("name"),
            custom: false,
            fields: vec![
                field("name", "Opportunity", Char).required(),
                field(
                    "type",
                    "Type",
                    Selection(&[("lead", "Lead"), ("opportunity", "Opportunity")]),
                )
                .required()
                .initial(Initial::Str("lead")),
                field("partner_id", "Customer", Many2one("res.partner")),
                field("partner_name", "Company Name", Char),
                field("contact_name", "Contact Name", Char),
                field("email_from", "Email", Char),
                field("phone", "Phone", Char),
                field("stage_id", "Stage", Many2one("crm.stage"))
                    .initial(Initial::FirstOf("crm.stage")),
                field("user_id", "Salesperson", Many2one("res.users")),
                field("expected_revenue", "Expected Revenue", Monetary),
                field("probability", "Probability", Float),
                field("date_deadline", "Expected Closing", Date),
                field("description", "Notes", Text),
                field("active", "Active", Boolean).initial(Initial::Bool(true)),
            ],
        },
        Model {
            name: "account.move",
            description: "Journal Entry",
            rec_name: Some("name"),
            custom: false,
            fields: vec![
                field("name", "Number", Char).initial(Initial::Str("/")),
                field("move_type", "Type", Selection(MOVE_TYPES))
                    .required()
                    .initial(Initial::Str("entry")),
                field("partner_id", "Partner", Many2one("res.partner")),
                field("ref", "Reference", Char),
                field("invoice_date", "Invoice/Bill Date", Date),
                field("invoice_date_due", "Due Date", Date),
                field("payment_reference", "Payment Reference", Char),
                // Left unset, the company's currency (ZAR here).
                field("currency_id", "Currency", Many2one("res.currency")),
                field("reversed_entry_id", "Reversal of", Many2one("account.move")),
                field(
                    "state",
                    "Status",
                    Selection(&[
                        ("draft", "Draft"),
                        ("posted", "Posted"),
                        ("cancel", "Cancelled"),
                    ]),
                )
                .required()
                .readonly()
                .initial(Initial::Str("draft")),
                field(
                    "invoice_line_ids",
                    "Invoice lines",
                    One2many {
                        relation: "account.move.line",
                        inverse: "move_id",
                    },
                ),
            ],
        },
        Model {
            name: "account.move.line",
            description: "Journal Item",
            rec_name: Some("name"),
            custom: false,
            fields: vec![
                field("move_id", "Journal Entry", Many2one("account.move")).required(),
                field("name", "Label", Char),
                field("quantity", "Quantity", Float).initial(Initial::Float(1.0)),
                field("price_unit", "Unit Price", Float),
                field("tax_ids", "Taxes", Many2many("account.tax")),
            ],
        },
        Model {
            name: "account.tax",
            description: "Tax",
            rec_name: Some("name"),
            custom: false,
            fields: vec![
                field("name", "Tax Name", Char).required(),
                field(
                    "type_tax_use",
                    "Tax Type",
                    Selection(&[
                        ("sale", "Sales"),
                        ("purchase", "Purchases"),
                        ("none", "None"),
                    ]),
                )
                .required()
                .initial(Initial::Str("sale")),
                field(
                    "amount_type",
                    "Tax Computation",
                    Selection(&[
                        ("group", "Group of Taxes"),
                        ("fixed", "Fixed"),
                        ("percent", "Percentage"),
                        ("division", "Percentage Tax Included"),
                    ]),
                )
                .required()
                .initial(Initial::Str("percent")),
                field("amount", "Amount", Float),
                field("price_include", "Included in Price", Boolean).initial(Initial::Bool(false)),
                field("active", "Active", Boolean).initial(Initial::Bool(true)),
            ],
        },
        Model {
            name: "res.currency",
            description: "Currency",
            rec_name: Some("name"),
            custom: false,
            fields: vec![
                field("name", "Currency", Char).required(),
                field("active", "Active", Boolean).initial(Initial::Bool(true)),
            ],
        },
        // A payment as the register wizard makes it (Odoo 18+'s `memo`; 17 and earlier call it
        // `ref`: UNCONFIRMED for 19.0). `reconciled_invoice_ids` is computed in Odoo from the
        // reconciliation; here the wizard sets it.
        Model {
            name: "account.payment",
            description: "Payments",
            rec_name: Some("name"),
            custom: false,
            fields: vec![
                field("name", "Number", Char).readonly(),
                field(
                    "payment_type",
                    "Payment Type",
                    Selection(&[("outbound", "Send"), ("inbound", "Receive")]),
                )
                .required()
                .initial(Initial::Str("inbound")),
                field(
                    "partner_type",
                    "Partner Type",
                    Selection(&[("customer", "Customer"), ("supplier", "Vendor")]),
                )
                .initial(Initial::Str("customer")),
                field("partner_id", "Customer/Vendor", Many2one("res.partner")),
                field("amount", "Amount", Monetary),
                field("date", "Date", Date).required(),
                field("memo", "Memo", Char),
                field(
                    "reconciled_invoice_ids",
                    "Reconciled Invoices",
                    Many2many("account.move"),
                )
                .readonly(),
            ],
        },
        // The register-payment wizard (a TransientModel): made with the invoices in the
        // context (`active_model`, `active_ids`), then `action_create_payments`.
        Model {
            name: "account.payment.register",
            description: "Register Payment",
            rec_name: None,
            custom: false,
            fields: vec![
                field("payment_date", "Payment Date", Date),
                field("amount", "Amount", Monetary),
                field("communication", "Memo", Char),
            ],
        },
        Model {
            name: "res.users",
            description: "User",
            rec_name: Some("name"),
            custom: false,
            fields: vec![
                field("name", "Name", Char).required(),
                field("login", "Login", Char).required(),
                field("active", "Active", Boolean).initial(Initial::Bool(true)),
            ],
        },
        // External identifiers (`module.name` → a record), as integrations key their records:
        // deleting a record deletes its identifiers, as Odoo's unlink does.
        Model {
            name: "ir.model.data",
            description: "Model Data",
            rec_name: Some("name"),
            custom: false,
            fields: vec![
                field("name", "External Identifier", Char).required(),
                field("module", "Module", Char).required(),
                field("model", "Model Name", Char).required(),
                field("res_id", "Record ID", Integer),
            ],
        },
        Model {
            name: "ir.model",
            description: "Models",
            rec_name: Some("name"),
            custom: false,
            fields: vec![
                field("name", "Model Description", Char).required(),
                field("model", "Model", Char).required(),
                field(
                    "state",
                    "Type",
                    Selection(&[("manual", "Custom Object"), ("base", "Base Object")]),
                )
                .initial(Initial::Str("manual")),
            ],
        },
    ];
    if with_commission_model {
        models.push(Model {
            name: COMMISSION_MODEL,
            description: "Comply360 Commission",
            rec_name: Some("x_name"),
            custom: true,
            fields: vec![
                field("x_name", "Name", Char),
                field("x_agent", "Agent", Many2one("res.partner")),
                field("x_amount", "Amount", Monetary),
                field("x_currency", "Currency", Char),
                field("x_external_ref", "External Reference", Char),
                field(
                    "x_status",
                    "Status",
                    Selection(&[
                        ("pending", "Pending"),
                        ("approved", "Approved"),
                        ("paid", "Paid"),
                    ]),
                )
                .initial(Initial::Str("pending")),
                field("x_paid_on", "Paid On", Date),
            ],
        });
    }
    models
}
