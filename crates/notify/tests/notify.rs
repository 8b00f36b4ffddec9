//! Notifications against real parts: the embedded PostgreSQL in all three isolation modes, a
//! real SMTP server (aiosmtpd), the mailbox directory and the dev page over HTTP, and
//! SendGrid / Twilio stand-ins on loopback.

use crate::support;
use crate::support::standins::{sendgrid_standin, twilio_standin};
use crate::support::{
    closed_port, deliver_jobs, mailbox_settings, runner, set_branding, smtp_settings, tenant,
};
use comply360_domain::IsolationMode;
use comply360_jobs::NewEvent;
use comply360_jobs::event::types;
use comply360_notify::{
    Category, Channel, Deliver, MessageState, NewMessage, NotifySettings, Recipient, Template,
    messages, preferences, queue, send_test,
};
use comply360_testkit::TestDb;
use comply360_testkit::smtp::SmtpServer;
use mail_parser::MessageParser;
use serde_json::json;
use std::time::{Duration, Instant};
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(30);

fn baobab_branding() -> serde_json::Value {
    json!({
        "display_name": "Baobab Corporate Services",
        "primary_color": "#aa3300",
        "logo_url": "https://cdn.baobab.example/logo.png",
        "support_email": "help@baobab.example",
    })
}

#[tokio::test]
async fn send_test_arrives_at_the_smtp_server_with_the_tenants_branding() {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let db = TestDb::new().await;
    let t = tenant(&db, "baobab", IsolationMode::Pooled).await;
    set_branding(&db.store, &t, baobab_branding()).await;
    let runner = runner(&db.store, &smtp_settings(smtp.port));

    let started = Instant::now();
    let outcome = send_test(&runner, &t, "ops@agency.example", WAIT)
        .await
        .unwrap();
    assert!(outcome.is_sent(), "{outcome:?}");
    assert_eq!(outcome.provider.as_deref(), Some("smtp"));
    assert_eq!(outcome.attempts, 1);
    assert!(started.elapsed() < Duration::from_secs(10));

    let received = smtp.messages();
    assert_eq!(received.len(), 1, "one message at the server");
    let raw = &received[0];
    let text = String::from_utf8_lossy(raw);
    assert!(
        text.starts_with("X-Envelope-To: ops@agency.example\r\n"),
        "{text}"
    );
    let mail = MessageParser::default().parse(raw).unwrap();
    let from = mail.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("Baobab Corporate Services"));
    assert_eq!(from.address(), Some("no-reply@comply360.test"));
    assert_eq!(
        mail.subject(),
        Some("Test message from Baobab Corporate Services")
    );
    assert_eq!(
        mail.reply_to().unwrap().first().unwrap().address(),
        Some("help@baobab.example")
    );
    assert_eq!(
        mail.header_raw("X-Comply360-Tenant").map(str::trim),
        Some("baobab")
    );
    assert_eq!(
        mail.message_id(),
        Some(format!("{}@comply360.test", outcome.message_id).as_str())
    );
    let body = mail.body_text(0).unwrap();
    assert!(
        body.contains("This is a test message from Baobab Corporate Services"),
        "{body}"
    );
    assert!(
        body.contains("Questions? Write to help@baobab.example"),
        "{body}"
    );
    let html = mail.body_html(0).unwrap();
    assert!(html.contains("background:#aa3300"), "{html}");
    assert!(html.contains("cdn.baobab.example"), "{html}");

    // The row says where it went, and the platform heard about it.
    let mut tx = db.store.tenancy().begin(&t).await.unwrap();
    let row = messages::get(&mut tx, outcome.message_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.state, MessageState::Sent);
    assert_eq!(row.channel, Channel::Email);
    assert!(row.sent_at.is_some());
    assert_eq!(row.provider_message_id, outcome.provider_message_id);
    let sent_events: i64 = tx
        .query_scalar(
            "SELECT count(*) FROM outbox_events WHERE tenant_id = $1 AND event_type = $2
               AND aggregate_id = $3",
        )
        .bind(t.id().as_uuid())
        .bind(types::NOTIFICATION_SENT)
        .bind(outcome.message_id.as_uuid())
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(sent_events, 1);
    tx.commit().await.unwrap();
    smtp.stop().await;
}

