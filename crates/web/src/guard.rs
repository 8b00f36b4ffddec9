//! The guard in front of every page: where the request is ([`Place`]), who is looking
//! ([`Viewer`]), and whether they may. A person not signed in is sent to sign in (and back
//! afterwards); a signed-in person without the permission gets the not-permitted page; a page
//! of the other realm (an agency page on the console's host, or the reverse) does not exist.
//!
//! It leaves the place and viewer in the request for [`crate::chrome::Chrome`], and the
//! principal and tenant the API's extractors read, so a page handler calls the practice and
//! identity exactly as an API handler does.

use crate::errors::PageError;
use crate::place::{Place, Unplaced};
use crate::routes::Need;
use crate::session::{self, Viewer};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use comply360_api::AppState;
use comply360_api::gateway::access_log::AccessNote;
use comply360_api::gateway::client::client_info;
use comply360_api::tenant::CurrentTenant;
use comply360_identity::Principal;

/// The plan page's "Pay now": the one change a held agency may make.
const PAY_PLATFORM_INVOICE: &str = "/settings/plan/pay/";

#[derive(Clone)]
pub struct PageGuard {
    pub state: AppState,
    pub need: Need,
}

/// Whether the request reached us over TLS (as a trusted proxy reports): cookies are then
/// `Secure`.
#[derive(Clone, Copy)]
pub struct OverTls(pub bool);

/// The viewer, if anyone is signed in (public pages too see it: the sign-in page sends a
/// signed-in person on).
#[derive(Clone)]
pub struct Seen(pub Option<Viewer>);

/// Whether htmx sent the request (a partial update, not a navigation).
pub fn is_htmx(req: &Request) -> bool {
    req.headers().contains_key("hx-request")
}

fn sign_in_first(req: &Request) -> Response {
    let next = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let target = if next == "/" {
        "/login".to_owned()
    } else {
        format!(
            "/login?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        )
    };
    if is_htmx(req) {
        // htmx follows this header with a full navigation.
        let mut res = StatusCode::UNAUTHORIZED.into_response();
        if let Ok(v) = HeaderValue::from_str(&target) {
            res.headers_mut().insert("hx-redirect", v);
        }
        return res;
    }
    Redirect::to(&target).into_response()
}

pub async fn guard(State(g): State<PageGuard>, mut req: Request, next: Next) -> Response {
    let state = &g.state;
    let place = match Place::of(state, req.headers()).await {
        Ok(place) => place,
        Err(Unplaced::Unknown) => return PageError::NoAgency.into_response(),
        Err(Unplaced::Unavailable(why)) => return PageError::Unavailable(why).into_response(),
        Err(Unplaced::Store(e)) => return PageError::from(e).into_response(),
    };
    // The access log and the request metrics name the agency, refused requests too.
    if let (Place::Agency(t), Some(note)) = (&place, req.extensions().get::<AccessNote>()) {
        note.record(Some(t.slug().to_owned()), None);
    }
    let secure = state.settings.trust_proxy
        && req
            .headers()
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let (parts, body) = req.into_parts();
    let client = client_info(&parts, state.settings.trust_proxy);
    req = Request::from_parts(parts, body);
    let navigation = !is_htmx(&req);
    let found = session::find(state, &place, req.headers(), &client, navigation, secure).await;
    if found.reload {
        let mut res = StatusCode::UNAUTHORIZED.into_response();
        res.headers_mut()
            .insert("hx-refresh", HeaderValue::from_static("true"));
        return res;
    }
    let refused = match (g.need, &found.viewer, &place) {
        (Need::Public, _, _) => None,
        (_, None, _) => Some(sign_in_first(&req)),
        (Need::SignedIn, Some(_), _) => None,
        // The other realm's pages do not exist here.
        (Need::Agency(_), _, Place::Platform) | (Need::Platform(_), _, Place::Agency(_)) => {
            Some(PageError::NotFound.into_response())
        }
        (Need::Agency(p) | Need::Platform(p), Some(v), _) => {
            (!v.may(p)).then(|| PageError::Forbidden.into_response())
        }
    };
    // An agency held for an unpaid platform invoice reads but does not change its data —
    // except paying the invoice, which is how the hold ends (as the API lets
    // `/api/v1/billing/` through).
    let paying = req.uri().path().starts_with(PAY_PLATFORM_INVOICE);
    let refused = refused.or_else(|| match (&g.need, &place) {
        (Need::Agency(_), Place::Agency(t)) if !req.method().is_safe() && !paying => t
            .ensure_writable()
            .err()
            .map(|e| PageError::from(e).into_response()),
        _ => None,
    });
    let mut res = match refused {
        Some(res) => res,
        None => {
            if let Place::Agency(t) = &place {
                tracing::Span::current().record("tenant", t.slug());
                req.extensions_mut().insert(CurrentTenant(t.clone()));
            }
            if let Some(v) = &found.viewer {
                let principal = Principal::User(v.user.clone());
                tracing::Span::current().record("user", principal.label());
                if let Some(note) = req.extensions().get::<AccessNote>() {
                    note.record(None, Some(principal.label()));
                }
                req.extensions_mut().insert(principal);
            }
            req.extensions_mut().insert(place);
            req.extensions_mut().insert(Seen(found.viewer));
            req.extensions_mut().insert(OverTls(secure));
            next.run(req).await
        }
    };
    for cookie in found.set_cookies {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

/// [`is_htmx`] for extractors.
pub fn is_htmx_parts(parts: &axum::http::request::Parts) -> bool {
    parts.headers.contains_key("hx-request")
}
