//! Reports for the agency's administrators (`reports:read`): the period as two months in a
//! GET form, then the four reports of `comply360_money::reports`, each with its chart, its
//! numbers in a table beside it and a CSV download of the same rows. A bad period is shown
//! beside its field (422), with nothing else computed.

mod money;
mod view;

use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_money::PracticeError;
use comply360_money::reports::{self, Period, PeriodInput, Report, month_key};
use comply360_practice::reminders::sa_today;
use comply360_store::TenantTx;
use minijinja::context;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The form's fields, as typed (`2026-03`, or days from a CSV link).
#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

impl PeriodQuery {
    fn input(&self) -> PeriodInput {
        PeriodInput {
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

/// The four reports of one period, as the page shows them.
async fn build(
    tx: &mut TenantTx,
    input: &PeriodInput,
) -> Result<(Period, minijinja::Value), PracticeError> {
    let today = sa_today();
    let registrations = reports::registrations(tx, input, today).await?;
    let turnaround = reports::turnaround(tx, input, today).await?;
    let commissions = reports::commissions(tx, input, today).await?;
    let fees = reports::fees(tx, input, today).await?;
    let period = registrations.period;
    Ok((
        period,
        context! {
            registrations => view::registrations(&registrations),
            turnaround => view::turnaround(&turnaround),
            commissions => view::commissions(&commissions),
            fees => view::fees(&fees),
        },
    ))
}

/// `GET /reports`
pub async fn page(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let built = build(&mut tx, &q.input()).await;
    tx.commit().await?;
    match built {
        Ok((period, shown)) => {
            let ctx = context! {
                from => month_key(period.from),
                to => month_key(period.to),
                period_words => view::period_words(&period),
                // The CSV links ask for exactly the days the page shows.
                query => format!("from={}&to={}", period.from, period.to),
                reports => shown,
                max_months => reports::MAX_MONTHS,
            };
            Ok(chrome.page("reports.html", "reports", "Reports", ctx))
        }
        Err(PracticeError::Invalid { issues, .. }) => {
            let errors: BTreeMap<String, String> =
                issues.into_iter().map(|i| (i.field, i.message)).collect();
            let ctx = context! {
                from => q.from.unwrap_or_default(),
                to => q.to.unwrap_or_default(),
                errors,
                max_months => reports::MAX_MONTHS,
            };
            let mut res = chrome.page("reports.html", "reports", "Error: Reports", ctx);
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /reports/{name}.csv`: one report's rows, the same as the API's CSV.
pub async fn csv(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(file): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let report: Report = file
        .strip_suffix(".csv")
        .and_then(|name| name.parse().ok())
        .ok_or(PageError::NotFound)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let body = reports::csv(&mut tx, report, &q.input(), sa_today()).await?;
    tx.commit().await?;
    Ok(chrome.respond(comply360_api::money::reports::csv_download(report, body)))
}
