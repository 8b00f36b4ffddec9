//! An obligation of the compliance calendar as stored and listed, and the list's filter.

use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::text_enum;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// What a company owes (`obligations.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObligationKind {
    AnnualReturn,
    BeneficialOwnership,
    VatRegistration,
    ZwReRegistration,
}

text_enum!(ObligationKind, "obligation kind", {
    AnnualReturn => "annual_return",
    BeneficialOwnership => "beneficial_ownership",
    VatRegistration => "vat_registration",
    ZwReRegistration => "zw_re_registration",
});

/// `obligations.status`: open until done (by a filing or by hand) or waived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObligationStatus {
    Open,
    Done,
    Waived,
}

text_enum!(ObligationStatus, "obligation status", {
    Open => "open",
    Done => "done",
    Waived => "waived",
});

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Obligation {
    pub id: Uuid,
    pub company_id: Uuid,
    pub company_name: String,
    pub client_id: Uuid,
    pub kind: ObligationKind,
    pub period: String,
    pub opens_on: Option<NaiveDate>,
    pub due_on: NaiveDate,
    pub status: ObligationStatus,
    pub overdue: bool,
    pub agent_id: Option<Uuid>,
    pub registration_id: Option<Uuid>,
    pub detail: Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ObligationFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub agent: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    pub due_before: Option<NaiveDate>,
    #[serde(default)]
    pub overdue: bool,
    /// Cursor: "due_on|id" of the last item (obligations are listed by due date).
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_spells_kinds_and_statuses_as_the_database_does() {
        for k in ObligationKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for s in ObligationStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
