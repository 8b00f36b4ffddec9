//! The VAT registration test (FACTS.md §3): compulsory when taxable supplies over 12 months
//! exceed the compulsory threshold (VAT Act s23(1)(a)), voluntary above the voluntary one.
//!
//! Where FACTS.md is silent we chose, and say so here:
//! * "exceed" is read strictly: supplies equal to the compulsory threshold are not over it.
//! * Voluntary registration is allowed from the voluntary threshold itself (FACTS.md: "SARS
//!   auto-cancels only below R120k", so R120,000.00 is not below it).
//! * The 21 business days are counted from the day the threshold was exceeded, that day not
//!   counted.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{DateEffective, RuleError, long_date, rand};
use crate::calendar::BusinessCalendar;
use crate::money::Cents;

/// Business days to apply for registration once liable (FACTS.md §3).
pub const VAT_REGISTRATION_BUSINESS_DAYS: u32 = 21;

/// The two thresholds, in cents of rand, of taxable supplies over 12 months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VatThresholds {
    pub compulsory_cents: Cents,
    pub voluntary_cents: Cents,
}

impl VatThresholds {
    /// The thresholds make sense together.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.voluntary_cents.0 < 0 || self.compulsory_cents.0 < 0 {
            return Err("thresholds cannot be negative".into());
        }
        if self.voluntary_cents > self.compulsory_cents {
            return Err(format!(
                "the voluntary threshold {} is above the compulsory one {}; swap them",
                rand(self.voluntary_cents),
                rand(self.compulsory_cents)
            ));
        }
        Ok(())
    }
}

/// What the test found, whichever the outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VatFinding {
    pub taxable_supplies: Cents,
    /// The day the test was made for.
    pub on: NaiveDate,
    /// The thresholds applied, and the day they took effect.
    pub thresholds: VatThresholds,
    pub effective_from: NaiveDate,
    /// One sentence a client can read.
    pub explanation: String,
    /// Facts a person should check although the verdict stands.
    pub warnings: Vec<String>,
}

/// The outcome of [`vat_test`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum VatVerdict {
    /// Supplies exceed the compulsory threshold: the vendor must apply to register.
    Compulsory(VatFinding),
    /// Not over the compulsory threshold, at or above the voluntary one.
    VoluntaryAllowed(VatFinding),
    /// Below the voluntary threshold.
    BelowVoluntary(VatFinding),
}

impl VatVerdict {
    pub fn finding(&self) -> &VatFinding {
        match self {
            VatVerdict::Compulsory(f)
            | VatVerdict::VoluntaryAllowed(f)
            | VatVerdict::BelowVoluntary(f) => f,
        }
    }

    pub fn explanation(&self) -> &str {
        &self.finding().explanation
    }

    pub fn warnings(&self) -> &[String] {
        &self.finding().warnings
    }

    /// For a compulsory verdict, the last day to apply when the threshold was exceeded on
    /// `exceeded_on`; None otherwise.
    pub fn must_apply_by(
        &self,
        exceeded_on: NaiveDate,
        cal: &BusinessCalendar,
    ) -> Option<NaiveDate> {
        matches!(self, VatVerdict::Compulsory(_)).then(|| must_apply_by(exceeded_on, cal))
    }
}

/// The last day to apply for VAT registration: 21 business days after `exceeded_on`.
pub fn must_apply_by(exceeded_on: NaiveDate, cal: &BusinessCalendar) -> NaiveDate {
    cal.add_business_days(exceeded_on, VAT_REGISTRATION_BUSINESS_DAYS)
}

