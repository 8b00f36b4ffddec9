//! Values that change on a date: fees, thresholds. FACTS.md asks for them as "date-effective
//! configuration, not constants", so that a quote for last year's filing uses last year's fee.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::RuleError;

/// One value and the day it takes effect.
///
/// In JSON: `{ "from": "2026-04-01", "value": …, "note": "…", "unconfirmed": true }`. The value
/// sits under `"value"` (rather than flattened beside `"from"`) so that any type fits, a bare
/// number as well as an object, and a misspelt key is refused instead of ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Effective<T> {
    /// The first day the value applies.
    pub from: NaiveDate,
    pub value: T,
    /// Where the value comes from, or why its date was chosen; for maintainers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The value rests on a source FACTS.md marks UNCONFIRMED: results that use it say so in
    /// their warnings, and `note` says what is unconfirmed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

impl<T> Effective<T> {
    pub fn new(from: NaiveDate, value: T) -> Effective<T> {
        Effective {
            from,
            value,
            note: None,
            unconfirmed: false,
        }
    }
}

/// A value over time: entries sorted by `from`, at most one per day. The value in force on a
/// date is the one of the latest entry on or before it; before the first entry there is none.
///
/// The first entry is the baseline: its date is the earliest day the rules are used for, not
/// necessarily the day the law set that value (FACTS.md rarely gives one), so explanations do
/// not quote it.
///
/// Serialised as the list of its entries. Loading refuses an empty list, and entries out of
/// order or sharing a day, rather than guessing which one was meant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateEffective<T> {
    entries: Vec<Effective<T>>,
}

impl<T> DateEffective<T> {
    /// `what` names the schedule in errors ("VAT thresholds").
    pub fn new(what: &str, entries: Vec<Effective<T>>) -> Result<DateEffective<T>, RuleError> {
        if entries.is_empty() {
            return Err(RuleError::EmptySchedule(what.to_owned()));
        }
        if let Some(pair) = entries.windows(2).find(|pair| pair[0].from >= pair[1].from) {
            return Err(RuleError::UnsortedSchedule {
                what: what.to_owned(),
                earlier: pair[0].from,
                later: pair[1].from,
            });
        }
        Ok(DateEffective { entries })
    }

    /// The value in force on `date`.
    pub fn at(&self, date: NaiveDate) -> Option<&T> {
        self.entry_at(date).map(|entry| &entry.value)
    }

    /// The entry in force on `date`, with its date and note.
    pub fn entry_at(&self, date: NaiveDate) -> Option<&Effective<T>> {
        let after = self.entries.partition_point(|entry| entry.from <= date);
        after.checked_sub(1).and_then(|i| self.entries.get(i))
    }

    /// The entry in force just before the one in force on `date`.
    pub fn previous_entry(&self, date: NaiveDate) -> Option<&Effective<T>> {
        let after = self.entries.partition_point(|entry| entry.from <= date);
        after.checked_sub(2).and_then(|i| self.entries.get(i))
    }

    /// Whether `entry` is this schedule's first (see the type's note on the baseline).
    pub fn is_baseline(&self, entry: &Effective<T>) -> bool {
        self.entries
            .first()
            .is_some_and(|first| first.from == entry.from)
    }

    pub fn entries(&self) -> &[Effective<T>] {
        &self.entries
    }

    /// Like [`at`](Self::at), but an error naming the schedule when nothing is in force.
    pub(crate) fn require(
        &self,
        what: &'static str,
        date: NaiveDate,
    ) -> Result<&Effective<T>, RuleError> {
        self.entry_at(date).ok_or_else(|| RuleError::NotInForce {
            what,
            on: date,
            earliest: self.entries.first().map_or(date, |entry| entry.from),
        })
    }
}

impl<T: Serialize> Serialize for DateEffective<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.entries.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for DateEffective<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = Vec::<Effective<T>>::deserialize(deserializer)?;
        DateEffective::new("date-effective list", entries).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn schedule() -> DateEffective<u32> {
        DateEffective::new(
            "test",
            vec![
                Effective::new(d(2011, 5, 1), 1),
                Effective::new(d(2026, 4, 1), 2),
            ],
        )
        .unwrap()
    }

    #[test]
    fn the_value_changes_on_the_boundary_day() {
        let s = schedule();
        assert_eq!(s.at(d(2011, 4, 30)), None);
        assert_eq!(s.at(d(2011, 5, 1)), Some(&1));
        assert_eq!(s.at(d(2026, 3, 31)), Some(&1));
        assert_eq!(s.at(d(2026, 4, 1)), Some(&2));
        assert_eq!(s.at(d(2099, 1, 1)), Some(&2));
        assert_eq!(s.previous_entry(d(2026, 4, 1)).unwrap().value, 1);
        assert!(s.previous_entry(d(2026, 3, 31)).is_none());
        assert!(s.is_baseline(s.entry_at(d(2020, 1, 1)).unwrap()));
        assert!(!s.is_baseline(s.entry_at(d(2026, 4, 1)).unwrap()));
        let err = s.require("test value", d(2000, 1, 1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no test value is configured for 2000-01-01: the earliest entry takes effect on 2011-05-01; add an entry that covers this date"
        );
    }

    #[test]
    fn json_is_a_list_of_from_and_value() {
        let text = r#"[
            {"from": "2011-05-01", "value": 1, "note": "baseline"},
            {"from": "2026-04-01", "value": 2, "unconfirmed": true}
        ]"#;
        let s: DateEffective<u32> = serde_json::from_str(text).unwrap();
        assert_eq!(s.at(d(2026, 4, 1)), Some(&2));
        assert_eq!(s.entries()[0].note.as_deref(), Some("baseline"));
        assert!(s.entries()[1].unconfirmed);
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(
            back,
            serde_json::json!([
                {"from": "2011-05-01", "value": 1, "note": "baseline"},
                {"from": "2026-04-01", "value": 2, "unconfirmed": true}
            ])
        );
    }

    #[test]
    fn unsorted_duplicate_empty_and_misspelt_lists_are_refused() {
        let unsorted =
            r#"[{"from": "2026-04-01", "value": 2}, {"from": "2011-05-01", "value": 1}]"#;
        let err = serde_json::from_str::<DateEffective<u32>>(unsorted).unwrap_err();
        assert!(
            err.to_string()
                .contains("2011-05-01 comes after 2026-04-01; sort the entries"),
            "{err}"
        );
        let duplicate =
            r#"[{"from": "2026-04-01", "value": 2}, {"from": "2026-04-01", "value": 3}]"#;
        assert!(serde_json::from_str::<DateEffective<u32>>(duplicate).is_err());
        let err = serde_json::from_str::<DateEffective<u32>>("[]").unwrap_err();
        assert!(err.to_string().contains("at least one entry"), "{err}");
        let misspelt = r#"[{"form": "2026-04-01", "value": 2}]"#;
        assert!(serde_json::from_str::<DateEffective<u32>>(misspelt).is_err());
    }
}
