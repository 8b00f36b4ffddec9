//! Helpers shared by the api test modules (requests to the app: `comply360_testkit::http`).

use comply360_identity::totp::Totp;
use comply360_testkit::TestApp;
use serde_json::Value;

/// The authenticator of an MFA enrolment (from the secret in its `otpauth_uri`).
pub fn totp_from(enrolment: &Value) -> Totp {
    let uri = enrolment["otpauth_uri"].as_str().unwrap();
    let secret = uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let raw = totp_rs::Secret::try_from_base32(secret).unwrap();
    Totp::new(raw.as_bytes()).unwrap()
}

/// Now, in Unix seconds (for TOTP codes).
pub fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

/// Base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

/// The claims of a token (unverified), for tests that tamper with them.
pub fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&unb64(payload)).unwrap()
}

pub fn header_of(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    serde_json::from_slice(&unb64(header)).unwrap()
}

/// The plain token in the newest message of `template` to `to` (from its link).
pub async fn emailed_token(app: &TestApp, tenant: &str, template: &str, to: &str) -> String {
    // The message is rendered by `notify.events` from identity's event: run that job first.
    app.run_jobs(tenant).await;
    let t = app.store.tenancy().resolve(tenant).await.unwrap();
    let mut tx = app.store.tenancy().begin(&t).await.unwrap();
    let text: String = tx
        .query_scalar(
            "SELECT body_text FROM notification_messages
             WHERE tenant_id = $1 AND template = $2 AND recipient = $3
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(t.id().as_uuid())
        .bind(template)
        .bind(to)
        .fetch_one(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let at = text.find("token=").expect("a link with a token") + "token=".len();
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}
