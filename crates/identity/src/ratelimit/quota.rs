//! The rate limit's quota: a bucket of `burst` tokens refilled one every `per`, and its
//! setting syntax (`"600/min burst 100"`), parsed and written back.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

/// A bucket of `burst` tokens, one token refilled every `per`.
///
/// Written and parsed as `"<count>/<period> [burst <n>]"`, e.g. `"100/s"`,
/// `"600/min burst 100"`, `"10/15min burst 10"`, `"5/h"`: `count` tokens per `period`
/// (so `per = period / count`), burst defaulting to `count`.
///
/// A quota built by hand with `burst == 0` or `per == 0` is checked as `burst == 1`,
/// `per == 1 ns` (Redis: 1 ms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Quota {
    /// Bucket size: how many requests may come at once.
    pub burst: u32,
    /// One token comes back every `per`.
    pub per: Duration,
}

impl Quota {
    /// `n` per second with a bucket of `burst` (both at least 1).
    pub fn per_second(n: u32, burst: u32) -> Quota {
        Quota::per_period(n, Duration::from_secs(1), burst)
    }

    /// `n` per minute with a bucket of `burst` (both at least 1).
    pub fn per_minute(n: u32, burst: u32) -> Quota {
        Quota::per_period(n, Duration::from_secs(60), burst)
    }

    fn per_period(n: u32, period: Duration, burst: u32) -> Quota {
        Quota {
            burst: burst.max(1),
            per: period / n.max(1),
        }
    }

    /// The quota actually enforced: burst and interval at least 1.
    pub(super) fn normalized(self) -> Quota {
        Quota {
            burst: self.burst.max(1),
            per: self.per.max(Duration::from_nanos(1)),
        }
    }

    pub(super) fn to_governor(self) -> governor::Quota {
        let q = self.normalized();
        let burst = NonZeroU32::new(q.burst).unwrap_or(NonZeroU32::MIN);
        governor::Quota::with_period(q.per)
            .unwrap_or_else(|| governor::Quota::per_second(NonZeroU32::MAX))
            .allow_burst(burst)
    }

    /// The emission interval in whole milliseconds (nearest, at least 1) for Redis.
    pub(super) fn per_millis(self) -> u64 {
        let nanos = self.normalized().per.as_nanos();
        let millis = (nanos + 500_000) / 1_000_000;
        u64::try_from(millis).unwrap_or(u64::MAX).max(1)
    }
}

/// Period units, largest first: (suffix written by `Display`, length in ns).
const UNITS: [(&str, u128); 7] = [
    ("d", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("min", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

fn unit_nanos(unit: &str) -> Option<u128> {
    let canonical = match unit {
        "d" | "day" | "days" => "d",
        "h" | "hr" | "hour" | "hours" => "h",
        "m" | "min" | "mins" | "minute" | "minutes" => "min",
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        "ms" => "ms",
        "us" | "µs" => "us",
        "ns" => "ns",
        _ => return None,
    };
    UNITS
        .iter()
        .find(|(name, _)| *name == canonical)
        .map(|(_, nanos)| *nanos)
}

/// The largest unit with a whole multiple `k * unit` in `lo..=hi` (ns always has one).
fn clean_period(lo: u128, hi: u128) -> (u128, &'static str) {
    for (name, nanos) in UNITS {
        let k = lo.div_ceil(nanos).max(1);
        if k * nanos <= hi {
            return (k, name);
        }
    }
    (lo, "ns")
}

fn write_period(f: &mut fmt::Formatter<'_>, k: u128, unit: &str) -> fmt::Result {
    if k == 1 {
        f.write_str(unit)
    } else {
        write!(f, "{k}{unit}")
    }
}

/// Writes a form that parses back to the same quota: `"<burst>/<period>"` when the bucket
/// refills in one unit or in whole minutes, hours or days (`"100/s"`, `"10/15min"`);
/// otherwise the rate per the smallest unit it divides, plus the burst
/// (`"10/s burst 100"` for `"600/min burst 100"`).
impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = self.normalized();
        let per = q.per.as_nanos();
        let burst = u128::from(q.burst);
        // `<burst>/<period>` parses to `period / burst` truncated to ns, so any period in
        // `per * burst ..= per * burst + burst - 1` gives `per` back.
        let (k, unit) = clean_period(per * burst, per * burst + burst - 1);
        if k == 1 || matches!(unit, "min" | "h" | "d") {
            write!(f, "{}/", q.burst)?;
            return write_period(f, k, unit);
        }
        for (name, nanos) in UNITS[..4].iter().rev() {
            let count = nanos / per;
            if count >= 1 && count <= u128::from(u32::MAX) && nanos / count == per {
                write!(f, "{count}/{name}")?;
                if count != burst {
                    write!(f, " burst {}", q.burst)?;
                }
                return Ok(());
            }
        }
        write!(f, "{}/", q.burst)?;
        write_period(f, k, unit)
    }
}

/// A rate-limit setting that does not parse; says what is accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid rate limit {input:?}: {reason}; expected \"<count>/<period> [burst <n>]\" \
     such as \"100/s\", \"600/min burst 100\", \"10/15min burst 10\" or \"5/h\" \
     (period: an optional whole number and a unit ms, s, min, h or d; count and burst \
     at least 1; burst defaults to count)"
)]
pub struct QuotaParseError {
    /// The string as given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FromStr for Quota {
    type Err = QuotaParseError;

