//! A wizard step as an HTML form and back: the step's fields (from the registration type, as
//! data) become inputs named by their path inside the step (`registered_address.city`,
//! `directors[1].id_number`), exactly the paths the practice's validation names in its issues
//! (`steps.<step>.<path>`), so each message lands beside its input.
//!
//! Only presentation is converted here: rands typed with a decimal point become cents, a
//! percentage becomes basis points, a ticked box becomes `true`. A value that cannot be
//! converted is reported beside its field and not saved; every rule about the values is the
//! practice's.

use comply360_practice::registration_types::{Field, FieldKind, Step};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The properties of a person the form asks for.
const PERSON_TEXT: [&str; 5] = [
    "full_name",
    "id_number",
    "passport_number",
    "email",
    "phone",
];
const ADDRESS: [&str; 6] = [
    "line1",
    "line2",
    "city",
    "province",
    "postal_code",
    "country",
];
/// Rows shown for a people field beyond those filled (more with "Add another person").
const SPARE_PEOPLE: usize = 1;

/// The posted fields, by name; a name posted several times (checkboxes) keeps every value.
pub struct Posted(BTreeMap<String, Vec<String>>);

impl Posted {
    pub fn new(pairs: Vec<(String, String)>) -> Posted {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            map.entry(k).or_default().push(v);
        }
        Posted(map)
    }

    /// The trimmed value of `name`, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .and_then(|v| v.first())
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0.get(name).cloned().unwrap_or_default()
    }

    /// How many indexed rows of `field` were posted (`field[0].…`, `field[1].…`).
    fn rows(&self, field: &str) -> usize {
        let prefix = format!("{field}[");
        self.0
            .keys()
            .filter_map(|k| {
                k.strip_prefix(&prefix)?
                    .split(']')
                    .next()?
                    .parse::<usize>()
                    .ok()
            })
            .map(|i| i + 1)
            .max()
            .unwrap_or(0)
    }
}

/// Rands as typed (`1250`, `1 250.50`, `R1,250.00`) in cents.
pub fn rands_to_cents(text: &str) -> Option<i64> {
    let cleaned: String = text
        .trim()
        .trim_start_matches(['R', 'r'])
        .chars()
        .filter(|c| !matches!(c, ' ' | ',' | '\u{a0}'))
        .collect();
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(cents)
}

