use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::commission::{Formula, Rounding, Scope};
use comply360_domain::{Currency, RegistrationKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A commission rule as stored: what it pays, for which registrations, when.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Rule {
    pub id: Uuid,
    /// The registration type it is for; absent: every type.
    #[schema(value_type = Option<String>)]
    pub kind: Option<RegistrationKind>,
    /// The agent it is an override for; absent: every agent.
    pub agent_id: Option<Uuid>,
    pub agent_email: Option<String>,
    /// `percentage` (of the registration's fee) or `fixed`.
    pub basis: &'static str,
    /// For a percentage: basis points (1250 = 12.50 %).
    pub rate_bp: Option<u32>,
    /// For a fixed amount: cents.
    pub amount_cents: Option<i64>,
    /// For a fixed amount: its currency.
    pub currency: Option<String>,
    /// `half_even` (the default), `half_up`, `down` or `up`.
    #[schema(value_type = String)]
    pub rounding: Rounding,
    pub effective_from: NaiveDate,
    /// The last day it applies; absent: until further notice.
    pub effective_to: Option<NaiveDate>,
    pub note: String,
    /// How many commissions it has produced (a rule that has produced any is ended, never
    /// deleted).
    pub used: i64,
    pub created_at: DateTime<Utc>,
    #[serde(skip)]
    pub(crate) formula: Formula,
    #[serde(skip)]
    pub(crate) fixed_currency: Option<Currency>,
    #[serde(skip)]
    pub(crate) scope: Scope,
}

impl Rule {
    pub fn formula(&self) -> Formula {
        self.formula
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    pub fn fixed_currency(&self) -> Option<Currency> {
        self.fixed_currency
    }

    /// "12.50 % of the fee" or "a fixed ZAR 250.00".
    pub fn describe(&self) -> String {
        match self.formula {
            Formula::Percentage { rate_bp } => format!("{rate_bp} of the fee"),
            Formula::Fixed { amount_cents } => format!(
                "a fixed {} {amount_cents}",
                self.fixed_currency.map_or("", Currency::code)
            ),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// The registration type (e.g. `za_private_company`); leave out for every type.
    pub kind: Option<String>,
    /// An agent's id, for an override that applies to that agent only.
    pub agent_id: Option<Uuid>,
    /// `percentage` or `fixed`.
    #[schema(value_type = String, required)]
    pub basis: Option<String>,
    /// For `percentage`: basis points, 0 to 10000 (1250 = 12.50 %).
    pub rate_bp: Option<u32>,
    /// For `fixed`: cents (R 250.00 is 25000).
    pub amount_cents: Option<i64>,
    /// For `fixed`: ZAR (the default), USD or ZWG.
    pub currency: Option<String>,
    /// `half_even` (the default), `half_up`, `down` or `up`.
    pub rounding: Option<String>,
    /// The first day it applies; today when left out.
    pub effective_from: Option<NaiveDate>,
    /// The last day it applies; open-ended when left out.
    pub effective_to: Option<NaiveDate>,
    #[serde(default)]
    pub note: String,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndInput {
    /// The last day the rule applies.
    #[schema(value_type = NaiveDate, required)]
    pub last_day: Option<NaiveDate>,
}
