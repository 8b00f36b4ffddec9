//! The stand-in's records and the ORM methods on them, independent of the protocol: each call
//! gets the record ids and named parameters ([`wire::name_arguments`](super::super::wire)) and
//! answers a JSON value or an [`OrmError`] that the protocol turns into a fault or an error body.
//!
//! As in Odoo, every call is one transaction (a failed call changes nothing), `read` leaves out
//! records that no longer exist, `write`/`unlink` on one raise `MissingError`, an unset field
//! reads `false` (0 for numbers), a many2one reads `[id, "display name"]`, and models with an
//! `active` field hide archived records unless the domain mentions `active`.

mod accounting;

use super::domain::Domain;
use super::schema::{DISPLAY_NAME, FieldType, Initial, Model, computed, models};
use crate::odoo::wire::signature;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// An exception as Odoo raises it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum OrmError {
    /// `odoo.exceptions.UserError`.
    User(String),
    /// `odoo.exceptions.ValidationError` (a UserError).
    Validation(String),
    /// `odoo.exceptions.MissingError` (a UserError).
    Missing(String),
    /// Any other Python exception: `ValueError`, `TypeError`, `AttributeError`.
    Python {
        exception: &'static str,
        message: String,
    },
}

impl OrmError {
    pub fn value(message: impl Into<String>) -> OrmError {
        OrmError::Python {
            exception: "ValueError",
            message: message.into(),
        }
    }

    pub fn type_error(message: impl Into<String>) -> OrmError {
        OrmError::Python {
            exception: "TypeError",
            message: message.into(),
        }
    }

    /// Odoo's text for the exception (`str(e)`).
    pub fn message(&self) -> &str {
        match self {
            OrmError::User(m)
            | OrmError::Validation(m)
            | OrmError::Missing(m)
            | OrmError::Python { message: m, .. } => m,
        }
    }

    /// The exception's qualified name, as JSON-2 reports it.
    pub fn qualified_name(&self) -> String {
        match self {
            OrmError::User(_) => "odoo.exceptions.UserError".into(),
            OrmError::Validation(_) => "odoo.exceptions.ValidationError".into(),
            OrmError::Missing(_) => "odoo.exceptions.MissingError".into(),
            OrmError::Python { exception, .. } => format!("builtins.{exception}"),
        }
    }
}

