//! [`Secret`]: a password, key or URL with credentials, as settings hold it.
//!
//! Its `Debug` and `Display` print `"(secret)"`, so a settings struct can be logged or shown in
//! an error without leaking what it holds; the value is read only through
//! [`Secret::expose`], which makes every use visible in review. The memory is wiped on drop.
//!
//! Not the `secrecy` crate: its `SecretString` has no `Serialize` unless the inner type opts in
//! (impossible for `str` from outside), and the configuration layering (defaults serialised
//! into figment, then overridden) needs it. Serialising writes the value: only the settings
//! loader does that, never a response or a log.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use zeroize::Zeroize;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself. Call it where the value is used, not earlier.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"(secret)\"")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(secret)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_owned())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        #[derive(Debug)]
        struct Settings {
            password: Option<Secret>,
        }
        let s = Settings {
            password: Some(Secret::new("hunter2-correct-horse")),
        };
        let shown = format!("{s:?} {}", s.password.as_ref().map_or("", |p| p.expose()));
        assert!(
            shown.starts_with("Settings { password: Some(\"(secret)\") }"),
            "{shown}"
        );
        assert_eq!(Secret::new("x").to_string(), "(secret)");
        let round: Secret = serde_json::from_str("\"abc\"").unwrap_or_else(|_| Secret::new(""));
        assert_eq!(round.expose(), "abc");
    }
}