#[tokio::test]
async fn smtp_down_is_retried_then_marked_failed_with_the_error_visible() {
    let db = TestDb::new().await;
    let t = tenant(&db, "acacia", IsolationMode::Pooled).await;
    let runner = runner(&db.store, &smtp_settings(closed_port()));

    let outcome = send_test(&runner, &t, "ops@agency.example", WAIT)
        .await
        .unwrap();
    assert_eq!(outcome.state, MessageState::Failed, "{outcome:?}");
    assert_eq!(outcome.attempts, 3, "every attempt of the policy was used");
    let error = outcome.last_error.clone().unwrap();
    assert!(error.contains("SMTP"), "{error}");
    assert!(error.to_lowercase().contains("refused"), "{error}");

    let jobs = deliver_jobs(&db.store, &t).await;
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert_eq!(job.state, "dead");
    assert_eq!(job.attempts, 3);
    assert_eq!(job.max_attempts, 3);
    assert_eq!(job.last_error.as_deref(), Some(error.as_str()));
}

#[tokio::test]
async fn smtp_transient_refusals_are_retried_and_permanent_ones_are_not() {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let db = TestDb::new().await;
    let t = tenant(&db, "karoo", IsolationMode::Pooled).await;
    let runner = runner(&db.store, &smtp_settings(smtp.port));

    let transient = send_test(&runner, &t, "tempfail@agency.example", WAIT)
        .await
        .unwrap();
    assert_eq!(transient.state, MessageState::Failed);
    assert_eq!(transient.attempts, 3, "{transient:?}");
    assert!(
        transient.last_error.as_deref().unwrap().contains("451"),
        "{transient:?}"
    );

    let permanent = send_test(&runner, &t, "reject@agency.example", WAIT)
        .await
        .unwrap();
    assert_eq!(permanent.state, MessageState::Failed);
    assert_eq!(permanent.attempts, 1, "a 5xx is not retried: {permanent:?}");
    assert!(
        permanent.last_error.as_deref().unwrap().contains("550"),
        "{permanent:?}"
    );
    assert!(smtp.messages().is_empty());
    smtp.stop().await;
}

