use super::*;
use serde_json::json;

/// minijinja's HTML escaping (it escapes `/` too, which HTML attributes decode back).
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

fn brand() -> Branding {
    Branding {
        display_name: "Baobab Corporate Services".into(),
        primary_color: "#aa3300".into(),
        logo_url: Some("https://cdn.baobab.example/logo.png".into()),
        support_email: Some("help@baobab.example".into()),
    }
}

fn sample_vars(t: Template) -> serde_json::Value {
    match t {
        Template::Test => json!({}),
        Template::RegistrationCreated => json!({
            "client_name": "Sipho Ndlovu", "kind": "za_private_company", "reference": "CIPC-2026-0042"
        }),
        Template::PasswordReset => json!({
            "name": "Thandi", "link": "https://baobab.example/reset?t=abc&x=1", "expires_minutes": 30
        }),
        Template::Invitation => json!({
            "link": "https://baobab.example/invite?t=abc", "role": "agent", "expires_days": 7
        }),
        Template::AccountLocked => json!({"name": "Thandi", "unlock_minutes": null}),
        Template::ObligationDue => json!({
            "name": "Thandi", "company_name": "Karoo Solar (Pty) Ltd", "kind": "annual_return",
            "period": "2026", "due_on": "2026-04-15", "overdue": false,
        }),
        Template::InvoiceIssued => json!({
            "client_name": "Naledi Dlamini", "number": "INV-000042", "total": "R1,275.00",
            "due_on": "2026-12-12", "pay_url": "https://baobab.example/pay/baobab/abc?x=1&y=2",
            "again": false,
        }),
        Template::PaymentReceived => json!({
            "client_name": "Naledi Dlamini", "number": "INV-000042", "amount": "R1,275.00",
            "reference": "pi_3Qx", "received_on": "2026-12-05", "how": "card, through Stripe",
            "balance": null,
        }),
    }
}

#[test]
fn embedded_files_match_the_directory() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut on_disk = Vec::new();
    for lang in std::fs::read_dir(&root).unwrap() {
        let lang = lang.unwrap();
        for file in std::fs::read_dir(lang.path()).unwrap() {
            let file = file.unwrap();
            on_disk.push(format!(
                "{}/{}",
                lang.file_name().to_string_lossy(),
                file.file_name().to_string_lossy()
            ));
        }
    }
    on_disk.sort();
    let mut embedded: Vec<String> = FILES.iter().map(|(p, _)| (*p).to_owned()).collect();
    embedded.sort();
    assert_eq!(embedded, on_disk, "edit FILES in src/templates/mod.rs");
}

#[test]
fn every_template_renders_on_each_of_its_channels_in_every_language() {
    for lang in LANGUAGES {
        for t in Template::ALL {
            let email = render(t, lang, Channel::Email, &brand(), &sample_vars(t)).unwrap();
            let subject = email.subject.unwrap();
            assert!(!subject.is_empty() && !subject.contains('\n'), "{t:?}");
            assert!(
                email.text.contains("Baobab Corporate Services"),
                "{t:?} text"
            );
            let html = email.html.unwrap();
            assert!(html.contains("#aa3300"), "{t:?} html colour");
            assert!(
                html.contains(&esc("https://cdn.baobab.example/logo.png")),
                "{t:?} logo"
            );
            assert!(html.contains("help@baobab.example"), "{t:?} support");
            if t.has_channel(Channel::Sms) {
                let sms = render(t, lang, Channel::Sms, &brand(), &sample_vars(t)).unwrap();
                assert!(sms.subject.is_none() && sms.html.is_none());
                // One SMS segment (GSM-7) where it can be, never more than two.
                assert!(sms.text.chars().count() <= 160, "{t:?}: {}", sms.text);
            }
        }
    }
}

