//! The portal: the pages agents, agency administrators and platform operators use, rendered on
//! the server from the same binary as the API.
//!
//! A page calls the same operations as the API route it mirrors (`comply360_practice`,
//! `comply360_identity`) inside the same tenant transaction, so there is one copy of every
//! business rule and a field error reads the same in the browser and in the API.
//!
//! * [`routes`]: the page table; every page declares who may open it ([`routes::Need`]).
//! * [`guard`]: where the request is ([`place`]), who is looking ([`session`]), may they.
//! * [`csrf`]: the token every form carries, checked once for every non-GET request.
//! * [`chrome`]: the frame of every page (header, navigation, search, notices).
//! * [`templates`], [`assets`]: minijinja templates and the files (one stylesheet, htmx, our
//!   script), compiled into the binary.
//! * [`charts`]: bar charts drawn on the server as SVG (the reports).
//! * [`errors`]: not found, not permitted, expired form and internal-error pages.
//! * [`pages`]: the handlers, one module per section.
//!
//! Pages are served on the agency's host (`http://<agency>.<base-domain>/`); the platform
//! console on the base domain itself and `admin.<base-domain>`.

pub mod assets;
pub mod brand;
pub mod charts;
pub mod chrome;
pub mod cookies;
pub mod csrf;
pub mod errors;
pub mod guard;
pub mod pages;
pub mod place;
pub mod routes;
pub mod session;
pub mod templates;

use axum::Router;
use axum::http::{HeaderValue, header};
use comply360_api::{AppState, Surface};
use routes::Pages;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// The pages' policy: scripts and styles only from our own files (no inline script or style
/// at all), forms only to ourselves, no framing.
pub(crate) const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
                   form-action 'self'; object-src 'none'";

/// The pages and their table, for `state`.
pub fn pages(state: &AppState) -> (Router, Vec<routes::PageSpec>) {
    let (router, specs) = pages::table(Pages::new(state.clone())).into_parts();
    let router = router
        .route("/assets/brand.css", axum::routing::get(brand::serve))
        .route("/assets/{name}", axum::routing::get(assets::serve))
        .with_state(state.clone())
        .layer(axum::middleware::from_fn(csrf::check))
        .layer(axum::middleware::from_fn(errors::render))
        // A page may set its own policy (the pay pages let their forms go on to the payment
        // providers); every other page gets this one.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(CompressionLayer::new());
    (router, specs)
}

/// The whole application: the API ([`comply360_api::router_for`]) with the portal's pages
/// and `extra` routes (the dev mailbox) merged in. A worker replica (`Surface::OpsOnly`)
/// serves no pages.
pub fn app(state: AppState, surface: Surface, extra: Router) -> Router {
    let routes = match surface {
        Surface::Api => pages(&state).0.merge(extra),
        Surface::OpsOnly => extra,
    };
    comply360_api::router_for(state, surface, routes)
        .layer(axum::middleware::from_fn(errors::html_not_found))
}
