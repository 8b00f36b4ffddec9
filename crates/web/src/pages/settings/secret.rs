//! A secret typed into a form or made for the viewer (a CIPC password, a new API key): never
//! printed by `Debug`, wiped from memory when dropped.

use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

#[derive(Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(text: String) -> Secret {
        Secret(Zeroizing::new(text))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn debug_does_not_show_the_secret() {
        let s = super::Secret::new("hunter2-hunter2".into());
        assert_eq!(format!("{s:?}"), "Secret(…)");
        assert_eq!(s.expose(), "hunter2-hunter2");
    }
}
