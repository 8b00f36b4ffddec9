//! The authenticated caller, as the gateway guard left it in the request.

use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use comply360_identity::{Principal, Realm, UserPrincipal};
use comply360_store::Tenant;
use std::sync::Arc;

/// The principal and, for tenant credentials, the tenant.
pub struct Caller {
    pub principal: Principal,
    pub tenant: Option<Arc<Tenant>>,
}

impl Caller {
    /// The caller as a signed-in account (routes guarded `SignedIn` only admit those).
    pub fn user(&self) -> Result<&UserPrincipal, Problem> {
        match &self.principal {
            Principal::User(u) => Ok(u),
            Principal::ApiKey(_) => Err(Problem::new(
                axum::http::StatusCode::FORBIDDEN,
                "api_key_not_allowed",
                "this route is for signed-in people, not API keys",
            )),
        }
    }

    /// The account acting, for the audit trail; an API key acts as nobody in particular (nil).
    pub fn actor(&self) -> uuid::Uuid {
        self.principal.user_id().unwrap_or_else(uuid::Uuid::nil)
    }

    pub fn realm(&self) -> Realm {
        match &self.tenant {
            Some(t) => Realm::Tenant(t.clone()),
            None => Realm::Platform,
        }
    }

    /// The tenant, for routes that act on one.
    pub fn tenant(&self) -> Result<&Arc<Tenant>, Problem> {
        self.tenant.as_ref().ok_or_else(|| {
            Problem::new(
                axum::http::StatusCode::FORBIDDEN,
                "tenant_required",
                "this route acts on an agency",
            )
        })
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(principal) = parts.extensions.get::<Principal>().cloned() else {
            // Only a route declared Public can get here without a principal: a wiring bug.
            tracing::error!(path = %parts.uri.path(), "Caller used on a route without a guard");
            return Err(Problem::internal());
        };
        let tenant = parts
            .extensions
            .get::<CurrentTenant>()
            .map(|CurrentTenant(t)| t.clone());
        Ok(Caller { principal, tenant })
    }
}
