//! `comply360 holidays list|add DATE NAME|remove DATE`: the declared public holidays. Adding
//! or removing one is audited (actor `cli`) and recomputes every agency's deadlines; the exit
//! code is 1 if any agency could not be recomputed (the hourly sweep catches it up).

use crate::cli::{GlobalArgs, HolidaysCommand};
use crate::commands::table;
use crate::runtime::Runtime;
use chrono::{Datelike, NaiveDate};
use comply360_domain::calendar::DeclaredHoliday;
use comply360_practice::PracticeError;
use comply360_practice::holidays;
use comply360_practice::obligations::Recomputed;
use comply360_practice::reminders::sa_today;
use std::process::ExitCode;

/// The audit log's name for this command's changes.
const ACTOR: &str = "cli";

/// What to do, with the input already checked.
enum Plan {
    List { json: bool },
    Add(DeclaredHoliday),
    Remove(NaiveDate),
}

pub async fn run(global: &GlobalArgs, cmd: HolidaysCommand) -> anyhow::Result<ExitCode> {
    // Bad input is refused before anything opens the database.
    let plan = match cmd {
        HolidaysCommand::List { json } => Plan::List { json },
        HolidaysCommand::Add { date, name } => {
            Plan::Add(holidays::parse(date, &name.join(" ")).map_err(one_line)?)
        }
        HolidaysCommand::Remove { date } => Plan::Remove(date),
    };
    let rt = Runtime::open(global, false).await?;
    let result = async {
        match plan {
            Plan::List { json } => list(&rt, json).await,
            Plan::Add(holiday) => {
                let (record, done) = holidays::declare(&rt.store, ACTOR, &holiday, sa_today())
                    .await
                    .map_err(one_line)?;
                println!("declared {} ({})", record.date, record.name);
                Ok(report(&done))
            }
            Plan::Remove(date) => {
                let Some((record, done)) = holidays::withdraw(&rt.store, ACTOR, date, sa_today())
                    .await
                    .map_err(one_line)?
                else {
                    anyhow::bail!(
                        "{date} is not a declared holiday (see `comply360 holidays list`)"
                    );
                };
                println!("withdrew {} ({})", record.date, record.name);
                Ok(report(&done))
            }
        }
    }
    .await;
    rt.close().await?;
    result
}

async fn list(rt: &Runtime, json: bool) -> anyhow::Result<ExitCode> {
    let list = holidays::list(&rt.store).await.map_err(one_line)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = list
        .into_iter()
        .map(|h| {
            vec![
                h.date.to_string(),
                h.date.weekday().to_string(),
                h.name,
                h.added_by,
            ]
        })
        .collect();
    println!(
        "{}",
        table::render(&["DATE", "DAY", "NAME", "ADDED BY"], &rows)
    );
    Ok(ExitCode::SUCCESS)
}

/// What the recompute did; failures go to stderr and make the exit code 1.
fn report(done: &Recomputed) -> ExitCode {
    println!(
        "recomputed deadlines in {} agencies: {} moved",
        done.agencies, done.moved
    );
    for failed in &done.failed {
        eprintln!("error: not recomputed (the hourly sweep will): {failed}");
    }
    if done.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A practice error as one line: a validation's field messages joined.
fn one_line(err: PracticeError) -> anyhow::Error {
    match err {
        PracticeError::Invalid { detail, issues } => {
            let fields: Vec<String> = issues
                .iter()
                .map(|i| format!("{}: {}", i.field, i.message))
                .collect();
            anyhow::anyhow!("{detail}: {}", fields.join("; "))
        }
        other => anyhow::anyhow!("{other}"),
    }
}
