//! Settings › Commissions (`commissions:manage`): when a registration earns its commission,
//! the price of each registration type (the fee a percentage is a share of), and the rules:
//! a percentage or a fixed amount, for a type or all, for an agent or all, between dates.
//! Rands and percentages are typed as people write them; refusals sit beside their fields.
//! The same money operations as the API's `/api/v1/prices`, `/commission-rules` and
//! `/commission-settings` routes.

use super::{Refusal, page, uuid, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use crate::pages::registrations::form::rands_to_cents;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::problem::Problem;
use comply360_domain::commission::BasisPoints;
use comply360_domain::registration_types::RegistrationTypes;
use comply360_money::rules::{EndInput, RuleInput};
use comply360_money::settings::SettingsInput;
use comply360_money::{PracticeError, prices, rules, settings};
use comply360_practice::reminders::sa_today;
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Default, Deserialize, Serialize)]
pub struct PriceForm {
    #[serde(default)]
    price_kind: String,
    #[serde(default)]
    price_amount: String,
    #[serde(default)]
    price_from: String,
}

#[derive(Default, Deserialize, Serialize)]
pub struct RuleForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    agent: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    percent: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    rounding: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
}

#[derive(Default, Deserialize)]
pub struct TriggerForm {
    #[serde(default)]
    trigger: String,
}

#[derive(Default, Deserialize)]
pub struct EndForm {
    #[serde(default)]
    last_day: String,
}

enum Typed<'a> {
    None,
    Price(&'a PriceForm, Refusal),
    Rule(&'a RuleForm, Refusal),
    Other(Refusal),
}

async fn render(state: &AppState, chrome: Chrome, typed: Typed<'_>) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let trigger = settings::get(&mut tx).await.map_err(Problem::from)?.trigger;
    let price_list = prices::list(&mut tx).await.map_err(Problem::from)?;
    let rule_list = rules::list(&mut tx).await.map_err(Problem::from)?;
    tx.commit().await?;
    let agents: Vec<View> = state
        .identity
        .list_users(&tenant)
        .await
        .map_err(|e| PageError::Problem(comply360_api::problem::from_auth(&e)))?
        .into_iter()
        .filter(|u| u.status != "disabled")
        .map(|u| context! { id => u.id.to_string(), email => u.email })
        .collect();
    let types: Vec<View> = RegistrationTypes::built_in()
        .all()
        .iter()
        .map(|t| context! { key => t.key.to_string(), title => t.title.clone() })
        .collect();
    let empty_price = PriceForm::default();
    let empty_rule = RuleForm {
        basis: "percentage".into(),
        ..RuleForm::default()
    };
    let (price_form, rule_form, refusal, which) = match typed {
        Typed::None => (&empty_price, &empty_rule, None, ""),
        Typed::Price(f, r) => (f, &empty_rule, Some(r), "price"),
        Typed::Rule(f, r) => (&empty_price, f, Some(r), "rule"),
        Typed::Other(r) => (&empty_price, &empty_rule, Some(r), "other"),
    };
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    let (errors, summary) =
        refusal.map_or((BTreeMap::new(), None), |r| (r.errors, Some(r.summary)));
    let title = if summary.is_some() {
        "Error: Commissions"
    } else {
        "Commissions"
    };
    let ctx = context! {
        trigger => trigger.as_str(),
        prices => View::from(Serde(&price_list)),
        rules => View::from(Serde(&rule_list)),
        agents, types,
        price_form => View::from(Serde(price_form)),
        rule_form => View::from(Serde(rule_form)),
        which, errors, summary,
        today => sa_today().to_string(),
        heading => "Commissions",
    };
    Ok(with_status(
        page(
            chrome,
            "settings/commissions.html",
            "commissions",
            title,
            ctx,
        ),
        status,
    ))
}

/// `GET /settings/commissions`.
pub async fn show(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    render(&state, chrome, Typed::None).await
}

/// The form's rands as cents; an unreadable amount is the field's error.
fn cents(text: &str, field: &str) -> Result<Option<i64>, PracticeError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    rands_to_cents(text)
        .map(Some)
        .ok_or_else(|| PracticeError::field(field, "an amount in rands, e.g. 1500 or 1 500.00"))
}

fn date(text: &str, field: &str) -> Result<Option<chrono::NaiveDate>, PracticeError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.trim()
        .parse()
        .map(Some)
        .map_err(|_| PracticeError::field(field, "a date, e.g. 2027-01-01"))
}

/// `POST /settings/commissions/prices`.
pub async fn set_price(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<PriceForm>,
) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let result = async {
        let input = prices::PriceInput {
            kind: Some(form.price_kind.clone()).filter(|k| !k.is_empty()),
            amount_cents: cents(&form.price_amount, "amount_cents")?,
            currency: None,
            effective_from: date(&form.price_from, "effective_from")?,
        };
        prices::set(&mut tx, chrome.actor(), &input, sa_today()).await
    }
    .await;
    match result {
        Ok(p) => {
            tx.commit().await?;
            Ok(chrome.done(
                "/settings/commissions",
                &format!("The price of {} is set from {}.", p.kind, p.effective_from),
            ))
        }
        Err(e) => {
            drop(tx);
            let mut refusal = Refusal::of(Problem::from(e))?;
            refusal.errors = rename(
                refusal.errors,
                &[
                    ("kind", "price_kind"),
                    ("amount_cents", "price_amount"),
                    ("effective_from", "price_from"),
                ],
            );
            render(&state, chrome, Typed::Price(&form, refusal)).await
        }
    }
}