/// A Python string's repr, as Odoo's messages quote names: `'res.partner'`.
pub(crate) fn repr(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The methods the stand-in implements (all of them public ORM methods).
pub(crate) const METHODS: &[&str] = &[
    "search",
    "search_count",
    "search_read",
    "read",
    "create",
    "write",
    "unlink",
    "fields_get",
    "context_get",
];

/// Whether `model` has the public method `method` here.
pub(crate) fn has_method(model: &str, method: &str) -> bool {
    (METHODS.contains(&method) && (method != "context_get" || model == "res.users"))
        || accounting::record_method(model, method)
}

/// Whether `model.method` is a business method of the stand-in's that works on records (its
/// ids are `args[0]` over XML-RPC, `ids` over JSON-2), e.g. `account.move.action_post`.
pub(crate) fn is_record_method(model: &str, method: &str) -> bool {
    accounting::record_method(model, method)
}

#[derive(Clone, Debug, Default)]
struct Table {
    next_id: i64,
    rows: BTreeMap<i64, Map<String, Value>>,
}

/// A user the stand-in seeds into `res.users`.
#[derive(Clone, Debug)]
pub(crate) struct SeedUser {
    pub uid: i64,
    pub name: String,
    pub login: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Database {
    models: Vec<Model>,
    tables: BTreeMap<&'static str, Table>,
    /// The user of the call under way, named in `MissingError`.
    current_uid: i64,
}

impl Database {
    pub fn new(commission_model: bool, users: &[SeedUser], stages: &[String]) -> Database {
        let models = models(commission_model);
        let mut tables: BTreeMap<&'static str, Table> =
            models.iter().map(|m| (m.name, Table::default())).collect();
        let mut db = Database {
            models: models.clone(),
            tables: BTreeMap::new(),
            current_uid: 0,
        };
        let mut seed = |model: &'static str, id: Option<i64>, vals: Value| {
            if let (Some(table), Value::Object(vals)) = (tables.get_mut(model), vals) {
                let id = id.unwrap_or(table.next_id + 1);
                table.next_id = table.next_id.max(id);
                let mut row = vals;
                row.insert("id".into(), json!(id));
                table.rows.insert(id, row);
            }
        };
        for m in &models {
            let state = if m.custom { "manual" } else { "base" };
            seed(
                "ir.model",
                None,
                json!({"name": m.description, "model": m.name, "state": state}),
            );
        }
        for user in users {
            seed(
                "res.users",
                Some(user.uid),
                json!({"name": user.name, "login": user.login, "active": true}),
            );
        }
        for (i, stage) in stages.iter().enumerate() {
            seed(
                "crm.stage",
                None,
                json!({"name": stage, "sequence": i + 1, "is_won": stage == "Won"}),
            );
        }
        // South Africa's standard VAT, as a localised company has it (l10n_za's name for it
        // is UNCONFIRMED), and the company's currency with one other.
        for use_ in ["sale", "purchase"] {
            seed(
                "account.tax",
                None,
                json!({"name": "15%", "type_tax_use": use_, "amount_type": "percent",
                       "amount": 15.0, "price_include": false, "active": true}),
            );
        }
        for currency in ["ZAR", "USD"] {
            seed(
                "res.currency",
                None,
                json!({"name": currency, "active": true}),
            );
        }
        db.tables = tables;
        db
    }

    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.name == name)
    }

    /// The stored rows of `model` (many2one as ids, with `id`), in id order.
    pub fn snapshot(&self, model: &str) -> Vec<Map<String, Value>> {
        self.tables
            .get(model)
            .map(|t| t.rows.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Deletes a record as someone in Odoo would (with its lines); whether it existed.
    pub fn delete(&mut self, model: &str, id: i64) -> bool {
        let Some(spec) = self.model(model).cloned() else {
            return false;
        };
        self.remove(&spec, id)
    }

    /// Runs `model.method` on `ids` with named `params` (without `context`) as user `uid`, in
    /// one transaction.
    pub fn call(
        &mut self,
        uid: i64,
        model: &str,
        method: &str,
        ids: Vec<i64>,
        params: Map<String, Value>,
    ) -> Result<Value, OrmError> {
        let spec = self
            .model(model)
            .cloned()
            .ok_or_else(|| OrmError::User(format!("Object {model} doesn't exist")))?;
        let context = params.get("context").cloned().unwrap_or(Value::Null);
        let args = bind(method, params)?;
        self.current_uid = uid;
        let before = self.tables.clone();
        let result = if accounting::record_method(model, method)
            || (model == accounting::WIZARD && method == "create")
        {
            self.accounting(&spec, method, &ids, &args, &context)
        } else {
            self.dispatch(uid, &spec, method, &ids, &args)
        };
        if result.is_err() {
            self.tables = before;
        }
        result
    }

    fn dispatch(
        &mut self,
        uid: i64,
        model: &Model,
        method: &str,
        ids: &[i64],
        args: &Map<String, Value>,
    ) -> Result<Value, OrmError> {
        let arg = |name: &str| args.get(name).filter(|v| !v.is_null());
        match method {
            "search" => {
                let found = self.search(
                    model,
                    arg("domain"),
                    arg("offset"),
                    arg("limit"),
                    arg("order"),
                )?;
                Ok(json!(found))
            }
            "search_count" => {
                let found = self.search(model, arg("domain"), None, arg("limit"), None)?;
                Ok(json!(found.len()))
            }
            "search_read" => {
                let found = self.search(
                    model,
                    arg("domain"),
                    arg("offset"),
                    arg("limit"),
                    arg("order"),
                )?;
                self.read(model, &found, arg("fields"), true)
                    .map(Value::Array)
            }
            "read" => {
                let classic = !matches!(args.get("load"), Some(Value::Null | Value::Bool(false)));
                self.read(model, ids, arg("fields"), classic)
                    .map(Value::Array)
            }
            "create" => {
                let vals_list = match arg("vals_list") {
                    Some(Value::Object(vals)) => vec![vals.clone()],
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(|v| {
                            v.as_object().cloned().ok_or_else(|| {
                                OrmError::value(format!("create() takes dicts, not {v}"))
                            })
                        })
                        .collect::<Result<_, _>>()?,
                    other => {
                        return Err(OrmError::value(format!(
                            "create() takes a dict or a list of dicts, not {}",
                            other.unwrap_or(&Value::Null)
                        )));
                    }
                };
                let mut created = Vec::new();
                for vals in vals_list {
                    created.push(self.create(model, vals)?);
                }
                Ok(json!(created))
            }
            "write" => {
                let Some(Value::Object(vals)) = arg("vals") else {
                    return Err(OrmError::value("write() takes a dict of values"));
                };
                self.check_exist(model, ids)?;
                for id in ids {
                    self.write(model, *id, vals)?;
                }
                Ok(json!(true))
            }
            "unlink" => {
                self.check_exist(model, ids)?;
                for id in ids {
                    self.remove(model, *id);
                }
                Ok(json!(true))
            }
            "fields_get" => Ok(Value::Object(fields_get(
                model,
                arg("allfields"),
                arg("attributes"),
            ))),
            "context_get" => Ok(json!({"lang": "en_US", "tz": false, "uid": uid})),
            other => Err(OrmError::Python {
                exception: "AttributeError",
                message: format!(
                    "The method '{other}' does not exist on the model '{}'",
                    model.name
                ),
            }),
        }
    }

    fn table(&self, model: &Model) -> &Table {
        static EMPTY: Table = Table {
            next_id: 0,
            rows: BTreeMap::new(),
        };
        self.tables.get(model.name).unwrap_or(&EMPTY)
    }

    fn table_mut(&mut self, model: &Model) -> &mut Table {
        self.tables.entry(model.name).or_default()
    }

    fn search(
        &self,
        model: &Model,
        domain: Option<&Value>,
        offset: Option<&Value>,
        limit: Option<&Value>,
        order: Option<&Value>,
    ) -> Result<Vec<i64>, OrmError> {
        let domain = Domain::parse(domain.unwrap_or(&json!([])), model)?;
        let active_only = model.field("active").is_some() && !domain.mentions("active");
        let mut rows: Vec<&Map<String, Value>> = self
            .table(model)
            .rows
            .values()
            .filter(|row| !active_only || row.get("active") != Some(&Value::Bool(false)))
            .filter(|row| domain.matches(row))
            .collect();
        if let Some(order) = order.and_then(Value::as_str) {
            let keys = parse_order(order, model)?;
            rows.sort_by(|a, b| {
                keys.iter()
                    .map(|(field, descending)| {
                        let ordering = sort_key(a.get(field)).cmp_key(&sort_key(b.get(field)));
                        if *descending {
                            ordering.reverse()
                        } else {
                            ordering
                        }
                    })
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        }
        let offset = count_arg(offset, "offset")?.unwrap_or(0);
        let limit = count_arg(limit, "limit")?.unwrap_or(usize::MAX);
        Ok(rows
            .into_iter()
            .skip(offset)
            .take(limit)
            .filter_map(|row| row.get("id").and_then(Value::as_i64))
            .collect())
    }

    fn read(
        &self,
        model: &Model,
        ids: &[i64],
        fields: Option<&Value>,
        classic: bool,
    ) -> Result<Vec<Value>, OrmError> {
        let names: Vec<String> = match fields {
            None => model
                .describe()
                .into_iter()
                .map(|(name, _)| name.to_owned())
                .collect(),
            Some(Value::Array(items)) if items.is_empty() => model
                .describe()
                .into_iter()
                .map(|(name, _)| name.to_owned())
                .collect(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|f| {
                    f.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| OrmError::value(format!("Invalid field name {f}")))
                })
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(OrmError::value(format!("Invalid fields {other}"))),
        };
        if let Some(bad) = names.iter().find(|n| !model.readable(n)) {
            return Err(OrmError::value(format!(
                "Invalid field {} on model {}",
                repr(bad),
                repr(model.name)
            )));
        }
        let table = self.table(model);
        let mut out = Vec::new();
        for id in ids {
            let Some(row) = table.rows.get(id) else {
                continue;
            };
            let mut record = Map::new();
            record.insert("id".into(), json!(id));
            for name in names.iter().filter(|n| n.as_str() != "id") {
                record.insert(name.clone(), self.field_value(model, row, name, classic));
            }
            out.push(Value::Object(record));
        }
        Ok(out)
    }

    /// A field as `read` returns it.
    fn field_value(
        &self,
        model: &Model,
        row: &Map<String, Value>,
        name: &str,
        classic: bool,
    ) -> Value {
        let id = row.get("id").and_then(Value::as_i64).unwrap_or(0);
        if name == DISPLAY_NAME {
            return json!(self.display_name(model, id));
        }
        if computed(model.name).iter().any(|(c, _, _)| *c == name) {
            return self.computed_value(model, id, name);
        }
        let Some(field) = model.field(name) else {
            return Value::Bool(false);
        };
        match field.kind {
            FieldType::Many2one(relation) => {
                let target = row.get(name).and_then(Value::as_i64);
                match (target, self.model(relation)) {
                    (Some(target), Some(comodel))
                        if self.table(comodel).rows.contains_key(&target) =>
                    {
                        if classic {
                            json!([target, self.display_name(comodel, target)])
                        } else {
                            json!(target)
                        }
                    }
                    _ => Value::Bool(false),
                }
            }
            FieldType::One2many { relation, inverse } => {
                let Some(comodel) = self.model(relation) else {
                    return json!([]);
                };
                json!(
                    self.table(comodel)
                        .rows
                        .values()
                        .filter(|r| r.get(inverse).and_then(Value::as_i64) == Some(id))
                        .filter_map(|r| r.get("id").cloned())
                        .collect::<Vec<_>>()
                )
            }
            kind => row.get(name).cloned().unwrap_or_else(|| kind.empty()),
        }
    }

    fn display_name(&self, model: &Model, id: i64) -> String {
        let stored = model
            .rec_name
            .and_then(|name| self.table(model).rows.get(&id)?.get(name)?.as_str());
        match stored {
            Some(name) if !name.is_empty() => name.to_owned(),
            _ => format!("{},{id}", model.name),
        }
    }

    fn create(&mut self, model: &Model, vals: Map<String, Value>) -> Result<i64, OrmError> {
        let mut row = Map::new();
        let mut lines = Vec::new();
        for (name, value) in &vals {
            let field = model.field(name).ok_or_else(|| {
                OrmError::value(format!(
                    "Invalid field {} on model {}",
                    repr(name),
                    repr(model.name)
                ))
            })?;
            if let FieldType::One2many { .. } = field.kind {
                lines.push((field.name, value.clone()));
            } else {
                row.insert(name.clone(), self.convert(model, field.name, value)?);
            }
        }
        for field in &model.fields {
            if row.contains_key(field.name) || matches!(field.kind, FieldType::One2many { .. }) {
                continue;
            }
            let initial = match field.initial {
                Some(Initial::Bool(b)) => json!(b),
                Some(Initial::Str(s)) => json!(s),
                Some(Initial::Float(f)) => json!(f),
                Some(Initial::FirstOf(relation)) => self
                    .model(relation)
                    .and_then(|m| self.table(m).rows.keys().next().copied())
                    .map_or(Value::Bool(false), |id| json!(id)),
                None => field.kind.empty(),
            };
            row.insert(field.name.to_owned(), initial);
        }
        self.check_required(model, &row)?;
        let table = self.table_mut(model);
        table.next_id += 1;
        let id = table.next_id;
        row.insert("id".into(), json!(id));
        table.rows.insert(id, row);
        for (field, commands) in lines {
            self.apply_commands(model, field, id, &commands)?;
        }
        Ok(id)
    }

    fn write(&mut self, model: &Model, id: i64, vals: &Map<String, Value>) -> Result<(), OrmError> {
        self.check_exist(model, &[id])?;
        let mut updates = Vec::new();
        for (name, value) in vals {
            let field = model.field(name).ok_or_else(|| {
                OrmError::value(format!(
                    "Invalid field {} on model {}",
                    repr(name),
                    repr(model.name)
                ))
            })?;
            if let FieldType::One2many { .. } = field.kind {
                self.apply_commands(model, field.name, id, value)?;
            } else if let FieldType::Many2many(relation) = field.kind {
                let current = self
                    .table(model)
                    .rows
                    .get(&id)
                    .and_then(|r| r.get(name))
                    .cloned();
                updates.push((
                    name.clone(),
                    self.many2many(model, name, relation, current.as_ref(), value)?,
                ));
            } else {
                updates.push((name.clone(), self.convert(model, field.name, value)?));
            }
        }
        let mut row = self.table(model).rows.get(&id).cloned().unwrap_or_default();
        row.extend(updates);
        self.check_required(model, &row)?;
        self.table_mut(model).rows.insert(id, row);
        Ok(())
    }

    /// Deletes `id` and the lines of its one2many fields; whether it existed.
    fn remove(&mut self, model: &Model, id: i64) -> bool {
        let existed = self.table_mut(model).rows.remove(&id).is_some();
        if let Some(xmlids) = self.tables.get_mut("ir.model.data") {
            xmlids.rows.retain(|_, x| {
                !(x.get("model").and_then(Value::as_str) == Some(model.name)
                    && x.get("res_id").and_then(Value::as_i64) == Some(id))
            });
        }
        for field in &model.fields {
            if let FieldType::One2many { relation, inverse } = field.kind
                && let Some(lines) = self.tables.get_mut(relation)
            {
                lines
                    .rows
                    .retain(|_, l| l.get(inverse).and_then(Value::as_i64) != Some(id));
            }
        }
        existed
    }

    fn check_exist(&self, model: &Model, ids: &[i64]) -> Result<(), OrmError> {
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| !self.table(model).rows.contains_key(id))
            .map(|id| id.to_string())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        // Python's repr of the ids tuple: (7,) or (7, 8).
        let tuple = if missing.len() == 1 {
            format!("({},)", missing[0])
        } else {
            format!("({})", missing.join(", "))
        };
        Err(OrmError::Missing(format!(
            "Record does not exist or has been deleted.\n(Record: {}{tuple}, User: {})",
            model.name, self.current_uid
        )))
    }

    /// A required field left unset fails the database's NOT NULL, which Odoo reports as this
    /// ValidationError [P: odoo/odoo `odoo/service/model.py`, `_as_validation_error`].
    fn check_required(&self, model: &Model, row: &Map<String, Value>) -> Result<(), OrmError> {
        for field in model.fields.iter().filter(|f| f.required) {
            let value = row.get(field.name).unwrap_or(&Value::Null);
            if matches!(value, Value::Null | Value::Bool(false)) || value.as_str() == Some("") {
                return Err(OrmError::Validation(format!(
                    "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: {} ({})\nField: {} ({})\n",
                    model.description, model.name, field.string, field.name
                )));
            }
        }
        Ok(())
    }

    /// A value to store for `name`, checked against the field's type.
    fn convert(&self, model: &Model, name: &str, value: &Value) -> Result<Value, OrmError> {
        let Some(field) = model.field(name) else {
            return Err(OrmError::value(format!(
                "Invalid field {} on model {}",
                repr(name),
                repr(model.name)
            )));
        };
        let wrong = || OrmError::value(format!("Wrong value for {}.{name}: {value}", model.name));
        let unset = matches!(value, Value::Null | Value::Bool(false));
        Ok(match field.kind {
            _ if unset => field.kind.empty(),
            FieldType::Char | FieldType::Text => match value {
                Value::String(_) => value.clone(),
                Value::Number(n) => json!(n.to_string()),
                _ => return Err(wrong()),
            },
            FieldType::Integer => json!(value.as_i64().ok_or_else(wrong)?),
            FieldType::Float | FieldType::Monetary => json!(value.as_f64().ok_or_else(wrong)?),
            FieldType::Boolean => match value {
                Value::Bool(_) => value.clone(),
                Value::Number(n) => json!(n.as_f64() != Some(0.0)),
                _ => return Err(wrong()),
            },
            FieldType::Date => {
                let text = value.as_str().ok_or_else(wrong)?;
                if chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err() {
                    return Err(OrmError::value(format!(
                        "time data {text:?} does not match format '%Y-%m-%d'"
                    )));
                }
                value.clone()
            }
            FieldType::Selection(options) => {
                let key = value.as_str().ok_or_else(wrong)?;
                if !options.iter().any(|(k, _)| *k == key) {
                    return Err(wrong());
                }
                value.clone()
            }
            FieldType::Many2one(relation) => {
                let id = value.as_i64().ok_or_else(wrong)?;
                let exists = self
                    .model(relation)
                    .is_some_and(|m| self.table(m).rows.contains_key(&id));
                if !exists {
                    // A foreign-key violation, as Odoo words it (service/model.py).
                    return Err(OrmError::Validation(format!(
                        "The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: {} ({})\nConstraint: {}_{name}_fkey\n",
                        model.description,
                        model.name,
                        model.name.replace('.', "_")
                    )));
                }
                json!(id)
            }
            FieldType::Many2many(relation) => self.many2many(model, name, relation, None, value)?,
            FieldType::One2many { .. } => return Err(wrong()),
        })
    }

    /// A many2many value after `value` (a list of ids, or commands `[6, 0, ids]` set,
    /// `[4, id, 0]` link, `[3, id, 0]` unlink, `[5, 0, 0]` clear) on `current`.
    fn many2many(
        &self,
        model: &Model,
        name: &str,
        relation: &str,
        current: Option<&Value>,
        value: &Value,
    ) -> Result<Value, OrmError> {
        let wrong = || OrmError::value(format!("Wrong value for {}.{name}: {value}", model.name));
        let mut ids: Vec<i64> = current
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        let items = match value {
            Value::Null | Value::Bool(false) => return Ok(json!([])),
            Value::Array(items) => items,
            _ => return Err(wrong()),
        };
        if items.iter().all(Value::is_i64) {
            ids = items.iter().filter_map(Value::as_i64).collect();
        } else {
            for command in items {
                let parts = command.as_array().ok_or_else(wrong)?;
                let target = parts.get(1).and_then(Value::as_i64).unwrap_or(0);
                match parts.first().and_then(Value::as_i64) {
                    Some(6) => {
                        ids = parts
                            .get(2)
                            .and_then(Value::as_array)
                            .map(|a| a.iter().filter_map(Value::as_i64).collect())
                            .unwrap_or_default();
                    }
                    Some(4) if !ids.contains(&target) => ids.push(target),
                    Some(4) => {}
                    Some(3) => ids.retain(|i| *i != target),
                    Some(5) => ids.clear(),
                    _ => return Err(OrmError::value(format!("Invalid command {command}"))),
                }
            }
        }
        let comodel = self.model(relation);
        if let Some(missing) = ids
            .iter()
            .find(|id| !comodel.is_some_and(|m| self.table(m).rows.contains_key(id)))
        {
            return Err(OrmError::Missing(format!(
                "Record does not exist or has been deleted.\n(Record: {relation}({missing},), User: {})",
                self.current_uid
            )));
        }
        Ok(json!(ids))
    }

    /// x2many commands on the one2many `field` of record `id`: `[0, 0, vals]` create,
    /// `[1, id, vals]` update, `[2, id, 0]` delete, `[3, id, 0]` remove (the line is deleted,
    /// its link being required), `[4, id, 0]` link, `[5, 0, 0]` remove all, `[6, 0, ids]` set.
    fn apply_commands(
        &mut self,
        model: &Model,
        field: &str,
        id: i64,
        commands: &Value,
    ) -> Result<(), OrmError> {
        let Some(FieldType::One2many { relation, inverse }) = model.field(field).map(|f| f.kind)
        else {
            return Err(OrmError::value(format!("{field} is not a one2many field")));
        };
        let comodel = self
            .model(relation)
            .cloned()
            .ok_or_else(|| OrmError::User(format!("Object {relation} doesn't exist")))?;
        let Value::Array(commands) = commands else {
            return Err(OrmError::value(format!(
                "Wrong value for {}.{field}: {commands}",
                model.name
            )));
        };
        let current = |db: &Database| -> Vec<i64> {
            db.table(&comodel)
                .rows
                .values()
                .filter(|l| l.get(inverse).and_then(Value::as_i64) == Some(id))
                .filter_map(|l| l.get("id").and_then(Value::as_i64))
                .collect()
        };
        for command in commands {
            let parts = command.as_array().map(Vec::as_slice).unwrap_or_default();
            let code = parts.first().and_then(Value::as_i64);
            let target = parts.get(1).and_then(Value::as_i64).unwrap_or(0);
            let payload = parts.get(2).cloned().unwrap_or(Value::Null);
            match code {
                Some(0) => {
                    let Value::Object(mut vals) = payload else {
                        return Err(OrmError::value(format!("Invalid command {command}")));
                    };
                    vals.insert(inverse.to_owned(), json!(id));
                    self.create(&comodel, vals)?;
                }
                Some(1) => {
                    let Value::Object(vals) = payload else {
                        return Err(OrmError::value(format!("Invalid command {command}")));
                    };
                    self.write(&comodel, target, &vals)?;
                }
                Some(2 | 3) => {
                    self.remove(&comodel, target);
                }
                Some(4) => {
                    let mut vals = Map::new();
                    vals.insert(inverse.to_owned(), json!(id));
                    self.write(&comodel, target, &vals)?;
                }
                Some(5) => {
                    for line in current(self) {
                        self.remove(&comodel, line);
                    }
                }
                Some(6) => {
                    let keep: Vec<i64> = payload
                        .as_array()
                        .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
                        .unwrap_or_default();
                    for line in current(self) {
                        if !keep.contains(&line) {
                            self.remove(&comodel, line);
                        }
                    }
                    for line in keep {
                        let mut vals = Map::new();
                        vals.insert(inverse.to_owned(), json!(id));
                        self.write(&comodel, line, &vals)?;
                    }
                }
                _ => return Err(OrmError::value(format!("Invalid command {command}"))),
            }
        }
        Ok(())
    }
}

/// Checks named `params` against the method's signature, as Python's `inspect.signature.bind`
/// does (its messages), and drops `context` (the protocols take it apart).
fn bind(method: &str, mut params: Map<String, Value>) -> Result<Map<String, Value>, OrmError> {
    params.remove("context");
    let Some(signature) = signature(method) else {
        return Ok(params);
    };
    if let Some(unknown) = params
        .keys()
        .find(|k| !signature.params.contains(&k.as_str()))
    {
        return Err(OrmError::type_error(format!(
            "got an unexpected keyword argument '{unknown}'"
        )));
    }
    if let Some(missing) = signature.params[..signature.required]
        .iter()
        .find(|p| !params.contains_key(**p))
    {
        return Err(OrmError::type_error(format!(
            "missing a required argument: '{missing}'"
        )));
    }
    Ok(params)
}

fn fields_get(
    model: &Model,
    allfields: Option<&Value>,
    attributes: Option<&Value>,
) -> Map<String, Value> {
    let wanted = |list: Option<&Value>| -> Option<Vec<String>> {
        list.and_then(Value::as_array).map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
    };
    let (fields, attributes) = (wanted(allfields), wanted(attributes));
    model
        .describe()
        .into_iter()
        .filter(|(name, _)| fields.as_ref().is_none_or(|f| f.iter().any(|w| w == name)))
        .map(|(name, mut attrs)| {
            if let Some(keep) = &attributes {
                attrs.retain(|k, _| keep.contains(k));
            }
            (name.to_owned(), Value::Object(attrs))
        })
        .collect()
}

fn count_arg(value: Option<&Value>, name: &str) -> Result<Option<usize>, OrmError> {
    match value {
        None | Some(Value::Bool(false)) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                OrmError::value(format!("{name} must be a non-negative integer, not {v}"))
            }),
    }
}

