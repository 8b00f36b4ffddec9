//! Signing in to CIPC's API Management (FACTS.md section 1): a password grant at the token
//! endpoint, then a bearer token on every call; when a call is refused with 401, the refresh
//! token is tried, and if the refresh is refused, the client signs in again.
//!
//! The token's `expires_in` is not tracked: the 401 is the signal, as CIPC's guide describes,
//! which also covers tokens revoked before their time. One sign-in is shared by concurrent
//! calls: the lock is held while a token is fetched, and a call that was refused with a token
//! somebody else already replaced just uses the new one.

use super::config::CipcCredentials;
use super::error::CipcError;
use super::wire::{SUBSCRIPTION_KEY_HEADER, body_detail};
use crate::Traced;
use crate::registry::error_chain;
use reqwest::StatusCode;
use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
}

struct Session {
    access_token: String,
    refresh_token: Option<String>,
}

/// How a token was renewed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Renewed {
    /// Another call had already replaced the refused token.
    ByOtherCall,
    Refreshed,
    SignedIn,
}

pub struct Auth {
    credentials: CipcCredentials,
    http: reqwest::Client,
    session: Mutex<Option<Session>>,
}

impl Auth {
    pub fn new(credentials: CipcCredentials, http: reqwest::Client) -> Auth {
        Auth {
            credentials,
            http,
            session: Mutex::new(None),
        }
    }

    pub fn subscription_key(&self) -> &str {
        &self.credentials.subscription_key
    }

    /// The current access token, signing in first when there is none.
    pub async fn access_token(&self, token_url: &Url) -> Result<String, CipcError> {
        let mut session = self.session.lock().await;
        if let Some(current) = session.as_ref() {
            return Ok(current.access_token.clone());
        }
        let fresh = self.sign_in(token_url).await?;
        let token = fresh.access_token.clone();
        *session = Some(fresh);
        Ok(token)
    }

    /// A replacement for `refused`: by the refresh token when `may_refresh` and one is held
    /// (falling back to signing in when the refresh is refused), else by signing in.
    pub async fn renew(
        &self,
        token_url: &Url,
        refused: &str,
        may_refresh: bool,
    ) -> Result<(String, Renewed), CipcError> {
        let mut session = self.session.lock().await;
        if let Some(current) = session.as_ref()
            && current.access_token != refused
        {
            return Ok((current.access_token.clone(), Renewed::ByOtherCall));
        }
        let refresh_token = session.as_ref().and_then(|s| s.refresh_token.clone());
        let (fresh, how) = match refresh_token.filter(|_| may_refresh) {
            Some(refresh_token) => match self.refresh(token_url, &refresh_token).await {
                Ok(fresh) => (fresh, Renewed::Refreshed),
                Err(CipcError::Unauthorized { detail }) => {
                    tracing::info!(%detail, "CIPC refresh token refused; signing in again");
                    (self.sign_in(token_url).await?, Renewed::SignedIn)
                }
                Err(other) => return Err(other),
            },
            None => (self.sign_in(token_url).await?, Renewed::SignedIn),
        };
        let token = fresh.access_token.clone();
        *session = Some(fresh);
        Ok((token, how))
    }

    async fn sign_in(&self, token_url: &Url) -> Result<Session, CipcError> {
        let c = &self.credentials;
        self.grant(
            token_url,
            &[
                ("grant_type", "password"),
                ("client_id", &c.client_id),
                ("username", &c.username),
                ("password", &c.password),
                ("scope", &c.scope),
            ],
        )
        .await
    }

    async fn refresh(&self, token_url: &Url, refresh_token: &str) -> Result<Session, CipcError> {
        let c = &self.credentials;
        self.grant(
            token_url,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &c.client_id),
                ("refresh_token", refresh_token),
                ("scope", &c.scope),
            ],
        )
        .await
    }

    async fn grant(&self, token_url: &Url, form: &[(&str, &str)]) -> Result<Session, CipcError> {
        let response = self
            .http
            .post(token_url.clone())
            .header(SUBSCRIPTION_KEY_HEADER, self.subscription_key())
            .form(form)
            .traced()
            .send()
            .await
            .map_err(|e| CipcError::Unavailable {
                detail: format!("token request failed: {}", error_chain(&e)),
            })?;
        let status = response.status();
        if status.is_success() {
            let token: TokenResponse = response.json().await.map_err(|e| CipcError::Protocol {
                detail: format!(
                    "the token response has no access_token: {}",
                    error_chain(&e)
                ),
            })?;
            return Ok(Session {
                access_token: token.access_token,
                refresh_token: token.refresh_token,
            });
        }
        let detail = body_detail(&response.text().await.unwrap_or_default());
        Err(match status {
            // OAuth answers a bad password or refresh token with 400 invalid_grant; API
            // Management answers a bad subscription key with 401.
            StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                CipcError::Unauthorized { detail }
            }
            s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => {
                CipcError::Unavailable {
                    detail: format!("token endpoint HTTP {}: {detail}", s.as_u16()),
                }
            }
            s => CipcError::Refused {
                status: s.as_u16(),
                detail,
            },
        })
    }
}
