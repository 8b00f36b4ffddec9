//! Newtypes for identifiers, so a tenant id can never be passed where a server id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id (UUIDv7), so inserts stay index-friendly.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

uuid_id!(
    /// Identifies an agency (a tenant) across every plane and every isolation mode.
    TenantId
);
uuid_id!(
    /// Identifies a namespace: one schema in one database, holding tenant tables.
    NamespaceId
);
uuid_id!(
    /// Identifies a PostgreSQL server registered in the catalog.
    ServerId
);
uuid_id!(
    /// Identifies an event in a tenant's outbox (time-ordered, so ids sort by emission).
    EventId
);
uuid_id!(
    /// Identifies one delivery of an event to one handler.
    JobId
);
uuid_id!(
    /// Identifies a notification message (an email or an SMS) sent on a tenant's behalf.
    MessageId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = TenantId::new();
        let parsed: TenantId = id.to_string().parse().unwrap();
        assert_eq!(id, parsed);
        assert!("not-a-uuid".parse::<TenantId>().is_err());
    }
}
