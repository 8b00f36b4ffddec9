//! How each kind of field is parsed. Every parser reports what is wrong and how to fix it, at
//! the field's path (`steps.directors.directors[1].id_number`), and never stops at the first
//! problem: a wizard shows every error of a step at once.

use super::validate::{Ctx, Validation};
use super::{Field, FieldKind};
use crate::contact::{EmailAddress, PhoneNumber};
use crate::identifiers::{CompanyName, IncomeTaxReference, SaCompanyKind, ZwEntityKind};
use chrono::NaiveDate;
use serde_json::{Map, Value};

/// Whether a value counts as given.
pub(crate) fn present(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    }
}

/// Checks one field of `step` (the step's object in the payload).
pub(crate) fn check(
    field: &Field,
    step: &Map<String, Value>,
    path: &str,
    ctx: &Ctx,
    out: &mut Validation,
) {
    let value = step.get(&field.key);
    let path = format!("{path}.{}", field.key);
    let required = field.required
        || field.required_when.as_ref().is_some_and(|[other, wanted]| {
            step.get(other).and_then(Value::as_str) == Some(wanted.as_str())
        });
    if !present(value) {
        if required {
            out.error(&path, format!("{} is required", field.label));
        }
        return;
    }
    let Some(value) = value else { return };
    match field.kind {
        FieldKind::Text => {
            text(value, &path, field.max_len.unwrap_or(500), out);
        }
        FieldKind::Choice => match value.as_str() {
            Some(v) if field.options.iter().any(|o| o == v) => {}
            _ => out.error(
                &path,
                format!("must be one of: {}", field.options.join(", ")),
            ),
        },
        FieldKind::Boolean => match value.as_bool() {
            Some(false) if field.must_be_true => out.error(
                &path,
                format!("{} must be confirmed (true) before filing", field.label),
            ),
            Some(_) => {}
            None => out.error(&path, "must be true or false"),
        },
        FieldKind::Date => {
            date(value, &path, out);
        }
        FieldKind::Month => match value.as_i64() {
            Some(1..=12) => {}
            _ => out.error(
                &path,
                "must be a month number from 1 (January) to 12 (December)",
            ),
        },
        FieldKind::Integer => match value.as_i64() {
            Some(n) if field.min.is_some_and(|m| n < m) => out.error(
                &path,
                format!("must be at least {}", field.min.unwrap_or_default()),
            ),
            Some(n) if field.max.is_some_and(|m| n > m) => out.error(
                &path,
                format!("must be at most {}", field.max.unwrap_or_default()),
            ),
            Some(_) => {}
            None => out.error(&path, "must be a whole number"),
        },
        FieldKind::Money => {
            money(value, &path, out);
        }
        FieldKind::Email => {
            email(value, &path, out);
        }
        FieldKind::Phone => {
            phone(value, &path, ctx, out);
        }
        FieldKind::Address => address(value, &path, out),
        FieldKind::CompanyName => {
            let kind = company_kind(field, step);
            company_name(value, &path, kind.as_deref(), out);
        }
        FieldKind::CompanyNames => {
            let kind = company_kind(field, step);
            let Some(items) = list(value, &path, field, out) else {
                return;
            };
            let mut seen: Vec<String> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                if let Some(name) = company_name(item, &item_path, kind.as_deref(), out) {
                    let folded = name.to_lowercase();
                    if seen.contains(&folded) {
                        out.error(
                            &item_path,
                            "this name is already in the list; give each name once",
                        );
                    }
                    seen.push(folded);
                }
            }
        }
        FieldKind::TaxReference => {
            if let Some(s) = text(value, &path, 20, out)
                && let Err(e) = IncomeTaxReference::parse(&s)
            {
                out.error(&path, e.to_string());
            }
        }
        FieldKind::People => {
            let Some(items) = list(value, &path, field, out) else {
                return;
            };
            for (i, item) in items.iter().enumerate() {
                super::people::person(item, &format!("{path}[{i}]"), field, ctx, out);
            }
        }
        FieldKind::Documents => {
            let Some(items) = value.as_array() else {
                out.error(&path, "must be a list of {\"kind\", \"provided\"} entries");
                return;
            };
            for (i, item) in items.iter().enumerate() {
                if item.get("kind").and_then(Value::as_str).is_none() {
                    out.error(
                        &format!("{path}[{i}].kind"),
                        "name the document kind (e.g. id_copy)",
                    );
                }
            }
        }
        FieldKind::Payment => {
            let Some(obj) = value.as_object() else {
                out.error(
                    &path,
                    "must be an object with amount_cents, reference and paid_on",
                );
                return;
            };
            match obj.get("amount_cents") {
                Some(v) => {
                    money(v, &format!("{path}.amount_cents"), out);
                }
                None => out.error(
                    &format!("{path}.amount_cents"),
                    "the amount paid, in cents, is required",
                ),
            }
            match obj.get("reference") {
                Some(v) => {
                    text(v, &format!("{path}.reference"), 100, out);
                }
                None => out.error(
                    &format!("{path}.reference"),
                    "the payment reference is required",
                ),
            }
            match obj.get("paid_on") {
                Some(v) => {
                    date(v, &format!("{path}.paid_on"), out);
                }
                None => out.error(&format!("{path}.paid_on"), "the payment date is required"),
            }
        }
    }
}

