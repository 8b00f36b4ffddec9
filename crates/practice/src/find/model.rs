//! What the search box asks and what it answers: hits grouped by kind, each a title and a
//! subtitle a person recognises, and which field matched.

use comply360_domain::text_enum;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest search text taken (a search box, not a document).
pub const MAX_QUERY_CHARS: usize = 200;
/// Hits per kind when the caller does not say.
pub const DEFAULT_PER_KIND: i64 = 5;
/// The most hits per kind a caller may ask for.
pub const MAX_PER_KIND: i64 = 20;

/// `GET /api/v1/search`'s query.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Free text: a name or the start of one, an ID number, a registration number
    /// (`2024/123456/07`), an email address, or a registry's reference.
    pub q: String,
    /// Hits per kind, 1 to 20 (default 5); `more` says when a kind has others.
    pub limit: Option<i64>,
}

/// The kinds of record the search finds (and the dashboard's activity names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Client,
    Company,
    Registration,
}

text_enum!(RecordKind, "record kind", {
    Client => "client",
    Company => "company",
    Registration => "registration",
});

/// What matched the text. A registration also matches through its client's or its company's
/// name and identifiers, and says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchedOn {
    /// A name (or a client's email) starts with the words.
    Name,
    IdNumber,
    RegistrationNumber,
    Email,
    /// The reference the registry gave a registration.
    Reference,
}

text_enum!(MatchedOn, "matched field", {
    Name => "name",
    IdNumber => "id_number",
    RegistrationNumber => "registration_number",
    Email => "email",
    Reference => "reference",
});

/// One record found.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SearchHit)]
pub struct Hit {
    pub id: Uuid,
    pub kind: RecordKind,
    /// The client's or company's name; a registration's type and what it is for.
    pub title: String,
    /// What tells two of the same title apart: the ID or registration number and email, a
    /// company's number and status, a registration's status, reference and client.
    pub subtitle: String,
    pub matched_on: MatchedOn,
}

/// The hits of one kind: exact identifier matches first, then by name (registrations newest
/// first).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SearchGroup)]
pub struct Group {
    pub kind: RecordKind,
    pub items: Vec<Hit>,
    /// More of this kind match than are listed.
    pub more: bool,
}

/// The search's answer: a group for each kind the caller may read (clients and companies
/// with `clients:read`, registrations with `registrations:read`), in that order, empty when
/// nothing of the kind matched.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SearchResults)]
pub struct Found {
    pub groups: Vec<Group>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_spells_kinds_and_fields_as_the_statements_do() {
        for k in RecordKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for m in MatchedOn::ALL {
            assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
        }
    }
}
