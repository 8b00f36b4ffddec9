//! The guard in front of every route: who is calling, for which tenant, and may they.
//!
//! 1. The credential: `Authorization: Bearer <access token>` or an API key (`Bearer c360_…`
//!    or `X-Api-Key: c360_…`). A missing or invalid one is 401.
//! 2. The tenant: the one the request names (host or `X-Tenant`) must be the credential's,
//!    else 403; a request that names none acts in the credential's tenant. Platform tokens
//!    act on no tenant.
//! 3. The tenant's API rate limit (429 with `Retry-After`).
//! 4. The permission the route declares, through RBAC (403 when the role lacks it).
//!
//! The principal and the tenant go into the request's extensions for the handler.

use crate::gateway::access_log::AccessNote;
use crate::problem::Problem;
use crate::routes::Access;
use crate::state::AppState;
use crate::tenant::{CurrentTenant, requested_slug_if_any};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use comply360_identity::api_keys::{self, PresentedKey};
use comply360_identity::jwt::TokenError;
use comply360_identity::ratelimit::Decision;
use comply360_identity::signin::MFA_SETUP;
use comply360_identity::{KeyPrincipal, Principal, UserPrincipal};
use comply360_store::Tenant;
use std::sync::Arc;

#[derive(Clone)]
pub struct Guard {
    pub state: AppState,
    pub access: Access,
}

pub async fn guard(State(g): State<Guard>, req: Request, next: Next) -> Response {
    if g.access == Access::Public {
        return next.run(req).await;
    }
    match admit(&g, req).await {
        Ok(req) => next.run(req).await,
        Err(problem) => problem.into_response(),
    }
}

fn unauthorized(code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, code, detail)
}

fn forbidden(code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::FORBIDDEN, code, detail)
}

/// The presented credential, if any.
fn credential(req: &Request) -> Result<Option<String>, Problem> {
    if let Some(key) = req.headers().get("x-api-key") {
        return key
            .to_str()
            .map(|k| Some(k.trim().to_owned()))
            .map_err(|_| unauthorized("invalid_api_key", "X-Api-Key must be plain text"));
    }
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| unauthorized("invalid_token", "Authorization must be plain text"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(unauthorized(
            "invalid_token",
            "use Authorization: Bearer <access token or API key>",
        )),
    }
}

async fn admit(g: &Guard, mut req: Request) -> Result<Request, Problem> {
    let state = &g.state;
    let Some(credential) = credential(&req)? else {
        return Err(unauthorized(
            "authentication_required",
            "sign in (POST /api/v1/auth/login) and send Authorization: Bearer <access token>, or send an API key",
        ));
    };
    let (parts, body) = req.into_parts();
    let requested = requested_slug_if_any(&parts, &state.settings.base_domain)?;
    req = Request::from_parts(parts, body);
    let requested = match requested {
        Some(slug) => Some(state.store.tenancy().resolve(slug.as_str()).await?),
        None => None,
    };

    let presented_key = if api_keys::looks_like_key(&credential) {
        Some(
            PresentedKey::parse(&credential)
                .ok_or_else(|| unauthorized("invalid_api_key", "the API key is malformed"))?,
        )
    } else {
        None
    };
    let principal = if let Some(key) = &presented_key {
        Principal::ApiKey(KeyPrincipal {
            id: key.id,
            tenant: key.tenant,
            permissions: Vec::new(),
        })
    } else {
        let claims = state
            .identity
            .keys()
            .verify(&credential)
            .await
            .map_err(token_problem)?;
        if state.identity.session_ended(claims.sid) {
            return Err(unauthorized(
                "session_ended",
                "this session has ended (signed out, password changed or access changed); sign in again",
            ));
        }
        Principal::User(UserPrincipal::from_claims(claims))
    };

    // The tenant: named by the request and the credential's, or the credential's.
    let tenant: Option<Arc<Tenant>> = match (principal.tenant(), requested) {
        (Some(own), Some(named)) if named.id() != own => {
            return Err(forbidden(
                "tenant_mismatch",
                format!(
                    "this credential belongs to another agency than {:?}",
                    named.slug()
                ),
            ));
        }
        (Some(_), Some(named)) => Some(named),
        (Some(own), None) => Some(state.store.tenancy().resolve_id(own).await?),
        (None, Some(named)) => {
            return Err(forbidden(
                "tenant_mismatch",
                format!(
                    "a platform operator's token cannot act on agency {:?}",
                    named.slug()
                ),
            ));
        }
        (None, None) => None,
    };
    if let Some(t) = &tenant {
        t.ensure_servable()?;
    }

    // An API key is checked against its tenant now that the tenant is known.
    let principal = match (principal, &presented_key) {
        (Principal::ApiKey(k), Some(key)) => {
            let t = tenant
                .as_ref()
                .ok_or_else(|| unauthorized("invalid_api_key", "the API key is not valid"))?;
            let found = state
                .identity
                .authenticate_api_key(t, key)
                .await
                .map_err(|e| crate::problem::from_auth(&e))?
                .ok_or_else(|| {
                    unauthorized(
                        "invalid_api_key",
                        "the API key is unknown, revoked or expired",
                    )
                })?;
            Principal::ApiKey(KeyPrincipal {
                id: found.id,
                tenant: k.tenant,
                permissions: found.permissions,
            })
        }
        (user, _) => user,
    };

    if let Some(note) = req.extensions().get::<AccessNote>() {
        note.record(
            tenant.as_ref().map(|t| t.slug().to_owned()),
            Some(principal.label()),
        );
    }

    tracing::Span::current().record("user", principal.label());
    check_access(g, &principal, tenant.as_ref()).await?;
    // An agency held for an unpaid platform invoice reads but does not change its data; its
    // people's own accounts (sign-out, password, sessions) are not the agency's data.
    // Paying the platform's invoice is what ends a hold, so it stays open.
    if let (Access::Tenant(_), Some(t)) = (g.access, &tenant)
        && !req.method().is_safe()
        && !req.uri().path().starts_with("/api/v1/billing/")
    {
        t.ensure_writable()?;
    }

    if let Some(t) = &tenant {
        let key = format!("api:{}", t.id());
        if let Decision::Limited { retry_after } =
            state.limiter.check(&key, state.settings.api_quota).await
        {
            return Err(too_many(retry_after));
        }
    }

    if let Some(t) = tenant {
        tracing::Span::current().record("tenant", t.slug());
        req.extensions_mut().insert(CurrentTenant(t));
    }
    req.extensions_mut().insert(principal);
    Ok(req)
}

