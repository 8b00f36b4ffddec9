//! The iCalendar feed of an agent's obligations (RFC 5545), for the calendar app they already
//! use: one all-day event per open obligation on its due date, with a reminder a week before.
//!
//! An all-day event's DTEND is exclusive (RFC 5545 3.6.1): a one-day event on 4 November
//! ends on 5 November. (`icalendar`'s `all_day` writes the same day for both, which readers
//! take as an event of no length, so the dates are written here.)

use crate::obligations::{Obligation, ObligationKind, ObligationStatus};
use chrono::{DateTime, Utc};
use icalendar::{Alarm, Calendar, Component, Event, EventLike, Trigger};

fn title(o: &Obligation) -> String {
    let what = match o.kind {
        ObligationKind::AnnualReturn => format!("Annual return {}", o.period),
        ObligationKind::BeneficialOwnership => "Beneficial ownership filing".to_owned(),
        ObligationKind::VatRegistration => "VAT registration".to_owned(),
        ObligationKind::ZwReRegistration => "CIPZ re-registration".to_owned(),
    };
    format!("{what}: {}", o.company_name)
}

/// The feed; `now` stamps every event (DTSTAMP) so the output is reproducible in tests.
pub fn feed(calendar_name: &str, obligations: &[Obligation], now: DateTime<Utc>) -> String {
    let mut cal = Calendar::new();
    cal.name(calendar_name);
    for o in obligations
        .iter()
        .filter(|o| o.status == ObligationStatus::Open)
    {
        let rule = o
            .detail
            .get("rule")
            .and_then(|r| r.as_str())
            .unwrap_or_default();
        let mut description = format!("Due {}.", o.due_on);
        if let Some(opens) = o.opens_on {
            description.push_str(&format!(" Opens {opens}."));
        }
        if !rule.is_empty() {
            description.push_str(&format!(" Rule: {rule}."));
        }
        let event = Event::new()
            .uid(&format!("{}@comply360", o.id))
            .summary(&title(o))
            .description(&description)
            .starts(o.due_on)
            .ends(o.due_on.succ_opt().unwrap_or(o.due_on))
            .timestamp(now)
            .alarm(Alarm::display(
                &title(o),
                Trigger::before_start(chrono::Duration::days(7)),
            ))
            .done();
        cal.push(event);
    }
    cal.done().to_string()
}
