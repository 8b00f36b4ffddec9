//! Commission rules and the calculation of one commission: pure arithmetic on integer cents.
//!
//! A rule pays either a **percentage** of the registration's fee (in basis points: 1250 is
//! 12.50 %) or a **fixed** amount, and states how a result between two cents is rounded
//! ([`Rounding`], half-even by default: banker's rounding, which does not drift upwards over
//! many commissions). The exact result is kept beside the rounded one so a statement can show
//! how each amount came about.
//!
//! Which rule applies is decided by [`select`]: among the rules in force on the day the
//! commission is earned, an agent's own rule beats the agency's, and a rule for the
//! registration's type beats one for every type.

use crate::money::Cents;
use crate::registration::RegistrationKind;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a result that falls between two cents becomes whole cents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// To the nearest cent; an exact half goes to the even cent (0.5 → 0, 1.5 → 2).
    #[default]
    HalfEven,
    /// To the nearest cent; an exact half goes away from zero (0.5 → 1).
    HalfUp,
    /// Towards zero (truncation).
    Down,
    /// Away from zero.
    Up,
}

crate::text_enum!(Rounding, "rounding", {
    HalfEven => "half_even", HalfUp => "half_up", Down => "down", Up => "up",
});

impl Rounding {
    /// `numerator / denominator` rounded by this rule (`denominator` > 0).
    pub fn divide(self, numerator: i128, denominator: i128) -> i128 {
        assert!(denominator > 0, "the denominator is positive");
        let quotient = numerator / denominator; // truncated towards zero
        let remainder = numerator % denominator; // same sign as the numerator
        if remainder == 0 {
            return quotient;
        }
        let away = if numerator < 0 { -1 } else { 1 };
        let twice = 2 * remainder.abs();
        let round_away = match self {
            Rounding::Down => false,
            Rounding::Up => true,
            Rounding::HalfUp => twice >= denominator,
            Rounding::HalfEven => {
                twice > denominator || (twice == denominator && quotient % 2 != 0)
            }
        };
        if round_away {
            quotient + away
        } else {
            quotient
        }
    }
}

/// A percentage in basis points (hundredths of a percent): 1250 is 12.50 %. At most 100 %.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct BasisPoints(u32);

impl BasisPoints {
    pub const MAX: u32 = 10_000;

    pub fn new(bp: u32) -> Result<BasisPoints, CommissionError> {
        if bp > Self::MAX {
            return Err(CommissionError::RateTooHigh(bp));
        }
        Ok(BasisPoints(bp))
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// A percentage typed by a person ("12.5", "12,5", "12.50 %") with at most two decimals.
    pub fn parse_percent(text: &str) -> Result<BasisPoints, CommissionError> {
        let bad = || CommissionError::BadPercent(text.to_owned());
        let t = text.trim().trim_end_matches('%').trim().replace(',', ".");
        let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
        if whole.is_empty() && frac.is_empty()
            || frac.len() > 2
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let whole: u32 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let frac: u32 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let bp = whole.checked_mul(100).and_then(|w| w.checked_add(frac));
        BasisPoints::new(bp.ok_or_else(bad)?)
    }
}

impl TryFrom<u32> for BasisPoints {
    type Error = CommissionError;
    fn try_from(bp: u32) -> Result<BasisPoints, CommissionError> {
        BasisPoints::new(bp)
    }
}

impl From<BasisPoints> for u32 {
    fn from(bp: BasisPoints) -> u32 {
        bp.0
    }
}

impl fmt::Display for BasisPoints {
    /// "12.50 %".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02} %", self.0 / 100, self.0 % 100)
    }
}

/// What a rule pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum Formula {
    /// A share of the registration's fee.
    Percentage { rate_bp: BasisPoints },
    /// The same amount for every registration.
    Fixed { amount_cents: Cents },
}

/// One commission as calculated, with how: kept with the commission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calculation {
    pub amount: Cents,
    /// The unrounded amount in cents as a decimal ("15425.625"), for the record.
    pub exact_cents: String,
    /// "12.50 % of 1234.05 = 154.25625, rounded half_even to 154.26".
    pub explanation: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommissionError {
    #[error("a rate of {0} basis points is over 100 % (10000)")]
    RateTooHigh(u32),
    #[error("{0:?} is not a percentage: write a number with at most two decimals, like 12.5")]
    BadPercent(String),
    #[error("the fee is negative ({0}); a commission is calculated on a fee of zero or more")]
    NegativeBase(Cents),
    #[error("a fixed commission cannot be negative ({0})")]
    NegativeAmount(Cents),
}

