//! What a company owes, by the rules, as of a day: pure, so a refresh can be recomputed at
//! will and stored idempotently.

use super::model::ObligationKind;
use chrono::{Datelike, NaiveDate};
use comply360_domain::calendar::BusinessCalendar;
use comply360_domain::rules::{self, Rules, VatVerdict};
use comply360_domain::{Cents, CompanyType, Jurisdiction};
use serde_json::{Value, json};

/// Beneficial-ownership filings apply to companies incorporated once the regulations took
/// effect (24 May 2023, FACTS.md section 1); older ones filed with their annual return.
fn bo_regulations_effective() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 5, 24).unwrap_or_default()
}

pub(crate) struct Due {
    pub kind: ObligationKind,
    pub period: String,
    pub opens_on: Option<NaiveDate>,
    pub due_on: NaiveDate,
    pub detail: Value,
}

/// Annual returns of the years around `today` whose window is within a year of it.
fn annual_returns(
    inc: NaiveDate,
    today: NaiveDate,
    window: impl Fn(i32) -> Option<rules::Window>,
    rule: &str,
    out: &mut Vec<Due>,
) {
    for year in [today.year() - 1, today.year(), today.year() + 1] {
        if year <= inc.year() {
            continue;
        }
        let Some(w) = window(year) else {
            continue;
        };
        if w.due >= today - chrono::Duration::days(366)
            && w.opens <= today + chrono::Duration::days(366)
        {
            out.push(Due {
                kind: ObligationKind::AnnualReturn,
                period: year.to_string(),
                opens_on: Some(w.opens),
                due_on: w.due,
                detail: json!({ "rule": rule }),
            });
        }
    }
}

/// What a company owes, by the rules, as of `today`, in business days of `cal`.
pub(crate) fn compute(
    company_type: CompanyType,
    incorporated_on: Option<NaiveDate>,
    taxable_supplies: Option<i64>,
    vat_number: Option<&str>,
    today: NaiveDate,
    cal: &BusinessCalendar,
) -> Vec<Due> {
    let mut out = Vec::new();
    let Some(inc) = incorporated_on else {
        return out;
    };
    let Ok(rules) = Rules::defaults() else {
        tracing::error!("the built-in rules do not load; obligations are not computed");
        return out;
    };
    match company_type {
        CompanyType::CloseCorporation => annual_returns(
            inc,
            today,
            |year| rules::cc_annual_return_window(inc, year).ok(),
            "a close corporation files from the start of its anniversary month to the end of the following month",
            &mut out,
        ),
        CompanyType::ZwPbc | CompanyType::ZwPrivateLimited => {}
        _ => {
            annual_returns(
                inc,
                today,
                |year| rules::annual_return_window(inc, year, cal).ok(),
                "within 30 business days after the anniversary of incorporation",
                &mut out,
            );
            if inc >= bo_regulations_effective() {
                out.push(Due {
                    kind: ObligationKind::BeneficialOwnership,
                    period: "incorporation".into(),
                    opens_on: Some(inc),
                    due_on: rules::beneficial_ownership_due(inc, cal),
                    detail: json!({"rule": "within 10 business days of incorporation"}),
                });
            }
            if let (Some(supplies), None) = (taxable_supplies, vat_number)
                && let Ok(verdict @ VatVerdict::Compulsory(_)) =
                    rules.vat_test(Cents(supplies), today)
            {
                out.push(Due {
                    kind: ObligationKind::VatRegistration,
                    period: "threshold".into(),
                    opens_on: Some(today),
                    due_on: rules::must_apply_by(today, cal),
                    detail: json!({"rule": verdict.explanation(), "warnings": verdict.warnings()}),
                });
            }
        }
    }
    if company_type.jurisdiction() == Jurisdiction::Zimbabwe
        && inc < rules.zw_reregistration_deadline()
    {
        out.push(Due { kind: ObligationKind::ZwReRegistration, period: "SI 108 of 2025".into(), opens_on: None,
            due_on: rules.zw_reregistration_deadline(),
            detail: json!({"rule": "old-system companies and PBCs re-register on the CIPZ electronic registry by the deadline (SI 108 of 2025); waive this if the entity is already on the electronic registry"}) });
    }
    out
}
