//! Commission rules: a percentage of the registration's fee or a fixed amount, per
//! registration type or for all, with an optional override per agent, between effective dates.
//! Rules of one type and agent never overlap, so exactly one rule (the most specific in force,
//! `comply360_domain::commission::select`) decides each commission.

mod model;
pub(crate) mod repo;

pub use model::{EndInput, Rule, RuleInput};

use chrono::NaiveDate;
use comply360_domain::commission::{self, BasisPoints, Formula, Rounding, Scope};
use comply360_domain::{Cents, Currency, RegistrationKind};
use comply360_practice::error::Problems;
use comply360_practice::{PracticeError, agents, history};
use comply360_store::TenantTx;
use serde_json::json;
use uuid::Uuid;

/// A currency field, ZAR when left out.
pub(crate) fn parse_currency(
    text: Option<&str>,
    field: &str,
    problems: &mut Problems,
) -> Option<Currency> {
    match text.map(str::parse::<Currency>) {
        None => Some(Currency::Zar),
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            problems.add(field, e);
            None
        }
    }
}

fn parse_formula(
    input: &RuleInput,
    problems: &mut Problems,
) -> Option<(Formula, Option<Currency>)> {
    match input.basis.as_deref() {
        Some("percentage") => {
            if input.amount_cents.is_some() {
                problems.add("amount_cents", "leave it out for a percentage rule");
            }
            match input.rate_bp.map(BasisPoints::new) {
                Some(Ok(rate_bp)) => Some((Formula::Percentage { rate_bp }, None)),
                Some(Err(e)) => {
                    problems.add("rate_bp", e.to_string());
                    None
                }
                None => {
                    problems.add(
                        "rate_bp",
                        "the rate in basis points is required (1250 = 12.50 %)",
                    );
                    None
                }
            }
        }
        Some("fixed") => {
            if input.rate_bp.is_some() {
                problems.add("rate_bp", "leave it out for a fixed rule");
            }
            let currency = parse_currency(input.currency.as_deref(), "currency", problems);
            match input.amount_cents {
                Some(a) if a >= 0 => currency.map(|c| {
                    (
                        Formula::Fixed {
                            amount_cents: Cents(a),
                        },
                        Some(c),
                    )
                }),
                Some(_) => {
                    problems.add("amount_cents", "cannot be negative");
                    None
                }
                None => {
                    problems.add(
                        "amount_cents",
                        "the amount in cents is required (R 250.00 is 25000)",
                    );
                    None
                }
            }
        }
        Some(other) => {
            problems.add(
                "basis",
                format!("unknown basis {other:?}; one of percentage, fixed"),
            );
            None
        }
        None => {
            problems.add("basis", "is required: percentage or fixed");
            None
        }
    }
}

/// Adds a rule, refusing one that overlaps another rule for the same type and agent.
pub async fn create(
    tx: &mut TenantTx,
    actor: Uuid,
    input: &RuleInput,
    today: NaiveDate,
) -> Result<Rule, PracticeError> {
    let mut problems = Problems::default();
    let kind = match input
        .kind
        .as_deref()
        .filter(|k| !k.is_empty())
        .map(str::parse::<RegistrationKind>)
    {
        None => None,
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            problems.add("kind", e.to_string());
            None
        }
    };
    let formula = parse_formula(input, &mut problems);
    let rounding = match input.rounding.as_deref().map(str::parse::<Rounding>) {
        None => Rounding::default(),
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            problems.add("rounding", e.to_string());
            Rounding::default()
        }
    };
    let from = input.effective_from.unwrap_or(today);
    if let Some(to) = input.effective_to
        && to < from
    {
        problems.add(
            "effective_to",
            format!("must be on or after the first day ({from})"),
        );
    }
    if input.note.chars().count() > 300 {
        problems.add("note", "must be at most 300 characters");
    }
    let Some((formula, currency)) = formula else {
        // parse_formula said what is missing.
        return Err(PracticeError::invalid(
            "the commission rule has invalid fields",
            problems.0,
        ));
    };
    problems.finish("the commission rule has invalid fields")?;
    agents::check(tx, input.agent_id, "agent_id").await?;
    repo::lock_rules(tx).await?;
    let scope = Scope {
        kind,
        agent: input.agent_id,
        effective_from: from,
        effective_to: input.effective_to,
    };
    let clashes: Vec<String> = repo::list(tx)
        .await?
        .iter()
        .filter(|r| r.scope().overlaps(&scope))
        .map(|r| {
            format!(
                "{} to {}",
                r.effective_from,
                r.effective_to
                    .map_or("further notice".to_owned(), |d| d.to_string())
            )
        })
        .collect();
    if !clashes.is_empty() {
        return Err(PracticeError::Conflict {
            code: "rule_overlaps",
            detail: format!(
                "another rule for {} applies on some of these days ({}); choose dates outside them, or end that rule first",
                who_and_what(kind, input.agent_id.is_some()),
                clashes.join("; "),
            ),
        });
    }
    let id = repo::insert(
        tx,
        actor,
        &repo::NewRule {
            kind,
            agent: input.agent_id,
            formula,
            currency,
            rounding,
            from,
            to: input.effective_to,
            note: input.note.trim(),
        },
    )
    .await?;
    let rule = get(tx, id).await?;
    history::record(
        tx,
        actor,
        "commission_rule.created",
        "commission_rule",
        id,
        json!(rule),
    )
    .await?;
    Ok(rule)
}