/// Cents as rands for the form (`125000` → `1250.00`).
pub fn cents_to_rands(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A percentage as typed (`25`, `12.5`) in basis points.
fn percent_to_basis_points(text: &str) -> Option<i64> {
    let cents = rands_to_cents(text.trim_end_matches('%'))?;
    Some(cents)
}

/// The step's data from the form, and the values the form could not convert (by name).
pub fn from_form(step: &Step, posted: &Posted) -> (Value, BTreeMap<String, String>) {
    let mut data = Map::new();
    let mut errors = BTreeMap::new();
    for field in &step.fields {
        if let Some(v) = field_value(field, posted, &mut errors) {
            data.insert(field.key.clone(), v);
        }
    }
    (Value::Object(data), errors)
}

fn field_value(
    field: &Field,
    posted: &Posted,
    errors: &mut BTreeMap<String, String>,
) -> Option<Value> {
    let key = field.key.as_str();
    match field.kind {
        FieldKind::Text
        | FieldKind::Choice
        | FieldKind::Date
        | FieldKind::Email
        | FieldKind::Phone
        | FieldKind::CompanyName
        | FieldKind::TaxReference => posted.get(key).map(|s| json!(s)),
        FieldKind::Boolean => Some(json!(posted.get(key) == Some("true"))),
        FieldKind::Month | FieldKind::Integer => {
            let text = posted.get(key)?;
            match text.replace([' ', ','], "").parse::<i64>() {
                Ok(n) => Some(json!(n)),
                Err(_) => {
                    errors.insert(key.to_owned(), "enter a whole number, e.g. 1000".into());
                    None
                }
            }
        }
        FieldKind::Money => {
            let text = posted.get(key)?;
            match rands_to_cents(text) {
                Some(c) => Some(json!(c)),
                None => {
                    errors.insert(
                        key.to_owned(),
                        "enter an amount in rands, e.g. 1250.00".into(),
                    );
                    None
                }
            }
        }
        FieldKind::Address => {
            let mut address = Map::new();
            for part in ADDRESS {
                if let Some(v) = posted.get(&format!("{key}.{part}")) {
                    address.insert(part.to_owned(), json!(v));
                }
            }
            (!address.is_empty()).then_some(Value::Object(address))
        }
        FieldKind::CompanyNames => {
            let names: Vec<Value> = (0..field.max_items.unwrap_or(4))
                .filter_map(|i| posted.get(&format!("{key}[{i}]")).map(|s| json!(s)))
                .collect();
            (!names.is_empty()).then_some(Value::Array(names))
        }
        FieldKind::People => {
            let mut people = Vec::new();
            for i in 0..posted.rows(key) {
                if let Some(p) = person(field, posted, &format!("{key}[{i}]"), people.len(), errors)
                {
                    people.push(p);
                }
            }
            (!people.is_empty()).then_some(Value::Array(people))
        }
        FieldKind::Documents => {
            let kinds = posted.all(key);
            (!kinds.is_empty()).then(|| {
                Value::Array(
                    kinds
                        .iter()
                        .map(|k| json!({"kind": k, "provided": true}))
                        .collect(),
                )
            })
        }
        FieldKind::Payment => {
            let amount = posted.get(&format!("{key}.amount"));
            let reference = posted.get(&format!("{key}.reference"));
            let paid_on = posted.get(&format!("{key}.paid_on"));
            if amount.is_none() && reference.is_none() && paid_on.is_none() {
                return None;
            }
            let mut payment = Map::new();
            match amount.map(rands_to_cents) {
                Some(Some(c)) => {
                    payment.insert("amount_cents".into(), json!(c));
                }
                Some(None) => {
                    errors.insert(
                        format!("{key}.amount_cents"),
                        "enter an amount in rands, e.g. 1250.00".into(),
                    );
                }
                None => {}
            }
            if let Some(r) = reference {
                payment.insert("reference".into(), json!(r));
            }
            if let Some(d) = paid_on {
                payment.insert("paid_on".into(), json!(d));
            }
            Some(Value::Object(payment))
        }
    }
}

/// One person row; None when the row was left empty. `index` is the person's place among
/// those kept (empty rows drop out, so the saved list has no gaps).
fn person(
    field: &Field,
    posted: &Posted,
    row: &str,
    index: usize,
    errors: &mut BTreeMap<String, String>,
) -> Option<Value> {
    let mut p = Map::new();
    for prop in PERSON_TEXT {
        if let Some(v) = posted.get(&format!("{row}.{prop}")) {
            p.insert(prop.to_owned(), json!(v));
        }
    }
    let kept = format!("{}[{index}]", field.key);
    if field.shares
        && let Some(text) = posted.get(&format!("{row}.shares"))
    {
        match text.replace([' ', ','], "").parse::<i64>() {
            Ok(n) => {
                p.insert("shares".into(), json!(n));
            }
            Err(_) => {
                errors.insert(
                    format!("{kept}.shares"),
                    "enter a whole number of shares".into(),
                );
            }
        }
    }
    if field.ownership
        && let Some(text) = posted.get(&format!("{row}.ownership"))
    {
        match percent_to_basis_points(text) {
            Some(bp) => {
                p.insert("ownership_basis_points".into(), json!(bp));
            }
            None => {
                errors.insert(
                    format!("{kept}.ownership_basis_points"),
                    "enter a percentage, e.g. 25 or 12.5".into(),
                );
            }
        }
    }
    if p.is_empty() {
        return None;
    }
    let roles = posted.all(&format!("{row}.roles"));
    if !roles.is_empty() {
        p.insert("roles".into(), json!(roles));
    }
    Some(Value::Object(p))
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// The step's fields ready for the template: each with its current values (from the saved
/// `data`, or the form just posted) and the messages to show beside each input.
pub fn view(
    step: &Step,
    data: &Value,
    issues: &BTreeMap<String, Vec<(String, bool)>>,
    extra_people: &BTreeMap<String, usize>,
) -> Vec<Value> {
    step.fields
        .iter()
        .map(|field| {
            let key = field.key.as_str();
            let value = data.get(key);
            let mut out = json!({
                "key": key,
                "label": field.label,
                "kind": field.kind,
                "help": field.help,
                "required": field.required,
                "options": field.options,
                "shares": field.shares,
                "ownership": field.ownership,
                "value": text_of(value),
                "messages": messages(issues, key),
            });
            match field.kind {
                FieldKind::Money => {
                    out["value"] = json!(value.and_then(Value::as_i64).map(cents_to_rands).unwrap_or_default());
                }
                FieldKind::Address => {
                    let parts: Map<String, Value> = ADDRESS
                        .iter()
                        .map(|p| {
                            let name = format!("{key}.{p}");
                            (p.to_string(), json!({"value": text_of(value.and_then(|v| v.get(p))), "messages": messages(issues, &name), "name": name}))
                        })
                        .collect();
                    out["parts"] = Value::Object(parts);
                }
                FieldKind::CompanyNames => {
                    let items: Vec<Value> = (0..field.max_items.unwrap_or(4))
                        .map(|i| {
                            let name = format!("{key}[{i}]");
                            json!({"name": name, "value": text_of(value.and_then(|v| v.get(i))), "messages": messages(issues, &name)})
                        })
                        .collect();
                    out["items"] = json!(items);
                }
                FieldKind::People => {
                    let saved = value.and_then(Value::as_array).map_or(0, Vec::len);
                    let rows = saved + SPARE_PEOPLE + extra_people.get(key).copied().unwrap_or(0);
                    let rows: Vec<Value> = (0..rows.max(1))
                        .map(|i| person_view(field, value.and_then(|v| v.get(i)), &format!("{key}[{i}]"), issues))
                        .collect();
                    out["rows"] = json!(rows);
                }
                FieldKind::Documents => {
                    let given: Vec<String> = value
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(|d| d.get("kind")?.as_str().map(str::to_owned)).collect())
                        .unwrap_or_default();
                    out["given"] = json!(given);
                }
                FieldKind::Payment => {
                    out["amount"] = json!(value.and_then(|v| v.get("amount_cents")).and_then(Value::as_i64).map(cents_to_rands).unwrap_or_default());
                    out["reference"] = json!(text_of(value.and_then(|v| v.get("reference"))));
                    out["paid_on"] = json!(text_of(value.and_then(|v| v.get("paid_on"))));
                    for part in ["amount_cents", "reference", "paid_on"] {
                        out[format!("{part}_messages")] = json!(messages(issues, &format!("{key}.{part}")));
                    }
                }
                _ => {}
            }
            out
        })
        .collect()
}

fn person_view(
    field: &Field,
    person: Option<&Value>,
    row: &str,
    issues: &BTreeMap<String, Vec<(String, bool)>>,
) -> Value {
    let mut props = Map::new();
    for prop in PERSON_TEXT {
        let name = format!("{row}.{prop}");
        props.insert(prop.to_owned(), json!({"name": name, "value": text_of(person.and_then(|p| p.get(prop))), "messages": messages(issues, &name)}));
    }
    let shares = format!("{row}.shares");
    props.insert("shares".into(), json!({"name": shares, "value": text_of(person.and_then(|p| p.get("shares"))), "messages": messages(issues, &shares)}));
    let ownership = format!("{row}.ownership");
    let percent = person
        .and_then(|p| p.get("ownership_basis_points"))
        .and_then(Value::as_i64)
        .map(|bp| cents_to_rands(bp).trim_end_matches(".00").to_owned())
        .unwrap_or_default();
    props.insert("ownership".into(), json!({"name": ownership, "value": percent, "messages": messages(issues, &format!("{row}.ownership_basis_points"))}));
    let chosen: Vec<String> = person
        .and_then(|p| p.get("roles"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_else(|| field.roles.clone());
    json!({"row": row, "props": props, "roles": chosen, "messages": messages(issues, row)})
}

/// The messages for exactly `name` (error or warning), as (text, is_error).
fn messages(issues: &BTreeMap<String, Vec<(String, bool)>>, name: &str) -> Vec<Value> {
    issues
        .get(name)
        .map(|list| {
            list.iter()
                .map(|(m, e)| json!({"text": m, "error": e}))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rands_become_cents_and_back() {
        for (typed, cents) in [
            ("1250", 125_000),
            ("1 250.50", 125_050),
            ("R1,250.5", 125_050),
            ("0.07", 7),
            ("175.00", 17_500),
        ] {
            assert_eq!(rands_to_cents(typed), Some(cents), "{typed}");
        }
        for bad in ["", "abc", "12.345", "-5", "1.2.3", "R"] {
            assert_eq!(rands_to_cents(bad), None, "{bad}");
        }
        assert_eq!(cents_to_rands(125_050), "1250.50");
        assert_eq!(percent_to_basis_points("12.5%"), Some(1250));
    }

    fn people_step() -> Step {
        let toml = r#"
key = "directors"
title = "Directors"
[[fields]]
key = "directors"
label = "Directors"
type = "people"
roles = ["director"]
shares = true
[[fields]]
key = "registered_address"
label = "Address"
type = "address"
[[fields]]
key = "capital"
label = "Capital"
type = "money"
"#;
        toml::from_str(toml).unwrap()
    }

    #[test]
    fn a_form_becomes_the_steps_data_with_empty_rows_dropped() {
        let posted = Posted::new(vec![
            ("directors[0].full_name".into(), "Thabo Mbeki".into()),
            ("directors[0].id_number".into(), "8001015009087".into()),
            ("directors[0].shares".into(), "100".into()),
            ("directors[0].roles".into(), "director".into()),
            ("directors[0].roles".into(), "incorporator".into()),
            ("directors[1].full_name".into(), "".into()),
            ("directors[2].full_name".into(), "Naledi Pandor".into()),
            ("directors[2].shares".into(), "many".into()),
            ("registered_address.line1".into(), "1 Long St".into()),
            ("registered_address.city".into(), "Cape Town".into()),
            ("capital".into(), "R1,000.50".into()),
        ]);
        let (data, errors) = from_form(&people_step(), &posted);
        assert_eq!(data["directors"].as_array().unwrap().len(), 2);
        assert_eq!(
            data["directors"][0]["roles"],
            json!(["director", "incorporator"])
        );
        assert_eq!(data["directors"][0]["shares"], 100);
        assert_eq!(data["directors"][1]["full_name"], "Naledi Pandor");
        assert_eq!(
            data["registered_address"],
            json!({"line1": "1 Long St", "city": "Cape Town"})
        );
        assert_eq!(data["capital"], 100_050);
        // The unconvertible value is named by the path the saved list will have.
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["directors[1].shares"]);
    }
}