#[test]
fn branding_reaches_layout_and_body() {
    let r = render(
        Template::RegistrationCreated,
        "en",
        Channel::Email,
        &brand(),
        &sample_vars(Template::RegistrationCreated),
    )
    .unwrap();
    assert_eq!(
        r.subject.as_deref(),
        Some("Your private company registration (CIPC) application has been opened")
    );
    assert!(r.text.starts_with("Dear Sipho Ndlovu,\n\n"), "{}", r.text);
    assert!(r.text.contains("Reference: CIPC-2026-0042\n"), "{}", r.text);
    assert!(r.text.contains("Questions? Write to help@baobab.example\n"));
    assert!(!r.text.contains("\n\n\n"), "{}", r.text);
    let html = r.html.unwrap();
    assert!(html.contains("background:#aa3300"));
    assert!(html.contains(r#"alt="Baobab Corporate Services""#));

    let plain = Branding {
        logo_url: None,
        support_email: None,
        ..brand()
    };
    let r = render(Template::Test, "en", Channel::Email, &plain, &json!({})).unwrap();
    let html = r.html.unwrap();
    assert!(!html.contains("<img"), "no logo, no image");
    assert!(
        html.contains(">Baobab Corporate Services</span>"),
        "name instead of logo"
    );
    assert!(!r.text.contains("Questions?"));
}

#[test]
fn user_data_is_escaped_in_html_but_not_in_text() {
    let vars = json!({
        "client_name": "<script>alert('x')</script> & Co",
        "kind": "za_vat_registration",
        "reference": "\"><img src=x onerror=alert(1)>",
    });
    let evil_brand = Branding {
        display_name: "Bad <b>Agency</b>".into(),
        ..brand()
    };
    let r = render(
        Template::RegistrationCreated,
        "en",
        Channel::Email,
        &evil_brand,
        &vars,
    )
    .unwrap();
    let html = r.html.unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(!html.contains("<b>Agency"), "{html}");
    assert!(html.contains("&amp; Co"));
    assert!(
        r.text.contains("<script>alert('x')</script> & Co"),
        "text is not HTML"
    );
}

#[test]
fn a_missing_variable_is_an_error_not_a_blank() {
    let err = render(
        Template::PasswordReset,
        "en",
        Channel::Email,
        &brand(),
        &json!({"name": "Thandi", "expires_minutes": 30}),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("password_reset"), "{msg}");
    assert!(msg.contains("undefined"), "{msg}");

    // Optional values must still be given, as null.
    let err = render(
        Template::RegistrationCreated,
        "en",
        Channel::Email,
        &brand(),
        &json!({"client_name": "Sipho", "kind": "zw_pbc"}),
    );
    assert!(err.is_err());
    let ok = render(
        Template::RegistrationCreated,
        "en",
        Channel::Email,
        &brand(),
        &json!({"client_name": "Sipho", "kind": "zw_pbc", "reference": null}),
    )
    .unwrap();
    assert!(!ok.text.contains("Reference"));
}

#[test]
fn brand_is_reserved_and_vars_must_be_an_object() {
    assert!(matches!(
        render(
            Template::Test,
            "en",
            Channel::Email,
            &brand(),
            &json!({"brand": 1})
        ),
        Err(RenderError::Reserved(_))
    ));
    assert!(matches!(
        render(Template::Test, "en", Channel::Email, &brand(), &json!([1])),
        Err(RenderError::NotAnObject(_))
    ));
}

#[test]
fn unknown_languages_fall_back_to_english() {
    assert_eq!(resolve_language("en"), "en");
    assert_eq!(resolve_language("en-ZA"), "en");
    assert_eq!(resolve_language("zu"), "en");
    assert_eq!(resolve_language(""), "en");
    let r = render(
        Template::Test,
        "af-ZA",
        Channel::Email,
        &brand(),
        &json!({}),
    )
    .unwrap();
    assert_eq!(
        r.subject.as_deref(),
        Some("Test message from Baobab Corporate Services")
    );
}

#[test]
fn essential_templates_are_the_security_and_account_ones() {
    assert!(Template::PasswordReset.essential());
    assert!(Template::Invitation.essential());
    assert!(Template::AccountLocked.essential());
    assert!(!Template::RegistrationCreated.essential());
    assert!(!Template::PasswordReset.has_channel(Channel::Sms));
}

#[test]
fn labels_read_like_english() {
    let r = render(
        Template::Invitation,
        "en",
        Channel::Email,
        &brand(),
        &sample_vars(Template::Invitation),
    )
    .unwrap();
    assert!(r.text.contains("as\nan agent."), "{}", r.text);
    assert!(r.text.contains("expires in 7 days"));
    let html = r.html.unwrap();
    let href = format!("href=\"{}\"", esc("https://baobab.example/invite?t=abc"));
    assert!(html.contains(&href), "{html}");
}
