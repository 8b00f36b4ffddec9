//! The page templates (minijinja, HTML-escaped), compiled into the binary and once per process.
//! `asset(name)` in a template gives a file's versioned address.

use minijinja::Environment;
use std::sync::LazyLock;

/// Every template, by name. A template that does not compile fails the test
/// `every_template_compiles`, never a page at run time.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("bare.html", include_str!("../templates/bare.html")),
    ("app.html", include_str!("../templates/app.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("error.html", include_str!("../templates/error.html")),
    (
        "account/account.html",
        include_str!("../templates/account/account.html"),
    ),
    (
        "account/forgot.html",
        include_str!("../templates/account/forgot.html"),
    ),
    (
        "account/mfa_enrol.html",
        include_str!("../templates/account/mfa_enrol.html"),
    ),
    (
        "account/new_password.html",
        include_str!("../templates/account/new_password.html"),
    ),
    (
        "account/recovery_codes.html",
        include_str!("../templates/account/recovery_codes.html"),
    ),
    ("calendar.html", include_str!("../templates/calendar.html")),
    (
        "documents/macros.html",
        include_str!("../templates/documents/macros.html"),
    ),
    (
        "documents/section.html",
        include_str!("../templates/documents/section.html"),
    ),
    (
        "documents/requirements.html",
        include_str!("../templates/documents/requirements.html"),
    ),
    (
        "documents/upload.html",
        include_str!("../templates/documents/upload.html"),
    ),
    (
        "documents/status.html",
        include_str!("../templates/documents/status.html"),
    ),
    (
        "documents/text.html",
        include_str!("../templates/documents/text.html"),
    ),
    (
        "documents/text_page.html",
        include_str!("../templates/documents/text_page.html"),
    ),
    (
        "documents/show.html",
        include_str!("../templates/documents/show.html"),
    ),
    (
        "clients/form.html",
        include_str!("../templates/clients/form.html"),
    ),
    (
        "clients/import.html",
        include_str!("../templates/clients/import.html"),
    ),
    (
        "clients/import_done.html",
        include_str!("../templates/clients/import_done.html"),
    ),
    (
        "clients/import_report.html",
        include_str!("../templates/clients/import_report.html"),
    ),
    (
        "clients/list.html",
        include_str!("../templates/clients/list.html"),
    ),
    (
        "clients/rows.html",
        include_str!("../templates/clients/rows.html"),
    ),
    (
        "clients/show.html",
        include_str!("../templates/clients/show.html"),
    ),
    (
        "companies/form.html",
        include_str!("../templates/companies/form.html"),
    ),
    (
        "companies/list.html",
        include_str!("../templates/companies/list.html"),
    ),
    (
        "companies/rows.html",
        include_str!("../templates/companies/rows.html"),
    ),
    (
        "companies/show.html",
        include_str!("../templates/companies/show.html"),
    ),
    (
        "console/agencies.html",
        include_str!("../templates/console/agencies.html"),
    ),
    (
        "console/agency.html",
        include_str!("../templates/console/agency.html"),
    ),
    (
        "console/agency_form.html",
        include_str!("../templates/console/agency_form.html"),
    ),
    (
        "console/audit.html",
        include_str!("../templates/console/audit.html"),
    ),
    (
        "console/dead_letters.html",
        include_str!("../templates/console/dead_letters.html"),
    ),
    (
        "console/holidays.html",
        include_str!("../templates/console/holidays.html"),
    ),
    (
        "console/signing_keys.html",
        include_str!("../templates/console/signing_keys.html"),
    ),
    (
        "dashboard.html",
        include_str!("../templates/dashboard.html"),
    ),
    ("login.html", include_str!("../templates/login.html")),
    ("mfa.html", include_str!("../templates/mfa.html")),
    (
        "registrations/fields.html",
        include_str!("../templates/registrations/fields.html"),
    ),
    (
        "registrations/list.html",
        include_str!("../templates/registrations/list.html"),
    ),
    (
        "registrations/new.html",
        include_str!("../templates/registrations/new.html"),
    ),
    (
        "registrations/show.html",
        include_str!("../templates/registrations/show.html"),
    ),
    (
        "registrations/summary.html",
        include_str!("../templates/registrations/summary.html"),
    ),
    (
        "registrations/wizard.html",
        include_str!("../templates/registrations/wizard.html"),
    ),
    ("reports.html", include_str!("../templates/reports.html")),
    ("search.html", include_str!("../templates/search.html")),
    (
        "settings/api_keys.html",
        include_str!("../templates/settings/api_keys.html"),
    ),
    (
        "settings/branding.html",
        include_str!("../templates/settings/branding.html"),
    ),
    (
        "privacy/client.html",
        include_str!("../templates/privacy/client.html"),
    ),
    (
        "settings/cipc.html",
        include_str!("../templates/settings/cipc.html"),
    ),
    (
        "settings/documents.html",
        include_str!("../templates/settings/documents.html"),
    ),
    (
        "settings/role_form.html",
        include_str!("../templates/settings/role_form.html"),
    ),
    (
        "settings/roles.html",
        include_str!("../templates/settings/roles.html"),
    ),
    (
        "settings/security.html",
        include_str!("../templates/settings/security.html"),
    ),
    (
        "commissions/list.html",
        include_str!("../templates/commissions/list.html"),
    ),
    (
        "commissions/show.html",
        include_str!("../templates/commissions/show.html"),
    ),
    (
        "commissions/statement.html",
        include_str!("../templates/commissions/statement.html"),
    ),
    (
        "settings/commissions.html",
        include_str!("../templates/settings/commissions.html"),
    ),
    (
        "settings/odoo.html",
        include_str!("../templates/settings/odoo.html"),
    ),
    (
        "settings/tabs.html",
        include_str!("../templates/settings/tabs.html"),
    ),
    (
        "pay/layout.html",
        include_str!("../templates/pay/layout.html"),
    ),
    ("pay/page.html", include_str!("../templates/pay/page.html")),
    (
        "pay/handoff.html",
        include_str!("../templates/pay/handoff.html"),
    ),
    (
        "pay/closed.html",
        include_str!("../templates/pay/closed.html"),
    ),
    (
        "invoices/list.html",
        include_str!("../templates/invoices/list.html"),
    ),
    (
        "invoices/show.html",
        include_str!("../templates/invoices/show.html"),
    ),
    (
        "settings/billing.html",
        include_str!("../templates/settings/billing.html"),
    ),
    (
        "settings/payments.html",
        include_str!("../templates/settings/payments.html"),
    ),
    (
        "settings/plan.html",
        include_str!("../templates/settings/plan.html"),
    ),
    (
        "console/billing.html",
        include_str!("../templates/console/billing.html"),
    ),
    (
        "settings/users.html",
        include_str!("../templates/settings/users.html"),
    ),
];

fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    env.add_function("asset", |name: &str| crate::assets::url(name));
    env.add_filter("when", when);
    env.add_filter("day", day);
    env.add_filter("rands", rands);
    env.add_filter("money", money);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    Ok(env)
}

