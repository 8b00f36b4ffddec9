//! The portal's pages: minijinja templates (a layout, sign-in, the MFA step, home), compiled
//! once and rendered with HTML escaping.

use axum::response::Html;
use minijinja::Environment;
use std::sync::LazyLock;

const LAYOUT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · {{ agency }}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f6f9;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0002;width:min(24rem,90vw)}
h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.8rem 0 .3rem}
input{width:100%;padding:.6rem;box-sizing:border-box;border:1px solid #bbc;border-radius:6px}
button{margin-top:1.2rem;width:100%;padding:.7rem;border:0;border-radius:6px;background:#0b5fff;color:#fff;font-size:1rem}
.error{background:#fdecea;color:#8a1c12;padding:.6rem;border-radius:6px}
</style></head><body><main>
<h1>{{ agency }}</h1>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{% block body %}{% endblock %}
</main></body></html>"#;

const LOGIN: &str = r#"{% extends "layout" %}{% block body %}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{{ csrf }}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="{{ email }}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>{% endblock %}"#;

const MFA: &str = r#"{% extends "layout" %}{% block body %}
<form method="post" action="/login/mfa">
<input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="mfa_token" value="{{ mfa_token }}">
<label for="code">Code from your authenticator app (or a recovery code)</label>
<input id="code" name="code" autocomplete="one-time-code" required>
<button type="submit">Verify</button>
</form>{% endblock %}"#;

const HOME: &str = r#"{% extends "layout" %}{% block body %}
<p>Signed in as <strong>{{ email }}</strong> ({{ role }}).</p>
<form method="post" action="/logout">
<input type="hidden" name="csrf" value="{{ csrf }}">
<button type="submit">Sign out</button>
</form>{% endblock %}"#;

static PAGES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    for (name, source) in [
        ("layout", LAYOUT),
        ("login", LOGIN),
        ("mfa", MFA),
        ("home", HOME),
    ] {
        if let Err(err) = env.add_template(name, source) {
            tracing::error!(error = %err, name, "portal template does not compile");
        }
    }
    env
});

pub(super) fn render(name: &str, ctx: minijinja::Value) -> Html<String> {
    let page = PAGES
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|err| {
            tracing::error!(error = %err, name, "portal page failed to render");
            "<!doctype html><title>Error</title><p>Something went wrong.</p>".into()
        });
    Html(page)
}
