//! The parts of validation that apply the law's numbers (`crate::rules`): the
//! VAT turnover test, the annual-return fee (by turnover band, on time or late), and the CIPC
//! fee due for a reservation or an incorporation. Their explanations become notes a person
//! reads; the amount due is `Validation::fee_cents`.

use crate::Cents;
use crate::Jurisdiction;
use crate::company::CompanyType;
use crate::registration_types::{Ctx, Operation, RegistrationType, Validation};
use crate::rules::{
    self, AnnualReturnEntity, FeeQuote, IncorporationFeeKind, RuleError, Rules, VatVerdict,
};
use serde_json::Value;

fn rules_or_error(path: &str, out: &mut Validation) -> Option<&'static Rules> {
    match Rules::defaults() {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::error!(error = %e, "the built-in rules do not load");
            out.error(
                path,
                "the fee and threshold rules are unavailable; try again later",
            );
            None
        }
    }
}

fn apply_quote(q: Result<FeeQuote, RuleError>, path: &str, out: &mut Validation) {
    match q {
        Ok(q) => {
            out.note(path, q.basis.clone());
            for w in q.warnings {
                out.warning(path, w);
            }
            out.fee_cents = Some(q.amount.0);
        }
        Err(e) => out.error(path, e.to_string()),
    }
}

/// The VAT turnover test on the `turnover` step.
pub(crate) fn vat_check(step: Option<&Value>, path: &str, ctx: &Ctx, out: &mut Validation) {
    let Some(supplies) = step
        .and_then(|s| s.get("taxable_supplies"))
        .and_then(Value::as_i64)
    else {
        return;
    };
    let on = step
        .and_then(|s| s.get("tested_on"))
        .and_then(Value::as_str)
        .and_then(|d| d.parse().ok())
        .unwrap_or(ctx.today);
    let Some(rules) = rules_or_error(path, out) else {
        return;
    };
    match rules.vat_test(Cents(supplies), on) {
        Ok(verdict) => {
            out.note(path, verdict.explanation());
            for w in verdict.warnings() {
                out.warning(path, w.clone());
            }
            if let Some(by) = verdict.must_apply_by(on, &ctx.calendar) {
                out.note(path, format!("apply by {by} (21 business days)"));
            }
            if matches!(verdict, VatVerdict::BelowVoluntary(_)) {
                out.error(path, "taxable supplies are below the voluntary threshold, so SARS would not register the vendor; see the explanation in the notes");
            }
        }
        Err(e) => out.error(path, e.to_string()),
    }
}

/// The annual-return fee for the company's turnover band, late if today is past the window.
pub(crate) fn annual_return_check(
    step: Option<&Value>,
    path: &str,
    ctx: &Ctx,
    out: &mut Validation,
) {
    let (Some(year), Some(turnover)) = (
        step.and_then(|s| s.get("year"))
            .and_then(Value::as_i64)
            .and_then(|y| i32::try_from(y).ok()),
        step.and_then(|s| s.get("turnover")).and_then(Value::as_i64),
    ) else {
        return;
    };
    let Some(company) = &ctx.company else {
        out.error(
            "company_id",
            "an annual return is filed for a company: give the company's id",
        );
        return;
    };
    let Some(incorporated_on) = company.incorporated_on else {
        out.error(
            "company_id",
            "the company has no incorporation date; record it on the company first",
        );
        return;
    };
    let Some(rules) = rules_or_error(path, out) else {
        return;
    };
    let cc = company.company_type == CompanyType::CloseCorporation;
    let window = if cc {
        rules::cc_annual_return_window(incorporated_on, year)
    } else {
        rules::annual_return_window(incorporated_on, year, &ctx.calendar)
    };
    let window = match window {
        Ok(w) => w,
        Err(e) => {
            let year_path = path
                .rsplit_once('.')
                .map(|(step, _)| format!("{step}.year"))
                .unwrap_or_default();
            out.error(&year_path, e.to_string());
            return;
        }
    };
    let late = ctx.today > window.due;
    out.note(
        path,
        format!(
            "the {year} return is due by {} ({})",
            window.due,
            if late { "late" } else { "on time" }
        ),
    );
    let entity = if cc {
        AnnualReturnEntity::CloseCorporation
    } else {
        AnnualReturnEntity::Company
    };
    apply_quote(
        rules.annual_return_fee(entity, Cents(turnover), late, ctx.today),
        path,
        out,
    );
}

/// The CIPC fee of a name reservation or a South African incorporation.
pub(crate) fn quote(ty: &RegistrationType, payload: &Value, ctx: &Ctx, out: &mut Validation) {
    match ty.operation {
        Operation::NameReservation => {
            let e_filed = payload
                .get("names")
                .and_then(|s| s.get("e_filed"))
                .and_then(Value::as_bool)
                .unwrap_or(true);
            let Some(rules) = rules_or_error("fees", out) else {
                return;
            };
            apply_quote(rules.name_reservation_fee(e_filed, ctx.today), "fees", out);
        }
        Operation::Incorporation if ty.jurisdiction == Jurisdiction::SouthAfrica => {
            let name = payload.get("company_name");
            let with_reservation = name
                .and_then(|s| s.get("name_choice"))
                .and_then(Value::as_str)
                == Some("reserved");
            let bespoke = payload
                .get("company_details")
                .and_then(|s| s.get("moi"))
                .and_then(Value::as_str)
                == Some("bespoke");
            let kind = if bespoke {
                IncorporationFeeKind::CustomMoi
            } else {
                IncorporationFeeKind::StandardMoi
            };
            let Some(rules) = rules_or_error("fees", out) else {
                return;
            };
            apply_quote(
                rules.incorporation_fee(kind, with_reservation, ctx.today),
                "fees",
                out,
            );
        }
        _ => {}
    }
}
