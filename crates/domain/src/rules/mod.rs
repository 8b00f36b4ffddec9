//! The rules of FACTS.md sections 1, 3 and 4 that compute something: CIPC fees, the VAT
//! registration test, and filing deadlines.
//!
//! Amounts and thresholds change, so they are data, not code (FACTS.md: "keep them as
//! date-effective configuration, not constants"): [`Rules`] is loaded from JSON, by default
//! from the `defaults.json` beside this file, which a deployment may replace with its own
//! file. Deadlines that are statute (30 business days, 6 months) are constants in
//! [`deadlines`]; the one FACTS.md marks UNCONFIRMED (the beneficial-ownership change window)
//! is configuration, and results that rest on an UNCONFIRMED value carry a warning.
//!
//! Nothing here performs I/O: callers read files and pass text.

pub mod deadlines;
pub mod effective;
pub mod fees;
pub mod vat;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

use crate::Jurisdiction;
use crate::calendar::BusinessCalendar;
use crate::money::Cents;

pub use deadlines::{
    COMPANIES_ACT_COMMENCED, LEAP_DAY_ANNIVERSARY, LeapDayAnniversary, Window, anniversary,
    annual_return_window, beneficial_ownership_change_due, beneficial_ownership_due,
    cc_annual_return_window, close_corporation_registration_refusal, name_reservation_expiry,
    name_reservation_extension, next_annual_return, next_cc_annual_return,
};
pub use effective::{DateEffective, Effective};
pub use fees::{
    AnnualReturnEntity, CipcFees, FeeQuote, IncorporationFeeKind, annual_return_fee,
    incorporation_fee, name_reservation_fee,
};
pub use vat::{
    VatFinding, VatRate, VatRates, VatThresholds, VatVerdict, must_apply_by, vat_on, vat_test,
};

/// Why a rule could not be applied, or a rules file not loaded. Each message says what to fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error(
        "the rules file is not valid: {0}; correct that entry, or remove the override to use the built-in defaults"
    )]
    Invalid(String),
    #[error("{0} needs at least one entry")]
    EmptySchedule(String),
    #[error(
        "{what} must be in date order with at most one entry a day, but {later} comes after {earlier}; sort the entries and merge those of the same day"
    )]
    UnsortedSchedule {
        what: String,
        earlier: NaiveDate,
        later: NaiveDate,
    },
    #[error(
        "no {what} is configured for {on}: the earliest entry takes effect on {earliest}; add an entry that covers this date"
    )]
    NotInForce {
        what: &'static str,
        on: NaiveDate,
        earliest: NaiveDate,
    },
    #[error("a {what} cannot be negative ({}); enter it as a positive amount", rand(*.amount))]
    NegativeAmount { what: &'static str, amount: Cents },
    #[error(
        "annual returns start the year after incorporation: an entity incorporated on {incorporated_on} files its first in {}, so there is none for {year}",
        .incorporated_on.year() + 1
    )]
    BeforeFirstReturn {
        incorporated_on: NaiveDate,
        year: i32,
    },
    #[error("the date is outside the calendar Comply360 can compute with ({0}); check the year")]
    DateOutOfRange(String),
}

/// The beneficial-ownership filing window after a change (FACTS.md §1: 10 business days per
/// statucor, 5 per fisherdugmore; UNCONFIRMED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeneficialOwnershipRules {
    pub change_filing_business_days: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

