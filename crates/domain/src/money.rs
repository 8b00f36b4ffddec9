//! Money is an integer number of cents plus an ISO 4217 currency; never a float.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount in the currency's minor unit (cents for ZAR and USD).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        self.0.checked_add(other.0).map(Cents)
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// The currencies agencies in the region bill in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    Zar,
    Usd,
    Zwg,
}

impl Currency {
    pub const ALL: [Currency; 3] = [Currency::Zar, Currency::Usd, Currency::Zwg];

    pub const fn code(self) -> &'static str {
        match self {
            Currency::Zar => "ZAR",
            Currency::Usd => "USD",
            Currency::Zwg => "ZWG",
        }
    }
}

impl std::str::FromStr for Currency {
    type Err = String;

    /// An ISO 4217 code, in any case.
    fn from_str(code: &str) -> Result<Currency, String> {
        Currency::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(code.trim()))
            .ok_or_else(|| format!("unknown currency {code:?}; one of ZAR, USD, ZWG"))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_display_with_two_decimals() {
        assert_eq!(Cents(17_500).to_string(), "175.00");
        assert_eq!(Cents(5).to_string(), "0.05");
        assert_eq!(Cents(-1_050).to_string(), "-10.50");
        assert_eq!(Cents(i64::MAX).checked_add(Cents(1)), None);
    }
}
