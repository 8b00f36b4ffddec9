//! The portal's page table. Like the API's route table, a page cannot be added without saying
//! who may open it ([`Need`]); the guard ([`crate::guard`]) holds every page to it, and the
//! access test walks the table.

use crate::guard::{PageGuard, guard};
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, on};
use comply360_api::AppState;
use comply360_identity::rbac::Permission;

/// Who may open a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Anyone: sign-in, password reset, invitations.
    Public,
    /// Any signed-in person, in an agency or the console: their own account.
    SignedIn,
    /// A person of the host's agency who holds the permission.
    Agency(Permission),
    /// A platform operator (on the console's host) who holds the permission.
    Platform(Permission),
}

/// One page as declared.
#[derive(Clone, Debug)]
pub struct PageSpec {
    pub method: Method,
    pub path: &'static str,
    pub need: Need,
}

/// Builds the pages' router and their table together.
pub struct Pages {
    state: AppState,
    router: Router<AppState>,
    specs: Vec<PageSpec>,
}

impl Pages {
    pub fn new(state: AppState) -> Pages {
        Pages {
            state,
            router: Router::new(),
            specs: Vec::new(),
        }
    }

    pub fn get<H, T>(self, path: &'static str, need: Need, handler: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, need, handler)
    }

    /// A form's target. The CSRF check ([`crate::csrf`]) runs before the handler.
    pub fn post<H, T>(self, path: &'static str, need: Need, handler: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, need, handler)
    }

    /// A form that uploads a file: a [`Pages::post`] whose body may be up to `limit` bytes
    /// (other forms keep the server's small limit).
    pub fn uploading<H, T>(self, path: &'static str, need: Need, limit: usize, handler: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let handler = handler.layer(axum::extract::DefaultBodyLimit::max(limit));
        self.add(Method::POST, path, need, handler)
    }

    fn add<H, T>(mut self, method: Method, path: &'static str, need: Need, handler: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = if method == Method::POST {
            MethodFilter::POST
        } else {
            MethodFilter::GET
        };
        let guarded = on(filter, handler).route_layer(axum::middleware::from_fn_with_state(
            PageGuard {
                state: self.state.clone(),
                need,
            },
            guard,
        ));
        self.router = self.router.route(path, guarded);
        self.specs.push(PageSpec { method, path, need });
        self
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<PageSpec>) {
        (self.router, self.specs)
    }
}