async fn add_user(db: &TestDb, t: &comply360_store::Tenant, email: &str) -> Uuid {
    let id = Uuid::now_v7();
    let mut tx = db.store.tenancy().begin(t).await.unwrap();
    tx.query(
        "INSERT INTO users (tenant_id, id, email, full_name, role, status)
         VALUES ($1, $2, $3, 'Thandi Mokoena', 'agent', 'active')",
    )
    .bind(t.id().as_uuid())
    .bind(id)
    .bind(email)
    .execute(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn opting_out_suppresses_ordinary_messages_but_not_essential_ones() {
    let mailbox = tempfile::tempdir().unwrap();
    let db = TestDb::new().await;
    let t = tenant(&db, "cedar", IsolationMode::Schema).await;
    let runner = runner(&db.store, &mailbox_settings(mailbox.path().to_path_buf()));
    let user = add_user(&db, &t, "thandi@cedar.example").await;

    let mut tx = db.store.tenancy().begin(&t).await.unwrap();
    for category in [Category::Registrations, Category::Security] {
        preferences::set(&mut tx, user, category, Channel::Email, true)
            .await
            .unwrap();
    }
    let prefs = preferences::for_user(&mut tx, user).await.unwrap();
    assert_eq!(prefs.len(), 2);
    assert!(
        prefs
            .iter()
            .all(|p| p.opted_out && p.channel == Channel::Email)
    );
    let to = Recipient::email("thandi@cedar.example").unwrap();
    let ordinary = queue(
        &mut tx,
        runner.outbox(),
        NewMessage {
            template: Template::RegistrationCreated,
            language: "en".into(),
            recipient: to.clone(),
            user_id: Some(user),
            event_id: None,
            vars: json!({"client_name": "Thandi", "kind": "za_vat_registration", "reference": null}),
        },
    )
    .await
    .unwrap();
    let essential = queue(
        &mut tx,
        runner.outbox(),
        NewMessage {
            template: Template::PasswordReset,
            language: "en".into(),
            recipient: to.clone(),
            user_id: Some(user),
            event_id: None,
            vars: json!({"name": "Thandi", "link": "https://cedar.example/reset?t=1", "expires_minutes": 30}),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ordinary.state, MessageState::Suppressed);
    assert_eq!(essential.state, MessageState::Queued);
    // A suppressed message has no delivery job at all (once its events are dispatched, as a
    // worker would).
    let mut tx = db.store.tenancy().begin(&t).await.unwrap();
    comply360_jobs::queue::dispatch(&mut tx, runner.outbox().subscriptions(), 100)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(deliver_jobs(&db.store, &t).await.len(), 1);

    comply360_jobs::run_due(&runner, &t).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(mailbox.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "only the essential message was delivered");
    let raw = std::fs::read(files[0].as_ref().unwrap().path()).unwrap();
    let mail = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(mail.subject(), Some("Reset your Agency cedar password"));

    let mut tx = db.store.tenancy().begin(&t).await.unwrap();
    let stored = messages::get(&mut tx, ordinary.id).await.unwrap().unwrap();
    assert_eq!(stored.state, MessageState::Suppressed);
    assert!(!stored.essential);
    assert_eq!(stored.category, "registrations");
    let sent = messages::get(&mut tx, essential.id).await.unwrap().unwrap();
    assert_eq!(sent.state, MessageState::Sent);
    assert!(sent.essential);

    // Opting back in lets the next one through.
    preferences::set(
        &mut tx,
        user,
        Category::Registrations,
        Channel::Email,
        false,
    )
    .await
    .unwrap();
    let again = queue(
        &mut tx,
        runner.outbox(),
        NewMessage {
            template: Template::RegistrationCreated,
            language: "en".into(),
            recipient: to,
            user_id: Some(user),
            event_id: None,
            vars: json!({"client_name": "Thandi", "kind": "za_vat_registration", "reference": null}),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(again.state, MessageState::Queued);
}

#[tokio::test]
async fn mailbox_writer_and_dev_page_list_and_show_a_message() {
    let mailbox = tempfile::tempdir().unwrap();
    let db = TestDb::new().await;
    let t = tenant(&db, "acacia", IsolationMode::Pooled).await;
    set_branding(
        &db.store,
        &t,
        json!({"display_name": "Acacia <Advisory> & Co", "primary_color": "#117a65"}),
    )
    .await;
    let runner = runner(&db.store, &mailbox_settings(mailbox.path().to_path_buf()));
    let outcome = send_test(&runner, &t, "ops@acacia.example", WAIT)
        .await
        .unwrap();
    assert!(outcome.is_sent(), "{outcome:?}");
    assert_eq!(outcome.provider.as_deref(), Some("mailbox"));
    let file = format!("{}.eml", outcome.message_id);
    assert_eq!(outcome.provider_message_id.as_deref(), Some(file.as_str()));
    let names: Vec<String> = std::fs::read_dir(mailbox.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![file.clone()],
        "one file, no temporary left behind"
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = comply360_notify::mailbox_router(mailbox.path());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();

    let list = http
        .get(format!("http://{addr}/dev/mailbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let csp = list.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let page = list.text().await.unwrap();
    assert!(
        page.contains(&format!("href=\"/dev/mailbox/{file}\"")),
        "{page}"
    );
    assert!(
        page.contains("Test message from Acacia &lt;Advisory&gt; &amp; Co"),
        "{page}"
    );
    assert!(page.contains("ops@acacia.example"), "{page}");
    assert!(!page.contains("<Advisory>"), "escaped: {page}");

    let show = http
        .get(format!("http://{addr}/dev/mailbox/{file}"))
        .send()
        .await
        .unwrap();
    assert_eq!(show.status(), 200);
    let page = show.text().await.unwrap();
    assert!(
        page.contains("Acacia &lt;Advisory&gt; &amp; Co &lt;no-reply@comply360.test&gt;"),
        "{page}"
    );
    assert!(page.contains("<iframe sandbox=\"\""), "{page}");
    assert!(page.contains("srcdoc=\"&lt;!DOCTYPE html&gt;"), "{page}");
    assert!(page.contains("#117a65"), "{page}");
    assert!(
        page.contains("This is a test message from Acacia &lt;Advisory&gt; &amp; Co"),
        "{page}"
    );
    assert!(page.contains("acacia"), "tenant header shown");

    for (path, status) in [
        ("/dev/mailbox/..%2F..%2Fetc%2Fpasswd", 400),
        ("/dev/mailbox/..%2Fnotify.eml", 400),
        ("/dev/mailbox/.hidden.eml", 400),
        ("/dev/mailbox/0199f1c2-7a3b-7c00-8000-000000000001.eml", 404),
    ] {
        let r = http
            .get(format!("http://{addr}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{path}");
    }
}

#[tokio::test]
async fn sendgrid_stand_in_gets_the_right_json_and_its_errors_are_classified() {
    let standin = sendgrid_standin().await;
    let db = TestDb::new().await;
    let t = tenant(&db, "baobab", IsolationMode::Pooled).await;
    set_branding(&db.store, &t, baobab_branding()).await;
    let settings = NotifySettings {
        email_transport: comply360_notify::EmailTransport::Sendgrid,
        email_from: "no-reply@comply360.test".into(),
        sendgrid_api_key: Some(comply360_domain::Secret::new("SG.test-key")),
        sendgrid_base_url: standin.base_url(),
        ..NotifySettings::default()
    };
    let runner = runner(&db.store, &settings);

    let sent = send_test(&runner, &t, "ops@agency.example", WAIT)
        .await
        .unwrap();
    assert!(sent.is_sent(), "{sent:?}");
    assert_eq!(sent.provider.as_deref(), Some("sendgrid"));
    assert_eq!(sent.provider_message_id.as_deref(), Some("sg-1"));
    let requests = standin.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.authorization.as_deref(), Some("Bearer SG.test-key"));
    assert_eq!(request.content_type.as_deref(), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(
        body["personalizations"][0]["to"][0]["email"],
        "ops@agency.example"
    );
    assert_eq!(body["from"]["email"], "no-reply@comply360.test");
    assert_eq!(body["from"]["name"], "Baobab Corporate Services");
    assert_eq!(body["reply_to"]["email"], "help@baobab.example");
    assert_eq!(
        body["subject"],
        "Test message from Baobab Corporate Services"
    );
    assert_eq!(body["content"][0]["type"], "text/plain");
    assert_eq!(body["content"][1]["type"], "text/html");
    assert!(
        body["content"][1]["value"]
            .as_str()
            .unwrap()
            .contains("#aa3300")
    );
    assert_eq!(body["custom_args"]["comply360_tenant"], "baobab");
    assert_eq!(
        body["custom_args"]["comply360_message_id"],
        sent.message_id.to_string()
    );

    // A 500 is the provider's trouble: retried until the attempts run out.
    standin.answer_with(500);
    let failed = send_test(&runner, &t, "ops@agency.example", WAIT)
        .await
        .unwrap();
    assert_eq!(failed.state, MessageState::Failed);
    assert_eq!(failed.attempts, 3, "{failed:?}");
    assert!(
        failed.last_error.as_deref().unwrap().contains("500"),
        "{failed:?}"
    );
    assert_eq!(standin.requests().len(), 1 + 3);

    // A 400 refuses this message: one attempt, then a dead letter.
    standin.answer_with(400);
    let refused = send_test(&runner, &t, "ops@agency.example", WAIT)
        .await
        .unwrap();
    assert_eq!(refused.state, MessageState::Failed);
    assert_eq!(refused.attempts, 1, "{refused:?}");
    let error = refused.last_error.unwrap();
    assert!(
        error.contains("400") && error.contains("stand-in refused"),
        "{error}"
    );
    assert_eq!(standin.requests().len(), 1 + 3 + 1);

    let jobs = deliver_jobs(&db.store, &t).await;
    let summary: Vec<(&str, i32)> = jobs
        .iter()
        .map(|j| (j.state.as_str(), j.attempts))
        .collect();
    assert_eq!(summary, vec![("done", 1), ("dead", 3), ("dead", 1)]);
}

#[tokio::test]
async fn twilio_stand_in_receives_the_sms() {
    let standin = twilio_standin().await;
    let db = TestDb::new().await;
    let t = tenant(&db, "baobab", IsolationMode::Pooled).await;
    set_branding(&db.store, &t, baobab_branding()).await;
    let mailbox = tempfile::tempdir().unwrap();
    let settings = NotifySettings {
        sms_transport: comply360_notify::SmsTransport::Twilio,
        twilio_account_sid: Some("ACtest".into()),
        twilio_auth_token: Some(comply360_domain::Secret::new("secret-token")),
        twilio_from: Some("+27870000000".into()),
        twilio_base_url: standin.base_url(),
        ..mailbox_settings(mailbox.path().to_path_buf())
    };
    let runner = runner(&db.store, &settings);

    let sent = send_test(&runner, &t, "+27821234567", WAIT).await.unwrap();
    assert!(sent.is_sent(), "{sent:?}");
    assert_eq!(sent.provider.as_deref(), Some("twilio"));
    assert!(
        sent.provider_message_id
            .as_deref()
            .unwrap()
            .starts_with("SM")
    );
    let requests = standin.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.account, "ACtest");
    // base64("ACtest:secret-token")
    assert_eq!(
        r.authorization.as_deref(),
        Some("Basic QUN0ZXN0OnNlY3JldC10b2tlbg==")
    );
    assert_eq!(
        r.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert!(r.body.contains("To=%2B27821234567"), "{}", r.body);
    assert!(r.body.contains("From=%2B27870000000"), "{}", r.body);
    assert!(
        r.body
            .contains("Body=Baobab+Corporate+Services%3A+test+message"),
        "{}",
        r.body
    );

    standin.answer_with(429);
    let throttled = send_test(&runner, &t, "+27821234567", WAIT).await.unwrap();
    assert_eq!(throttled.state, MessageState::Failed);
    assert_eq!(throttled.attempts, 3, "429 is retried: {throttled:?}");
}

#[tokio::test]
async fn registration_created_emails_the_client_once() {
    let mailbox = tempfile::tempdir().unwrap();
    let db = TestDb::new().await;
    let t = tenant(&db, "baobab", IsolationMode::Database).await;
    set_branding(&db.store, &t, baobab_branding()).await;
    let runner = runner(&db.store, &mailbox_settings(mailbox.path().to_path_buf()));

    let with_email = Uuid::now_v7();
    let without_email = Uuid::now_v7();
    let mut tx = db.store.tenancy().begin(&t).await.unwrap();
    for (id, name, email) in [
        (with_email, "Sipho Ndlovu", Some("sipho@client.example")),
        (without_email, "Karoo Solar (Pty) Ltd", None),
    ] {
        tx.query(
            "INSERT INTO clients (tenant_id, id, kind, display_name, email)
             VALUES ($1, $2, 'person', $3, $4)",
        )
        .bind(t.id().as_uuid())
        .bind(id)
        .bind(name)
        .bind(email)
        .execute(tx.conn())
        .await
        .unwrap();
    }
    let mut events = Vec::new();
    for (client, reference) in [(with_email, Some("CIPC-2026-0042")), (without_email, None)] {
        let event = NewEvent::new(types::REGISTRATION_CREATED, "registration")
            .aggregate(Uuid::now_v7())
            .payload(json!({
                "registration_id": Uuid::now_v7(),
                "client_id": client,
                "kind": "za_private_company",
                "reference": reference,
            }));
        events.push(runner.outbox().emit(&mut tx, event).await.unwrap());
    }
    tx.commit().await.unwrap();

    comply360_jobs::run_due(&runner, &t).await.unwrap();

    let mut tx = db.store.tenancy().begin(&t).await.unwrap();
    let all = messages::recent(&mut tx, 10).await.unwrap();
    assert_eq!(all.len(), 1, "the client without email gets nothing");
    let m = &all[0];
    assert_eq!(m.template, "registration_created");
    assert_eq!(m.recipient, "sipho@client.example");
    assert_eq!(m.event_id, Some(events[0]));
    assert_eq!(m.state, MessageState::Sent);
    assert!(!m.essential);

    // The same event again (a redelivery) does not add a second message.
    let again = queue(
        &mut tx,
        runner.outbox(),
        NewMessage {
            template: Template::RegistrationCreated,
            language: "en".into(),
            recipient: Recipient::email("sipho@client.example").unwrap(),
            user_id: None,
            event_id: Some(events[0]),
            vars: json!({"client_name": "Sipho Ndlovu", "kind": "za_private_company", "reference": null}),
        },
    )
    .await
    .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.id, m.id);
    assert_eq!(again.state, MessageState::Sent);
    tx.commit().await.unwrap();

    let files: Vec<_> = std::fs::read_dir(mailbox.path()).unwrap().collect();
    assert_eq!(files.len(), 1);
    let raw = std::fs::read(files[0].as_ref().unwrap().path()).unwrap();
    let mail = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        mail.subject(),
        Some("Your private company registration (CIPC) application has been opened")
    );
    let body = mail.body_text(0).unwrap();
    assert!(body.contains("Dear Sipho Ndlovu,"), "{body}");
    assert!(body.contains("Reference: CIPC-2026-0042"), "{body}");
}

/// Two tenants of `mode` send messages; each sees only its own, in the database and in the
/// mailbox headers, and running one tenant's jobs never delivers the other's.
async fn messages_stay_in_their_tenant(mode: IsolationMode, tag: &str) {
    let mailbox = tempfile::tempdir().unwrap();
    let db = TestDb::new().await;
    let a = tenant(&db, &format!("{tag}-a"), mode).await;
    let b = tenant(&db, &format!("{tag}-b"), mode).await;
    let runner = runner(&db.store, &mailbox_settings(mailbox.path().to_path_buf()));

    let sent_a = send_test(&runner, &a, "ops@a.example", WAIT).await.unwrap();
    assert!(sent_a.is_sent(), "{sent_a:?}");

    // B's message is queued but only A's jobs run.
    let mut tx = db.store.tenancy().begin(&b).await.unwrap();
    let queued_b = queue(
        &mut tx,
        runner.outbox(),
        NewMessage {
            template: Template::Test,
            language: "en".into(),
            recipient: Recipient::email("ops@b.example").unwrap(),
            user_id: None,
            event_id: None,
            vars: json!({}),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(comply360_jobs::run_due(&runner, &a).await.unwrap(), 0);

    for (t, own, other, recipient) in [
        (&a, sent_a.message_id, queued_b.id, "ops@a.example"),
        (&b, queued_b.id, sent_a.message_id, "ops@b.example"),
    ] {
        let mut tx = db.store.tenancy().begin(t).await.unwrap();
        let visible = messages::recent(&mut tx, 100).await.unwrap();
        assert_eq!(visible.len(), 1, "{mode:?}: {} sees one message", t.slug());
        assert_eq!(visible[0].id, own);
        assert_eq!(visible[0].recipient, recipient);
        assert!(messages::get(&mut tx, other).await.unwrap().is_none());
        let unfiltered: i64 = tx
            .query_scalar("SELECT count(*) FROM notification_messages")
            .fetch_one(tx.conn())
            .await
            .unwrap();
        assert_eq!(
            unfiltered, 1,
            "{mode:?}: RLS and placement keep the other tenant out"
        );
        tx.commit().await.unwrap();
    }
    let mut tx = db.store.tenancy().begin(&b).await.unwrap();
    assert_eq!(
        messages::get(&mut tx, queued_b.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        MessageState::Queued
    );
    tx.commit().await.unwrap();

    let sent_b = comply360_jobs::run_due(&runner, &b).await.unwrap();
    assert_eq!(sent_b, 1);
    for (t, id) in [(&a, sent_a.message_id), (&b, queued_b.id)] {
        let raw = std::fs::read(mailbox.path().join(format!("{id}.eml"))).unwrap();
        let mail = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(
            mail.header_raw("X-Comply360-Tenant").map(str::trim),
            Some(t.slug())
        );
        let from = mail
            .from()
            .unwrap()
            .first()
            .unwrap()
            .name()
            .unwrap()
            .to_owned();
        assert_eq!(
            from,
            format!("Agency {}", t.slug()),
            "{mode:?}: own branding"
        );
    }
    assert_eq!(deliver_jobs(&db.store, &a).await.len(), 1);
    assert_eq!(deliver_jobs(&db.store, &b).await.len(), 1);
}

#[tokio::test]
async fn messages_stay_in_their_tenant_pooled() {
    messages_stay_in_their_tenant(IsolationMode::Pooled, "iso-pooled").await;
}

#[tokio::test]
async fn messages_stay_in_their_tenant_schema() {
    messages_stay_in_their_tenant(IsolationMode::Schema, "iso-schema").await;
}

#[tokio::test]
async fn messages_stay_in_their_tenant_database() {
    messages_stay_in_their_tenant(IsolationMode::Database, "iso-db").await;
}

#[tokio::test]
async fn an_open_circuit_defers_delivery_without_using_an_attempt() {
    let db = TestDb::new().await;
    let t = tenant(&db, "circuit", IsolationMode::Pooled).await;
    // The first refused connection opens the (tenant, smtp) circuit for a minute.
    let resilience = comply360_integrations::Resilience::new(comply360_integrations::CallPolicy {
        failure_threshold: 1,
        cool_down: Duration::from_secs(60),
        ..support::resilience().policy("smtp")
    });
    let runner = support::runner_with(&db.store, &smtp_settings(closed_port()), resilience.clone());

    let outcome = send_test(&runner, &t, "ops@agency.example", Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(outcome.state, MessageState::Queued, "{outcome:?}");
    assert_eq!(
        outcome.attempts, 1,
        "the deferral used no attempt: {outcome:?}"
    );
    let error = outcome.last_error.unwrap();
    assert!(error.contains("circuit open"), "{error}");
    assert_eq!(
        resilience.state(t.id(), "smtp"),
        comply360_integrations::CircuitState::Open
    );
    let jobs = deliver_jobs(&db.store, &t).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, "queued");
    assert_eq!(jobs[0].attempts, 1);
    let wait = jobs[0].run_at - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::seconds(50),
        "runs again after the cool-down: {wait}"
    );
}

#[tokio::test]
async fn a_message_sent_by_an_attempt_whose_job_did_not_commit_is_not_sent_again() {
    let mailbox = tempfile::tempdir().unwrap();
    let db = TestDb::new().await;
    let t = tenant(&db, "resend", IsolationMode::Pooled).await;
    let runner = runner(&db.store, &mailbox_settings(mailbox.path().to_path_buf()));
    let mut tx = db.store.tenancy().begin(&t).await.unwrap();
    let q = queue(
        &mut tx,
        runner.outbox(),
        NewMessage {
            template: Template::Test,
            language: "en".into(),
            recipient: Recipient::email("ops@resend.example").unwrap(),
            user_id: None,
            event_id: None,
            vars: json!({}),
        },
    )
    .await
    .unwrap();
    // What an attempt records right after the provider accepted (its own transaction),
    // when the job's transaction is then lost.
    tx.query(
        "UPDATE notification_messages SET state = 'sent', provider = 'mailbox', attempts = 1,
                sent_at = now()
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(t.id().as_uuid())
    .bind(q.id.as_uuid())
    .execute(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(comply360_jobs::run_due(&runner, &t).await.unwrap(), 1);
    assert!(!mailbox.path().exists() || std::fs::read_dir(mailbox.path()).unwrap().count() == 0);
    let mut tx = db.store.tenancy().begin(&t).await.unwrap();
    let sent_events: i64 = tx
        .query_scalar(
            "SELECT count(*) FROM outbox_events WHERE tenant_id = $1 AND event_type = $2
               AND aggregate_id = $3",
        )
        .bind(t.id().as_uuid())
        .bind(types::NOTIFICATION_SENT)
        .bind(q.id.as_uuid())
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(sent_events, 1, "the lost notification.sent is emitted");
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn deliver_skips_messages_that_are_no_longer_queued() {
    // A message suppressed by an opt-out is not sent by its job. (A *failed* one is: its job
    // only runs again when an operator replays the dead letter; see the outage test.)
    let mailbox = tempfile::tempdir().unwrap();
    let db = TestDb::new().await;
    let t = tenant(&db, "replay", IsolationMode::Pooled).await;
    let runner = runner(&db.store, &mailbox_settings(mailbox.path().to_path_buf()));
    let mut tx = db.store.tenancy().begin(&t).await.unwrap();
    let q = queue(
        &mut tx,
        runner.outbox(),
        NewMessage {
            template: Template::Test,
            language: "en".into(),
            recipient: Recipient::email("ops@replay.example").unwrap(),
            user_id: None,
            event_id: None,
            vars: json!({}),
        },
    )
    .await
    .unwrap();
    tx.query(
        "UPDATE notification_messages SET state = 'suppressed' WHERE tenant_id = $1 AND id = $2",
    )
    .bind(t.id().as_uuid())
    .bind(q.id.as_uuid())
    .execute(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(comply360_jobs::run_due(&runner, &t).await.unwrap(), 1);
    assert_eq!(
        std::fs::read_dir(mailbox.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0
    );
    let jobs = deliver_jobs(&db.store, &t).await;
    assert_eq!(jobs[0].state, "done");
    assert_eq!(jobs[0].handler, Deliver::NAME);
}
