//! Message templates: per template name and language, a subject, a text body, an HTML body
//! and (for some) an SMS, embedded in the binary and rendered with minijinja.
//!
//! Files live in `crates/notify/templates/<lang>/<name>.{subject,txt,html,sms}`; every
//! message extends its language's `layout.txt` / `layout.html`, which carry the tenant's
//! branding (`brand.display_name`, `brand.primary_color`, `brand.logo_url`,
//! `brand.support_email`). HTML is autoescaped. Undefined variables are errors: a caller
//! that forgets one gets a [`RenderError`], never a message with a hole in it. Optional
//! values are passed as `null`.

mod labels;

use crate::branding::Branding;
use crate::error::RenderError;
use crate::model::{Category, Channel};
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The messages the platform can send. Category and essentiality belong to the template,
/// not to the caller, so no caller can mark an ordinary message essential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Template {
    /// `comply360 notify test`. No variables.
    Test,
    /// To a client when a filing is opened. Variables: `client_name`, `kind` (a
    /// registration kind code), `reference` (or null).
    RegistrationCreated,
    /// Variables: `name`, `link`, `expires_minutes`.
    PasswordReset,
    /// Variables: `link`, `role` (a role key), `expires_days`.
    Invitation,
    /// Variables: `name`, `unlock_minutes` (or null: an administrator unlocks it).
    AccountLocked,
    /// To an agent (or the administrators): a compliance obligation is due or overdue.
    /// Variables: `name`, `company_name`, `kind` (an obligation kind), `period`, `due_on`,
    /// `overdue`.
    ObligationDue,
    /// To a client: an invoice to pay, with its pay link (issued, or a fresh link).
    /// Variables: `client_name`, `number`, `total`, `due_on` (or null), `pay_url`, `again`.
    InvoiceIssued,
    /// To a client: a receipt. Variables: `client_name`, `number`, `amount`, `reference`,
    /// `received_on`, `how` (e.g. "card via Stripe"), `balance` (or null when settled).
    PaymentReceived,
}

impl Template {
    pub const ALL: [Template; 8] = [
        Template::Test,
        Template::RegistrationCreated,
        Template::PasswordReset,
        Template::Invitation,
        Template::AccountLocked,
        Template::ObligationDue,
        Template::InvoiceIssued,
        Template::PaymentReceived,
    ];

    /// The stored name (`notification_messages.template`) and file stem.
    pub fn name(self) -> &'static str {
        match self {
            Template::Test => "test",
            Template::RegistrationCreated => "registration_created",
            Template::PasswordReset => "password_reset",
            Template::Invitation => "invitation",
            Template::AccountLocked => "account_locked",
            Template::ObligationDue => "obligation_due",
            Template::InvoiceIssued => "invoice_issued",
            Template::PaymentReceived => "payment_received",
        }
    }

    pub fn category(self) -> Category {
        match self {
            Template::Test => Category::System,
            Template::RegistrationCreated | Template::ObligationDue => Category::Registrations,
            Template::PasswordReset | Template::AccountLocked => Category::Security,
            Template::Invitation => Category::Account,
            Template::InvoiceIssued | Template::PaymentReceived => Category::Billing,
        }
    }

    /// Essential messages are sent whatever the recipient opted out of.
    pub fn essential(self) -> bool {
        !matches!(
            self,
            Template::RegistrationCreated | Template::ObligationDue
        )
    }

    pub fn has_channel(self, channel: Channel) -> bool {
        match channel {
            Channel::Email => true,
            Channel::Sms => matches!(
                self,
                Template::Test | Template::RegistrationCreated | Template::AccountLocked
            ),
        }
    }
}

/// Languages with a complete set of templates. English is the fallback.
pub const LANGUAGES: &[&str] = &["en"];

/// The template language for an IETF tag: itself, else its primary subtag (`pt-BR` → `pt`),
/// else English.
pub fn resolve_language(tag: &str) -> &'static str {
    let primary = tag.split(['-', '_']).next().unwrap_or_default();
    LANGUAGES
        .iter()
        .copied()
        .find(|l| l.eq_ignore_ascii_case(tag))
        .or_else(|| {
            LANGUAGES
                .iter()
                .copied()
                .find(|l| l.eq_ignore_ascii_case(primary))
        })
        .unwrap_or("en")
}