/// Zimbabwe's re-registration of old-system companies and PBCs on the CIPZ registry
/// (FACTS.md §4, SI 108 of 2025).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZwReregistration {
    /// The last day to re-register before deregistration.
    pub deadline: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Every configurable rule, as loaded from one JSON document (see `defaults.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Free text for whoever edits the file; JSON has no comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    pub vat_thresholds: DateEffective<VatThresholds>,
    pub cipc_fees: DateEffective<CipcFees>,
    /// The VAT rate an agency that is a VAT vendor charges on its fees, by date.
    pub vat_rates: DateEffective<VatRates>,
    pub beneficial_ownership: BeneficialOwnershipRules,
    pub zw_reregistration: ZwReregistration,
}

/// The built-in rules, compiled into the binary.
pub const DEFAULTS_JSON: &str = include_str!("defaults.json");

static DEFAULTS: LazyLock<Result<Rules, RuleError>> =
    LazyLock::new(|| Rules::from_json(DEFAULTS_JSON));

impl Rules {
    /// The built-in rules, parsed once. An error here is a bug in `defaults.json` (a test
    /// parses it), reported rather than panicking so a server can answer 500 and go on.
    pub fn defaults() -> Result<&'static Rules, RuleError> {
        DEFAULTS.as_ref().map_err(Clone::clone)
    }

    /// Loads and checks a rules document, e.g. a deployment's override of the defaults.
    pub fn from_json(text: &str) -> Result<Rules, RuleError> {
        let rules: Rules =
            serde_json::from_str(text).map_err(|e| RuleError::Invalid(e.to_string()))?;
        for entry in rules.vat_thresholds.entries() {
            entry.value.check().map_err(|e| {
                RuleError::Invalid(format!("VAT thresholds from {}: {e}", entry.from))
            })?;
        }
        for entry in rules.cipc_fees.entries() {
            entry
                .value
                .check()
                .map_err(|e| RuleError::Invalid(format!("CIPC fees from {}: {e}", entry.from)))?;
        }
        for entry in rules.vat_rates.entries() {
            entry
                .value
                .check()
                .map_err(|e| RuleError::Invalid(format!("VAT rates from {}: {e}", entry.from)))?;
        }
        if rules.beneficial_ownership.change_filing_business_days == 0 {
            return Err(RuleError::Invalid(
                "beneficial_ownership.change_filing_business_days is 0; it counts business days and must be at least 1".into(),
            ));
        }
        Ok(rules)
    }

    /// [`vat_test`] with these rules' thresholds.
    pub fn vat_test(
        &self,
        taxable_supplies_12m: Cents,
        on: NaiveDate,
    ) -> Result<VatVerdict, RuleError> {
        vat_test(taxable_supplies_12m, on, &self.vat_thresholds)
    }

    /// [`annual_return_fee`] with these rules' fees.
    pub fn annual_return_fee(
        &self,
        entity: AnnualReturnEntity,
        turnover: Cents,
        late: bool,
        on: NaiveDate,
    ) -> Result<FeeQuote, RuleError> {
        annual_return_fee(entity, turnover, late, on, &self.cipc_fees)
    }

    /// [`name_reservation_fee`] with these rules' fees.
    pub fn name_reservation_fee(
        &self,
        e_filed: bool,
        on: NaiveDate,
    ) -> Result<FeeQuote, RuleError> {
        name_reservation_fee(e_filed, on, &self.cipc_fees)
    }

    /// [`incorporation_fee`] with these rules' fees.
    pub fn incorporation_fee(
        &self,
        kind: IncorporationFeeKind,
        with_reservation: bool,
        on: NaiveDate,
    ) -> Result<FeeQuote, RuleError> {
        incorporation_fee(kind, with_reservation, on, &self.cipc_fees)
    }

    /// [`beneficial_ownership_change_due`] with the configured number of business days.
    pub fn beneficial_ownership_change_due(
        &self,
        changed_on: NaiveDate,
        cal: &BusinessCalendar,
    ) -> NaiveDate {
        beneficial_ownership_change_due(
            changed_on,
            cal,
            self.beneficial_ownership.change_filing_business_days,
        )
    }

    /// What a person should know about that due date: the window is UNCONFIRMED.
    pub fn beneficial_ownership_change_warnings(&self) -> Vec<String> {
        let bo = &self.beneficial_ownership;
        if !bo.unconfirmed {
            return Vec::new();
        }
        vec![format!(
            "the {}-business-day window for filing a beneficial-ownership change is UNCONFIRMED{}; file early",
            bo.change_filing_business_days,
            bo.note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        )]
    }

    /// The VAT rate, in basis points, a vendor in `jurisdiction` charges on `on`, and whether
    /// the configured rate is unconfirmed.
    pub fn vat_rate(
        &self,
        jurisdiction: Jurisdiction,
        on: NaiveDate,
    ) -> Result<VatRate, RuleError> {
        let entry = self
            .vat_rates
            .entry_at(on)
            .ok_or_else(|| RuleError::Invalid(format!("no VAT rate is configured for {on}")))?;
        let bp = match jurisdiction {
            Jurisdiction::SouthAfrica => Some(entry.value.za_bp),
            Jurisdiction::Zimbabwe => entry.value.zw_bp,
        }
        .ok_or_else(|| {
            RuleError::Invalid(format!(
                "no VAT rate is configured for {} on {on}; add it to the rules' vat_rates",
                jurisdiction.as_str()
            ))
        })?;
        Ok(VatRate {
            bp,
            from: entry.from,
            unconfirmed: entry.unconfirmed,
        })
    }

    /// The last day for old-system Zimbabwean companies and PBCs to re-register on CIPZ.
    pub fn zw_reregistration_deadline(&self) -> NaiveDate {
        self.zw_reregistration.deadline
    }
}

/// `R2,500,000.00`: rand with thousands separators, as clients read amounts.
pub fn rand(amount: Cents) -> String {
    let sign = if amount.0 < 0 { "-" } else { "" };
    let abs = amount.0.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}R{grouped}.{:02}", abs % 100)
}

/// `R1m`, `R2.3m`, else the full amount: how the law states band edges.
fn rand_short(amount: Cents) -> String {
    const MILLION: i64 = 100_000_000; // R1m in cents
    if amount.0 > 0 && amount.0 % MILLION == 0 {
        format!("R{}m", amount.0 / MILLION)
    } else if amount.0 > 0 && amount.0 % (MILLION / 10) == 0 {
        format!(
            "R{}.{}m",
            amount.0 / MILLION,
            amount.0 % MILLION / (MILLION / 10)
        )
    } else {
        rand(amount)
    }
}

/// `1 April 2026`.
fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_embedded_defaults_parse() {
        let rules = Rules::defaults().unwrap();
        assert_eq!(rules.zw_reregistration_deadline(), d(2026, 4, 20));
        assert_eq!(rules.beneficial_ownership.change_filing_business_days, 10);
        assert!(rules.beneficial_ownership.unconfirmed);
        let vat = rules.vat_thresholds.at(d(2026, 4, 1)).unwrap();
        assert_eq!(vat.compulsory_cents, Cents(230_000_000));
        assert_eq!(vat.voluntary_cents, Cents(12_000_000));
        assert!(
            rules
                .vat_thresholds
                .entry_at(d(2026, 4, 1))
                .unwrap()
                .unconfirmed
        );
        let old = rules.vat_thresholds.at(d(2026, 3, 31)).unwrap();
        assert_eq!(old.compulsory_cents, Cents(100_000_000));
        assert_eq!(old.voluntary_cents, Cents(5_000_000));
        // Serialising and loading again gives the same rules.
        let again = Rules::from_json(&serde_json::to_string(rules).unwrap()).unwrap();
        assert_eq!(&again, rules);
    }

    #[test]
    fn a_broken_override_is_refused_with_its_place() {
        let err = Rules::from_json("{").unwrap_err();
        assert!(matches!(err, RuleError::Invalid(_)), "{err}");
        let mut value: serde_json::Value = serde_json::from_str(DEFAULTS_JSON).unwrap();
        value["vat_thresholds"][1]["from"] = "2000-01-01".into();
        let err = Rules::from_json(&value.to_string()).unwrap_err();
        assert!(err.to_string().contains("date order"), "{err}");
        let mut value: serde_json::Value = serde_json::from_str(DEFAULTS_JSON).unwrap();
        value["vat_thresholds"][0]["value"]["voluntary_cents"] = 200_000_000.into();
        let err = Rules::from_json(&value.to_string()).unwrap_err();
        assert!(err.to_string().contains("voluntary"), "{err}");
        let mut value: serde_json::Value = serde_json::from_str(DEFAULTS_JSON).unwrap();
        value["beneficial_ownership"]["change_filing_business_days"] = 0.into();
        assert!(Rules::from_json(&value.to_string()).is_err());
        let mut value: serde_json::Value = serde_json::from_str(DEFAULTS_JSON).unwrap();
        value["vat_threshold"] = serde_json::json!([]);
        let err = Rules::from_json(&value.to_string()).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }

    #[test]
    fn the_beneficial_ownership_change_window_comes_from_config() {
        let cal = BusinessCalendar::statutory();
        let rules = Rules::defaults().unwrap();
        // Wed 1 Apr 2026: Thu 2 (1), Good Friday 3 and Family Day 6 Apr skipped, Tue 7 (2) …
        // Fri 10 (5), Mon 13 (6) … Fri 17 Apr (10).
        assert_eq!(
            rules.beneficial_ownership_change_due(d(2026, 4, 1), &cal),
            d(2026, 4, 17)
        );
        assert_eq!(rules.beneficial_ownership_change_warnings().len(), 1);
        let mut five = rules.clone();
        five.beneficial_ownership.change_filing_business_days = 5;
        five.beneficial_ownership.unconfirmed = false;
        assert_eq!(
            five.beneficial_ownership_change_due(d(2026, 4, 1), &cal),
            d(2026, 4, 10)
        );
        assert!(five.beneficial_ownership_change_warnings().is_empty());
    }

    #[test]
    fn rand_amounts_read_as_clients_write_them() {
        assert_eq!(rand(Cents(250_000_000)), "R2,500,000.00");
        assert_eq!(rand(Cents(45_000)), "R450.00");
        assert_eq!(rand(Cents(99_999)), "R999.99");
        assert_eq!(rand(Cents(100_000)), "R1,000.00");
        assert_eq!(rand(Cents(5)), "R0.05");
        assert_eq!(rand(Cents(-150_000)), "-R1,500.00");
        assert_eq!(rand_short(Cents(100_000_000)), "R1m");
        assert_eq!(rand_short(Cents(230_000_000)), "R2.3m");
        assert_eq!(rand_short(Cents(12_000_000)), "R120,000.00");
        assert_eq!(long_date(d(2026, 4, 1)), "1 April 2026");
    }
}
