use comply360_domain::text_enum;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a document is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Client,
    Company,
    /// A director, member or other person of a company.
    Person,
    Registration,
}

text_enum!(SubjectKind, "document subject", {
    Client => "client",
    Company => "company",
    Person => "person",
    Registration => "registration",
});

/// A document's subject: its kind and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: Uuid,
}