pub(crate) fn text(value: &Value, path: &str, max: usize, out: &mut Validation) -> Option<String> {
    match value.as_str() {
        Some(s) if s.trim().chars().count() > max => {
            out.error(path, format!("must be at most {max} characters"));
            None
        }
        Some(s) => Some(s.trim().to_owned()),
        None => {
            out.error(path, "must be text");
            None
        }
    }
}

pub(crate) fn date(value: &Value, path: &str, out: &mut Validation) -> Option<NaiveDate> {
    match value
        .as_str()
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    {
        Some(d) => Some(d),
        None => {
            out.error(path, "must be a date written YYYY-MM-DD, e.g. 2026-03-01");
            None
        }
    }
}

pub(crate) fn money(value: &Value, path: &str, out: &mut Validation) -> Option<i64> {
    match value.as_i64() {
        Some(n) if n >= 0 => Some(n),
        Some(_) => {
            out.error(path, "must not be negative");
            None
        }
        None => {
            out.error(
                path,
                "must be a whole number of cents, e.g. 125000 for R1,250.00",
            );
            None
        }
    }
}

pub(crate) fn email(value: &Value, path: &str, out: &mut Validation) {
    match value.as_str().map(EmailAddress::parse) {
        Some(Ok(_)) => {}
        Some(Err(e)) => out.error(path, e.to_string()),
        None => out.error(path, "must be an email address"),
    }
}

pub(crate) fn phone(value: &Value, path: &str, ctx: &Ctx, out: &mut Validation) {
    match value.as_str().map(|s| PhoneNumber::parse(s, ctx.region)) {
        Some(Ok(_)) => {}
        Some(Err(e)) => out.error(path, e.to_string()),
        None => out.error(path, "must be a phone number"),
    }
}

fn address(value: &Value, path: &str, out: &mut Validation) {
    let Some(obj) = value.as_object() else {
        out.error(path, "must be an object with line1, city and postal_code");
        return;
    };
    for key in ["line1", "city"] {
        match obj.get(key) {
            Some(v) if present(Some(v)) => {
                text(v, &format!("{path}.{key}"), 200, out);
            }
            _ => out.error(&format!("{path}.{key}"), format!("{key} is required")),
        }
    }
    for key in ["line2", "postal_code", "province", "country"] {
        if let Some(v) = obj.get(key).filter(|v| !v.is_null()) {
            text(v, &format!("{path}.{key}"), 200, out);
        }
    }
}

fn list<'a>(
    value: &'a Value,
    path: &str,
    field: &Field,
    out: &mut Validation,
) -> Option<&'a Vec<Value>> {
    let Some(items) = value.as_array() else {
        out.error(path, "must be a list");
        return None;
    };
    if let Some(min) = field.min_items
        && items.len() < min
    {
        out.error(path, format!("give at least {min}"));
    }
    if let Some(max) = field.max_items
        && items.len() > max
    {
        out.error(
            path,
            format!("give at most {max} (this list has {})", items.len()),
        );
    }
    Some(items)
}

fn company_kind(field: &Field, step: &Map<String, Value>) -> Option<String> {
    field.company_kind.clone().or_else(|| {
        field
            .company_kind_from
            .as_ref()
            .and_then(|k| step.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    })
}

fn company_name(
    value: &Value,
    path: &str,
    kind: Option<&str>,
    out: &mut Validation,
) -> Option<String> {
    let text = text(value, path, 300, out)?;
    let parsed = match kind {
        Some("private") => CompanyName::parse_sa(&text, SaCompanyKind::Private),
        Some("public") => CompanyName::parse_sa(&text, SaCompanyKind::Public),
        Some("non_profit") => CompanyName::parse_sa(&text, SaCompanyKind::NonProfit),
        Some("personal_liability") => {
            CompanyName::parse_sa(&text, SaCompanyKind::PersonalLiability)
        }
        Some("state_owned") => CompanyName::parse_sa(&text, SaCompanyKind::StateOwned),
        Some("zw_private") => CompanyName::parse_zw(&text, ZwEntityKind::PrivateLimited),
        Some("zw_pbc") => CompanyName::parse_zw(&text, ZwEntityKind::Pbc),
        // The kind is itself missing or wrong; that field reports it.
        _ => return Some(text),
    };
    match parsed {
        Ok(name) => Some(name.as_str().to_owned()),
        Err(e) => {
            out.error(path, e.to_string());
            None
        }
    }
}
