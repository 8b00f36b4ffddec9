//! The four reports as they are answered: JSON (each a typed struct) and, row for row, CSV.

use super::period::Period;
use comply360_domain::RegistrationKind;
use comply360_domain::workflow::Status;
use serde::Serialize;
use uuid::Uuid;

/// Which report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    Registrations,
    Turnaround,
    Commissions,
    Fees,
}

comply360_domain::text_enum!(Report, "report", {
    Registrations => "registrations", Turnaround => "turnaround",
    Commissions => "commissions", Fees => "fees",
});

/// Registrations created in one month, of one type, that are now in one status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RegistrationCount {
    /// `2026-03`: the month it was created in (South African time).
    pub month: String,
    #[schema(value_type = String)]
    pub kind: RegistrationKind,
    pub status: Status,
    pub count: i64,
}

/// Registrations per month by type and status: each counts in the month it was created.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RegistrationsReport {
    pub period: Period,
    /// Every month of the period (`2026-03`), those without registrations too.
    pub months: Vec<String>,
    /// Only the combinations that occur, by month, type and status.
    pub rows: Vec<RegistrationCount>,
    pub total: i64,
}

/// How long the registry took for one registration type.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TurnaroundRow {
    #[schema(value_type = String)]
    pub kind: RegistrationKind,
    /// Registrations of this type approved in the period.
    pub approved: i64,
    /// Days from submission to approval, to one decimal: the median…
    pub median_days: f64,
    /// …and the 90th percentile (linear interpolation between the closest ranks, as
    /// PostgreSQL's `percentile_cont` and numpy's default compute it).
    pub p90_days: f64,
}

/// The same over every type.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TurnaroundOverall {
    pub approved: i64,
    pub median_days: f64,
    pub p90_days: f64,
}

/// Turnaround from submission to approval, over the registrations approved in the period.
/// Submission is the last time the filing was submitted from a draft (a resubmission after the
/// registry asked for information continues the same filing, so its wait counts).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TurnaroundReport {
    pub period: Period,
    /// By type; types with no approval in the period are left out.
    pub rows: Vec<TurnaroundRow>,
    /// Every type together; absent when nothing was approved.
    pub overall: Option<TurnaroundOverall>,
}

/// One agent's commissions earned in one month, in one currency, by status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CommissionTotals {
    pub agent_id: Uuid,
    pub agent_email: String,
    /// The agent's name ("" when none is recorded).
    pub agent_name: String,
    /// `2026-03`: the month it was earned in.
    pub month: String,
    /// ZAR, USD or ZWG.
    pub currency: String,
    pub commissions: i64,
    pub pending_cents: i64,
    pub approved_cents: i64,
    pub paid_cents: i64,
    pub rejected_cents: i64,
}

/// One agent's commissions over the whole period, in one currency, by status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgentCommissions {
    pub agent_id: Uuid,
    pub agent_email: String,
    pub agent_name: String,
    pub currency: String,
    pub commissions: i64,
    pub pending_cents: i64,
    pub approved_cents: i64,
    pub paid_cents: i64,
    pub rejected_cents: i64,
}

/// Commission totals per agent and month, by status and currency (the month is the day
/// earned: the registration's approval or completion, in South Africa).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CommissionsReport {
    pub period: Period,
    pub months: Vec<String>,
    /// By agent (email), month and currency.
    pub rows: Vec<CommissionTotals>,
    /// The rows summed over the period, per agent and currency, largest total first.
    pub agents: Vec<AgentCommissions>,
}

/// The fees of the registrations of one type approved in one month, at one currency, or
/// those without a price (`currency` absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FeeRow {
    /// `2026-03`: the month of approval.
    pub month: String,
    #[schema(value_type = String)]
    pub kind: RegistrationKind,
    /// The price's currency; absent for registrations whose type had no price on their
    /// submission day ("no price set").
    pub currency: Option<String>,
    pub registrations: i64,
    /// The prices summed (0 without a price).
    pub fees_cents: i64,
}

/// Fees per currency over the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FeeTotal {
    pub currency: String,
    pub registrations: i64,
    pub fees_cents: i64,
}

/// Fees earned: for every registration approved in the period, the agency's price for its
/// type in force on its submission day (South African date), summed per month of approval
/// and type. Registrations whose type had no price then are counted apart, not as zero.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FeesReport {
    pub period: Period,
    pub months: Vec<String>,
    pub rows: Vec<FeeRow>,
    /// Per currency, the priced registrations and their fees.
    pub totals: Vec<FeeTotal>,
    /// Registrations approved in the period whose type had no price ("no price set").
    pub unpriced: i64,
}
