//! `/api/v1/registrations` and `/api/v1/registration-types`: drafts, wizard steps,
//! validation, the workflow's transitions, the timeline, assignment, the filing summary and
//! the registry's documents.

use super::{actor, path_id, today};
use crate::auth::caller::Caller;
use crate::body::{JsonBody, QueryParams};
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comply360_domain::RegistrationKind;
use comply360_practice::clients;
use comply360_practice::documents::{self, Content, Document};
use comply360_practice::page::Page;
use comply360_practice::registration_types::{RegistrationType, RegistrationTypes, Validation};
use comply360_practice::registrations::{
    self, AssignInput, NewDraft, Registration, RegistrationFilter, StepPatch, TransitionInput,
};
use comply360_practice::timeline::{self, Entry};
use comply360_practice::{PracticeError, summary};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

pub async fn types() -> Json<&'static [RegistrationType]> {
    Json(RegistrationTypes::built_in().all())
}

pub async fn one_type(Path(key): Path<String>) -> Result<Json<&'static RegistrationType>, Problem> {
    key.parse::<RegistrationKind>()
        .ok()
        .and_then(|k| RegistrationTypes::built_in().get(k))
        .map(Json)
        .ok_or_else(|| Problem::from(PracticeError::NotFound("registration type")))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(filter): QueryParams<RegistrationFilter>,
) -> Result<Json<Page<Registration>>, Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let page = registrations::list(&mut tx, &filter).await?;
    tx.commit().await?;
    Ok(Json(page))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(draft): JsonBody<NewDraft>,
) -> Result<(StatusCode, HeaderMap, Json<Registration>), Problem> {
    let actor = actor(&state, &caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let r = registrations::create_draft(&mut tx, &state.outbox, &actor, &draft).await?;
    tx.commit().await?;
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/registrations/{}", r.id)) {
        headers.insert(header::LOCATION, location);
    }
    Ok((StatusCode::CREATED, headers, Json(r)))
}

/// A registration with the verdict of its type's validation.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WithValidation {
    #[serde(flatten)]
    registration: Registration,
    validation: Validation,
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WithValidation>, Problem> {
    let id = path_id(&id, "registration")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let registration = registrations::get(&mut tx, id).await?;
    let validation = registrations::check(&mut tx, id, today()).await?;
    tx.commit().await?;
    Ok(Json(WithValidation {
        registration,
        validation,
    }))
}

/// The version a client read, from `If-Match: "N"` (optimistic concurrency).
fn if_match(headers: &HeaderMap) -> Result<Option<i32>, Problem> {
    match headers
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("").trim().trim_matches('"').to_owned())
    {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_if_match",
                "If-Match must be the registration's version in quotes, e.g. \"3\"",
            )
        }),
    }
}

pub async fn patch_step(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, step)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(value): JsonBody<Value>,
) -> Result<Json<WithValidation>, Problem> {
    let id = path_id(&id, "registration")?;
    let version = if_match(&headers)?;
    let actor = actor(&state, &caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let (registration, validation) = registrations::patch_step(
        &mut tx,
        &state.outbox,
        &actor,
        id,
        StepPatch {
            step: &step,
            value: &value,
            expected_version: version,
        },
        today(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(WithValidation {
        registration,
        validation,
    }))
}

pub async fn validate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Validation>, Problem> {
    let id = path_id(&id, "registration")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let v = registrations::check(&mut tx, id, today()).await?;
    tx.commit().await?;
    Ok(Json(v))
}

async fn run_transition(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    input: &TransitionInput,
) -> Result<Json<Registration>, Problem> {
    let actor = actor(state, caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let r = registrations::transition(&mut tx, &state.outbox, &actor, id, input, today()).await?;
    tx.commit().await?;
    Ok(Json(r))
}

pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TransitionInput>,
) -> Result<Json<Registration>, Problem> {
    let id = path_id(&id, "registration")?;
    run_transition(&state, &caller, id, &input).await
}

#[derive(serde::Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitInput {
    /// For the timeline.
    #[serde(default)]
    note: String,
    /// The version the caller read; a newer one is a 409 `stale_version`.
    expected_version: Option<i32>,
}

/// `POST /api/v1/registrations/{id}/submit`; the body (`note`, `expected_version`) is optional.
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Registration>, Problem> {
    let id = path_id(&id, "registration")?;
    let body: SubmitInput = if body.iter().all(u8::is_ascii_whitespace) {
        SubmitInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("the body does not have the expected fields: {e}"),
            )
        })?
    };
    let input = TransitionInput {
        action: Some("submit".into()),
        note: body.note,
        outcome: None,
        expected_version: body.expected_version,
    };
    run_transition(&state, &caller, id, &input).await
}

pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<AssignInput>,
) -> Result<Json<Registration>, Problem> {
    let id = path_id(&id, "registration")?;
    let actor = actor(&state, &caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let r = registrations::assign(&mut tx, &state.outbox, &actor, id, &input).await?;
    tx.commit().await?;
    Ok(Json(r))
}

pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Entry>>, Problem> {
    let id = path_id(&id, "registration")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    registrations::get(&mut tx, id).await?;
    let entries = timeline::of(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(entries))
}

/// `GET /api/v1/registrations/{id}/summary`: the filled summary to paste or print.
pub async fn summary_text(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = path_id(&id, "registration")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let r = registrations::get(&mut tx, id).await?;
    let client = clients::display_name(&mut tx, r.client_id).await?;
    tx.commit().await?;
    let ty = r.registration_type()?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        summary::text(ty, &r, &client),
    )
        .into_response())
}

pub async fn documents(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Document>>, Problem> {
    let id = path_id(&id, "registration")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    registrations::get(&mut tx, id).await?;
    let docs = documents::of_registration(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(docs))
}

pub async fn document(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let id = path_id(&id, "registration")?;
    let doc = path_id(&doc, "document")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let found = documents::content(&mut tx, id, doc).await?;
    tx.commit().await?;
    let Content {
        file_name: name,
        content_type,
        content,
    } = found.ok_or_else(|| Problem::from(PracticeError::NotFound("document")))?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        name.replace(['"', '\\', '\r', '\n'], "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        content,
    )
        .into_response())
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReservationExtension)]
pub struct Extension {
    /// The good cause, for the timeline and the registry.
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/registrations/{id}/extend`: a reserved name's extension for good cause.
pub async fn extend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Extension>,
) -> Result<Json<Registration>, Problem> {
    let id = path_id(&id, "registration")?;
    let actor = actor(&state, &caller).await;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let r = registrations::extend_reservation(
        &mut tx,
        &state.outbox,
        &actor,
        id,
        &body.reason,
        today(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(r))
}

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
                .ok_page::<Registration>()
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
                .problems(&[(404, "client_not_found"), forbidden, invalid]),
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
            Op::new("download a document (its own content type, e.g. application/pdf)")
                .answer_as(200, "*/*")
                .problems(&[not_found, (404, "not_found")]),
            document,
        )
}