/// The API's field names as this page's inputs are named.
fn rename(errors: BTreeMap<String, String>, names: &[(&str, &str)]) -> BTreeMap<String, String> {
    errors
        .into_iter()
        .map(|(k, v)| {
            let k = names
                .iter()
                .find(|(api, _)| *api == k)
                .map_or(k.clone(), |(_, page)| (*page).to_owned());
            (k, v)
        })
        .collect()
}

/// After one of the page's small actions: committed and back to the page with `done`'s
/// notice, or the refusal shown on the page (nothing written); an id that names nothing is
/// the 404 page.
async fn finish<T>(
    state: &AppState,
    chrome: Chrome,
    tx: comply360_store::TenantTx,
    result: Result<T, PracticeError>,
    done: impl FnOnce(&T) -> String,
) -> Result<Response, PageError> {
    match result {
        Ok(value) => {
            tx.commit().await?;
            Ok(chrome.done("/settings/commissions", &done(&value)))
        }
        Err(PracticeError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => {
            drop(tx);
            render(state, chrome, Typed::Other(Refusal::of(Problem::from(e))?)).await
        }
    }
}

/// `POST /settings/commissions/prices/{id}/withdraw`.
pub async fn withdraw_price(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = uuid(&id)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let result = prices::withdraw(&mut tx, chrome.actor(), id, sa_today()).await;
    finish(&state, chrome, tx, result, |()| {
        "The price is withdrawn.".into()
    })
    .await
}

/// `POST /settings/commissions/rules`.
pub async fn add_rule(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<RuleForm>,
) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let result = async {
        let percentage = form.basis == "percentage";
        let rate_bp = if percentage {
            Some(
                BasisPoints::parse_percent(&form.percent)
                    .map_err(|e| PracticeError::field("rate_bp", e.to_string()))?
                    .get(),
            )
        } else {
            None
        };
        let input = RuleInput {
            kind: Some(form.kind.clone()).filter(|k| !k.is_empty()),
            agent_id: if form.agent.is_empty() {
                None
            } else {
                Some(form.agent.parse().map_err(|_| {
                    PracticeError::field("agent_id", "choose an agent from the list")
                })?)
            },
            basis: Some(form.basis.clone()).filter(|b| !b.is_empty()),
            rate_bp,
            amount_cents: if percentage {
                None
            } else {
                cents(&form.amount, "amount_cents")?
            },
            currency: None,
            rounding: Some(form.rounding.clone()).filter(|r| !r.is_empty()),
            effective_from: date(&form.from, "effective_from")?,
            effective_to: date(&form.to, "effective_to")?,
            note: form.note.clone(),
        };
        rules::create(&mut tx, chrome.actor(), &input, sa_today()).await
    }
    .await;
    match result {
        Ok(r) => {
            tx.commit().await?;
            Ok(chrome.done(
                "/settings/commissions",
                &format!("The rule is added: {}.", r.describe()),
            ))
        }
        Err(e) => {
            drop(tx);
            let mut refusal = Refusal::of(Problem::from(e))?;
            refusal.errors = rename(
                refusal.errors,
                &[
                    ("rate_bp", "percent"),
                    ("amount_cents", "amount"),
                    ("agent_id", "agent"),
                    ("effective_from", "from"),
                    ("effective_to", "to"),
                ],
            );
            render(&state, chrome, Typed::Rule(&form, refusal)).await
        }
    }
}

/// `POST /settings/commissions/rules/{id}/end`.
pub async fn end_rule(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    Form(form): Form<EndForm>,
) -> Result<Response, PageError> {
    let id = uuid(&id)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let result = async {
        let input = EndInput {
            last_day: date(&form.last_day, "last_day")?,
        };
        rules::end(&mut tx, chrome.actor(), id, &input).await
    }
    .await;
    finish(&state, chrome, tx, result, |r| {
        format!(
            "The rule ends on {}.",
            r.effective_to.map_or_else(String::new, |d| d.to_string())
        )
    })
    .await
}

/// `POST /settings/commissions/rules/{id}/delete`.
pub async fn delete_rule(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = uuid(&id)?;
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let result = rules::delete(&mut tx, chrome.actor(), id).await;
    finish(&state, chrome, tx, result, |()| {
        "The rule is deleted.".into()
    })
    .await
}

/// `POST /settings/commissions/trigger`.
pub async fn set_trigger(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<TriggerForm>,
) -> Result<Response, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let input = SettingsInput {
        trigger: Some(form.trigger),
    };
    let result = settings::put(&mut tx, chrome.actor(), &input).await;
    finish(&state, chrome, tx, result, |s| {
        format!(
            "Commissions are now earned when a registration is {}.",
            s.trigger
        )
    })
    .await
}
