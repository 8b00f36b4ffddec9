//! The platform's plans: what an agency's tier costs a month and what it may use. Limits are
//! checked where the thing is created (a user, a registration, a stored document, an Odoo
//! connection, an API key), each refusal naming the limit and the plan that lifts it.
//!
//! The prices and limits are the platform's commercial terms, not law: they live here, in
//! one table, so the console, the checks and the monthly invoices read the same figures.

use crate::money::Cents;
use crate::tenancy::Tier;
use serde::Serialize;

/// Something a plan includes or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Mirroring the agency's records into its Odoo.
    OdooSync,
    /// API keys for the agency's own integrations.
    ApiKeys,
}

crate::text_enum!(Feature, "plan feature", {
    OdooSync => "odoo_sync", ApiKeys => "api_keys",
});

impl Feature {
    pub fn label(self) -> &'static str {
        match self {
            Feature::OdooSync => "Odoo sync",
            Feature::ApiKeys => "API keys",
        }
    }
}

/// What is counted against a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// Active and invited users.
    Users,
    /// Registrations started in a calendar month (South African time).
    RegistrationsPerMonth,
    /// Bytes of documents stored.
    StorageBytes,
}

crate::text_enum!(Limit, "plan limit", {
    Users => "users", RegistrationsPerMonth => "registrations_per_month",
    StorageBytes => "storage_bytes",
});

impl Limit {
    fn describe(self, n: u64) -> String {
        match self {
            Limit::Users => format!("{n} users"),
            Limit::RegistrationsPerMonth => format!("{n} registrations a month"),
            Limit::StorageBytes => format!("{} GB of documents", n / GB),
        }
    }
}

const GB: u64 = 1024 * 1024 * 1024;

/// One tier's terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Plan {
    #[schema(value_type = String)]
    pub tier: Tier,
    pub name: &'static str,
    /// Per month, exclusive of VAT, in cents of rand.
    #[schema(value_type = i64)]
    pub monthly: Cents,
    /// None: unlimited.
    pub users: Option<u64>,
    pub registrations_per_month: Option<u64>,
    pub storage_bytes: Option<u64>,
    pub features: &'static [Feature],
}

const PLANS: [Plan; 3] = [
    Plan {
        tier: Tier::Starter,
        name: "Starter",
        monthly: Cents(99_000),
        users: Some(3),
        registrations_per_month: Some(50),
        storage_bytes: Some(5 * GB),
        features: &[],
    },
    Plan {
        tier: Tier::Professional,
        name: "Professional",
        monthly: Cents(249_000),
        users: Some(15),
        registrations_per_month: Some(500),
        storage_bytes: Some(50 * GB),
        features: &[Feature::OdooSync, Feature::ApiKeys],
    },
    Plan {
        tier: Tier::Enterprise,
        name: "Enterprise",
        monthly: Cents(799_000),
        users: None,
        registrations_per_month: None,
        storage_bytes: Some(500 * GB),
        features: &[Feature::OdooSync, Feature::ApiKeys],
    },
];

/// A refusal: which limit, what the plan allows, and the plan that would allow more.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct PlanLimitReached {
    /// `users`, `registrations_per_month`, `storage_bytes`, or a feature's name.
    pub limit: &'static str,
    /// What the current plan allows (None for a feature it lacks).
    pub allowed: Option<u64>,
    pub plan: &'static str,
    /// The lowest plan that lifts it, if any.
    pub upgrade: Option<&'static str>,
    pub detail: String,
}

impl Plan {
    pub fn all() -> &'static [Plan] {
        &PLANS
    }

    pub fn of(tier: Tier) -> &'static Plan {
        match tier {
            Tier::Starter => &PLANS[0],
            Tier::Professional => &PLANS[1],
            Tier::Enterprise => &PLANS[2],
        }
    }

    pub fn allowance(&self, limit: Limit) -> Option<u64> {
        match limit {
            Limit::Users => self.users,
            Limit::RegistrationsPerMonth => self.registrations_per_month,
            Limit::StorageBytes => self.storage_bytes,
        }
    }

    pub fn includes(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }

    /// Whether `adding` more of `limit`, on top of `used`, stays within the plan.
    pub fn ensure(&self, limit: Limit, used: u64, adding: u64) -> Result<(), PlanLimitReached> {
        let Some(allowed) = self.allowance(limit) else {
            return Ok(());
        };
        if used.saturating_add(adding) <= allowed {
            return Ok(());
        }
        let upgrade = PLANS
            .iter()
            .find(|p| p.monthly > self.monthly && p.allowance(limit).is_none_or(|a| a > allowed))
            .map(|p| p.name);
        Err(PlanLimitReached {
            limit: limit.as_str(),
            allowed: Some(allowed),
            plan: self.name,
            upgrade,
            detail: format!(
                "the {} plan allows {}{}; {}",
                self.name,
                limit.describe(allowed),
                match limit {
                    Limit::RegistrationsPerMonth => " and this month's are used up",
                    Limit::Users => " and they are all taken",
                    Limit::StorageBytes => " and this would go over",
                },
                upgrade.map_or_else(
                    || "ask the platform operator about a larger allowance".to_owned(),
                    |u| format!("upgrade to {u} for more")
                )
            ),
        })
    }

    /// Whether the plan includes `feature`.
    pub fn ensure_feature(&self, feature: Feature) -> Result<(), PlanLimitReached> {
        if self.includes(feature) {
            return Ok(());
        }
        let upgrade = PLANS.iter().find(|p| p.includes(feature)).map(|p| p.name);
        Err(PlanLimitReached {
            limit: feature.as_str(),
            allowed: None,
            plan: self.name,
            upgrade,
            detail: format!(
                "{} is not part of the {} plan; {}",
                feature.label(),
                self.name,
                upgrade.map_or_else(
                    || "ask the platform operator".to_owned(),
                    |u| format!("upgrade to {u} to use it")
                )
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_allowance_is_refused_naming_the_upgrade() {
        let starter = Plan::of(Tier::Starter);
        assert!(starter.ensure(Limit::Users, 2, 1).is_ok());
        let err = starter.ensure(Limit::Users, 3, 1).unwrap_err();
        assert_eq!(err.limit, "users");
        assert_eq!(err.allowed, Some(3));
        assert_eq!(err.upgrade, Some("Professional"));
        assert!(
            err.detail.contains("Starter plan allows 3 users"),
            "{}",
            err.detail
        );
        assert!(
            Plan::of(Tier::Enterprise)
                .ensure(Limit::Users, 10_000, 1)
                .is_ok()
        );
    }

    #[test]
    fn a_missing_feature_names_the_plan_that_has_it() {
        let err = Plan::of(Tier::Starter)
            .ensure_feature(Feature::OdooSync)
            .unwrap_err();
        assert_eq!(err.upgrade, Some("Professional"));
        assert!(
            err.detail
                .contains("Odoo sync is not part of the Starter plan")
        );
        assert!(
            Plan::of(Tier::Professional)
                .ensure_feature(Feature::ApiKeys)
                .is_ok()
        );
    }

    #[test]
    fn the_largest_plan_points_to_the_operator() {
        let err = Plan::of(Tier::Enterprise)
            .ensure(Limit::StorageBytes, 500 * GB, 1)
            .unwrap_err();
        assert_eq!(err.upgrade, None);
        assert!(err.detail.contains("ask the platform operator"));
    }
}
