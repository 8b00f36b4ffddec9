//! What can go wrong reading a document. Messages name the page and the program, never the
//! document's text (they reach logs).

use crate::FileType;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// A program this needs is not installed: an operations problem, not the document's.
    #[error("`{program}` is not installed (Debian package {package})")]
    Missing {
        program: &'static str,
        package: &'static str,
    },
    /// A child ran longer than [`super::ExtractSettings::page_timeout`] and was killed.
    #[error("`{program}` took longer than {after:?}{}", page.map(|p| format!(" on page {p}")).unwrap_or_default())]
    Timeout {
        program: &'static str,
        /// 1-based; `None` for a step over the whole document (its page count, its text layer).
        page: Option<u32>,
        after: Duration,
    },
    /// Not the type it claims to be, or damaged (truncated, a broken cross-reference table,
    /// encrypted with a password): the tool's own message, trimmed.
    #[error("the {ty} file is damaged or not a {ty}: {message}")]
    Damaged { ty: FileType, message: String },
    #[error("the document has {pages} pages; at most {max} are read")]
    TooManyPages { pages: u32, max: u32 },
    /// A type kept but not read here (HEIC): a person reviews it.
    #[error("{ty} files cannot be read here: {reason}")]
    Unreadable { ty: FileType, reason: &'static str },
    /// Anything else a program or the operating system reported.
    #[error("`{program}` failed: {message}")]
    Failed {
        program: &'static str,
        message: String,
    },
}
