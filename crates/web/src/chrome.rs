//! The frame of every page: the agency's name, the sections the viewer may open, the search
//! box, the signed-in person, the CSRF token for forms, and the one-time notice ("Client
//! created") left by the previous form. A handler takes a [`Chrome`] and renders its template
//! inside it.

use crate::cookies::{self, SameSite};
use crate::errors::PageError;
use crate::guard::{OverTls, Seen, is_htmx_parts};
use crate::place::Place;
use crate::session::Viewer;
use crate::templates;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use comply360_api::AppState;
use comply360_identity::rbac::Permission;
use comply360_store::Tenant;
use minijinja::context;
use serde::Serialize;
use std::sync::Arc;

const FLASH: &str = "c360_flash";

/// A section in the header's navigation.
struct Section {
    key: &'static str,
    label: &'static str,
    href: &'static str,
    /// None: any signed-in person of the realm.
    needs: Option<Permission>,
}

const AGENCY_SECTIONS: &[Section] = &[
    Section {
        key: "dashboard",
        label: "Dashboard",
        href: "/",
        needs: None,
    },
    Section {
        key: "clients",
        label: "Clients",
        href: "/clients",
        needs: Some("clients:read"),
    },
    Section {
        key: "companies",
        label: "Companies",
        href: "/companies",
        needs: Some("clients:read"),
    },
    Section {
        key: "registrations",
        label: "Registrations",
        href: "/registrations",
        needs: Some("registrations:read"),
    },
    Section {
        key: "calendar",
        label: "Calendar",
        href: "/calendar",
        needs: Some("clients:read"),
    },
    Section {
        key: "commissions",
        label: "Commissions",
        href: "/commissions",
        needs: Some("commissions:read_own"),
    },
    Section {
        key: "invoices",
        label: "Invoices",
        href: "/invoices",
        needs: Some("invoices:read"),
    },
    Section {
        key: "reports",
        label: "Reports",
        href: "/reports",
        needs: Some("reports:read"),
    },
    // Agency settings open at the Users page; each settings page checks its own permission.
    Section {
        key: "settings",
        label: "Settings",
        href: "/settings",
        needs: Some("users:read"),
    },
];

const PLATFORM_SECTIONS: &[Section] = &[
    Section {
        key: "agencies",
        label: "Agencies",
        href: "/agencies",
        needs: Some("platform:tenants:read"),
    },
    Section {
        key: "billing",
        label: "Billing",
        href: "/billing",
        needs: Some("platform:tenants:read"),
    },
    Section {
        key: "dead-letters",
        label: "Dead letters",
        href: "/dead-letters",
        needs: Some("platform:tenants:read"),
    },
    Section {
        key: "audit",
        label: "Audit",
        href: "/audit",
        needs: Some("platform:audit:read"),
    },
    Section {
        key: "holidays",
        label: "Holidays",
        href: "/holidays",
        needs: Some("platform:holidays:read"),
    },
    Section {
        key: "signing-keys",
        // Short labels: the four fit a phone's width without scrolling the navigation.
        label: "Keys",
        href: "/signing-keys",
        needs: Some("platform:keys:manage"),
    },
];

#[derive(Serialize)]
struct NavItem {
    label: &'static str,
    href: &'static str,
    active: bool,
}

pub struct Chrome {
    /// The name the header and title show: the agency's chosen one (branding), else its
    /// registered name.
    pub agency: String,
    pub place: Place,
    pub viewer: Option<Viewer>,
    pub csrf: String,
    secure: bool,
    htmx: bool,
    flash: Option<String>,
    set_cookies: Vec<HeaderValue>,
}