fn who_and_what(kind: Option<RegistrationKind>, for_an_agent: bool) -> String {
    let what = kind.map_or("every registration type".to_owned(), |k| k.to_string());
    if for_an_agent {
        format!("this agent on {what}")
    } else {
        format!("every agent on {what}")
    }
}

pub async fn list(tx: &mut TenantTx) -> Result<Vec<Rule>, PracticeError> {
    Ok(repo::list(tx).await?)
}

pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Rule, PracticeError> {
    repo::get(tx, id)
        .await?
        .ok_or(PracticeError::NotFound("commission rule"))
}

/// Ends a rule on `last_day` (commissions it already produced keep their calculation).
pub async fn end(
    tx: &mut TenantTx,
    actor: Uuid,
    id: Uuid,
    input: &EndInput,
) -> Result<Rule, PracticeError> {
    let Some(last_day) = input.last_day else {
        return Err(PracticeError::field(
            "last_day",
            "the last day the rule applies is required",
        ));
    };
    repo::lock_rules(tx).await?;
    let rule = get(tx, id).await?;
    if last_day < rule.effective_from {
        return Err(PracticeError::field(
            "last_day",
            format!(
                "must be on or after the rule's first day ({}); delete a rule that never applied",
                rule.effective_from
            ),
        ));
    }
    if let Some(to) = rule.effective_to
        && last_day > to
    {
        return Err(PracticeError::field(
            "last_day",
            format!(
                "the rule already ends on {to}; a rule is ended earlier, not extended: add a new rule from {}",
                to.succ_opt().unwrap_or(to)
            ),
        ));
    }
    repo::set_end(tx, id, last_day).await?;
    history::record(
        tx,
        actor,
        "commission_rule.ended",
        "commission_rule",
        id,
        json!({"effective_to": {"from": rule.effective_to, "to": last_day}}),
    )
    .await?;
    get(tx, id).await
}

/// Deletes a rule that has produced no commission (one that has is ended instead).
pub async fn delete(tx: &mut TenantTx, actor: Uuid, id: Uuid) -> Result<(), PracticeError> {
    repo::lock_rules(tx).await?;
    let rule = get(tx, id).await?;
    if rule.used > 0 {
        return Err(PracticeError::Conflict {
            code: "rule_in_use",
            detail: format!(
                "{} commissions were calculated with this rule; end it instead, so they keep their record",
                rule.used
            ),
        });
    }
    repo::delete(tx, id).await?;
    history::record(
        tx,
        actor,
        "commission_rule.deleted",
        "commission_rule",
        id,
        json!(rule),
    )
    .await?;
    Ok(())
}

/// The rule that decides a commission on a registration of `kind` earned by `agent` on `day`.
pub async fn applicable(
    tx: &mut TenantTx,
    kind: RegistrationKind,
    agent: Uuid,
    day: NaiveDate,
) -> Result<Option<Rule>, PracticeError> {
    let rules = repo::candidates(tx, kind, agent, day).await?;
    Ok(commission::select(&rules, Rule::scope, kind, agent, day).cloned())
}
