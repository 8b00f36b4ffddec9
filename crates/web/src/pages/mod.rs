//! The pages, by section, and the table that declares each with who may open it.

pub mod account;
pub mod calendar;
pub mod clients;
pub mod clients_import;
pub mod commissions;
pub mod companies;
pub mod console;
pub mod dashboard;
pub mod documents;
pub mod invoices;
pub mod pay;
pub mod privacy;
pub mod registrations;
pub mod reports;
pub mod search;
pub mod settings;
pub mod sign_in;

use crate::routes::{Need, Pages};

pub fn table(pages: Pages) -> Pages {
    use Need::{Agency, Platform, Public, SignedIn};
    // The agency's largest file and the multipart envelope around it.
    let upload_limit = documents::upload::limit(pages.state());
    settings_pages(pages)
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
        .get(
            "/clients/{id}/privacy",
            Agency("privacy:manage"),
            privacy::show,
        )
        .post(
            "/clients/{id}/privacy/export",
            Agency("privacy:manage"),
            privacy::export,
        )
        .post(
            "/clients/{id}/privacy/erase",
            Agency("privacy:manage"),
            privacy::erase,
        )
        .post("/account/password", SignedIn, account::change_password)
        .post("/account/mfa/enrol", SignedIn, account::mfa_enrol)
        .post("/account/mfa/confirm", SignedIn, account::mfa_confirm)
        .post("/logout", Public, sign_in::sign_out)
        .post("/logout/everywhere", SignedIn, sign_in::sign_out_everywhere)
        .get("/", SignedIn, dashboard::home)
        .get("/clients", Agency("clients:read"), clients::list)
        .get("/clients/new", Agency("clients:write"), clients::new)
        // The import needs what the API's import route needs.
        .get(
            "/clients/import",
            Agency("clients:write"),
            clients_import::page,
        )
        .post(
            "/clients/import",
            Agency("clients:write"),
            clients_import::upload,
        )
        .get(
            "/clients/import/template.csv",
            Agency("clients:write"),
            clients_import::template_csv,
        )
        .post(
            "/clients/import/confirm",
            Agency("clients:write"),
            clients_import::confirm,
        )
        .get(
            "/clients/import/done",
            Agency("clients:write"),
            clients_import::done,
        )
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
        .get("/companies", Agency("clients:read"), companies::list)
        .get("/companies/new", Agency("clients:write"), companies::new)
        .post("/companies", Agency("clients:write"), companies::create)
        .get("/companies/{id}", Agency("clients:read"), companies::show)
        .post(
            "/companies/{id}/people",
            Agency("clients:write"),
            companies::add_person,
        )
        .post(
            "/companies/{id}/people/{person}/resign",
            Agency("clients:write"),
            companies::resign,
        )
        .get("/calendar", Agency("clients:read"), calendar::page)
        // Commissions: each needs what the matching API route needs.
        .get(
            "/commissions",
            Agency("commissions:read_own"),
            commissions::list,
        )
        .get(
            "/commissions/statement",
            Agency("commissions:read_own"),
            commissions::statement,
        )
        .post(
            "/commissions/bulk",
            Agency("commissions:approve"),
            commissions::bulk,
        )
        .get(
            "/commissions/{id}",
            Agency("commissions:read_own"),
            commissions::show,
        )
        .post(
            "/commissions/{id}/act",
            Agency("commissions:approve"),
            commissions::act,
        )
        // Invoices: each needs what the matching API route needs.
        .get("/invoices", Agency("invoices:read"), invoices::list)
        .get("/invoices/{id}", Agency("invoices:read"), invoices::show)
        .post(
            "/invoices/{id}/issue",
            Agency("invoices:write"),
            invoices::issue,
        )
        .post(
            "/invoices/{id}/pay-link",
            Agency("invoices:write"),
            invoices::renew_link,
        )
        .post(
            "/invoices/{id}/delete",
            Agency("invoices:write"),
            invoices::delete,
        )
        .post(
            "/invoices/{id}/payments",
            Agency("payments:manage"),
            invoices::record_payment,
        )
        .post(
            "/invoices/{id}/refunds",
            Agency("payments:manage"),
            invoices::refund,
        )
        .post(
            "/invoices/{id}/void",
            Agency("payments:manage"),
            invoices::void,
        )
        .get(
            "/invoices/{id}/invoice.pdf",
            Agency("invoices:read"),
            invoices::invoice_pdf,
        )
        .get(
            "/invoices/{id}/receipts/{file}",
            Agency("invoices:read"),
            invoices::receipt_pdf,
        )
        .get(
            "/invoices/{id}/credit-notes/{file}",
            Agency("invoices:read"),
            invoices::credit_note_pdf,
        )
        .post(
            "/registrations/{id}/invoice",
            Agency("invoices:write"),
            invoices::create_for_registration,
        )
        // The client's pay page: public, the link is the credential.
        .get("/pay/{agency}/brand.css", Public, pay::brand)
        .get("/pay/{agency}/{token}", Public, pay::show)
        .post("/pay/{agency}/{token}/checkout", Public, pay::checkout)
        .get(
            "/pay/{agency}/{token}/invoice.pdf",
            Public,
            pay::invoice_pdf,
        )
        .get(
            "/pay/{agency}/{token}/receipt.pdf",
            Public,
            pay::receipt_pdf,
        )
        .get("/reports", Agency("reports:read"), reports::page)
        .get("/reports/{file}", Agency("reports:read"), reports::csv)
        // Documents: each needs what the matching API route needs.
        .uploading(
            "/documents/upload",
            Agency("documents:draft"),
            upload_limit,
            documents::upload::upload,
        )
        .get(
            "/documents/{id}",
            Agency("documents:read"),
            documents::page::show,
        )
        .get(
            "/documents/{id}/status",
            Agency("documents:read"),
            documents::page::status,
        )
        .get(
            "/documents/{id}/preview",
            Agency("documents:read"),
            documents::page::preview,
        )
        .get(
            "/documents/{id}/file",
            Agency("documents:read"),
            documents::page::file,
        )
        .get(
            "/documents/{id}/text",
            Agency("documents:read"),
            documents::page::text,
        )
        .post(
            "/documents/{id}/review",
            Agency("documents:write"),
            documents::page::review_verdict,
        )
        .post(
            "/documents/{id}/hold",
            Agency("privacy:manage"),
            documents::page::hold,
        )
        .post(
            "/documents/{id}/link",
            Agency("documents:read"),
            documents::page::share_link,
        )
        .get(
            "/registrations/{id}/document-pack",
            Agency("documents:read"),
            documents::page::pack,
        )
        .get("/search", Agency("tenant:read"), search::page)
        .get(
            "/registrations",
            Agency("registrations:read"),
            registrations::list,
        )
        .get(
            "/registrations/new",
            Agency("registrations:draft"),
            registrations::new,
        )
        .post(
            "/registrations",
            Agency("registrations:draft"),
            registrations::create,
        )
        .get(
            "/registrations/{id}",
            Agency("registrations:read"),
            registrations::record::show,
        )
        .get(
            "/registrations/{id}/summary",
            Agency("registrations:read"),
            registrations::record::summary,
        )
        .get(
            "/registrations/{id}/steps/{step}",
            Agency("registrations:read"),
            registrations::wizard::show,
        )
        .post(
            "/registrations/{id}/steps/{step}",
            Agency("registrations:draft"),
            registrations::wizard::save,
        )
        .post(
            "/registrations/{id}/submit",
            Agency("registrations:draft"),
            registrations::wizard::submit,
        )
        .post(
            "/registrations/{id}/act",
            Agency("registrations:draft"),
            registrations::record::act,
        )
        .post(
            "/registrations/{id}/outcome",
            Agency("registrations:write"),
            registrations::record::record_outcome,
        )
        .post(
            "/registrations/{id}/assign",
            Agency("registrations:write"),
            registrations::record::assign,
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
        .get(
            "/holidays",
            Platform("platform:holidays:read"),
            console::holidays::list,
        )
        .post(
            "/holidays",
            Platform("platform:holidays:manage"),
            console::holidays::declare,
        )
        .post(
            "/holidays/{date}/withdraw",
            Platform("platform:holidays:manage"),
            console::holidays::withdraw,
        )
        .get(
            "/billing",
            Platform("platform:tenants:read"),
            console::billing::list,
        )
        .post(
            "/billing/run",
            Platform("platform:tenants:manage"),
            console::billing::run,
        )
        .post(
            "/billing/enforce",
            Platform("platform:tenants:manage"),
            console::billing::enforce,
        )
        .post(
            "/billing/{number}/payment",
            Platform("platform:tenants:manage"),
            console::billing::record_payment,
        )
        .post(
            "/signing-keys/rotate",
            Platform("platform:keys:manage"),
            console::signing_keys::rotate,
        )
}

/// Agency settings (`settings/`): each page needs what the matching API route needs.
fn settings_pages(pages: Pages) -> Pages {
    use Need::Agency;
    use settings::{api_keys, billing, branding, cipc, payments, roles, security, users};
    pages
        .get("/settings", Agency("users:read"), settings::home)
        .get("/settings/users", Agency("users:read"), users::list)
        .post("/settings/users", Agency("users:manage"), users::invite)
        .post(
            "/settings/users/{id}/role",
            Agency("users:manage"),
            users::change_role,
        )
        .post(
            "/settings/users/{id}/status",
            Agency("users:manage"),
            users::set_status,
        )
        .post(
            "/settings/users/{id}/unlock",
            Agency("users:manage"),
            users::unlock,
        )
        .post(
            "/settings/users/{id}/invitation",
            Agency("users:manage"),
            users::resend,
        )
        .get("/settings/roles", Agency("users:read"), roles::list)
        .get("/settings/roles/new", Agency("roles:manage"), roles::new)
        .post("/settings/roles", Agency("roles:manage"), roles::create)
        .get("/settings/roles/{key}", Agency("roles:manage"), roles::edit)
        .post(
            "/settings/roles/{key}",
            Agency("roles:manage"),
            roles::update,
        )
        .post(
            "/settings/roles/{key}/delete",
            Agency("roles:manage"),
            roles::delete,
        )
        .get(
            "/settings/security",
            Agency("settings:manage"),
            security::show,
        )
        .post(
            "/settings/security",
            Agency("settings:manage"),
            security::save,
        )
        .get(
            "/settings/branding",
            Agency("settings:manage"),
            branding::show,
        )
        .post(
            "/settings/branding",
            Agency("settings:manage"),
            branding::save,
        )
        .get(
            "/settings/api-keys",
            Agency("api_keys:manage"),
            api_keys::list,
        )
        .post(
            "/settings/api-keys",
            Agency("api_keys:manage"),
            api_keys::create,
        )
        .post(
            "/settings/api-keys/{id}/revoke",
            Agency("api_keys:manage"),
            api_keys::revoke,
        )
        .get("/settings/cipc", Agency("settings:manage"), cipc::show)
        .post("/settings/cipc", Agency("settings:manage"), cipc::save)
        .post(
            "/settings/cipc/clear",
            Agency("settings:manage"),
            cipc::clear,
        )
        .get(
            "/settings/documents",
            Agency("settings:manage"),
            settings::documents::show,
        )
        .post(
            "/settings/documents/types",
            Agency("settings:manage"),
            settings::documents::add_type,
        )
        .post(
            "/settings/documents/retention",
            Agency("privacy:manage"),
            settings::documents::set_retention,
        )
        .get(
            "/settings/odoo",
            Agency("settings:manage"),
            settings::odoo::show,
        )
        .post(
            "/settings/odoo",
            Agency("settings:manage"),
            settings::odoo::save,
        )
        .post(
            "/settings/odoo/test",
            Agency("settings:manage"),
            settings::odoo::test,
        )
        .post(
            "/settings/odoo/reconcile",
            Agency("settings:manage"),
            settings::odoo::reconcile,
        )
        .post(
            "/settings/odoo/clear",
            Agency("settings:manage"),
            settings::odoo::clear,
        )
        .get(
            "/settings/billing",
            Agency("payments:manage"),
            billing::show,
        )
        .post(
            "/settings/billing",
            Agency("payments:manage"),
            billing::save,
        )
        .get(
            "/settings/payments",
            Agency("payments:manage"),
            payments::show,
        )
        .post(
            "/settings/payments/payfast",
            Agency("payments:manage"),
            payments::save_payfast,
        )
        .post(
            "/settings/payments/stripe",
            Agency("payments:manage"),
            payments::save_stripe,
        )
        .post(
            "/settings/payments/{provider}/remove",
            Agency("payments:manage"),
            payments::remove,
        )
        .get(
            "/settings/plan",
            Agency("settings:manage"),
            settings::plan::show,
        )
        .post(
            "/settings/plan/pay/{number}",
            Agency("settings:manage"),
            settings::plan::pay,
        )
        .get(
            "/settings/commissions",
            Agency("commissions:manage"),
            settings::commissions::show,
        )
        .post(
            "/settings/commissions/trigger",
            Agency("commissions:manage"),
            settings::commissions::set_trigger,
        )
        .post(
            "/settings/commissions/prices",
            Agency("commissions:manage"),
            settings::commissions::set_price,
        )
        .post(
            "/settings/commissions/prices/{id}/withdraw",
            Agency("commissions:manage"),
            settings::commissions::withdraw_price,
        )
        .post(
            "/settings/commissions/rules",
            Agency("commissions:manage"),
            settings::commissions::add_rule,
        )
        .post(
            "/settings/commissions/rules/{id}/end",
            Agency("commissions:manage"),
            settings::commissions::end_rule,
        )
        .post(
            "/settings/commissions/rules/{id}/delete",
            Agency("commissions:manage"),
            settings::commissions::delete_rule,
        )
}