    fn from_str(input: &str) -> Result<Quota, QuotaParseError> {
        let fail = |reason: String| QuotaParseError {
            input: input.to_owned(),
            reason,
        };
        let lower = input.trim().to_ascii_lowercase();
        let Some((count, rest)) = lower.split_once('/') else {
            return Err(fail("no \"/\" between count and period".into()));
        };
        let count = parse_positive(count.trim(), "count").map_err(&fail)?;
        let mut words = rest.split_whitespace();
        let Some(period) = words.next() else {
            return Err(fail("no period after \"/\"".into()));
        };
        let digits = period
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(period.len());
        let (multiple, unit) = period.split_at(digits);
        let multiple = if multiple.is_empty() {
            1
        } else {
            match multiple.parse::<u64>() {
                Ok(0) => return Err(fail("period must be at least 1".into())),
                Ok(n) => n,
                Err(_) => return Err(fail(format!("period {multiple:?} is too long"))),
            }
        };
        let Some(unit_ns) = unit_nanos(unit) else {
            return Err(fail(format!("unknown period unit {unit:?}")));
        };
        let burst = match (words.next(), words.next(), words.next()) {
            (None, _, _) => count,
            (Some("burst"), Some(n), None) => parse_positive(n, "burst").map_err(&fail)?,
            (Some("burst"), None, _) => return Err(fail("no number after \"burst\"".into())),
            _ => {
                return Err(fail(format!(
                    "unexpected {:?} after the period",
                    rest.trim_start().trim_start_matches(period).trim()
                )));
            }
        };
        let per = (u128::from(multiple) * unit_ns) / u128::from(count);
        if per == 0 {
            return Err(fail("more than one per nanosecond".into()));
        }
        let per = u64::try_from(per)
            .map(Duration::from_nanos)
            .map_err(|_| fail("period too long".into()))?;
        Ok(Quota { burst, per })
    }
}

fn parse_positive(s: &str, what: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(0) => Err(format!("{what} must be at least 1")),
        Ok(n) => Ok(n),
        Err(_) if s.is_empty() => Err(format!("missing {what}")),
        Err(_) => Err(format!(
            "{what} {s:?} is not a whole number up to {}",
            u32::MAX
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quota {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_settings() {
        let cases = [
            ("100/s", 100, Duration::from_millis(10)),
            ("600/min burst 100", 100, Duration::from_millis(100)),
            ("10/15min burst 10", 10, Duration::from_secs(90)),
            ("10/15min", 10, Duration::from_secs(90)),
            ("5/h", 5, Duration::from_secs(720)),
            ("5/h burst 1", 1, Duration::from_secs(720)),
            ("  2 / 200ms  BURST  4 ", 4, Duration::from_millis(100)),
            ("1/d", 1, Duration::from_secs(86_400)),
            ("3/2s", 3, Duration::from_nanos(666_666_666)),
            ("30/minute", 30, Duration::from_secs(2)),
            ("1/sec", 1, Duration::from_secs(1)),
        ];
        for (text, burst, per) in cases {
            assert_eq!(q(text), Quota { burst, per }, "{text}");
        }
    }

    #[test]
    fn rejects_bad_settings_saying_the_format() {
        let cases = [
            ("", "no \"/\""),
            ("100", "no \"/\""),
            ("/s", "missing count"),
            ("0/s", "count must be at least 1"),
            ("-1/s", "count \"-1\""),
            ("10/", "no period"),
            ("10/fortnight", "unknown period unit \"fortnight\""),
            ("10/0min", "period must be at least 1"),
            ("10/s burst", "no number after \"burst\""),
            ("10/s burst 0", "burst must be at least 1"),
            ("10/s burst x", "burst \"x\""),
            ("10/s burst 5 extra", "unexpected"),
            ("10/s per ip", "unexpected \"per ip\""),
            ("2000000000/ns", "more than one per nanosecond"),
        ];
        for (text, reason) in cases {
            let err = text.parse::<Quota>().expect_err(text);
            let message = err.to_string();
            assert!(message.contains(reason), "{text}: {message}");
            assert!(
                message.contains("expected \"<count>/<period> [burst <n>]\"")
                    && message.contains("\"600/min burst 100\""),
                "{message}"
            );
        }
    }

    #[test]
    fn displays_a_form_that_parses_back() {
        let shown = [
            ("100/s", "100/s"),
            ("10/15min burst 10", "10/15min"),
            ("5/h", "5/h"),
            ("600/min burst 100", "10/s burst 100"),
            ("5/min burst 20", "20/4min"),
            ("100/min burst 10", "100/min burst 10"),
            ("2/200ms", "10/s burst 2"),
            ("3/s", "3/s"),
            ("7/s burst 3", "7/s burst 3"),
            ("1/d", "1/d"),
            ("3/7s", "3/7s"),
        ];
        for (text, expected) in shown {
            assert_eq!(q(text).to_string(), expected, "{text}");
            assert_eq!(q(expected), q(text), "{expected} parses back to {text}");
        }
        // Any quota, including ones no string produced, round-trips.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let quota = Quota {
                burst: (x % 1_000) as u32 + 1,
                per: Duration::from_nanos((x >> 20) % 100_000_000_000 + 1),
            };
            assert_eq!(q(&quota.to_string()), quota, "{quota:?} shown as {quota}");
        }
    }
}
