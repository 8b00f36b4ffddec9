//! The API's description: the OpenAPI document, built once from the route table.

use crate::routes::{Access, RouteSpec, Routes};
use axum::http::Method;
use axum::{Extension, Json};
use serde_json::Value;
use std::sync::Arc;

/// The document of the routes being served; the router adds it as an extension, so this
/// module needs the table's specs, not the table.
#[derive(Clone)]
pub struct OpenApiDocument(Arc<Value>);

impl OpenApiDocument {
    pub fn of(specs: &[RouteSpec]) -> OpenApiDocument {
        OpenApiDocument(Arc::new(crate::routes::openapi(specs)))
    }
}

pub(crate) fn routes(routes: Routes) -> Routes {
    routes.route(
        Method::GET,
        "/api/v1/openapi.json",
        Access::Public,
        "this document",
        openapi_document,
    )
}

async fn openapi_document(Extension(document): Extension<OpenApiDocument>) -> Json<Value> {
    Json((*document.0).clone())
}
