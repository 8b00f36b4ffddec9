//! The filing workflow, one state machine for every registration type:
//!
//! ```text
//! draft --mark_ready--> ready --submit--> submitted --approve--> approved --complete--> completed
//!   ^                     |                  |    \--reject--> rejected --reopen--> draft
//!   '------- edit --------'                  '--request_info--> info_requested --resubmit--> submitted
//! draft | ready | submitted | info_requested --cancel--> cancelled
//! ```
//!
//! `submit` from a draft passes through `ready` (both steps are on the timeline). Which
//! permission each action needs is part of the table, so the API and the tests read one truth.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = RegistrationStatus)]
pub enum Status {
    Draft,
    Ready,
    Submitted,
    InfoRequested,
    Approved,
    Rejected,
    Completed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Draft,
        Status::Ready,
        Status::Submitted,
        Status::InfoRequested,
        Status::Approved,
        Status::Rejected,
        Status::Completed,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Ready => "ready",
            Status::Submitted => "submitted",
            Status::InfoRequested => "info_requested",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
        }
    }

    /// Whether the wizard's steps may still change.
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Ready | Status::InfoRequested)
    }

    /// Whether the filing is over: no action leads anywhere from here.
    pub fn closed(self) -> bool {
        self.actions().is_empty()
    }

    /// The actions allowed from here.
    pub fn actions(self) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|a| a.from(self).is_some())
            .collect()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Status, String> {
        Status::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown status {s:?}; one of {}",
                    Status::ALL.map(|x| x.as_str()).join(", ")
                )
            })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = RegistrationAction)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    MarkReady,
    Edit,
    Submit,
    Approve,
    Reject,
    RequestInfo,
    Resubmit,
    Complete,
    Reopen,
    Cancel,
}

impl Action {
    pub const ALL: [Action; 10] = [
        Action::MarkReady,
        Action::Edit,
        Action::Submit,
        Action::Approve,
        Action::Reject,
        Action::RequestInfo,
        Action::Resubmit,
        Action::Complete,
        Action::Reopen,
        Action::Cancel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::MarkReady => "mark_ready",
            Action::Edit => "edit",
            Action::Submit => "submit",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::RequestInfo => "request_info",
            Action::Resubmit => "resubmit",
            Action::Complete => "complete",
            Action::Reopen => "reopen",
            Action::Cancel => "cancel",
        }
    }

    /// The status this action leads to from `status`, or None when it is not allowed there.
    pub fn from(self, status: Status) -> Option<Status> {
        use Action as A;
        use Status as S;
        match (status, self) {
            (S::Draft, A::MarkReady) => Some(S::Ready),
            (S::Ready, A::Edit) => Some(S::Draft),
            (S::Draft | S::Ready, A::Submit) => Some(S::Submitted),
            (S::Submitted, A::Approve) => Some(S::Approved),
            (S::Submitted, A::Reject) => Some(S::Rejected),
            (S::Submitted, A::RequestInfo) => Some(S::InfoRequested),
            (S::InfoRequested, A::Resubmit) => Some(S::Submitted),
            (S::Approved, A::Complete) => Some(S::Completed),
            (S::Rejected, A::Reopen) => Some(S::Draft),
            (S::Draft | S::Ready | S::Submitted | S::InfoRequested, A::Cancel) => {
                Some(S::Cancelled)
            }
            _ => None,
        }
    }

    /// The permission an account needs to take this action. Assistants prepare drafts;
    /// filing and recording what the registry said is an agent's (or an admin's) job.
    pub fn permission(self) -> &'static str {
        match self {
            Action::MarkReady | Action::Edit | Action::Reopen => "registrations:draft",
            _ => "registrations:write",
        }
    }

    /// Whether the draft must validate before the action.
    pub fn needs_valid_draft(self) -> bool {
        matches!(self, Action::MarkReady | Action::Submit | Action::Resubmit)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Action, String> {
        Action::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown action {s:?}; one of {}",
                    Action::ALL.map(|x| x.as_str()).join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path_and_the_info_loop() {
        let mut s = Status::Draft;
        for a in [
            Action::MarkReady,
            Action::Submit,
            Action::RequestInfo,
            Action::Resubmit,
            Action::Approve,
            Action::Complete,
        ] {
            s = a.from(s).unwrap_or_else(|| panic!("{a} from {s}"));
        }
        assert_eq!(s, Status::Completed);
        assert!(Status::Completed.actions().is_empty());
        assert!(Status::Cancelled.actions().is_empty());
    }

    #[test]
    fn wrong_transitions_are_none() {
        assert_eq!(Action::Approve.from(Status::Draft), None);
        assert_eq!(Action::Complete.from(Status::Submitted), None);
        assert_eq!(Action::Cancel.from(Status::Approved), None);
        assert_eq!(Action::Submit.from(Status::Submitted), None);
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        }
        assert!(
            "approved!"
                .parse::<Action>()
                .unwrap_err()
                .contains("mark_ready")
        );
    }
}