impl Formula {
    /// The commission on a fee of `base` (the registration's fee; a fixed rule ignores it).
    pub fn calculate(
        self,
        base: Cents,
        rounding: Rounding,
    ) -> Result<Calculation, CommissionError> {
        if base.0 < 0 {
            return Err(CommissionError::NegativeBase(base));
        }
        match self {
            Formula::Fixed { amount_cents } => {
                if amount_cents.0 < 0 {
                    return Err(CommissionError::NegativeAmount(amount_cents));
                }
                Ok(Calculation {
                    amount: amount_cents,
                    exact_cents: amount_cents.0.to_string(),
                    explanation: format!("a fixed {amount_cents} per registration"),
                })
            }
            Formula::Percentage { rate_bp } => {
                // cents × bp / 10 000: exact in i128 for any i64 fee.
                let numerator = i128::from(base.0) * i128::from(rate_bp.get());
                let rounded = rounding.divide(numerator, 10_000);
                // At most the fee (the rate is at most 100 %), so it fits.
                let amount = Cents(i64::try_from(rounded).unwrap_or(base.0));
                let exact = decimal(numerator, 4);
                Ok(Calculation {
                    amount,
                    explanation: format!(
                        "{rate_bp} of {base} = {}, rounded {rounding} to {amount}",
                        decimal(numerator, 6)
                    ),
                    exact_cents: exact,
                })
            }
        }
    }
}

/// `value / 10^scale` written exactly, without trailing zeros after the point.
fn decimal(value: i128, scale: u32) -> String {
    let unit = 10i128.pow(scale);
    let sign = if value < 0 { "-" } else { "" };
    let (whole, frac) = (value.abs() / unit, value.abs() % unit);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let frac = format!("{frac:0width$}", width = scale as usize);
    format!("{sign}{whole}.{}", frac.trim_end_matches('0'))
}

/// The part of a rule that decides whether it applies: for which type and agent, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// `None`: every registration type.
    pub kind: Option<RegistrationKind>,
    /// `None`: every agent (the agency's rule); `Some`: that agent's override.
    pub agent: Option<uuid::Uuid>,
    pub effective_from: NaiveDate,
    /// The last day it applies (inclusive); `None`: until further notice.
    pub effective_to: Option<NaiveDate>,
}

impl Scope {
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.effective_from <= day && self.effective_to.is_none_or(|to| day <= to)
    }

    pub fn covers(&self, kind: RegistrationKind, agent: uuid::Uuid) -> bool {
        self.kind.is_none_or(|k| k == kind) && self.agent.is_none_or(|a| a == agent)
    }

    /// Higher is more specific: an agent's override, then a type's rule.
    pub fn specificity(&self) -> u8 {
        u8::from(self.agent.is_some()) * 2 + u8::from(self.kind.is_some())
    }

    /// Whether two scopes for the same type and agent share a day (such rules cannot both
    /// exist: the choice between them would be arbitrary).
    pub fn overlaps(&self, other: &Scope) -> bool {
        self.kind == other.kind
            && self.agent == other.agent
            && other
                .effective_to
                .is_none_or(|to| self.effective_from <= to)
            && self
                .effective_to
                .is_none_or(|to| other.effective_from <= to)
    }
}

