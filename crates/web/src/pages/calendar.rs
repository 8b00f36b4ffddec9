//! The compliance calendar: obligations (annual returns, beneficial-ownership filings, VAT
//! registrations…) as a list or a month, for the person or the whole agency or one client,
//! overdue ones marked, public holidays shown, and the person's private iCalendar address.

use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, Days, Months, NaiveDate};
use comply360_api::AppState;
use comply360_domain::calendar::{BusinessCalendar, sa_public_holidays};
use comply360_practice::obligations::{self, Obligation, ObligationFilter};
use comply360_practice::reminders::sa_today;
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    view: Option<String>,
    /// `2026-12`
    month: Option<String>,
    /// `all` for the agency's; otherwise the viewer's own.
    who: Option<String>,
    client: Option<String>,
    overdue: Option<String>,
    cursor: Option<String>,
}

fn first_of(month: Option<&str>, today: NaiveDate) -> NaiveDate {
    month
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today))
}

/// The month as weeks of seven days (Monday first), each day with its obligations and
/// whether it is a public holiday.
fn month_grid(
    first: NaiveDate,
    items: &[Obligation],
    today: NaiveDate,
    calendar: &BusinessCalendar,
) -> Vec<Vec<serde_json::Value>> {
    // The grid shows days of the months on either side too.
    let holidays: Vec<(NaiveDate, String)> = (first.year() - 1..=first.year() + 1)
        .flat_map(sa_public_holidays)
        .collect();
    let start = first - Days::new(u64::from(first.weekday().num_days_from_monday()));
    let next_month = first + Months::new(1);
    let mut weeks = Vec::new();
    let mut day = start;
    while day < next_month || day.weekday().num_days_from_monday() != 0 {
        let mut week = Vec::new();
        for _ in 0..7 {
            let due: Vec<&Obligation> = items.iter().filter(|o| o.due_on == day).collect();
            // The Act's days by name; the President's declared days (the platform's list,
            // which every deadline counts) by what they are.
            let holiday = holidays
                .iter()
                .find(|(d, _)| *d == day)
                .map(|(_, n)| n.clone())
                .or_else(|| {
                    calendar
                        .is_holiday(day)
                        .then(|| "Declared public holiday".to_owned())
                });
            week.push(json!({
                "date": day, "day": day.day(), "in_month": day.month() == first.month(),
                "today": day == today, "weekend": day.weekday().num_days_from_monday() >= 5,
                "holiday": holiday,
                "items": due.iter().map(|o| json!({"title": title(o), "client_id": o.client_id, "overdue": o.overdue})).collect::<Vec<_>>(),
            }));
            day = day + Days::new(1);
        }
        weeks.push(week);
        if day >= next_month && day.weekday().num_days_from_monday() == 0 {
            break;
        }
    }
    weeks
}

/// "Annual return 2026: Ndlovu Holdings (Pty) Ltd"
fn title(o: &Obligation) -> String {
    let kind = o.kind.as_str().replace('_', " ");
    let mut kind = kind;
    if let Some(first) = kind.get(..1) {
        kind = first.to_uppercase() + &kind[1..];
    }
    format!("{kind} {}: {}", o.period, o.company_name)
}

/// The feed's full address on the host the page was asked on (a calendar app needs it whole).
fn feed_url(headers: &axum::http::HeaderMap, secure: bool, token: &str) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if secure { "https" } else { "http" };
    format!("{scheme}://{host}/ical/{token}.ics")
}

pub async fn page(
    State(state): State<AppState>,
    chrome: Chrome,
    headers: axum::http::HeaderMap,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, PageError> {
    let today = sa_today();
    let tenant = chrome.tenant()?.clone();
    let everyone = q.who.as_deref() == Some("all");
    let month_view = q.view.as_deref() == Some("month");
    let first = first_of(q.month.as_deref(), today);
    let last = first + Months::new(1) - Days::new(1);
    let client = q.client.as_deref().and_then(|c| Uuid::parse_str(c).ok());
    let mut filter = ObligationFilter {
        status: Some("open".into()),
        agent: (!everyone && client.is_none()).then(|| chrome.actor()),
        client_id: client,
        overdue: q.overdue.as_deref() == Some("1"),
        limit: Some(100),
        cursor: q.cursor.clone().filter(|c| !c.is_empty()),
        ..ObligationFilter::default()
    };
    if month_view {
        filter.due_before = Some(last);
        // The list is ordered by due date and resumes after a cursor: starting after the
        // last day of the previous month gives the month's obligations first.
        filter.cursor = Some(format!("{}|{}", first - Days::new(1), Uuid::max()));
        filter.overdue = false;
    }
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let page = obligations::list(&mut tx, &filter, today).await?;
    let client_name = match client {
        Some(id) => Some(comply360_practice::clients::display_name(&mut tx, id).await?),
        None => None,
    };
    let calendar = tx.calendar().clone();
    tx.commit().await?;
    let feed = comply360_api::practice::obligations::feed_token(
        &state,
        tenant.id().as_uuid(),
        chrome.actor(),
    );
    let weeks = month_view.then(|| month_grid(first, &page.items, today, &calendar));
    let overdue_count = page.items.iter().filter(|o| o.overdue).count();
    let feed_url = feed_url(&headers, chrome.secure(), &feed);
    Ok(chrome.page(
        "calendar.html",
        "calendar",
        "Compliance calendar",
        context! {
            items => View::from(Serde(&page.items)),
            next_cursor => (!month_view).then_some(page.next_cursor).flatten(),
            weeks => View::from(Serde(&weeks)),
            month_view, everyone,
            overdue_only => filter.overdue,
            overdue_count,
            client => q.client.unwrap_or_default(),
            client_name,
            month => first.format("%Y-%m").to_string(),
            month_title => first.format("%B %Y").to_string(),
            prev_month => (first - Months::new(1)).format("%Y-%m").to_string(),
            next_month => (first + Months::new(1)).format("%Y-%m").to_string(),
            feed_url,
        },
    ))
}
