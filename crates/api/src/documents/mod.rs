//! `/api/v1/documents` and `/api/v1/document-links`: upload, list, read, versions, file,
//! preview, text, signed links, review and legal holds (the documents crate does the work).

pub(crate) mod handlers;
mod problems;

pub use handlers::{
    DocumentQuery, HoldInput, Links, RetentionInput, ReviewInput, add_document_type,
    document_types, documents, file, lift_hold, links, list, open_link, pack, place_hold, preview,
    requirements, review_verdict, serve, serve_pack, set_retention, show, text, upload, versions,
};

use comply360_documents::model::{Document, Uploaded};
use comply360_documents::repo::StoredText;
use comply360_documents::requirements::Requirement;
use comply360_documents::retention::RetentionRule;
use comply360_documents::types::{DocumentType, NewDocumentType};

/// The multipart body's envelope beyond the file (its parts' headers and boundaries).
const MULTIPART_OVERHEAD: usize = 64 * 1024;

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::{Public, Tenant};
    use crate::routes::{Op, Schema};
    use axum::http::Method;
    use serde_json::json;
    let not_found = (404, "document_not_found");
    let invalid = (422, "validation_failed");
    let forbidden = (403, "permission_denied");
    let scanning = (409, "document_scanning");
    let quarantined = (409, "document_quarantined");
    let purged = (409, "document_purged");
    let max_upload_bytes = routes.state().documents.as_ref().map_or(
        comply360_documents::DocumentSettings::default().max_upload_bytes,
        |d| d.settings().max_upload_bytes,
    );
    routes
        .uploading(
            "/api/v1/documents",
            Tenant("documents:draft"),
            Op::new("upload a document: multipart parts subject, subject_id, type (label, person_ref optional), then file; 201 a new version, 200 when the same bytes are already held for the subject (duplicate: true)")
                .body_as("multipart/form-data", "subject=client&subject_id=…&type=id_copy&file=@id.pdf")
                .created::<Uploaded>()
                .also(200, Schema::of::<Uploaded>())
                .problems(&[
                    invalid,
                    forbidden,
                    (400, "invalid_multipart"),
                    (413, "file_too_large"),
                    (403, "plan_limit_reached"),
                    (415, "file_type_refused"),
                    (415, "file_type_mismatch"),
                    (409, "upload_in_progress"),
                    (507, "storage_full"),
                ]),
            // Twice the file limit: the handler refuses a file past its limit itself (413 with
            // the limit named) long before this cap on the whole body cuts the stream.
            2 * max_upload_bytes as usize + MULTIPART_OVERHEAD,
            upload,
        )
        .route(
            Method::GET,
            "/api/v1/documents",
            Tenant("documents:read"),
            Op::new("documents: of a client, a subject or a registration (with its client's), by status; current versions unless all_versions")
                .query::<DocumentQuery>()
                .ok_list::<Document>()
                .problems(&[invalid, (404, "registration_not_found")]),
            list,
        )
        .route(
            Method::GET,
            "/api/v1/documents/{id}",
            Tenant("documents:read"),
            Op::new("one document version: status, scan, validation checks with their evidence, review, legal hold")
                .ok::<Document>()
                .problems(&[not_found]),
            show,
        )
        .route(
            Method::GET,
            "/api/v1/documents/{id}/versions",
            Tenant("documents:read"),
            Op::new("every version of the document, newest first")
                .ok_list::<Document>()
                .problems(&[not_found]),
            versions,
        )
        .route(
            Method::GET,
            "/api/v1/documents/{id}/file",
            Tenant("documents:read"),
            Op::new("download the file (audited; its own content type)")
                .answer_as(200, "*/*")
                .problems(&[not_found, scanning, quarantined, purged]),
            file,
        )
        .route(
            Method::GET,
            "/api/v1/documents/{id}/preview",
            Tenant("documents:read"),
            Op::new("the first page as a PNG (audited)")
                .answer_as(200, "image/png")
                .problems(&[not_found, scanning, quarantined, purged, (409, "preview_unavailable")]),
            preview,
        )
        .route(
            Method::GET,
            "/api/v1/documents/{id}/text",
            Tenant("documents:read"),
            Op::new("the text read from the document: its PDF text layer or OCR (audited)")
                .ok::<StoredText>()
                .problems(&[not_found, scanning, quarantined, purged, (409, "text_unavailable")]),
            text,
        )
        .route(
            Method::POST,
            "/api/v1/documents/{id}/links",
            Tenant("documents:read"),
            Op::new("short-lived signed links to the file and preview, valid on this agency's host only")
                .ok::<Links>()
                .problems(&[not_found, scanning, quarantined, purged]),
            links,
        )
        .route(
            Method::GET,
            "/api/v1/document-links/{id}/{target}",
            Public,
            Op::new("open a signed link (target file or preview); no credential, the signature is the credential")
                .in_tenant()
                .answer_as(200, "*/*")
                .problems(&[(403, "link_invalid"), (400, "invalid_query"), not_found, scanning, quarantined, purged, (409, "preview_unavailable")]),
            open_link,
        )
        .route(
            Method::GET,
            "/api/v1/registrations/{id}/document-requirements",
            Tenant("documents:read"),
            Op::new("the documents the registration needs (one ID copy per person of the filing), each with the document that satisfies it or what is missing")
                .ok_list::<Requirement>()
                .problems(&[(404, "registration_not_found")]),
            requirements,
        )
        .route(
            Method::GET,
            "/api/v1/registrations/{id}/document-pack",
            Tenant("documents:read"),
            Op::new("the filing pack: one ZIP of the current documents the registration's requirements are satisfied with, streamed (each document's read audited, via pack)")
                .answer_as(200, "application/zip")
                .problems(&[(404, "registration_not_found")]),
            pack,
        )
        .route(
            Method::GET,
            "/api/v1/document-types",
            Tenant("documents:read"),
            Op::new("the document types: built-in and the agency's own, each with its retention rule and legal basis")
                .ok_list::<DocumentType>(),
            document_types,
        )
        .creating(
            "/api/v1/document-types",
            Tenant("settings:manage"),
            Op::new("add a document type of the agency's own")
                .body::<NewDocumentType>(json!({"code": "share_certificate", "label": "Share certificate"}))
                .created::<DocumentType>()
                .problems(&[invalid, (409, "document_type_exists")]),
            add_document_type,
        )
        .route(
            Method::PUT,
            "/api/v1/document-types/{code}/retention",
            Tenant("privacy:manage"),
            Op::new("how long documents of this type are kept after the client relationship ends (at least FICA's 5 years), and why")
                .body::<RetentionInput>(json!({"years": 7, "basis": "Companies Act s24: company records kept 7 years"}))
                .ok::<RetentionRule>()
                .problems(&[invalid, (404, "document_type_not_found")]),
            set_retention,
        )
        .route(
            Method::POST,
            "/api/v1/documents/{id}/review",
            Tenant("documents:write"),
            Op::new("override the automatic verdict, with a reason (audited, emitted)")
                .body::<ReviewInput>(json!({"status": "verified", "reason": "checked against the original at the office"}))
                .ok::<Document>()
                .problems(&[not_found, invalid, (409, "document_not_reviewable")]),
            review_verdict,
        )
        .route(
            Method::PUT,
            "/api/v1/documents/{id}/legal-hold",
            Tenant("privacy:manage"),
            Op::new("place a legal hold: the document is never purged while it holds")
                .body::<HoldInput>(json!({"reason": "subpoena 2026/114, Johannesburg High Court"}))
                .ok::<Document>()
                .problems(&[not_found, invalid, purged]),
            place_hold,
        )
        .route(
            Method::DELETE,
            "/api/v1/documents/{id}/legal-hold",
            Tenant("privacy:manage"),
            Op::new("lift the legal hold")
                .ok::<Document>()
                .problems(&[not_found, purged]),
            lift_hold,
        )
}
