//! Text columns read as enums. The tables' CHECK constraints admit only the enums' values,
//! so a value outside them means the schema and the code disagree: that is a decode error
//! naming the column and the value, never a silent default or an empty list of actions.

use sqlx::Row;
use sqlx::postgres::PgRow;
use std::fmt::Display;
use std::str::FromStr;

fn decode_error(column: &str, message: String) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: message.into(),
    }
}

/// A `text` column as `T`.
pub fn text<T>(row: &PgRow, column: &str) -> Result<T, sqlx::Error>
where
    T: FromStr,
    T::Err: Display,
{
    let raw: String = row.try_get(column)?;
    raw.parse()
        .map_err(|e: T::Err| decode_error(column, e.to_string()))
}

/// A nullable `text` column as `Option<T>`.
pub fn optional_text<T>(row: &PgRow, column: &str) -> Result<Option<T>, sqlx::Error>
where
    T: FromStr,
    T::Err: Display,
{
    let raw: Option<String> = row.try_get(column)?;
    raw.map(|v| {
        v.parse()
            .map_err(|e: T::Err| decode_error(column, e.to_string()))
    })
    .transpose()
}

/// A `text[]` column as a list of `T`.
pub fn text_array<T>(row: &PgRow, column: &str) -> Result<Vec<T>, sqlx::Error>
where
    T: FromStr,
    T::Err: Display,
{
    let raw: Vec<String> = row.try_get(column)?;
    raw.iter()
        .map(|v| {
            v.parse()
                .map_err(|e: T::Err| decode_error(column, e.to_string()))
        })
        .collect()
}