macro_rules! embedded {
    ($($path:literal),+ $(,)?) => {
        &[$(($path, include_str!(concat!("../../templates/", $path)))),+]
    };
}

/// Every template file, by path under `templates/` (a unit test keeps this list equal to
/// the directory).
const FILES: &[(&str, &str)] = embedded![
    "en/layout.html",
    "en/layout.txt",
    "en/test.subject",
    "en/test.txt",
    "en/test.html",
    "en/test.sms",
    "en/registration_created.subject",
    "en/registration_created.txt",
    "en/registration_created.html",
    "en/registration_created.sms",
    "en/password_reset.subject",
    "en/password_reset.txt",
    "en/password_reset.html",
    "en/invitation.subject",
    "en/invitation.txt",
    "en/invitation.html",
    "en/account_locked.subject",
    "en/account_locked.txt",
    "en/account_locked.html",
    "en/account_locked.sms",
    "en/invoice_issued.subject",
    "en/invoice_issued.txt",
    "en/invoice_issued.html",
    "en/payment_received.subject",
    "en/payment_received.txt",
    "en/payment_received.html",
    "en/obligation_due.subject",
    "en/obligation_due.txt",
    "en/obligation_due.html",
];

/// A rendered message. Email has all three parts; an SMS has only `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: Option<String>,
    pub text: String,
    pub html: Option<String>,
}

static ENV: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(build_env);

fn build_env() -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .map_err(|e| e.to_string())?;
    env.set_syntax(syntax);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.add_filter("registration_kind", |v: &str| labels::registration_kind(v));
    env.add_filter("role_label", |v: &str| labels::role(v));
    env.add_filter("obligation_kind", |v: &str| labels::obligation_kind(v));
    for (name, source) in FILES {
        env.add_template(name, source)
            .map_err(|e| format!("template {name}: {e}"))?;
    }
    Ok(env)
}

fn env() -> Result<&'static Environment<'static>, RenderError> {
    ENV.as_ref().map_err(|detail| RenderError::Template {
        name: "(loading)".to_owned(),
        detail: detail.clone(),
    })
}

/// Renders `template` in `language` (resolved with [`resolve_language`]) for `channel`.
/// `vars` is a JSON object of the template's variables; `brand` is added as `brand`.
pub fn render(
    template: Template,
    language: &str,
    channel: Channel,
    brand: &Branding,
    vars: &serde_json::Value,
) -> Result<Rendered, RenderError> {
    let lang = resolve_language(language);
    let ctx = context(brand, vars)?;
    let env = env()?;
    let part = |ext: &str| -> Result<String, RenderError> {
        let name = format!("{lang}/{}.{ext}", template.name());
        let tmpl = env
            .get_template(&name)
            .map_err(|e| RenderError::template(&name, &e))?;
        tmpl.render(ctx.clone())
            .map_err(|e| RenderError::template(&name, &e))
    };
    match channel {
        Channel::Email => {
            let subject = one_line(&part("subject")?);
            if subject.is_empty() {
                return Err(RenderError::EmptySubject(template.name().to_owned()));
            }
            Ok(Rendered {
                subject: Some(subject),
                text: tidy_text(&part("txt")?),
                html: Some(part("html")?),
            })
        }
        Channel::Sms => Ok(Rendered {
            subject: None,
            text: one_line(&part("sms")?),
            html: None,
        }),
    }
}

fn context(brand: &Branding, vars: &serde_json::Value) -> Result<Value, RenderError> {
    let object = match vars {
        serde_json::Value::Object(map) => map,
        serde_json::Value::Null => &serde_json::Map::new(),
        other => return Err(RenderError::NotAnObject(json_kind(other))),
    };
    let mut ctx: BTreeMap<String, Value> = BTreeMap::new();
    for (key, value) in object {
        if key == "brand" {
            return Err(RenderError::Reserved(key.clone()));
        }
        ctx.insert(key.clone(), Value::from(Serde(value)));
    }
    ctx.insert("brand".to_owned(), Value::from(Serde(brand)));
    Ok(Value::from(ctx))
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Subjects and SMS are one line: a newline in a subject would be a header injection
/// attempt or a template slip, and an SMS has no use for one.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text bodies: no leading blank lines, no trailing spaces, one final newline, at most one
/// blank line in a row (what block tags leave behind).
fn tidy_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0;
    for line in s.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests;
