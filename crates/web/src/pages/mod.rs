//! The pages, by section, and the table that declares each with who may open it.

pub mod account;
pub mod clients;
pub mod console;
pub mod dashboard;
pub mod sign_in;

use crate::routes::{Need, Pages};

pub fn table(pages: Pages) -> Pages {
    use Need::{Agency, Platform, Public, SignedIn};
    pages
        .get("/login", Public, sign_in::page)
        .post("/login", Public, sign_in::submit)
        .post("/login/mfa", Public, sign_in::second_step)
        .post("/login/mfa-setup", Public, account::setup_confirm)
        .get("/forgot", Public, account::forgot_page)
        .post("/forgot", Public, account::forgot_submit)
        .get("/reset-password", Public, account::reset_page)
        .post("/reset-password", Public, account::reset_submit)
        .get("/accept-invitation", Public, account::invitation_page)
        .post("/accept-invitation", Public, account::invitation_submit)
        .get("/account", SignedIn, account::account)
        .post("/account/password", SignedIn, account::change_password)
        .post("/account/mfa/enrol", SignedIn, account::mfa_enrol)
        .post("/account/mfa/confirm", SignedIn, account::mfa_confirm)
        .post("/logout", Public, sign_in::sign_out)
        .post("/logout/everywhere", SignedIn, sign_in::sign_out_everywhere)
        .get("/", SignedIn, dashboard::home)
        .get("/clients", Agency("clients:read"), clients::list)
        .get("/clients/new", Agency("clients:write"), clients::new)
        .post("/clients", Agency("clients:write"), clients::create)
        .get("/clients/{id}", Agency("clients:read"), clients::show)
        .get("/clients/{id}/edit", Agency("clients:write"), clients::edit)
        .post("/clients/{id}", Agency("clients:write"), clients::update)
        .post(
            "/clients/{id}/delete",
            Agency("clients:write"),
            clients::delete,
        )
        .post(
            "/clients/{id}/restore",
            Agency("clients:write"),
            clients::restore,
        )
        // The platform console (console host only).
        .get(
            "/agencies",
            Platform("platform:tenants:read"),
            console::agencies::list,
        )
        .get(
            "/agencies/new",
            Platform("platform:tenants:manage"),
            console::agency_form::new,
        )
        .post(
            "/agencies",
            Platform("platform:tenants:manage"),
            console::agency_form::create,
        )
        .get(
            "/agencies/{slug}",
            Platform("platform:tenants:read"),
            console::agencies::show,
        )
        .post(
            "/agencies/{slug}/suspend",
            Platform("platform:tenants:manage"),
            console::agency_actions::suspend,
        )
        .post(
            "/agencies/{slug}/reactivate",
            Platform("platform:tenants:manage"),
            console::agency_actions::reactivate,
        )
        .post(
            "/agencies/{slug}/resume",
            Platform("platform:tenants:manage"),
            console::agency_actions::resume,
        )
        .get(
            "/dead-letters",
            Platform("platform:tenants:read"),
            console::dead_letters::list,
        )
        .post(
            "/dead-letters/{tenant}/{id}/retry",
            Platform("platform:tenants:manage"),
            console::dead_letters::retry,
        )
        .get(
            "/audit",
            Platform("platform:audit:read"),
            console::audit::list,
        )
        .get(
            "/signing-keys",
            Platform("platform:keys:manage"),
            console::signing_keys::list,
        )
        .post(
            "/signing-keys/rotate",
            Platform("platform:keys:manage"),
            console::signing_keys::rotate,
        )
}
