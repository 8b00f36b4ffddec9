//! The public holidays the President declared (election days, decrees), beyond the Public
//! Holidays Act's own: listed, added and withdrawn by an operator. Every change recomputes the
//! deadlines of every agency at once; the page says how many moved. Through
//! `comply360_practice::holidays`, the operations the API and `comply360 holidays` call.

use super::{actor, view};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use comply360_api::AppState;
use comply360_practice::PracticeError;
use comply360_practice::holidays;
use comply360_practice::obligations::Recomputed;
use comply360_practice::reminders::sa_today;
use minijinja::context;
use serde::Deserialize;
use std::collections::BTreeMap;

async fn page(
    state: &AppState,
    chrome: Chrome,
    errors: BTreeMap<String, String>,
    typed: (String, String),
    status: StatusCode,
) -> Result<Response, PageError> {
    let list = holidays::list(&state.store).await?;
    let today = sa_today();
    let can_manage = chrome.may("platform:holidays:manage");
    let mut res = chrome.page(
        "console/holidays.html",
        "holidays",
        "Declared public holidays",
        context! {
            holidays => view(&list),
            today => today.to_string(),
            errors,
            date => typed.0,
            name => typed.1,
            can_manage,
        },
    );
    *res.status_mut() = status;
    Ok(res)
}

pub async fn list(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    page(
        &state,
        chrome,
        BTreeMap::new(),
        Default::default(),
        StatusCode::OK,
    )
    .await
}

/// "3 deadlines moved in 12 agencies", and the agencies that could not be recomputed.
fn moved(r: &Recomputed) -> String {
    let mut text = format!(
        "{} {} moved in {} {}.",
        r.moved,
        if r.moved == 1 {
            "deadline"
        } else {
            "deadlines"
        },
        r.agencies,
        if r.agencies == 1 {
            "agency"
        } else {
            "agencies"
        }
    );
    if !r.failed.is_empty() {
        text.push_str(&format!(
            " {} could not be recomputed now; the hourly sweep will: {}.",
            r.failed.len(),
            r.failed.join("; ")
        ));
    }
    text
}

#[derive(Deserialize)]
pub struct NewHoliday {
    #[serde(default)]
    date: String,
    #[serde(default)]
    name: String,
}

pub async fn declare(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<NewHoliday>,
) -> Result<Response, PageError> {
    let typed = (form.date.clone(), form.name.clone());
    let refuse = |field: &str, message: String| BTreeMap::from([(field.to_owned(), message)]);
    let Ok(on) = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d") else {
        let errors = refuse(
            "date",
            "enter the day as YYYY-MM-DD, e.g. 2026-11-04".into(),
        );
        return page(
            &state,
            chrome,
            errors,
            typed,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let outcome = match holidays::parse(on, &form.name) {
        Ok(holiday) => holidays::declare(&state.store, &actor(&chrome), &holiday, sa_today()).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok((record, recomputed)) => {
            let notice = format!(
                "{} ({}) is a declared holiday. {}",
                record.date,
                record.name,
                moved(&recomputed)
            );
            Ok(chrome.done("/holidays", &notice))
        }
        Err(PracticeError::Invalid { issues, .. }) => {
            let errors = issues.into_iter().map(|i| (i.field, i.message)).collect();
            page(
                &state,
                chrome,
                errors,
                typed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(PracticeError::Conflict { detail, .. }) => {
            page(
                &state,
                chrome,
                refuse("date", detail),
                typed,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(date): Path<String>,
) -> Result<Response, PageError> {
    let on = date.parse::<NaiveDate>().map_err(|_| PageError::NotFound)?;
    match holidays::withdraw(&state.store, &actor(&chrome), on, sa_today()).await? {
        Some((record, recomputed)) => {
            let notice = format!(
                "{} is no longer a holiday. {}",
                record.date,
                moved(&recomputed)
            );
            Ok(chrome.done("/holidays", &notice))
        }
        None => Err(PageError::NotFound),
    }
}
