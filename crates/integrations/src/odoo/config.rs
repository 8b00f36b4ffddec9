//! Where an agency's Odoo is, who we sign in as, and which of Odoo's two external APIs to speak.

use comply360_domain::Secret;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use url::Url;

/// Odoo's external APIs (FACTS.md section 5). JSON-2 is the one to build on; XML-RPC is for
/// Odoo 18 and earlier, and is deprecated from 19.0 on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OdooProtocol {
    /// `POST /json/2/<model>/<method>` with a bearer API key (Odoo 19 and later).
    Json2,
    /// `/xmlrpc/2/common` and `/xmlrpc/2/object` (every version, deprecated from 19.0).
    XmlRpc,
}

impl OdooProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            OdooProtocol::Json2 => "json2",
            OdooProtocol::XmlRpc => "xmlrpc",
        }
    }
}

impl fmt::Display for OdooProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not an Odoo protocol; use \"json2\" (Odoo 19 and later) or \"xmlrpc\" (Odoo 18 and earlier)"
)]
pub struct UnknownOdooProtocol(pub String);

impl FromStr for OdooProtocol {
    type Err = UnknownOdooProtocol;

    fn from_str(s: &str) -> Result<OdooProtocol, UnknownOdooProtocol> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json2" => Ok(OdooProtocol::Json2),
            "xmlrpc" => Ok(OdooProtocol::XmlRpc),
            _ => Err(UnknownOdooProtocol(s.to_owned())),
        }
    }
}

/// One agency's Odoo. `Debug` shows no key ([`Secret`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OdooConfig {
    /// The server, e.g. `https://mycompany.odoo.com/`; a path is kept (`https://host/odoo/`).
    pub base_url: Url,
    /// XML-RPC names it in every call; JSON-2 sends it as `X-Odoo-Database` when not empty
    /// (needed only where one server hosts several databases).
    pub database: String,
    /// XML-RPC signs in with it; JSON-2 does not use it (the key names the user).
    pub login: String,
    /// An API key (Preferences → Account Security); it replaces the password on XML-RPC.
    pub api_key: Secret,
    pub protocol: OdooProtocol,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_parse_and_print() {
        for protocol in [OdooProtocol::Json2, OdooProtocol::XmlRpc] {
            assert_eq!(protocol.as_str().parse::<OdooProtocol>(), Ok(protocol));
        }
        assert_eq!(" XMLRPC ".parse::<OdooProtocol>(), Ok(OdooProtocol::XmlRpc));
        let err = "jsonrpc".parse::<OdooProtocol>().unwrap_err().to_string();
        assert!(err.contains("json2") && err.contains("xmlrpc"), "{err}");
    }
}