/// South African time (SAST, UTC+2 all year, no daylight saving), the agencies' clock.
pub(crate) const SAST: chrono::FixedOffset = match chrono::FixedOffset::east_opt(2 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+2 is a valid offset"),
};

/// An instant (RFC 3339, as the models serialise) as SAST: `5 Dec 2026, 14:05`.
fn when(value: minijinja::Value) -> String {
    let Some(text) = value.as_str() else {
        return String::new();
    };
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| {
            t.with_timezone(&SAST)
                .format("%-d %b %Y, %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| text.to_owned())
}

/// A date (`2026-12-05`, or the date of an instant) as `5 Dec 2026`.
fn day(value: minijinja::Value) -> String {
    let Some(text) = value.as_str() else {
        return String::new();
    };
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return d.format("%-d %b %Y").to_string();
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&SAST).format("%-d %b %Y").to_string())
        .unwrap_or_else(|_| text.to_owned())
}

/// Cents as rands with thousands separated: `125050` → `R1,250.50`.
fn rands(value: minijinja::Value) -> String {
    money(value, Some("ZAR"))
}

/// Cents as rands, for text made outside a template (a notice): `R1,250.50`.
pub(crate) fn rands_text(cents: i64) -> String {
    money(minijinja::Value::from(cents), Some("ZAR"))
}

