//! `/api/v1/registrations` and `/api/v1/registration-types`: drafts, wizard steps,
//! validation, the workflow's transitions, the timeline, assignment, the filing summary and
//! the registry's documents.
//!
//! The handlers by concern: `types` (the registration types), `drafts` (list, open, show, save
//! a step, validate), `workflow` (transitions, submit, assign, extend a reservation) and
//! `records` (timeline, filing summary, documents); this module holds the route table fragment.

mod drafts;
mod records;
mod types;
mod workflow;

pub use drafts::{WithValidation, create, list, patch_step, show, validate};
pub use records::{document, documents, summary_text, timeline};
pub use types::{one_type, types};
pub use workflow::{Extension, SubmitInput, assign, extend, submit, transition};

use comply360_practice::documents::Document;
use comply360_practice::registration_types::{RegistrationType, Validation};
use comply360_practice::registrations::{
    AssignInput, NewDraft, Registration, RegistrationFilter, TransitionInput,
};
use comply360_practice::timeline::Entry;

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::{SignedIn, Tenant};
    use crate::routes::{Op, Schema};
    use axum::http::Method;
    use serde_json::json;
    let not_found = (404, "registration_not_found");
    let invalid = (422, "validation_failed");
    let stale = (409, "stale_version");
    let not_allowed = (409, "transition_not_allowed");
    let forbidden = (403, "permission_denied");
    routes
        .route(
            Method::GET,
            "/api/v1/registration-types",
            SignedIn,
            Op::new("the registration types: wizard steps, fields, documents, checks")
                .ok_list::<RegistrationType>(),
            types,
        )
        .route(
            Method::GET,
            "/api/v1/registration-types/{key}",
            SignedIn,
            Op::new("one registration type")
                .ok::<RegistrationType>()
                .problems(&[(404, "not_found")]),
            one_type,
        )
        .route(
            Method::GET,
            "/api/v1/registrations",
            Tenant("registrations:read"),
            Op::new("registrations: filter (status, kind, agent, client_id, due_before), cursor-paginated")
                .query::<RegistrationFilter>()
                .ok_sparse_page::<Registration>()
                .problems(&[invalid]),
            list,
        )
        .creating(
            "/api/v1/registrations",
            Tenant("registrations:draft"),
            Op::new("open a draft registration")
                .body::<NewDraft>(json!({
                    "client_id": "0199f1c2-7a3b-7c00-8000-0000000000c1",
                    "kind": "za_private_company", "filing_path": "manual", "due_on": "2026-12-18",
                    "steps": {"company_details": {"financial_year_end": 2, "moi": "standard"}}
                }))
                .created::<Registration>()
                .problems(&[(404, "client_not_found"), forbidden, invalid, (403, "plan_limit_reached")]),
            create,
        )
        .route(
            Method::GET,
            "/api/v1/registrations/{id}",
            Tenant("registrations:read"),
            Op::new("one registration with its validation")
                .ok::<WithValidation>()
                .problems(&[not_found]),
            show,
        )
        .route(
            Method::PATCH,
            "/api/v1/registrations/{id}/steps/{step}",
            Tenant("registrations:draft"),
            Op::new("save one wizard step (If-Match: version), e.g. `directors` of `za_private_company`")
                .header(
                    "If-Match",
                    "The registration's `version` as read, in quotes (`\"3\"`): a newer one is a 409 `stale_version`. Without it the last write wins.",
                )
                .body_schema(
                    Schema::raw(json!({
                        "type": "object",
                        "description": "The step's fields, `{field: value}`, as its registration type describes them (GET /api/v1/registration-types/{key}).",
                        "additionalProperties": true
                    })),
                    json!({"directors": [{"full_name": "Thabo Mokoena", "id_number": "8001015009087", "email": "thabo@karoo.example"}]}),
                )
                .ok::<WithValidation>()
                .problems(&[
                    not_found,
                    (400, "invalid_if_match"),
                    forbidden,
                    stale,
                    (409, "not_editable"),
                    invalid,
                ]),
            patch_step,
        )
        .route(
            Method::POST,
            "/api/v1/registrations/{id}/validate",
            Tenant("registrations:read"),
            Op::new("check the draft against its type")
                .ok::<Validation>()
                .problems(&[not_found]),
            validate,
        )
        .route(
            Method::POST,
            "/api/v1/registrations/{id}/submit",
            Tenant("registrations:write"),
            Op::new("submit (validates first)")
                .optional_body::<SubmitInput>(json!({"note": "all documents certified", "expected_version": 7}))
                .ok::<Registration>()
                .problems(&[not_found, forbidden, stale, not_allowed, invalid]),
            submit,
        )
        .route(
            Method::POST,
            "/api/v1/registrations/{id}/transitions",
            Tenant("registrations:draft"),
            Op::new("take a workflow action (each action checks its own permission)")
                .body::<TransitionInput>(json!({
                    "action": "approve", "note": "CoR 14.3 issued",
                    "outcome": {"registration_number": "2026/123456/07"}
                }))
                .ok::<Registration>()
                .problems(&[not_found, forbidden, stale, not_allowed, invalid]),
            transition,
        )
        .route(
            Method::POST,
            "/api/v1/registrations/{id}/extend",
            Tenant("registrations:write"),
            Op::new("extend a reserved name for good cause (60 business days, once)")
                .body::<Extension>(json!({"reason": "awaiting the client's MOI signature"}))
                .ok::<Registration>()
                .problems(&[
                    not_found,
                    forbidden,
                    (409, "not_a_reservation"),
                    (409, "no_expiry"),
                    (409, "already_extended"),
                    (409, "reservation_expired"),
                    invalid,
                ]),
            extend,
        )
        .route(
            Method::POST,
            "/api/v1/registrations/{id}/assign",
            Tenant("registrations:write"),
            Op::new("assign to an agent and set the due date")
                .body::<AssignInput>(json!({
                    "agent_id": "0199f1c2-7a3b-7c00-8000-0000000000a1",
                    "due_on": "2026-12-18", "note": "Thabo's file"
                }))
                .ok::<Registration>()
                .problems(&[not_found, forbidden, (409, "final"), invalid]),
            assign,
        )
        .route(
            Method::GET,
            "/api/v1/registrations/{id}/timeline",
            Tenant("registrations:read"),
            Op::new("every step taken: who, when, what, note")
                .ok_list::<Entry>()
                .problems(&[not_found]),
            timeline,
        )
        .route(
            Method::GET,
            "/api/v1/registrations/{id}/summary",
            Tenant("registrations:read"),
            Op::new("the filled summary to paste or print (text)")
                .answer_as(200, "text/plain")
                .problems(&[not_found, (404, "not_found")]),
            summary_text,
        )
        .route(
            Method::GET,
            "/api/v1/registrations/{id}/documents",
            Tenant("documents:read"),
            Op::new("the registry's documents on a registration")
                .ok_list::<Document>()
                .problems(&[not_found]),
            documents,
        )
        .route(
            Method::GET,
            "/api/v1/registrations/{id}/documents/{doc}",
            Tenant("documents:read"),
            Op::new("download a document (its own content type, e.g. application/pdf; audited)")
                .answer_as(200, "*/*")
                .problems(&[
                    not_found,
                    (404, "not_found"),
                    (404, "document_not_found"),
                    (409, "document_scanning"),
                    (409, "document_quarantined"),
                    (409, "document_purged"),
                ]),
            document,
        )
}
