//! The dashboard as answered: the signed-in person's registrations, what waits on them, their
//! obligations coming due, recent activity, and (for who may see them) the agency's totals.

use crate::find::RecordKind;
use crate::obligations::Obligation;
use crate::reach::Reach;
use crate::workflow::Status;
use chrono::{DateTime, NaiveDate, Utc};
use comply360_domain::RegistrationKind;
use serde::Serialize;
use uuid::Uuid;

/// How far ahead "due soon" looks, in days from today.
pub const DUE_SOON_DAYS: i64 = 30;
/// Entries in each list (what waits, obligations overdue and due soon, activity); each list
/// says its total.
pub const LIST_LENGTH: i64 = 10;

/// Who looks at the dashboard, and what they may see.
#[derive(Clone, Copy, Debug)]
pub struct Viewer {
    /// The signed-in person: "my" registrations, clients, companies and obligations are theirs.
    pub user: Uuid,
    pub reach: Reach,
    /// Whether to add the agency's totals (the API grants it with `reports:read`); it also
    /// widens recent activity from the viewer's records to the agency's.
    pub totals: bool,
}

/// A count of registrations in one status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatusCount {
    pub status: Status,
    pub count: i64,
}

/// Why a registration waits on its agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WaitReason {
    /// The registry (or a reviewer) asked for information.
    InformationRequested,
    /// A draft whose wizard has steps not yet complete (`missing_steps`).
    StepsMissing,
    /// A draft with every step complete, or a ready one: it can be submitted.
    ReadyToSubmit,
    /// Approved: the certificate is to be recorded and the filing completed.
    ToComplete,
    /// Refused: reopen it or cancel it.
    Refused,
}

/// A step of a registration's wizard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StepRef {
    pub key: String,
    pub title: String,
}

/// A registration of the viewer's that waits on them.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WaitingRegistration {
    pub id: Uuid,
    pub kind: RegistrationKind,
    pub status: Status,
    /// Its type and what it is for ("Name reservation: Umoya Bakers (Pty) Ltd").
    pub title: String,
    pub client_id: Uuid,
    pub client_name: String,
    pub due_on: Option<NaiveDate>,
    pub reason: WaitReason,
    /// For a draft: the steps still incomplete, in the wizard's order.
    pub missing_steps: Vec<StepRef>,
    pub updated_at: DateTime<Utc>,
}

/// The first few that wait (due soonest first, then the longest untouched), and how many.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WaitingList {
    pub items: Vec<WaitingRegistration>,
    pub total: i64,
}

/// The first few obligations of a list (due soonest first), and how many there are.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ObligationList {
    pub items: Vec<Obligation>,
    pub total: i64,
}

/// The viewer's open obligations (assigned to them, or of their clients) by when they fall.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DueObligations {
    /// Due before today.
    pub overdue: ObligationList,
    /// Due from today to `until`.
    pub upcoming: ObligationList,
    /// Today plus [`DUE_SOON_DAYS`].
    pub until: NaiveDate,
}

/// Whose records the activity is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityScope {
    /// The viewer's registrations, clients and companies (by anyone's hand).
    Mine,
    /// The whole agency's (with the totals).
    Agency,
}

/// One thing that happened to a record: a registration's timeline entry or a client's or
/// company's history entry.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Activity {
    pub at: DateTime<Utc>,
    /// None when the registry gateway acted.
    pub actor_id: Option<Uuid>,
    /// The actor's name (or email), for a person reading the list.
    pub actor_name: Option<String>,
    pub record: RecordKind,
    pub record_id: Uuid,
    /// The client's or company's name; a registration's type and what it is for.
    pub title: String,
    /// A workflow action (`request_info`, `assigned`, …) or a history entry's
    /// (`client.updated`, …).
    pub action: String,
    /// A registration's status before and after, when the entry moved it.
    pub from_status: Option<Status>,
    pub to_status: Option<Status>,
    pub note: String,
}

/// The agency's totals. Deleted clients and companies (and what hangs on them) are not
/// counted.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AgencyTotals {
    pub clients: i64,
    pub companies: i64,
    /// Every registration by status: every status, in the workflow's order.
    pub registrations: Vec<StatusCount>,
    /// Open obligations due before today.
    pub obligations_overdue: i64,
    /// Open obligations due from today to today plus [`DUE_SOON_DAYS`].
    pub obligations_upcoming: i64,
    /// Accounts that have accepted their invitation and are not disabled.
    pub users_active: i64,
    /// Accounts invited that have not yet accepted.
    pub users_invited: i64,
}

/// The dashboard. A section the viewer may not read is absent: registrations (and what
/// waits) need `registrations:read`, obligations `clients:read`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    /// The viewer's registrations (assigned to them, or unassigned and started by them),
    /// by status: every status, in the workflow's order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_registrations: Option<Vec<StatusCount>>,
    /// Of those, the ones that wait on the viewer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting: Option<WaitingList>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obligations: Option<DueObligations>,
    /// The latest entries, newest first, at most [`LIST_LENGTH`].
    pub activity: Vec<Activity>,
    pub activity_scope: ActivityScope,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totals: Option<AgencyTotals>,
}

/// Every status with its count (zero when absent), in the workflow's order.
pub(crate) fn by_status(counts: &[(Status, i64)]) -> Vec<StatusCount> {
    Status::ALL
        .into_iter()
        .map(|status| StatusCount {
            status,
            count: counts
                .iter()
                .filter(|(s, _)| *s == status)
                .map(|(_, n)| n)
                .sum(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_is_counted_in_order() {
        let counts = by_status(&[(Status::Submitted, 2), (Status::Draft, 3)]);
        assert_eq!(counts.len(), Status::ALL.len());
        assert_eq!(
            counts[0],
            StatusCount {
                status: Status::Draft,
                count: 3
            }
        );
        assert_eq!(counts[2].count, 2);
        assert_eq!(counts.iter().map(|c| c.count).sum::<i64>(), 5);
    }
}
