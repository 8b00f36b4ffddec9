//! `FromRow` for a struct whose fields are named like its query's columns, written out by a
//! declarative macro rather than sqlx's derive: the derive is a proc-macro crate that links
//! sqlx itself, so enabling it compiles a second, host-side sqlx, tokio and rustls in every
//! build (ARCHITECTURE.md decision 59).

/// Implements `sqlx::FromRow` for `$ty`, reading each listed field from the column of the
/// same name: `from_row!(Account { id, email, role });`.
#[macro_export]
macro_rules! from_row {
    ($ty:ident { $($field:ident),+ $(,)? }) => {
        impl<'r> ::sqlx::FromRow<'r, ::sqlx::postgres::PgRow> for $ty {
            fn from_row(row: &'r ::sqlx::postgres::PgRow) -> ::std::result::Result<Self, ::sqlx::Error> {
                use ::sqlx::Row as _;
                Ok($ty {
                    $($field: row.try_get(stringify!($field))?,)+
                })
            }
        }
    };
}
