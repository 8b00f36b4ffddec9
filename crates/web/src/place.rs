//! Where a page request is: an agency (`http://<agency>.<base-domain>/`) or the platform
//! console (`http://<base-domain>/`, or `admin.<base-domain>`).

use axum::http::HeaderMap;
use axum::http::header;
use comply360_api::AppState;
use comply360_api::tenant::slug_from_host;
use comply360_domain::Slug;
use comply360_identity::Realm;
use comply360_store::{StoreError, Tenant};
use std::sync::Arc;

/// The console's own subdomain (never an agency's: `admin` is a reserved slug).
const CONSOLE_LABEL: &str = "admin";

#[derive(Clone)]
pub enum Place {
    Agency(Arc<Tenant>),
    Platform,
}

/// Why a host names no servable place.
pub enum Unplaced {
    /// No agency by that name (or a name no agency can have).
    Unknown,
    /// The agency exists but is not servable now (suspended, being provisioned).
    Unavailable(String),
    Store(StoreError),
}

impl Place {
    pub fn realm(&self) -> Realm {
        match self {
            Place::Agency(t) => Realm::Tenant(t.clone()),
            Place::Platform => Realm::Platform,
        }
    }

    pub fn tenant(&self) -> Option<&Arc<Tenant>> {
        match self {
            Place::Agency(t) => Some(t),
            Place::Platform => None,
        }
    }

    /// The name shown in the header and the title.
    pub fn name(&self) -> &str {
        match self {
            Place::Agency(t) => t.name(),
            Place::Platform => "Comply360 console",
        }
    }

    pub async fn of(state: &AppState, headers: &HeaderMap) -> Result<Place, Unplaced> {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let label = match slug_from_host(host, &state.settings.base_domain) {
            None => return Ok(Place::Platform),
            Some(label) if label == CONSOLE_LABEL => return Ok(Place::Platform),
            Some(label) => label,
        };
        let slug = Slug::parse(&label).map_err(|_| Unplaced::Unknown)?;
        let tenant = match state.store.tenancy().resolve(slug.as_str()).await {
            Ok(t) => t,
            Err(StoreError::UnknownTenant(_)) => return Err(Unplaced::Unknown),
            Err(e) => return Err(Unplaced::Store(e)),
        };
        match tenant.ensure_servable() {
            Ok(()) => Ok(Place::Agency(tenant)),
            Err(e) => Err(Unplaced::Unavailable(
                comply360_api::problem::Problem::from_store(&e).detail,
            )),
        }
    }
}
