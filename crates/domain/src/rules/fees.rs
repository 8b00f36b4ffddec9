//! CIPC fees (FACTS.md §1): name reservation, incorporation and annual returns.
//!
//! Turnover bands are stored by their lower edge, inclusive: the band "R1m to < R10m" starts
//! at exactly R1,000,000.00, which is therefore in it and not in "< R1m".

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{DateEffective, Effective, RuleError, long_date, rand, rand_short};
use crate::money::Cents;
use crate::text_enum;

/// Which annual-return table applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnualReturnEntity {
    Company,
    CloseCorporation,
}

text_enum!(AnnualReturnEntity, "annual-return entity", {
    Company => "company", CloseCorporation => "close_corporation",
});

/// Which incorporation fee applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncorporationFeeKind {
    /// A private company or NPC with a standard MOI.
    StandardMoi,
    /// A customised MOI, or a personal liability (Inc), public or state-owned company.
    CustomMoi,
}

text_enum!(IncorporationFeeKind, "incorporation fee kind", {
    StandardMoi => "standard_moi", CustomMoi => "custom_moi",
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameReservationFees {
    pub e_filed_cents: Cents,
    pub manual_cents: Cents,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReservationPair {
    pub without_reservation_cents: Cents,
    pub with_reservation_cents: Cents,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncorporationFees {
    pub standard_moi: ReservationPair,
    pub custom_moi: ReservationPair,
}

/// A company's annual-return band: from `turnover_from_cents` (inclusive) to the next band's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyBand {
    pub turnover_from_cents: Cents,
    pub on_time_cents: Cents,
    pub late_cents: Cents,
}

/// A close corporation's annual-return band; lateness adds a penalty instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CcBand {
    pub turnover_from_cents: Cents,
    pub fee_cents: Cents,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CcAnnualReturnFees {
    pub bands: Vec<CcBand>,
    pub late_penalty_cents: Cents,
}

/// The CIPC fees in force from one date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CipcFees {
    pub name_reservation: NameReservationFees,
    pub incorporation: IncorporationFees,
    pub company_annual_return: Vec<CompanyBand>,
    pub cc_annual_return: CcAnnualReturnFees,
}

impl CipcFees {
    /// The bands start at zero and rise, and no fee is negative.
    pub(crate) fn check(&self) -> Result<(), String> {
        check_edges(
            "company_annual_return",
            self.company_annual_return
                .iter()
                .map(|b| b.turnover_from_cents),
        )?;
        check_edges(
            "cc_annual_return.bands",
            self.cc_annual_return
                .bands
                .iter()
                .map(|b| b.turnover_from_cents),
        )?;
        let n = &self.name_reservation;
        let i = &self.incorporation;
        let fees = [
            n.e_filed_cents,
            n.manual_cents,
            i.standard_moi.with_reservation_cents,
            i.standard_moi.without_reservation_cents,
            i.custom_moi.with_reservation_cents,
            i.custom_moi.without_reservation_cents,
            self.cc_annual_return.late_penalty_cents,
        ]
        .into_iter()
        .chain(
            self.company_annual_return
                .iter()
                .flat_map(|b| [b.on_time_cents, b.late_cents]),
        )
        .chain(self.cc_annual_return.bands.iter().map(|b| b.fee_cents));
        for fee in fees {
            if fee.0 < 0 {
                return Err(format!("a fee of {} is negative", rand(fee)));
            }
        }
        Ok(())
    }
}

fn check_edges(what: &str, edges: impl Iterator<Item = Cents>) -> Result<(), String> {
    let edges: Vec<Cents> = edges.collect();
    if edges.first() != Some(&Cents(0)) {
        return Err(format!(
            "{what}: the first band must start at turnover 0 so that every turnover has a fee"
        ));
    }
    if let Some(pair) = edges.windows(2).find(|pair| pair[0] >= pair[1]) {
        return Err(format!(
            "{what}: the band from {} comes after the band from {}; list bands from the lowest turnover up",
            rand(pair[1]),
            rand(pair[0])
        ));
    }
    Ok(())
}

/// A fee and how it was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FeeQuote {
    pub amount: Cents,
    /// How the amount follows from the inputs, for the client: "turnover R1,000,000.00 is in
    /// the band R1m to under R10m; on time: R450.00".
    pub basis: String,
    /// The day the fee schedule used took effect.
    pub effective_from: NaiveDate,
    /// Present when the schedule is marked UNCONFIRMED.
    pub warnings: Vec<String>,
}

fn quote(entry: &Effective<CipcFees>, amount: Cents, basis: String) -> FeeQuote {
    let warnings = if entry.unconfirmed {
        vec![format!(
            "the CIPC fees in force since {} are UNCONFIRMED{}; check the CIPC fee page",
            long_date(entry.from),
            entry
                .note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        )]
    } else {
        Vec::new()
    };
    FeeQuote {
        amount,
        basis,
        effective_from: entry.from,
        warnings,
    }
}

/// The index of the band `turnover` is in, given the bands' lower edges (checked on load to
/// start at 0 and rise), and the band's name: "under R1m", "R1m to under R10m", "R25m or more".
fn band(edges: &[Cents], turnover: Cents) -> (usize, String) {
    let i = edges
        .partition_point(|edge| *edge <= turnover)
        .saturating_sub(1);
    let next = edges.get(i + 1);
    let name = match (i, next) {
        (0, Some(next)) => format!("under {}", rand_short(*next)),
        (0, None) => "any turnover".to_owned(),
        (_, Some(next)) => format!("{} to under {}", rand_short(edges[i]), rand_short(*next)),
        (_, None) => format!("{} or more", rand_short(edges[i])),
    };
    (i, name)
}

/// The CIPC annual-return fee for a `turnover`, on time or `late`, under the fees in force on
/// `on` (the filing date).
pub fn annual_return_fee(
    entity: AnnualReturnEntity,
    turnover: Cents,
    late: bool,
    on: NaiveDate,
    schedule: &DateEffective<CipcFees>,
) -> Result<FeeQuote, RuleError> {
    if turnover.0 < 0 {
        return Err(RuleError::NegativeAmount {
            what: "turnover",
            amount: turnover,
        });
    }
    let entry = schedule.require("CIPC fee schedule", on)?;
    let fees = &entry.value;
    let (amount, basis) = match entity {
        AnnualReturnEntity::Company => {
            let bands = &fees.company_annual_return;
            let edges: Vec<Cents> = bands.iter().map(|b| b.turnover_from_cents).collect();
            let (i, name) = band(&edges, turnover);
            let b = bands.get(i).ok_or_else(|| no_bands(entity))?;
            let (amount, when) = if late {
                (b.late_cents, "late")
            } else {
                (b.on_time_cents, "on time")
            };
            (
                amount,
                format!(
                    "turnover {} is in the band {name}; {when}: {}",
                    rand(turnover),
                    rand(amount)
                ),
            )
        }
        AnnualReturnEntity::CloseCorporation => {
            let cc = &fees.cc_annual_return;
            let edges: Vec<Cents> = cc.bands.iter().map(|b| b.turnover_from_cents).collect();
            let (i, name) = band(&edges, turnover);
            let b = cc.bands.get(i).ok_or_else(|| no_bands(entity))?;
            if late {
                let amount = b
                    .fee_cents
                    .checked_add(cc.late_penalty_cents)
                    .ok_or_else(|| {
                        RuleError::Invalid("the CC fee plus the late penalty overflows".into())
                    })?;
                (
                    amount,
                    format!(
                        "close corporation turnover {} is in the band {name}; late: {} plus the late penalty of {}, {}",
                        rand(turnover),
                        rand(b.fee_cents),
                        rand(cc.late_penalty_cents),
                        rand(amount)
                    ),
                )
            } else {
                (
                    b.fee_cents,
                    format!(
                        "close corporation turnover {} is in the band {name}; on time: {}",
                        rand(turnover),
                        rand(b.fee_cents)
                    ),
                )
            }
        }
    };
    Ok(quote(entry, amount, basis))
}

fn no_bands(entity: AnnualReturnEntity) -> RuleError {
    RuleError::Invalid(format!("no annual-return bands for {entity}"))
}

/// The CIPC fee for a name reservation, filed electronically or manually.
pub fn name_reservation_fee(
    e_filed: bool,
    on: NaiveDate,
    schedule: &DateEffective<CipcFees>,
) -> Result<FeeQuote, RuleError> {
    let entry = schedule.require("CIPC fee schedule", on)?;
    let fees = entry.value.name_reservation;
    let (amount, how) = if e_filed {
        (fees.e_filed_cents, "filed electronically")
    } else {
        (fees.manual_cents, "filed manually")
    };
    Ok(quote(
        entry,
        amount,
        format!("name reservation {how}: {}", rand(amount)),
    ))
}

/// The CIPC fee for incorporating a company, with or without a name reserved beforehand.
pub fn incorporation_fee(
    kind: IncorporationFeeKind,
    with_reservation: bool,
    on: NaiveDate,
    schedule: &DateEffective<CipcFees>,
) -> Result<FeeQuote, RuleError> {
    let entry = schedule.require("CIPC fee schedule", on)?;
    let (pair, what) = match kind {
        IncorporationFeeKind::StandardMoi => (
            entry.value.incorporation.standard_moi,
            "incorporation of a private company or NPC with a standard MOI",
        ),
        IncorporationFeeKind::CustomMoi => (
            entry.value.incorporation.custom_moi,
            "incorporation with a customised MOI, or of a personal liability, public or state-owned company",
        ),
    };
    let (amount, reservation) = if with_reservation {
        (pair.with_reservation_cents, "with a name reservation")
    } else {
        (pair.without_reservation_cents, "without a name reservation")
    };
    Ok(quote(
        entry,
        amount,
        format!("{what}, {reservation}: {}", rand(amount)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn today() -> NaiveDate {
        d(2026, 11, 24)
    }

    fn ar(entity: AnnualReturnEntity, turnover: Cents, late: bool) -> FeeQuote {
        Rules::defaults()
            .unwrap()
            .annual_return_fee(entity, turnover, late, today())
            .unwrap()
    }

    const R: i64 = 100;

    #[test]
    fn company_annual_return_band_edges() {
        use AnnualReturnEntity::Company;
        for (turnover, on_time, late) in [
            (Cents(0), 100, 150),
            (Cents(999_999 * R + 99), 100, 150),
            (Cents(1_000_000 * R), 450, 600),
            (Cents(9_999_999 * R + 99), 450, 600),
            (Cents(10_000_000 * R), 2_000, 2_500),
            (Cents(24_999_999 * R + 99), 2_000, 2_500),
            (Cents(25_000_000 * R), 3_000, 4_000),
            (Cents(i64::MAX), 3_000, 4_000),
        ] {
            assert_eq!(
                ar(Company, turnover, false).amount,
                Cents(on_time * R),
                "{turnover}"
            );
            assert_eq!(
                ar(Company, turnover, true).amount,
                Cents(late * R),
                "{turnover}"
            );
        }
        assert_eq!(
            ar(Company, Cents(1_000_000 * R), false).basis,
            "turnover R1,000,000.00 is in the band R1m to under R10m; on time: R450.00"
        );
        assert_eq!(
            ar(Company, Cents(500 * R), true).basis,
            "turnover R500.00 is in the band under R1m; late: R150.00"
        );
        assert_eq!(
            ar(Company, Cents(30_000_000 * R), false).basis,
            "turnover R30,000,000.00 is in the band R25m or more; on time: R3,000.00"
        );
    }

    #[test]
    fn close_corporation_annual_return() {
        use AnnualReturnEntity::CloseCorporation as Cc;
        assert_eq!(
            ar(Cc, Cents(49_999_999 * R + 99), false).amount,
            Cents(100 * R)
        );
        assert_eq!(
            ar(Cc, Cents(50_000_000 * R), false).amount,
            Cents(4_000 * R)
        );
        assert_eq!(ar(Cc, Cents(0), true).amount, Cents(250 * R));
        let late = ar(Cc, Cents(60_000_000 * R), true);
        assert_eq!(late.amount, Cents(4_150 * R));
        assert_eq!(
            late.basis,
            "close corporation turnover R60,000,000.00 is in the band R50m or more; late: R4,000.00 plus the late penalty of R150.00, R4,150.00"
        );
    }

    #[test]
    fn negative_turnover_is_refused() {
        let err = Rules::defaults()
            .unwrap()
            .annual_return_fee(AnnualReturnEntity::Company, Cents(-1), false, today())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a turnover cannot be negative (-R0.01); enter it as a positive amount"
        );
    }

    #[test]
    fn name_reservation_and_incorporation() {
        let rules = Rules::defaults().unwrap();
        let fee = |e| rules.name_reservation_fee(e, today()).unwrap();
        assert_eq!(fee(true).amount, Cents(50 * R));
        assert_eq!(fee(false).amount, Cents(75 * R));
        assert_eq!(
            fee(true).basis,
            "name reservation filed electronically: R50.00"
        );
        let inc = |k, r| rules.incorporation_fee(k, r, today()).unwrap().amount;
        use IncorporationFeeKind::{CustomMoi, StandardMoi};
        assert_eq!(inc(StandardMoi, false), Cents(125 * R));
        assert_eq!(inc(StandardMoi, true), Cents(175 * R));
        assert_eq!(inc(CustomMoi, false), Cents(425 * R));
        assert_eq!(inc(CustomMoi, true), Cents(475 * R));
        let quote = rules.incorporation_fee(StandardMoi, true, today()).unwrap();
        assert_eq!(
            quote.basis,
            "incorporation of a private company or NPC with a standard MOI, with a name reservation: R175.00"
        );
        assert!(quote.warnings.is_empty());
        assert_eq!(
            "custom_moi".parse::<IncorporationFeeKind>().unwrap(),
            CustomMoi
        );
    }

    #[test]
    fn a_later_schedule_applies_from_its_day() {
        let mut rules = Rules::defaults().unwrap().clone();
        let mut raised = rules.cipc_fees.entries()[0].value.clone();
        raised.name_reservation.e_filed_cents = Cents(60 * R);
        let mut entries = rules.cipc_fees.entries().to_vec();
        let mut entry = Effective::new(d(2027, 4, 1), raised);
        entry.unconfirmed = true;
        entries.push(entry);
        rules.cipc_fees = DateEffective::new("CIPC fees", entries).unwrap();
        assert_eq!(
            rules
                .name_reservation_fee(true, d(2027, 3, 31))
                .unwrap()
                .amount,
            Cents(50 * R)
        );
        let raised = rules.name_reservation_fee(true, d(2027, 4, 1)).unwrap();
        assert_eq!(raised.amount, Cents(60 * R));
        assert_eq!(raised.effective_from, d(2027, 4, 1));
        assert_eq!(raised.warnings.len(), 1);
    }

    #[test]
    fn bands_must_start_at_zero_and_rise() {
        let mut fees = Rules::defaults().unwrap().cipc_fees.entries()[0]
            .value
            .clone();
        fees.company_annual_return.swap(1, 2);
        assert!(fees.check().unwrap_err().contains("lowest turnover up"));
        let mut fees = Rules::defaults().unwrap().cipc_fees.entries()[0]
            .value
            .clone();
        fees.cc_annual_return.bands.remove(0);
        assert!(fees.check().unwrap_err().contains("start at turnover 0"));
    }
}