impl FromRequestParts<AppState> for Chrome {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Chrome, PageError> {
        let Some(place) = parts.extensions.get::<Place>().cloned() else {
            tracing::error!(path = %parts.uri.path(), "a page without the page guard");
            return Err(PageError::NotFound);
        };
        let viewer = parts.extensions.get::<Seen>().and_then(|s| s.0.clone());
        let secure = parts.extensions.get::<OverTls>().is_some_and(|t| t.0);
        let (csrf, set_csrf) = cookies::csrf_for(&parts.headers, secure);
        let mut set_cookies: Vec<HeaderValue> = set_csrf.into_iter().collect();
        let flash = cookies::read(&parts.headers, FLASH).and_then(|f| {
            url::form_urlencoded::parse(format!("m={f}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        });
        if flash.is_some() {
            set_cookies.push(cookies::set(FLASH, "", 0, SameSite::Lax, secure));
        }
        let agency = match &place {
            Place::Agency(t) => crate::brand::display_name(state, t)
                .await
                .unwrap_or_else(|| t.name().to_owned()),
            Place::Platform => place.name().to_owned(),
        };
        Ok(Chrome {
            agency,
            place,
            viewer,
            csrf,
            secure,
            htmx: is_htmx_parts(parts),
            flash,
            set_cookies,
        })
    }
}

impl Chrome {
    /// The signed-in person (every page but the public ones has one: the guard saw to it).
    pub fn viewer(&self) -> Result<&Viewer, PageError> {
        self.viewer.as_ref().ok_or(PageError::Forbidden)
    }

    pub fn tenant(&self) -> Result<&Arc<Tenant>, PageError> {
        self.place.tenant().ok_or(PageError::NotFound)
    }

    /// The account acting, for the audit trail.
    pub fn actor(&self) -> uuid::Uuid {
        self.viewer
            .as_ref()
            .map_or(uuid::Uuid::nil(), |v| v.user.id)
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.viewer.as_ref().is_some_and(|v| v.may(permission))
    }

    pub fn secure(&self) -> bool {
        self.secure
    }

    /// Whether htmx asked (then a fragment template is enough).
    pub fn htmx(&self) -> bool {
        self.htmx
    }

    fn nav(&self, section: &str) -> Vec<NavItem> {
        let (sections, viewer) = match (&self.place, &self.viewer) {
            (_, None) => return Vec::new(),
            (Place::Agency(_), Some(v)) => (AGENCY_SECTIONS, v),
            (Place::Platform, Some(v)) => (PLATFORM_SECTIONS, v),
        };
        sections
            .iter()
            .filter(|s| s.needs.is_none_or(|p| viewer.may(p)))
            .map(|s| NavItem {
                label: s.label,
                href: s.href,
                active: s.key == section,
            })
            .collect()
    }

    /// The full page: `template` (which extends the frame) with `ctx`, in `section` of the nav.
    pub fn page(
        self,
        template: &str,
        section: &str,
        title: &str,
        ctx: minijinja::Value,
    ) -> Response {
        let viewer = self.viewer.as_ref().map(|v| {
            context! { email => v.email.clone(), role => v.user.role.clone(), can => v.can.iter().copied().collect::<Vec<_>>() }
        });
        let frame = context! {
            title,
            section,
            agency => self.agency.clone(),
            console => matches!(self.place, Place::Platform),
            nav => minijinja::Value::from(minijinja::value::Serde(self.nav(section))),
            viewer,
            csrf => self.csrf.clone(),
            flash => self.flash.clone(),
        };
        let res = match templates::render(template, context! { ..ctx, ..frame }) {
            Some(html) => Html(html).into_response(),
            None => PageError::Problem(comply360_api::problem::Problem::internal()).into_response(),
        };
        self.respond(res)
    }

    /// Only `template` (an htmx fragment), with the same frame values.
    pub fn fragment(self, template: &str, ctx: minijinja::Value) -> Response {
        let frame = context! { csrf => self.csrf.clone() };
        let res = match templates::render(template, context! { ..ctx, ..frame }) {
            Some(html) => Html(html).into_response(),
            None => PageError::Problem(comply360_api::problem::Problem::internal()).into_response(),
        };
        self.respond(res)
    }

    /// After a form that worked: to `to`, with a one-time notice for the next page.
    pub fn done(mut self, to: &str, notice: &str) -> Response {
        let value: String = url::form_urlencoded::byte_serialize(notice.as_bytes()).collect();
        self.set_cookies
            .push(cookies::set(FLASH, &value, 60, SameSite::Lax, self.secure));
        let res = if self.htmx {
            let mut res = axum::http::StatusCode::NO_CONTENT.into_response();
            if let Ok(v) = HeaderValue::from_str(to) {
                res.headers_mut().insert("hx-redirect", v);
            }
            res
        } else {
            Redirect::to(to).into_response()
        };
        self.respond(res)
    }

    /// `res` with the cookies this page sets (the CSRF token, the notice shown).
    pub fn respond(self, mut res: Response) -> Response {
        for c in self.set_cookies {
            res.headers_mut().append(header::SET_COOKIE, c);
        }
        res
    }
}
