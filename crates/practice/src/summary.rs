//! The filing summary: everything the agent pastes into (or prints beside) the registry's
//! site, in the order of the type's wizard, with the fields' labels.

use crate::registration_types::{FieldKind, RegistrationType};
use crate::registrations::Registration;
use serde_json::Value;
use std::fmt::Write;

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn person(v: &Value) -> String {
    let mut parts = vec![scalar(v.get("full_name").unwrap_or(&Value::Null))];
    for (label, key) in [
        ("ID", "id_number"),
        ("passport", "passport_number"),
        ("email", "email"),
        ("shares", "shares"),
    ] {
        if let Some(x) = v.get(key).filter(|x| !x.is_null()) {
            parts.push(format!("{label} {}", scalar(x)));
        }
    }
    if let Some(bp) = v.get("ownership_basis_points").and_then(Value::as_i64) {
        parts.push(format!("{}%", bp as f64 / 100.0));
    }
    parts.join(", ")
}

/// Plain text, one line per field; lists are numbered.
pub fn text(ty: &RegistrationType, r: &Registration, client_name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", ty.title, client_name);
    let _ = writeln!(
        out,
        "Registry: {}{}",
        ty.registry,
        ty.filing_url
            .as_deref()
            .map(|u| format!(" ({u})"))
            .unwrap_or_default()
    );
    if !ty.forms.is_empty() {
        let _ = writeln!(out, "Forms: {}", ty.forms.join(", "));
    }
    let _ = writeln!(out, "Our reference: {}  Status: {}", r.id, r.status);
    for step in &ty.steps {
        let Some(data) = r.steps.get(&step.key) else {
            continue;
        };
        let _ = writeln!(out, "\n== {} ==", step.title);
        for field in &step.fields {
            let Some(v) = data.get(&field.key).filter(|v| !v.is_null()) else {
                continue;
            };
            match (field.kind, v) {
                (
                    FieldKind::People | FieldKind::CompanyNames | FieldKind::Documents,
                    Value::Array(items),
                ) => {
                    let _ = writeln!(out, "{}:", field.label);
                    for (i, item) in items.iter().enumerate() {
                        let line = if field.kind == FieldKind::People {
                            person(item)
                        } else {
                            item.get("kind").map(scalar).unwrap_or_else(|| scalar(item))
                        };
                        let _ = writeln!(out, "  {}. {line}", i + 1);
                    }
                }
                (FieldKind::Address | FieldKind::Payment, Value::Object(obj)) => {
                    let parts: Vec<String> =
                        obj.values().map(scalar).filter(|s| !s.is_empty()).collect();
                    let _ = writeln!(out, "{}: {}", field.label, parts.join(", "));
                }
                _ => {
                    let _ = writeln!(out, "{}: {}", field.label, scalar(v));
                }
            }
        }
    }
    if !ty.required_documents.is_empty() {
        let _ = writeln!(out, "\n== Documents to attach ==");
        for d in &ty.required_documents {
            let _ = writeln!(out, "  - {}", d.label);
        }
    }
    out
}