async fn check_access(
    g: &Guard,
    principal: &Principal,
    tenant: Option<&Arc<Tenant>>,
) -> Result<(), Problem> {
    let identity = &g.state.identity;
    if let Principal::User(user) = principal
        && let Some(restriction) = &user.restriction
        && !(g.access == Access::MfaSetup && restriction == MFA_SETUP)
    {
        return Err(unauthorized(
            "token_restricted",
            "this token only finishes signing in (MFA); complete that step to get an access token",
        ));
    }
    match g.access {
        Access::Public => Ok(()),
        Access::SignedIn | Access::MfaSetup => match principal {
            Principal::User(_) => Ok(()),
            Principal::ApiKey(_) => Err(forbidden(
                "api_key_not_allowed",
                "this route is for signed-in people, not API keys",
            )),
        },
        Access::Tenant(permission) => {
            let Some(tenant) = tenant else {
                return Err(forbidden(
                    "tenant_required",
                    "this route acts on an agency; platform tokens cannot use it",
                ));
            };
            if identity
                .authorize(principal, Some(tenant), permission)
                .await
            {
                Ok(())
            } else {
                Err(forbidden(
                    "permission_denied",
                    format!("you lack the permission {permission:?} this route needs"),
                ))
            }
        }
        Access::Platform(permission) => {
            let platform =
                matches!(principal, Principal::User(u) if u.is_platform()) && tenant.is_none();
            if platform && identity.authorize(principal, None, permission).await {
                Ok(())
            } else {
                Err(forbidden(
                    "permission_denied",
                    format!("only platform operators holding {permission:?} may use this route"),
                ))
            }
        }
    }
}

pub fn too_many(retry_after: std::time::Duration) -> Problem {
    // Rounded up: a client that waits this long gets through.
    let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let secs = secs.max(1);
    Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many requests; retry in {secs} s"),
    )
    .with_header(
        header::RETRY_AFTER,
        HeaderValue::from_str(&secs.to_string()).unwrap_or(HeaderValue::from_static("1")),
    )
}

fn token_problem(err: TokenError) -> Problem {
    let detail = match err {
        TokenError::Expired => {
            "the access token has expired; get a new one with POST /api/v1/auth/refresh"
        }
        TokenError::AlgorithmNotAllowed(_) => "the access token's algorithm is not accepted",
        TokenError::UnknownKey => "the access token was signed by a key this service does not know",
        TokenError::WrongAudience | TokenError::WrongIssuer => {
            "the access token was not issued for this service"
        }
        _ => "the access token is not valid",
    };
    unauthorized("invalid_token", detail).with_header(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    )
}
