//! The agency's documents, the most sensitive data Comply360 holds (ID copies, proofs of
//! address, MOIs, bank letters, CIPC certificates):
//!
//! * [`file_type`]: the accepted file types, decided from the bytes, never from the name.
//! * [`scan`]: what is refused before anything is stored (executables, scripts, macro-enabled
//!   office files, a type that contradicts the name), and the ClamAV `clamd` adapter.
//! * [`vault`]: object storage (a directory, or S3-compatible) behind one type, every object
//!   encrypted with its agency's data key, data keys wrapped by the master key.
//! * [`extract`]: the text of a document (the PDF's text layer, else Tesseract OCR one page
//!   per process) and its first-page preview, through poppler and Tesseract.
//! * [`validate`]: explainable checks per document type, a score and a verdict.
//! * [`pack`]: a registration's filing pack, one streamed ZIP of its current documents.

mod archive;
pub mod error;
pub mod extract;
mod facts;
pub mod file_type;
pub mod housekeeping;
pub mod ingest;
pub mod links;
pub mod model;
pub mod pack;
pub mod process;
pub mod read;
pub mod repo;
pub mod requirements;
pub mod retention;
pub mod review;
pub mod scan;
pub mod service;
mod storage_key;
pub mod subject_rights;
pub mod subjects;
pub mod types;
pub mod upload;
pub mod validate;
pub mod vault;

pub use error::DocumentError;
pub use file_type::FileType;
pub use service::{DocumentSettings, Documents};
