//! Who is looking: the browser session in the cookies, as a [`Viewer`].
//!
//! The access token (short-lived) is verified on every request. When it has expired, a page
//! navigation rotates the refresh token for a new pair; a partial (htmx) request does not,
//! because a page's fragments load in parallel and two rotations of one refresh token look
//! exactly like a stolen token being replayed (which revokes the session). Such a request is
//! told to reload the page instead, and the navigation refreshes.

use crate::cookies::{self, SameSite};
use crate::place::Place;
use axum::http::{HeaderMap, HeaderValue};
use comply360_api::AppState;
use comply360_identity::rbac::{PLATFORM_PERMISSIONS, Permission, TENANT_PERMISSIONS};
use comply360_identity::{ClientInfo, Principal, UserPrincipal};
use std::collections::BTreeSet;

/// The signed-in person of a page request.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub user: UserPrincipal,
    pub email: String,
    pub mfa_enabled: bool,
    /// Every permission the person holds where they are (the agency's or the platform's).
    pub can: BTreeSet<Permission>,
}

impl Viewer {
    pub fn may(&self, permission: Permission) -> bool {
        self.can.contains(permission)
    }
}

/// The session found, and the cookies to set when it was refreshed on the way.
pub struct Found {
    pub viewer: Option<Viewer>,
    pub set_cookies: Vec<HeaderValue>,
    /// The access token had expired on a partial request: the page should reload.
    pub reload: bool,
}

fn token_fits(user: &UserPrincipal, place: &Place, state: &AppState) -> bool {
    let tenant_ok = match place {
        Place::Agency(t) => user.tenant == Some(t.id()),
        Place::Platform => user.tenant.is_none(),
    };
    tenant_ok && user.restriction.is_none() && !state.identity.session_ended(user.session)
}

async fn verified(state: &AppState, token: &str, place: &Place) -> Option<UserPrincipal> {
    let claims = state.identity.keys().verify(token).await.ok()?;
    let user = UserPrincipal::from_claims(claims);
    token_fits(&user, place, state).then_some(user)
}

/// The session of a request at `place`; `navigation` says whether it may refresh.
pub async fn find(
    state: &AppState,
    place: &Place,
    headers: &HeaderMap,
    client: &ClientInfo,
    navigation: bool,
    secure: bool,
) -> Found {
    let mut found = Found {
        viewer: None,
        set_cookies: Vec::new(),
        reload: false,
    };
    let mut user = match cookies::read(headers, cookies::ACCESS) {
        Some(token) => verified(state, &token, place).await,
        None => None,
    };
    if user.is_none()
        && let Some(refresh) = cookies::read(headers, cookies::REFRESH)
    {
        if !navigation {
            found.reload = true;
            return found;
        }
        match state
            .identity
            .refresh(&place.realm(), &refresh, client)
            .await
        {
            Ok(pair) => {
                user = verified(state, &pair.access_token, place).await;
                let settings = state.identity.settings();
                found.set_cookies = vec![
                    cookies::set(
                        cookies::ACCESS,
                        &pair.access_token,
                        settings.access_ttl.as_secs(),
                        SameSite::Lax,
                        secure,
                    ),
                    cookies::set(
                        cookies::REFRESH,
                        &pair.refresh_token,
                        settings.refresh_ttl.as_secs(),
                        SameSite::Strict,
                        secure,
                    ),
                ];
            }
            // Expired, revoked or reused: the session is over; the cookies go.
            Err(_) => found.set_cookies = cookies::cleared(secure).to_vec(),
        }
    }
    let Some(user) = user else {
        return found;
    };
    let Ok(profile) = state.identity.profile(&place.realm(), user.id).await else {
        // Disabled or deleted since the token was issued.
        found.set_cookies = cookies::cleared(secure).to_vec();
        return found;
    };
    let principal = Principal::User(user.clone());
    let mut can = BTreeSet::new();
    let (tenant, list) = match place {
        Place::Agency(t) => (Some(t), TENANT_PERMISSIONS),
        Place::Platform => (None, PLATFORM_PERMISSIONS),
    };
    for (permission, _) in list {
        if state
            .identity
            .authorize(&principal, tenant, permission)
            .await
        {
            can.insert(*permission);
        }
    }
    found.viewer = Some(Viewer {
        user,
        email: profile.email,
        mfa_enabled: profile.mfa_enabled,
        can,
    });
    found
}