/// Cents in a currency, thousands separated: `R1,250.50`, `US$1,250.50`, `ZWG 1,250.50`.
/// A missing currency reads as rands (the agencies' own).
fn money(value: minijinja::Value, currency: Option<&str>) -> String {
    let Some(cents) = i64::try_from(value).ok() else {
        return String::new();
    };
    let symbol = match currency.unwrap_or("ZAR") {
        "ZAR" => "R".to_owned(),
        "USD" => "US$".to_owned(),
        other => format!("{other} "),
    };
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{symbol}{grouped}.{:02}", cents % 100)
}

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    environment().unwrap_or_else(|err| {
        tracing::error!(error = %err, "a portal template does not compile");
        Environment::new()
    })
});

/// Renders template `name`; None when it fails (logged with the request's span: a template
/// bug), for the caller to answer 500 rather than a page that looks fine and says nothing.
pub fn render(name: &str, ctx: minijinja::Value) -> Option<String> {
    match ENV.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => Some(html),
        Err(err) => {
            tracing::error!(error = %err, name, "portal page failed to render");
            None
        }
    }
}

/// What the error page says when even it cannot be rendered.
pub const APOLOGY: &str = "<!doctype html><html lang=\"en\"><title>Error</title><p>Something went wrong showing this page. Try again.</p></html>";

#[cfg(test)]
mod tests {
    #[test]
    fn times_show_in_south_african_time_and_dates_in_words() {
        use minijinja::Value;
        assert_eq!(
            super::when(Value::from("2026-12-05T22:30:00Z")),
            "6 Dec 2026, 00:30"
        );
        assert_eq!(super::day(Value::from("2026-11-04")), "4 Nov 2026");
        assert_eq!(
            super::day(Value::from("2026-12-05T22:30:00.123Z")),
            "6 Dec 2026"
        );
        assert_eq!(super::day(Value::from("not a date")), "not a date");
        assert_eq!(super::day(Value::UNDEFINED), "");
        assert_eq!(super::rands(Value::from(125_050)), "R1,250.50");
        assert_eq!(super::rands(Value::from(17_500)), "R175.00");
        assert_eq!(super::rands(Value::from(123_456_789)), "R1,234,567.89");
        assert_eq!(super::rands(Value::UNDEFINED), "");
    }

    #[test]
    fn every_file_under_templates_is_compiled_in() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut files = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(
                        path.strip_prefix(&root)
                            .unwrap()
                            .to_string_lossy()
                            .into_owned(),
                    );
                }
            }
        }
        files.sort();
        let mut listed: Vec<String> = super::TEMPLATES
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect();
        listed.sort();
        assert_eq!(files, listed, "add the template to TEMPLATES");
    }

    #[test]
    fn every_template_compiles_and_renders_with_nothing_given() {
        let env = super::environment().unwrap();
        for (name, _) in super::TEMPLATES {
            let template = env.get_template(name).unwrap();
            // Layouts named by a variable need one; every page has its frame values.
            let ctx = minijinja::context! { layout => "bare.html", agency => "Agency", viewer => minijinja::context! { email => "a@b.example" } };
            if let Err(e) = template.render(ctx) {
                panic!("{name}: {e:#}");
            }
        }
    }
}
