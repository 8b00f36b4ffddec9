//! What `documents.storage_key` holds: `vault:<object id>` for an object in the vault (its
//! place is derived from the agency and that id, never stored, so a row cannot point into
//! another agency's space), or `db:document_contents/<id>` for bytes still waiting in the
//! database hand-off table.

use uuid::Uuid;

const VAULT: &str = "vault:";
const DATABASE: &str = "db:document_contents/";

/// Where a document's bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    Vault(Uuid),
    /// Not yet moved out of `document_contents`.
    Database,
}

pub fn of(object: Uuid) -> String {
    format!("{VAULT}{object}")
}

pub fn parse(key: &str) -> Option<Location> {
    if let Some(id) = key.strip_prefix(VAULT) {
        return id.parse().ok().map(Location::Vault);
    }
    key.starts_with(DATABASE).then_some(Location::Database)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_nothing_else_parses() {
        let id = Uuid::now_v7();
        assert_eq!(parse(&of(id)), Some(Location::Vault(id)));
        assert_eq!(
            parse(&format!("db:document_contents/{id}")),
            Some(Location::Database)
        );
        assert_eq!(parse("tenants/x/documents/y"), None);
        assert_eq!(parse("vault:../../etc"), None);
    }
}