/// Tests `taxable_supplies_12m` (the 12 months up to `on`) against the thresholds in force on
/// `on`. An error only when no thresholds are configured for that date.
pub fn vat_test(
    taxable_supplies_12m: Cents,
    on: NaiveDate,
    thresholds: &DateEffective<VatThresholds>,
) -> Result<VatVerdict, RuleError> {
    let entry = thresholds.require("VAT thresholds", on)?;
    let t = entry.value;
    let supplies = taxable_supplies_12m;
    let since = if thresholds.is_baseline(entry) {
        format!("in force on {}", long_date(on))
    } else {
        format!("in force since {}", long_date(entry.from))
    };
    let mut warnings = Vec::new();
    if entry.unconfirmed {
        warnings.push(format!(
            "the thresholds {since} are UNCONFIRMED{}; check SARS's current figures before advising",
            entry.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default()
        ));
    }
    if let Some(previous) = thresholds.previous_entry(on) {
        let old = previous.value.compulsory_cents;
        if old < t.compulsory_cents && supplies > old && supplies <= t.compulsory_cents {
            warnings.push(format!(
                "taxable supplies of {} exceed {}, the compulsory threshold before {}: a vendor whose supplies exceeded it before {} remains liable to be registered; check when the supplies first passed {}",
                rand(supplies),
                rand(old),
                long_date(entry.from),
                long_date(entry.from),
                rand(old)
            ));
        }
    }
    let (verdict, explanation): (fn(VatFinding) -> VatVerdict, String) = if supplies
        > t.compulsory_cents
    {
        (
            VatVerdict::Compulsory,
            format!(
                "Taxable supplies of {} over 12 months exceed the compulsory threshold of {} {since} (VAT Act s23(1)(a)): the vendor must apply for registration within {VAT_REGISTRATION_BUSINESS_DAYS} business days.",
                rand(supplies),
                rand(t.compulsory_cents)
            ),
        )
    } else if supplies >= t.voluntary_cents {
        (
            VatVerdict::VoluntaryAllowed,
            format!(
                "Taxable supplies of {} over 12 months do not exceed the compulsory threshold of {} {since} (VAT Act s23(1)(a)), but reach the voluntary threshold of {}: the vendor may choose to register.",
                rand(supplies),
                rand(t.compulsory_cents),
                rand(t.voluntary_cents)
            ),
        )
    } else {
        (
            VatVerdict::BelowVoluntary,
            format!(
                "Taxable supplies of {} over 12 months are below the voluntary threshold of {} {since}: the vendor neither has to register nor qualifies to register voluntarily on these supplies.",
                rand(supplies),
                rand(t.voluntary_cents)
            ),
        )
    };
    Ok(verdict(VatFinding {
        taxable_supplies: supplies,
        on,
        thresholds: t,
        effective_from: entry.from,
        explanation,
        warnings,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rand_cents(rands: i64) -> Cents {
        Cents(rands * 100)
    }

    fn test(rands_cents: Cents, on: NaiveDate) -> VatVerdict {
        Rules::defaults()
            .unwrap()
            .vat_test(rands_cents, on)
            .unwrap()
    }

    #[test]
    fn after_1_april_2026_the_new_thresholds_apply() {
        let v = test(rand_cents(2_500_000), d(2026, 4, 1));
        assert!(matches!(v, VatVerdict::Compulsory(_)));
        assert_eq!(
            v.explanation(),
            "Taxable supplies of R2,500,000.00 over 12 months exceed the compulsory threshold of R2,300,000.00 in force since 1 April 2026 (VAT Act s23(1)(a)): the vendor must apply for registration within 21 business days."
        );
        assert_eq!(v.finding().effective_from, d(2026, 4, 1));
        assert_eq!(
            v.finding().thresholds.compulsory_cents,
            rand_cents(2_300_000)
        );
        // The 2026 figures are UNCONFIRMED at the primary source: always a warning.
        assert_eq!(v.warnings().len(), 1);
        assert!(
            v.warnings()[0].contains("UNCONFIRMED"),
            "{:?}",
            v.warnings()
        );
    }

    #[test]
    fn the_thresholds_themselves() {
        let new = d(2026, 6, 30);
        // Exactly the compulsory threshold does not exceed it; one cent more does.
        assert!(matches!(
            test(rand_cents(2_300_000), new),
            VatVerdict::VoluntaryAllowed(_)
        ));
        assert!(matches!(
            test(Cents(230_000_001), new),
            VatVerdict::Compulsory(_)
        ));
        // Exactly the voluntary threshold allows voluntary registration; a cent less does not.
        assert!(matches!(
            test(rand_cents(120_000), new),
            VatVerdict::VoluntaryAllowed(_)
        ));
        let below = test(Cents(11_999_999), new);
        assert!(matches!(below, VatVerdict::BelowVoluntary(_)));
        assert!(
            below
                .explanation()
                .contains("below the voluntary threshold of R120,000.00")
        );
        // The same at the old thresholds.
        let old = d(2026, 3, 31);
        assert!(matches!(
            test(rand_cents(1_000_000), old),
            VatVerdict::VoluntaryAllowed(_)
        ));
        assert!(matches!(
            test(Cents(100_000_001), old),
            VatVerdict::Compulsory(_)
        ));
        assert!(matches!(
            test(rand_cents(50_000), old),
            VatVerdict::VoluntaryAllowed(_)
        ));
        assert!(matches!(
            test(Cents(4_999_999), old),
            VatVerdict::BelowVoluntary(_)
        ));
    }

    #[test]
    fn before_1_april_2026_the_old_thresholds_apply() {
        let v = test(rand_cents(1_500_000), d(2026, 3, 31));
        assert!(matches!(v, VatVerdict::Compulsory(_)));
        // The baseline's start date is not a fact, so it is not quoted.
        assert_eq!(
            v.explanation(),
            "Taxable supplies of R1,500,000.00 over 12 months exceed the compulsory threshold of R1,000,000.00 in force on 31 March 2026 (VAT Act s23(1)(a)): the vendor must apply for registration within 21 business days."
        );
        assert!(v.warnings().is_empty());
        let v = test(rand_cents(100_000), d(2025, 1, 1));
        assert!(matches!(v, VatVerdict::VoluntaryAllowed(_)));
        assert_eq!(v.finding().thresholds.voluntary_cents, rand_cents(50_000));
    }

    #[test]
    fn between_the_old_and_new_compulsory_thresholds_a_warning() {
        let v = test(rand_cents(1_500_000), d(2026, 4, 1));
        assert!(matches!(v, VatVerdict::VoluntaryAllowed(_)));
        assert_eq!(v.warnings().len(), 2, "{:?}", v.warnings());
        assert!(
            v.warnings()[1].contains("remains liable"),
            "{:?}",
            v.warnings()
        );
        assert!(
            v.warnings()[1].contains("before 1 April 2026"),
            "{:?}",
            v.warnings()
        );
        // At the old threshold exactly, it was never exceeded: no such warning.
        assert_eq!(
            test(rand_cents(1_000_000), d(2026, 4, 1)).warnings().len(),
            1
        );
        // Above the new one, the verdict is compulsory anyway.
        assert_eq!(
            test(rand_cents(2_300_001), d(2026, 4, 1)).warnings().len(),
            1
        );
    }

    #[test]
    fn applying_within_21_business_days() {
        let cal = BusinessCalendar::statutory();
        // Mon 1 Jun 2026: Tue 2–Fri 5 (4), Mon 8–Fri 12 (9), Mon 15 (10), Youth Day Tue 16
        // skipped, Wed 17–Fri 19 (13), Mon 22–Fri 26 (18), Mon 29 (19), Tue 30 (20),
        // Wed 1 Jul (21).
        assert_eq!(must_apply_by(d(2026, 6, 1), &cal), d(2026, 7, 1));
        let v = test(rand_cents(3_000_000), d(2026, 6, 1));
        assert_eq!(v.must_apply_by(d(2026, 6, 1), &cal), Some(d(2026, 7, 1)));
        let v = test(rand_cents(300_000), d(2026, 6, 1));
        assert_eq!(v.must_apply_by(d(2026, 6, 1), &cal), None);
    }

    #[test]
    fn no_thresholds_before_the_first_entry() {
        let err = Rules::defaults()
            .unwrap()
            .vat_test(rand_cents(1), d(1999, 12, 31))
            .unwrap_err();
        assert!(matches!(err, RuleError::NotInForce { .. }), "{err}");
    }
}

/// The VAT rates in force from one date, in basis points (1500 = 15%), per jurisdiction the
/// agency is a vendor in. Zimbabwe's is optional: absent, a Zimbabwean vendor's invoice is
/// refused rather than charged a guessed rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VatRates {
    pub za_bp: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zw_bp: Option<u32>,
}

impl VatRates {
    pub(crate) fn check(&self) -> Result<(), String> {
        for (name, bp) in [("za_bp", Some(self.za_bp)), ("zw_bp", self.zw_bp)] {
            if let Some(bp) = bp
                && bp > 10_000
            {
                return Err(format!(
                    "{name} is {bp} basis points, over 100%; 1500 means 15%"
                ));
            }
        }
        Ok(())
    }
}

/// The rate in force for one vendor on one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct VatRate {
    /// Basis points: 1500 is 15%.
    pub bp: u32,
    /// The day the rate took effect.
    pub from: NaiveDate,
    pub unconfirmed: bool,
}

impl VatRate {
    /// The VAT on an amount exclusive of VAT, rounded to the nearest cent with halves away
    /// from zero (how invoices round tax).
    pub fn on(&self, exclusive: Cents) -> Cents {
        Cents(vat_on(exclusive.0, self.bp))
    }
}

/// `amount × bp / 10 000`, to the nearest cent, an exact half away from zero.
pub fn vat_on(amount_cents: i64, bp: u32) -> i64 {
    let exact = i128::from(amount_cents) * i128::from(bp);
    let value = crate::commission::Rounding::HalfUp.divide(exact, 10_000);
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod vat_rate_tests {
    use super::*;

    #[test]
    fn vat_is_rounded_to_the_cent_halves_up() {
        assert_eq!(vat_on(100_000, 1500), 15_000); // R1 000.00 → R150.00
        assert_eq!(vat_on(1, 1500), 0); // 0.15 c
        assert_eq!(vat_on(3, 1500), 0); // 0.45 c
        assert_eq!(vat_on(10, 1500), 2); // 1.5 c → 2
        assert_eq!(vat_on(-10, 1500), -2);
        assert_eq!(vat_on(123_457, 1500), 18_519); // 18 518.55 → 18 519
        assert_eq!(vat_on(5, 0), 0);
    }

    #[test]
    fn a_rate_over_a_hundred_percent_is_refused() {
        let bad = VatRates {
            za_bp: 15_000,
            zw_bp: None,
        };
        assert!(bad.check().unwrap_err().contains("over 100%"));
    }
}
