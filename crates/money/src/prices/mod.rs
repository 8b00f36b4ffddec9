//! What the agency charges for each registration type, from a date. A price in force is never
//! changed: a new price from a later day replaces it, so the fee of any past registration (the
//! base of its percentage commission, its expected revenue in Odoo) can always be found again.

mod model;
pub(crate) mod repo;

pub use model::{Price, PriceInput};

use crate::rules::parse_currency;
use chrono::NaiveDate;
use comply360_domain::{Cents, Currency, RegistrationKind};
use comply360_practice::error::Problems;
use comply360_practice::{PracticeError, history};
use comply360_store::TenantTx;
use serde_json::json;
use uuid::Uuid;

/// Sets the price of a registration type from `effective_from` (today or later; a price
/// already set for that very day, not yet in force, is replaced).
pub async fn set(
    tx: &mut TenantTx,
    actor: Uuid,
    input: &PriceInput,
    today: NaiveDate,
) -> Result<Price, PracticeError> {
    let mut problems = Problems::default();
    let kind = match input.kind.as_deref().map(str::parse::<RegistrationKind>) {
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            problems.add("kind", e.to_string());
            None
        }
        None => {
            problems.add("kind", "the registration type is required");
            None
        }
    };
    let amount = match input.amount_cents {
        Some(a) if a >= 0 => Some(Cents(a)),
        Some(_) => {
            problems.add("amount_cents", "cannot be negative");
            None
        }
        None => {
            problems.add(
                "amount_cents",
                "the price in cents is required (R 1 500.00 is 150000)",
            );
            None
        }
    };
    let currency = parse_currency(input.currency.as_deref(), "currency", &mut problems)
        .unwrap_or(Currency::Zar);
    let from = input.effective_from.unwrap_or(today);
    if from < today {
        problems.add(
            "effective_from",
            format!("must be today ({today}) or later: a price in force is never changed, set a new one from a later day"),
        );
    }
    let (Some(kind), Some(amount)) = (kind, amount) else {
        return Err(PracticeError::invalid(
            "the price has invalid fields",
            problems.0,
        ));
    };
    problems.finish("the price has invalid fields")?;
    let price = repo::upsert(tx, actor, kind, amount, currency, from).await?;
    history::record(
        tx,
        actor,
        "price.set",
        "price",
        price.id,
        json!({"kind": kind, "amount_cents": amount.0, "currency": currency.code(), "effective_from": from}),
    )
    .await?;
    Ok(price)
}

/// Every price, by type and then newest first.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<Price>, PracticeError> {
    Ok(repo::list(tx).await?)
}

/// The fee of a registration of `kind` on `day`: the price in force then, if any.
pub async fn fee_on(
    tx: &mut TenantTx,
    kind: RegistrationKind,
    day: NaiveDate,
) -> Result<Option<(Cents, Currency)>, PracticeError> {
    Ok(repo::in_force(tx, kind, day).await?)
}

/// Withdraws a price that is not yet in force.
pub async fn withdraw(
    tx: &mut TenantTx,
    actor: Uuid,
    id: Uuid,
    today: NaiveDate,
) -> Result<(), PracticeError> {
    let price = repo::get(tx, id)
        .await?
        .ok_or(PracticeError::NotFound("price"))?;
    if price.effective_from <= today {
        return Err(PracticeError::Conflict {
            code: "price_in_force",
            detail: format!(
                "this price has been in force since {}; it cannot be withdrawn, set a new price from a later day instead",
                price.effective_from
            ),
        });
    }
    repo::delete(tx, id).await?;
    history::record(
        tx,
        actor,
        "price.withdrawn",
        "price",
        id,
        json!({"kind": price.kind, "effective_from": price.effective_from}),
    )
    .await?;
    Ok(())
}
