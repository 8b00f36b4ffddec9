use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::RegistrationKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// A commission's place in its workflow: `pending → approved → paid`, or `rejected` (from
/// pending or approved) with a reason. Paid and rejected are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = CommissionStatus)]
pub enum CommissionStatus {
    Pending,
    Approved,
    Paid,
    Rejected,
}

comply360_domain::text_enum!(CommissionStatus, "commission status", {
    Pending => "pending", Approved => "approved", Paid => "paid", Rejected => "rejected",
});

/// What an administrator does to commissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = CommissionAction)]
pub enum CommissionAction {
    Approve,
    Reject,
    Pay,
}

comply360_domain::text_enum!(CommissionAction, "commission action", {
    Approve => "approve", Reject => "reject", Pay => "pay",
});

impl CommissionAction {
    /// Where the action leads from `from`, if it is allowed there.
    pub fn from(self, from: CommissionStatus) -> Option<CommissionStatus> {
        use CommissionStatus::{Approved, Paid, Pending, Rejected};
        match (self, from) {
            (CommissionAction::Approve, Pending) => Some(Approved),
            (CommissionAction::Reject, Pending | Approved) => Some(Rejected),
            (CommissionAction::Pay, Approved) => Some(Paid),
            _ => None,
        }
    }

    /// The event each action emits.
    pub fn event(self) -> &'static str {
        use comply360_jobs::event::types;
        match self {
            CommissionAction::Approve => types::COMMISSION_APPROVED,
            CommissionAction::Reject => types::COMMISSION_REJECTED,
            CommissionAction::Pay => types::COMMISSION_PAID,
        }
    }
}

impl CommissionStatus {
    /// The actions allowed from here.
    pub fn actions(self) -> Vec<CommissionAction> {
        CommissionAction::ALL
            .iter()
            .copied()
            .filter(|a| a.from(self).is_some())
            .collect()
    }
}

/// One commission: whose, for which registration, how much and how it was calculated, and
/// where it stands.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Commission {
    pub id: Uuid,
    pub registration_id: Uuid,
    #[schema(value_type = String)]
    pub registration_kind: RegistrationKind,
    pub registration_reference: Option<String>,
    pub client_id: Uuid,
    pub client_name: String,
    pub agent_id: Uuid,
    pub agent_email: String,
    pub status: CommissionStatus,
    pub amount_cents: i64,
    pub currency: String,
    /// The registration's fee the rule was applied to (absent for a fixed rule's).
    pub fee_cents: Option<i64>,
    /// The rule that produced it (absent for commissions recorded before rules existed).
    pub rule_id: Option<Uuid>,
    /// The rule as it stood and the arithmetic: `{rule, fee_cents, exact_cents, explanation}`.
    pub calculation: Value,
    /// The day the registration earned it (its approval or completion, in South Africa).
    pub earned_on: NaiveDate,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by: Option<Uuid>,
    pub rejected_at: Option<DateTime<Utc>>,
    pub rejected_by: Option<Uuid>,
    pub reason: Option<String>,
    pub paid_on: Option<NaiveDate>,
    pub paid_by: Option<Uuid>,
    pub payment_reference: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What an administrator may do next.
    pub actions: Vec<CommissionAction>,
}

/// Which commissions to list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommissionFilter {
    /// One agent's (an agent without `commissions:read` sees only their own, whatever this says).
    pub agent: Option<Uuid>,
    /// `pending`, `approved`, `paid` or `rejected`.
    pub status: Option<String>,
    /// Earned on or after this day.
    pub from: Option<NaiveDate>,
    /// Earned on or before this day.
    pub to: Option<NaiveDate>,
    pub cursor: Option<String>,
    /// 1 to 200 (50 by default).
    pub limit: Option<i64>,
}
