//! Twilio's Messages API: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`, basic auth
//! with the account sid and auth token, a form body; 201 with the message `sid`.

use super::{OutgoingSms, SendError, Sent, SmsSender, http, required};
use crate::NotifyError;
use crate::settings::NotifySettings;
use async_trait::async_trait;
use comply360_integrations::Traced;
use std::time::Duration;

pub struct Twilio {
    client: reqwest::Client,
    account_sid: String,
    auth_token: String,
    from: String,
    endpoint: String,
}

impl Twilio {
    pub fn from_settings(settings: &NotifySettings) -> Result<Twilio, NotifyError> {
        let sid = required(
            &settings.twilio_account_sid,
            "COMPLY360_TWILIO_ACCOUNT_SID",
            "the twilio SMS transport",
        )?;
        let token = required(
            &settings.twilio_auth_token,
            "COMPLY360_TWILIO_AUTH_TOKEN",
            "the twilio SMS transport",
        )?;
        let from = required(
            &settings.twilio_from,
            "COMPLY360_TWILIO_FROM",
            "the twilio SMS transport",
        )?;
        Twilio::new(&settings.twilio_base_url, sid, token, from)
    }

    pub fn new(base_url: &str, sid: &str, token: &str, from: &str) -> Result<Twilio, NotifyError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| NotifyError::Config(format!("HTTP client for Twilio: {e}")))?;
        Ok(Twilio {
            client,
            account_sid: sid.to_owned(),
            auth_token: token.to_owned(),
            from: from.to_owned(),
            endpoint: format!(
                "{}/2010-04-01/Accounts/{sid}/Messages.json",
                base_url.trim_end_matches('/')
            ),
        })
    }
}

#[derive(serde::Deserialize)]
struct Created {
    sid: Option<String>,
}

#[async_trait]
impl SmsSender for Twilio {
    fn system(&self) -> &'static str {
        "twilio"
    }

    async fn send(&self, sms: &OutgoingSms) -> Result<Sent, SendError> {
        let form = [
            ("To", sms.to.as_str()),
            ("From", self.from.as_str()),
            ("Body", sms.body.as_str()),
        ];
        let response = self
            .client
            .post(&self.endpoint)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&form)
            .traced()
            .send()
            .await
            .map_err(|e| http::transport_error("Twilio", &e))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(http::status_error("Twilio", status, &text));
        }
        // Accepted is accepted: an unreadable body must not turn into a resend.
        let sid = serde_json::from_str::<Created>(&text)
            .ok()
            .and_then(|c| c.sid);
        Ok(Sent {
            provider_message_id: sid,
        })
    }
}
