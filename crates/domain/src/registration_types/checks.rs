//! The named rules a type's `checks` may use: rules that span fields or need the law's
//! thresholds. Each cites FACTS.md through the type file that uses it.

use super::validate::{Ctx, Validation};
use super::{Check, RegistrationType, fields, people};
use serde_json::Value;

pub(crate) const RULES: &[&str] = &[
    "min_people",
    "max_people",
    "incorporators_are_directors",
    "members_are_directors",
    "emails_present",
    "shares_allocated",
    "name_choice",
    "vat_threshold",
    "bo_threshold",
    "annual_return_fee",
];

pub(crate) fn run(ty: &RegistrationType, payload: &Value, ctx: &Ctx, out: &mut Validation) {
    for check in &ty.checks {
        let step = payload.get(&check.step);
        let field_def = check.field.as_ref().and_then(|f| {
            ty.step(&check.step)
                .and_then(|s| s.fields.iter().find(|x| &x.key == f))
        });
        let path = match &check.field {
            Some(f) => format!("steps.{}.{f}", check.step),
            None => format!("steps.{}", check.step),
        };
        let items: Vec<Value> = check
            .field
            .as_ref()
            .and_then(|f| step.and_then(|s| s.get(f)))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let report = |out: &mut Validation, field: &str, default: String| {
            let message = check.message.clone().unwrap_or(default);
            if check.severity.as_deref() == Some("warning") {
                out.warning(field, message);
            } else {
                out.error(field, message);
            }
        };
        match check.rule.as_str() {
            "min_people" => {
                let min = check.min.unwrap_or(1);
                if items.len() < min {
                    report(
                        out,
                        &path,
                        format!("at least {min} needed; {} given", items.len()),
                    );
                }
            }
            "max_people" => {
                let max = check.max.unwrap_or(usize::MAX);
                if items.len() > max {
                    report(
                        out,
                        &path,
                        format!("at most {max} allowed; {} given", items.len()),
                    );
                }
            }
            "incorporators_are_directors" | "members_are_directors" => {
                let (who, also) = if check.rule == "members_are_directors" {
                    ("member", "director")
                } else {
                    ("incorporator", "director")
                };
                let Some(def) = field_def else { continue };
                for (i, item) in items.iter().enumerate() {
                    let roles = people::roles_of(item, def);
                    if roles.contains(&who) && !roles.contains(&also) {
                        report(
                            out,
                            &format!("{path}[{i}].roles"),
                            format!(
                                "each {who} is also a {also}; add \"{also}\" to this person's roles"
                            ),
                        );
                    }
                    if check.rule == "members_are_directors" && !roles.contains(&"member") {
                        report(
                            out,
                            &format!("{path}[{i}].roles"),
                            "every person here must be a member".to_owned(),
                        );
                    }
                }
            }
            "emails_present" => {
                for (i, item) in items.iter().enumerate() {
                    if !fields::present(item.get("email")) {
                        report(
                            out,
                            &format!("{path}[{i}].email"),
                            "an email address is required".to_owned(),
                        );
                    }
                }
            }
            "shares_allocated" => {
                let authorised = step
                    .and_then(|s| s.get("authorised_shares"))
                    .and_then(Value::as_i64);
                let allocated: i64 = items
                    .iter()
                    .filter_map(|i| i.get("shares").and_then(Value::as_i64))
                    .sum();
                if let Some(authorised) = authorised
                    && allocated > authorised
                {
                    report(
                        out,
                        &path,
                        format!(
                            "{allocated} shares are allocated but only {authorised} are authorised; raise authorised_shares or lower the holdings"
                        ),
                    );
                }
            }
            "name_choice" => name_choice(check, step, &path, out),
            "vat_threshold" => super::fees::vat_check(step, &path, ctx, out),
            "bo_threshold" => {
                let min = check.min_basis_points.unwrap_or(500);
                let mut total = 0;
                for (i, item) in items.iter().enumerate() {
                    if let Some(bp) = item.get("ownership_basis_points").and_then(Value::as_i64) {
                        total += bp;
                        if bp < min {
                            report(
                                out,
                                &format!("{path}[{i}].ownership_basis_points"),
                                format!(
                                    "{}% is below the {}% threshold: this person is not a beneficial owner to file",
                                    bp as f64 / 100.0,
                                    min as f64 / 100.0
                                ),
                            );
                        }
                    }
                }
                if total > 10_000 {
                    report(
                        out,
                        &path,
                        format!(
                            "the shares add up to {}%, more than 100%",
                            total as f64 / 100.0
                        ),
                    );
                }
            }
            "annual_return_fee" => super::fees::annual_return_check(step, &path, ctx, out),
            _ => {}
        }
    }
}

fn name_choice(check: &Check, step: Option<&Value>, path: &str, out: &mut Validation) {
    let choice = step
        .and_then(|s| s.get("name_choice"))
        .and_then(Value::as_str);
    if choice == Some("registration_number") && check.no_registration_number {
        out.error(
            &format!("{path}.name_choice"),
            "only profit companies may use their registration number as a name (Companies Act s11(1)(b)); reserve a name or give alternatives",
        );
    }
}
