//! SendGrid's v3 Mail Send API: `POST {base}/v3/mail/send` with a bearer key; 202 on
//! acceptance with the id in `X-Message-Id`.

use super::{EmailSender, OutgoingEmail, SendError, Sent, http, mime, required};
use crate::NotifyError;
use crate::settings::NotifySettings;
use async_trait::async_trait;
use comply360_integrations::Traced;
use serde_json::{Value, json};
use std::time::Duration;

pub struct SendGrid {
    client: reqwest::Client,
    api_key: String,
    endpoint: String,
}

impl SendGrid {
    pub fn from_settings(settings: &NotifySettings) -> Result<SendGrid, NotifyError> {
        let api_key = required(
            &settings.sendgrid_api_key,
            "COMPLY360_SENDGRID_API_KEY",
            "the sendgrid email transport",
        )?;
        SendGrid::new(&settings.sendgrid_base_url, api_key)
    }

    pub fn new(base_url: &str, api_key: &str) -> Result<SendGrid, NotifyError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| NotifyError::Config(format!("HTTP client for SendGrid: {e}")))?;
        Ok(SendGrid {
            client,
            api_key: api_key.to_owned(),
            endpoint: format!("{}/v3/mail/send", base_url.trim_end_matches('/')),
        })
    }
}

/// The request body. `custom_args` come back in SendGrid's event webhook, which is how a
/// later bounce finds its message and tenant.
pub fn body(email: &OutgoingEmail) -> Value {
    let mut content = vec![json!({"type": "text/plain", "value": email.text})];
    if let Some(html) = &email.html {
        content.push(json!({"type": "text/html", "value": html}));
    }
    let mut body = json!({
        "personalizations": [{"to": [{"email": email.to}]}],
        "from": {"email": email.from_address.to_string(), "name": email.from_name},
        "subject": email.subject,
        "content": content,
        "headers": {"Message-ID": mime::message_id(email)},
        "custom_args": {
            "comply360_message_id": email.message_id.to_string(),
            "comply360_tenant": email.tenant,
        },
    });
    if let (Some(reply_to), Some(obj)) = (&email.reply_to, body.as_object_mut()) {
        obj.insert("reply_to".into(), json!({"email": reply_to}));
    }
    body
}

#[async_trait]
impl EmailSender for SendGrid {
    fn system(&self) -> &'static str {
        "sendgrid"
    }

    async fn send(&self, email: &OutgoingEmail) -> Result<Sent, SendError> {
        let response = self
            .client
            .post(&self.endpoint)
            .bearer_auth(&self.api_key)
            .json(&body(email))
            .traced()
            .send()
            .await
            .map_err(|e| http::transport_error("SendGrid", &e))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            return Err(http::status_error("SendGrid", status, &text));
        }
        let id = response
            .headers()
            .get("x-message-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Sent {
            provider_message_id: id,
        })
    }
}
