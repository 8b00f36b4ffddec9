//! What a caller may read, as the practice's read-everything operations (the search box, the
//! dashboard) need to know it. The API resolves it from the caller's permissions; the practice
//! never sees a permission name, only which kinds of record to leave out.

/// The kinds of record a caller may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reach {
    /// Clients and what hangs on them: companies, their people, obligations, their history
    /// (the API reads all of them under `clients:read`).
    pub clients: bool,
    /// Registrations and their timelines (`registrations:read`).
    pub registrations: bool,
}

impl Reach {
    /// Every kind: the practice's own callers (the CLI, tests).
    pub const ALL: Reach = Reach {
        clients: true,
        registrations: true,
    };
}