/// The rule that applies to a registration of `kind` earned by `agent` on `day`: the most
/// specific of those in force. Rules of one scope never overlap (see [`Scope::overlaps`]), so
/// the answer is unique.
pub fn select<R>(
    rules: &[R],
    scope_of: impl Fn(&R) -> &Scope,
    kind: RegistrationKind,
    agent: uuid::Uuid,
    day: NaiveDate,
) -> Option<&R> {
    rules
        .iter()
        .filter(|r| {
            let s = scope_of(r);
            s.covers(kind, agent) && s.in_force_on(day)
        })
        .max_by_key(|r| scope_of(r).specificity())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(bp: u32) -> Formula {
        Formula::Percentage {
            rate_bp: BasisPoints::new(bp).unwrap(),
        }
    }

    #[test]
    fn half_cents_round_by_the_rule() {
        // 12.5 % of 1.00 = 12.5 cents; of 0.60 = 7.5 cents.
        let on = |base, r| pct(1250).calculate(Cents(base), r).unwrap().amount.0;
        assert_eq!(on(100, Rounding::HalfEven), 12);
        assert_eq!(on(60, Rounding::HalfEven), 8);
        assert_eq!(on(100, Rounding::HalfUp), 13);
        assert_eq!(on(60, Rounding::HalfUp), 8);
        assert_eq!(on(100, Rounding::Down), 12);
        assert_eq!(on(100, Rounding::Up), 13);
        // Not a half: nearest either way.
        assert_eq!(on(101, Rounding::HalfEven), 13); // 12.625
        assert_eq!(on(99, Rounding::HalfUp), 12); // 12.375
    }

    #[test]
    fn negative_quotients_round_symmetrically() {
        assert_eq!(Rounding::HalfEven.divide(-25, 10), -2);
        assert_eq!(Rounding::HalfEven.divide(-35, 10), -4);
        assert_eq!(Rounding::HalfUp.divide(-25, 10), -3);
        assert_eq!(Rounding::Down.divide(-29, 10), -2);
        assert_eq!(Rounding::Up.divide(-21, 10), -3);
    }

    #[test]
    fn the_explanation_shows_the_exact_amount() {
        let c = pct(1250)
            .calculate(Cents(123_405), Rounding::HalfEven)
            .unwrap();
        assert_eq!(c.amount, Cents(15_426));
        assert_eq!(c.exact_cents, "15425.625");
        assert_eq!(
            c.explanation,
            "12.50 % of 1234.05 = 154.25625, rounded half_even to 154.26"
        );
        let f = Formula::Fixed {
            amount_cents: Cents(25_000),
        };
        assert_eq!(
            f.calculate(Cents(0), Rounding::Down).unwrap().amount,
            Cents(25_000)
        );
    }

    #[test]
    fn percentages_parse_as_people_write_them() {
        let bp = |t| BasisPoints::parse_percent(t).map(BasisPoints::get);
        assert_eq!(bp("12.5"), Ok(1250));
        assert_eq!(bp("12,50 %"), Ok(1250));
        assert_eq!(bp("7"), Ok(700));
        assert_eq!(bp(".25"), Ok(25));
        assert_eq!(bp("100"), Ok(10_000));
        assert!(matches!(
            bp("100.01"),
            Err(CommissionError::RateTooHigh(10_001))
        ));
        for bad in ["", "abc", "1.234", "-5", "1e2", "."] {
            assert!(
                matches!(bp(bad), Err(CommissionError::BadPercent(_))),
                "{bad}"
            );
        }
        assert_eq!(BasisPoints::new(1250).unwrap().to_string(), "12.50 %");
    }

    fn scope(
        kind: Option<RegistrationKind>,
        agent: Option<u128>,
        from: &str,
        to: Option<&str>,
    ) -> Scope {
        Scope {
            kind,
            agent: agent.map(uuid::Uuid::from_u128),
            effective_from: from.parse().unwrap(),
            effective_to: to.map(|t| t.parse().unwrap()),
        }
    }

    #[test]
    fn the_most_specific_rule_in_force_applies() {
        use RegistrationKind::{ZaPrivateCompany as Pty, ZaVatRegistration as Vat};
        let rules = [
            scope(None, None, "2026-01-01", None),
            scope(Some(Pty), None, "2026-01-01", Some("2026-06-30")),
            scope(Some(Pty), None, "2026-07-01", None),
            scope(None, Some(7), "2026-03-01", None),
            scope(Some(Pty), Some(7), "2026-05-01", Some("2026-05-31")),
        ];
        let pick = |kind, agent, day: &str| {
            select(
                &rules,
                |s| s,
                kind,
                uuid::Uuid::from_u128(agent),
                day.parse().unwrap(),
            )
            .map(|s| rules.iter().position(|r| r == s).unwrap())
        };
        assert_eq!(pick(Vat, 1, "2026-02-01"), Some(0));
        assert_eq!(pick(Pty, 1, "2026-06-30"), Some(1));
        assert_eq!(pick(Pty, 1, "2026-07-01"), Some(2));
        assert_eq!(pick(Vat, 7, "2026-02-28"), Some(0));
        assert_eq!(pick(Vat, 7, "2026-03-01"), Some(3));
        assert_eq!(pick(Pty, 7, "2026-04-30"), Some(3));
        assert_eq!(pick(Pty, 7, "2026-05-31"), Some(4));
        assert_eq!(pick(Pty, 7, "2026-06-01"), Some(3));
        assert_eq!(pick(Pty, 1, "2025-12-31"), None);
    }

    #[test]
    fn overlapping_scopes_are_found() {
        let a = scope(None, None, "2026-01-01", Some("2026-06-30"));
        assert!(a.overlaps(&scope(None, None, "2026-06-30", None)));
        assert!(!a.overlaps(&scope(None, None, "2026-07-01", None)));
        assert!(!a.overlaps(&scope(None, Some(1), "2026-01-01", None)));
        assert!(scope(None, None, "2026-01-01", None).overlaps(&scope(
            None,
            None,
            "2030-01-01",
            None
        )));
        assert!(scope(None, None, "2027-01-01", None).overlaps(&scope(
            None,
            None,
            "2026-01-01",
            Some("2027-01-01")
        )));
    }
}
