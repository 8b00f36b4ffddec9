//! Documents' errors as problem documents.

use crate::problem::Problem;
use axum::http::StatusCode;
use comply360_documents::DocumentError;

impl From<DocumentError> for Problem {
    fn from(err: DocumentError) -> Problem {
        match err {
            DocumentError::Invalid { detail, fields } => {
                let mut p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    detail,
                );
                for (field, message) in fields {
                    p = p.with_field(&field, message);
                }
                p
            }
            DocumentError::Refused { code, detail } => {
                Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, code, detail.clone())
                    .with_field("file", detail)
            }
            e @ DocumentError::TooLarge { .. } => {
                let detail = e.to_string();
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "file_too_large",
                    detail.clone(),
                )
                .with_field("file", detail)
            }
            DocumentError::NotFound(what) => Problem::new(
                StatusCode::NOT_FOUND,
                match what {
                    "document" => "document_not_found",
                    _ => "not_found",
                },
                format!("no {what} with this id in your agency"),
            ),
            DocumentError::Unavailable { code, detail } => {
                Problem::new(StatusCode::CONFLICT, code, detail)
            }
            DocumentError::PlanLimit(limit) => crate::problem::plan_limit(&limit),
            DocumentError::Conflict { code, detail } => {
                Problem::new(StatusCode::CONFLICT, code, detail)
            }
            e @ DocumentError::BadLink => {
                Problem::new(StatusCode::FORBIDDEN, "link_invalid", e.to_string())
            }
            e @ DocumentError::StorageFull => Problem::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "storage_full",
                e.to_string(),
            ),
            DocumentError::Practice(e) => Problem::from(e),
            DocumentError::Store(e) => Problem::from_store(&e),
            DocumentError::Internal(detail) => {
                tracing::error!(error = %detail, "documents failed");
                Problem::internal()
            }
        }
    }
}
