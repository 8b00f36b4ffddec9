//! A person of a people field (directors, members, shareholders, beneficial owners): who
//! they are (SA ID, or a passport where the filing allows), how to reach them, their roles
//! and, when the field asks, their shares or ownership.

use super::Field;
use super::fields::{email, phone, present, text};
use super::validate::{Ctx, Validation};
use crate::PersonRole;
use crate::identifiers::SaIdNumber;
use serde_json::Value;

fn role_words() -> String {
    PersonRole::ALL
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn person(item: &Value, path: &str, field: &Field, ctx: &Ctx, out: &mut Validation) {
    let Some(obj) = item.as_object() else {
        out.error(
            path,
            "must be an object with full_name and id_number (or passport_number)",
        );
        return;
    };
    match obj.get("full_name") {
        Some(v) if present(Some(v)) => {
            text(v, &format!("{path}.full_name"), 200, out);
        }
        _ => out.error(
            &format!("{path}.full_name"),
            "the person's full name is required",
        ),
    }
    let id = obj.get("id_number").filter(|v| present(Some(v)));
    let passport = obj.get("passport_number").filter(|v| present(Some(v)));
    match (id, passport) {
        (Some(id), _) => match id.as_str().map(|s| SaIdNumber::parse(s, ctx.today)) {
            Some(Ok(parsed)) => {
                for w in parsed.warnings() {
                    out.warning(&format!("{path}.id_number"), w);
                }
            }
            Some(Err(e)) => out.error(
                &format!("{path}.id_number"),
                format!("not a valid South African ID number: {e}"),
            ),
            None => out.error(&format!("{path}.id_number"), "must be text of 13 digits"),
        },
        (None, Some(p)) => {
            text(p, &format!("{path}.passport_number"), 40, out);
            if !field.passport_allowed {
                out.warning(
                    &format!("{path}.passport_number"),
                    "a person without a South African ID cannot be filed online; this filing will use the manual process",
                );
            }
        }
        (None, None) => out.error(
            &format!("{path}.id_number"),
            "give the South African ID number (or, for a foreign national, passport_number)",
        ),
    }
    if let Some(v) = obj.get("email").filter(|v| present(Some(v))) {
        email(v, &format!("{path}.email"), out);
    }
    if let Some(v) = obj.get("phone").filter(|v| present(Some(v))) {
        phone(v, &format!("{path}.phone"), ctx, out);
    }
    if let Some(roles) = obj.get("roles") {
        match roles.as_array() {
            Some(list)
                if list
                    .iter()
                    .all(|r| r.as_str().is_some_and(|r| r.parse::<PersonRole>().is_ok())) => {}
            _ => out.error(
                &format!("{path}.roles"),
                format!("must be a list of: {}", role_words()),
            ),
        }
    }
    if field.shares {
        match obj.get("shares").and_then(Value::as_i64) {
            Some(n) if n >= 1 => {}
            _ => out.error(
                &format!("{path}.shares"),
                "the number of shares held (at least 1) is required",
            ),
        }
    }
    if field.ownership {
        match obj.get("ownership_basis_points").and_then(Value::as_i64) {
            Some(0..=10_000) => {}
            _ => out.error(
                &format!("{path}.ownership_basis_points"),
                "the ownership or control share in basis points (0 to 10000; 5% = 500) is required",
            ),
        }
    }
}

/// The roles of a person item: its own list, or the field's defaults.
pub(crate) fn roles_of<'a>(item: &'a Value, field: &'a Field) -> Vec<&'a str> {
    match item.get("roles").and_then(Value::as_array) {
        Some(list) => list.iter().filter_map(Value::as_str).collect(),
        None => field.roles.iter().map(String::as_str).collect(),
    }
}
