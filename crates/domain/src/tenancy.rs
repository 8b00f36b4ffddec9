//! The vocabulary of tenancy: isolation modes, tiers, statuses and the provisioning machine.

use serde::{Deserialize, Serialize};

/// Where a tenant's rows live. Chosen per tenant at creation; see DESIGN.md section 3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IsolationMode {
    /// Shared tables in schema `pooled` of the app database, separated by RLS.
    Pooled,
    /// Schema `t_<slug>` in the app database.
    Schema,
    /// Database `<prefix><slug>` on a registered PostgreSQL server.
    Database,
}

/// Error for a word that is not one of an enum's values; names the accepted ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {given:?}; expected one of: {expected}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub given: String,
    pub expected: &'static str,
}

/// `as_str`, `ALL`, `Display` and `FromStr` (with [`UnknownValue`]) for an enum stored and
/// shown as text. Exported so the practice's models spell their enums the same way.
#[macro_export]
macro_rules! text_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::tenancy::UnknownValue;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    _ => Err($crate::tenancy::UnknownValue {
                        what: $what,
                        given: s.to_owned(),
                        expected: concat!($($text, " "),+).trim_ascii_end(),
                    }),
                }
            }
        }
    };
}

text_enum!(IsolationMode, "isolation mode", {
    Pooled => "pooled", Schema => "schema", Database => "database",
});

/// The commercial tier. It suggests a default isolation mode but does not force one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Starter,
    Professional,
    Enterprise,
}

text_enum!(Tier, "tier", {
    Starter => "starter", Professional => "professional", Enterprise => "enterprise",
});

impl Tier {
    pub const fn default_mode(self) -> IsolationMode {
        match self {
            Tier::Starter => IsolationMode::Pooled,
            Tier::Professional => IsolationMode::Schema,
            Tier::Enterprise => IsolationMode::Database,
        }
    }
}

/// Whether a tenant may be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TenantStatus {
    /// Serving requests.
    Active,
    /// Reads and writes refused with 423 until reactivated.
    Suspended,
}

text_enum!(TenantStatus, "tenant status", {
    Active => "active", Suspended => "suspended",
});

/// Where a tenant is in the provisioning state machine (DESIGN.md rule 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProvisioningState {
    Requested,
    Provisioning,
    Active,
    Failed,
}

text_enum!(ProvisioningState, "provisioning state", {
    Requested => "requested", Provisioning => "provisioning", Active => "active", Failed => "failed",
});

/// The steps of provisioning, in order. Each is idempotent, so a resumed run repeats the
/// step it failed in and skips none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvisioningStep {
    CreateNamespace,
    BuildSchema,
    Seed,
    CreateAdmin,
    Finish,
}

text_enum!(ProvisioningStep, "provisioning step", {
    CreateNamespace => "create_namespace", BuildSchema => "build_schema", Seed => "seed",
    CreateAdmin => "create_admin", Finish => "finish",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_name_the_alternatives() {
        assert_eq!(
            "schema".parse::<IsolationMode>().unwrap(),
            IsolationMode::Schema
        );
        let err = "shared".parse::<IsolationMode>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown isolation mode \"shared\"; expected one of: pooled schema database"
        );
        for mode in IsolationMode::ALL {
            assert_eq!(mode.as_str().parse::<IsolationMode>().unwrap(), *mode);
        }
    }

    #[test]
    fn steps_are_ordered() {
        assert!(ProvisioningStep::CreateNamespace < ProvisioningStep::BuildSchema);
        assert!(ProvisioningStep::CreateAdmin < ProvisioningStep::Finish);
        assert_eq!(Tier::Enterprise.default_mode(), IsolationMode::Database);
    }
}