/// `"name desc, id"` as (field, descending) pairs.
fn parse_order(order: &str, model: &Model) -> Result<Vec<(String, bool)>, OrmError> {
    order
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut words = part.split_whitespace();
            let field = words.next().unwrap_or_default();
            let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(other) => {
                    return Err(OrmError::value(format!(
                        "Invalid order direction {other:?}"
                    )));
                }
            };
            if field != "id" && model.field(field).is_none() {
                return Err(OrmError::value(format!(
                    "Invalid field {} on model {}",
                    repr(field),
                    repr(model.name)
                )));
            }
            Ok((field.to_owned(), descending))
        })
        .collect()
}

/// An orderable form of a stored value; unset sorts last, as PostgreSQL does ascending.
enum SortKey {
    Number(f64),
    Text(String),
    Unset,
}

impl SortKey {
    fn cmp_key(&self, other: &SortKey) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        match (self, other) {
            (SortKey::Number(a), SortKey::Number(b)) => a.partial_cmp(b).unwrap_or(Equal),
            (SortKey::Text(a), SortKey::Text(b)) => a.cmp(b),
            (SortKey::Unset, SortKey::Unset) => Equal,
            (SortKey::Unset, _) => Greater,
            (_, SortKey::Unset) => Less,
            (SortKey::Number(_), SortKey::Text(_)) => Less,
            (SortKey::Text(_), SortKey::Number(_)) => Greater,
        }
    }
}

fn sort_key(value: Option<&Value>) -> SortKey {
    match value {
        Some(Value::Number(n)) => SortKey::Number(n.as_f64().unwrap_or(0.0)),
        Some(Value::Bool(true)) => SortKey::Number(1.0),
        Some(Value::String(s)) => SortKey::Text(s.clone()),
        _ => SortKey::Unset,
    }
}
