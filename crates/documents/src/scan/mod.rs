//! What is refused before a document is stored, in the order an upload meets it:
//!
//! 1. [`sniff`]: the type from the first bytes (never the name): PDF, JPEG, PNG, TIFF or HEIC
//!    are accepted; executables, scripts, office files, archives and anything else are
//!    refused with a [`Refusal`] that says what the file is and what to upload instead.
//! 2. [`names`]: the file name made safe to store and show, and checked against the sniffed
//!    type (a `.pdf` that is a PNG, an `.exe` that is a JPEG, a declared media type that
//!    contradicts the bytes).
//! 3. [`active_content`]: a PDF carrying JavaScript, launch actions, embedded files or XFA
//!    forms (run in a job over the whole file, not in the request).
//! 4. [`clamd`]: ClamAV's daemon over `INSTREAM`, for everything signatures know about.

pub mod active_content;
pub mod clamd;
mod compound_file;
pub mod names;
pub mod sniff;
mod sniff_text;
mod zip_entries;

pub use active_content::pdf_active_content;
pub use clamd::{Clamd, ClamdAddress, ClamdError, ScanVerdict};
pub use names::{Mismatch, check_declared, sanitise_file_name};
pub use sniff::{Refusal, sniff};

use crate::FileType;

/// What to upload instead, the end of every refusal.
pub(crate) const UPLOAD_INSTEAD: &str = "upload a PDF, JPEG, PNG, TIFF or HEIC of the document";

/// How a person would name an accepted type in a sentence ("a PNG image").
pub(crate) fn described(ty: FileType) -> &'static str {
    match ty {
        FileType::Pdf => "a PDF document",
        FileType::Jpeg => "a JPEG image",
        FileType::Png => "a PNG image",
        FileType::Tiff => "a TIFF image",
        FileType::Heic => "a HEIC image",
    }
}

/// The short name of an accepted type ("PDF"), as in "upload the PDF".
pub(crate) fn short_name(ty: FileType) -> &'static str {
    match ty {
        FileType::Pdf => "PDF",
        FileType::Jpeg => "JPEG",
        FileType::Png => "PNG",
        FileType::Tiff => "TIFF",
        FileType::Heic => "HEIC",
    }
}
