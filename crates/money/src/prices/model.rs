use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::RegistrationKind;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The agency's price for a registration type from a day on.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Price {
    pub id: Uuid,
    #[schema(value_type = String)]
    pub kind: RegistrationKind,
    pub amount_cents: i64,
    /// ZAR, USD or ZWG.
    pub currency: String,
    pub effective_from: NaiveDate,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceInput {
    /// The registration type, e.g. `za_private_company`.
    #[schema(value_type = String, required)]
    pub kind: Option<String>,
    /// In cents: R 1 500.00 is 150000.
    #[schema(value_type = i64, required)]
    pub amount_cents: Option<i64>,
    /// ZAR (the default), USD or ZWG.
    pub currency: Option<String>,
    /// The first day it applies: today (the default) or later.
    pub effective_from: Option<NaiveDate>,
}
