//! Importing clients from a spreadsheet (CSV, UTF-8, a header row of column names).
//!
//! Every row is checked by the same parser as the API ([`ClientInput::parse`]) and every
//! problem is reported with its line and column. A real run writes all the valid rows in the
//! caller's one transaction; unless `skip_invalid`, one bad row means nothing is written.
//! A dry run checks everything (including duplicates against the agency's clients) and writes
//! nothing.

mod read;

use crate::clients::{self, ValidClient};
use crate::error::PracticeError;
use chrono::NaiveDate;
use comply360_store::TenantTx;
use read::{Row, read};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

pub use read::{COLUMNS, RowError};

#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    pub skip_invalid: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: usize,
    pub valid: usize,
    pub written: usize,
    pub errors: Vec<RowError>,
    /// Ids of the clients written, in file order.
    pub created: Vec<Uuid>,
}

/// The column an input field comes from.
fn column_of(field: &str) -> String {
    match field {
        "address" => "address_line1".into(),
        "assigned_agent_id" => "agent_email".into(),
        other => other.to_owned(),
    }
}

/// Lines of the file with a row, readable or not (a line may carry several problems).
fn count_rows(rows: &[Row], errors: &[RowError]) -> usize {
    rows.len()
        + errors
            .iter()
            .filter(|e| e.line > 1)
            .map(|e| e.line)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
}

/// The rows that name a known agent, parse, and repeat no ID number or email of an earlier
/// row; the others' problems go to `errors`.
fn check_rows(
    rows: Vec<Row>,
    agents: &HashMap<String, Uuid>,
    today: NaiveDate,
    errors: &mut Vec<RowError>,
) -> Vec<(u64, ValidClient)> {
    let mut seen_ids: HashMap<String, u64> = HashMap::new();
    let mut seen_emails: HashMap<String, u64> = HashMap::new();
    let mut valid = Vec::new();
    for mut row in rows {
        let mut row_errors = Vec::new();
        if let Some(email) = &row.agent_email {
            match agents.get(&email.to_lowercase()) {
                Some(id) => row.input.assigned_agent_id = Some(*id),
                None => row_errors.push(RowError {
                    line: row.line,
                    column: Some("agent_email".into()),
                    message: format!("no active user {email} in your agency"),
                }),
            }
        }
        match row.input.parse(today) {
            Ok(client) => {
                if let Some(id) = &client.id_number
                    && let Some(first) = seen_ids.insert(id.clone(), row.line)
                {
                    row_errors.push(RowError {
                        line: row.line,
                        column: Some("id_number".into()),
                        message: format!("the same ID number is on line {first}"),
                    });
                }
                if let Some(email) = &client.email
                    && let Some(first) = seen_emails.insert(email.to_lowercase(), row.line)
                {
                    row_errors.push(RowError {
                        line: row.line,
                        column: Some("email".into()),
                        message: format!("the same email is on line {first}"),
                    });
                }
                if row_errors.is_empty() {
                    valid.push((row.line, client));
                }
            }
            Err(issues) => {
                for i in issues {
                    row_errors.push(RowError {
                        line: row.line,
                        column: Some(column_of(&i.field)),
                        message: i.message,
                    });
                }
            }
        }
        errors.extend(row_errors);
    }
    valid
}

/// Drops the rows whose ID number or registration number a client of the agency has.
async fn drop_existing(
    tx: &mut TenantTx,
    valid: &mut Vec<(u64, ValidClient)>,
    errors: &mut Vec<RowError>,
) -> Result<(), PracticeError> {
    let ids: Vec<String> = valid
        .iter()
        .filter_map(|(_, c)| c.id_number.clone())
        .collect();
    let regs: Vec<String> = valid
        .iter()
        .filter_map(|(_, c)| c.registration_number.clone())
        .collect();
    let existing = clients::repo::holding_identifiers(tx, &ids, &regs).await?;
    valid.retain(|(line, c)| {
        let dup_id = c.id_number.is_some() && existing.iter().any(|(i, _)| i == &c.id_number);
        let dup_reg = c.registration_number.is_some()
            && existing.iter().any(|(_, r)| r == &c.registration_number);
        if dup_id {
            errors.push(RowError {
                line: *line,
                column: Some("id_number".into()),
                message: "your agency already has a client with this ID number".into(),
            });
        }
        if dup_reg {
            errors.push(RowError {
                line: *line,
                column: Some("registration_number".into()),
                message: "your agency already has a client with this registration number".into(),
            });
        }
        !(dup_id || dup_reg)
    });
    Ok(())
}

/// Checks (and unless a dry run, writes) the clients of a CSV file in `tx`. The caller
/// commits when the report says so: always for a dry run's rollback, and for a real run
/// only when `written > 0` or the file was empty of rows.
pub async fn clients(
    tx: &mut TenantTx,
    outbox: &comply360_jobs::Outbox,
    actor: Uuid,
    bytes: &[u8],
    options: ImportOptions,
    today: NaiveDate,
) -> Result<ImportReport, PracticeError> {
    let (rows, mut errors) = read(bytes);
    let total = count_rows(&rows, &errors);
    let agents: HashMap<String, Uuid> = crate::agents::active_by_email(tx)
        .await?
        .into_iter()
        .collect();
    let mut valid = check_rows(rows, &agents, today, &mut errors);
    drop_existing(tx, &mut valid, &mut errors).await?;
    errors.sort_by_key(|e| e.line);
    let mut report = ImportReport {
        dry_run: options.dry_run,
        rows: total,
        valid: valid.len(),
        written: 0,
        errors,
        created: Vec::new(),
    };
    if options.dry_run || (!report.errors.is_empty() && !options.skip_invalid) {
        return Ok(report);
    }
    for (_, client) in &valid {
        report
            .created
            .push(clients::insert(tx, outbox, actor, client).await?);
    }
    report.written = report.created.len();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading and checking a file as `clients` does, without the agency's database.
    fn problems(file: &str) -> Vec<String> {
        let (rows, mut errors) = read(file.as_bytes());
        let today = NaiveDate::from_ymd_opt(2026, 5, 14).unwrap();
        check_rows(rows, &HashMap::new(), today, &mut errors);
        errors.sort_by_key(|e| e.line);
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_foreign_number_not_valid_in_its_country_is_refused_beside_its_line_and_column() {
        // Saved by Excel: CRLF line endings, and a note over two lines before the bad row.
        let file = "first_names,surname,phone,notes\r\n\
                    Thabo,Mokoena,082 555 0101,\"met in\r\nCape Town\"\r\n\
                    Anke,Peeters,+32699102,\r\n\
                    Jan,Peeters,+32 471 12 34 56,\r\n\
                    John,Smith,+999 1234 5678,\r\n";
        assert_eq!(
            problems(file),
            [
                "line 4, column phone: +32 699102 is not a valid number in Belgium: too short; numbers there have 8 or 9 digits after the country code, this one has 6",
                "line 6, column phone: +99912345678 does not start with a country code in use: after the + comes the country code (e.g. +44 for the United Kingdom, +1 for the United States); check the first digits",
            ]
        );
        // The same file with LF endings names the same lines.
        assert_eq!(problems(&file.replace("\r\n", "\n")), problems(file));
    }
}
