//! The JSON-2 transport (Odoo 19 and later): `POST /json/2/<model>/<method>` with
//! `Authorization: bearer <key>`, a JSON object of named parameters plus `ids` and `context`;
//! 200 with the result, or 4xx/5xx with `{name, message, arguments, context, debug}`
//! [P: odoo/documentation `content/developer/reference/external_api.rst` @0516a4dc; odoo/odoo
//! `addons/rpc/controllers/json2.py`].

use super::error::{OdooError, summarise};
use super::wire::{DATABASE_HEADER, JSON2_PATH, WEB_VERSION_PATH, body_detail, endpoint};
use super::xmlrpc::transport_error;
use crate::Traced;
use comply360_domain::Secret;
use reqwest::StatusCode;
use serde_json::{Map, Value};
use url::Url;

pub(crate) struct Json2<'a> {
    pub http: &'a reqwest::Client,
    pub base_url: &'a Url,
    /// Sent as `X-Odoo-Database` unless empty.
    pub database: &'a str,
    pub api_key: &'a Secret,
    /// Named in [`OdooError::AuthenticationRefused`]; JSON-2 itself does not use it.
    pub login: &'a str,
}

impl Json2<'_> {
    /// `model.method` with `body` (named parameters, `ids`, `context`).
    pub async fn call(
        &self,
        model: &str,
        method: &str,
        body: Map<String, Value>,
    ) -> Result<Value, OdooError> {
        for (what, name) in [("model", model), ("method", method)] {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                return Err(OdooError::InvalidCall {
                    reason: format!("{name:?} is not an Odoo {what} name"),
                });
            }
        }
        let url = endpoint(self.base_url, &format!("{JSON2_PATH}/{model}/{method}"));
        let mut request = self
            .http
            .post(url.clone())
            .header(
                reqwest::header::AUTHORIZATION,
                format!("bearer {}", self.api_key.expose()),
            )
            .header(reqwest::header::USER_AGENT, super::USER_AGENT)
            .json(&body);
        if !self.database.is_empty() {
            request = request.header(DATABASE_HEADER, self.database);
        }
        let response = request
            .traced()
            .send()
            .await
            .map_err(|e| transport_error(&url, &e))?;
        self.read(&url, response).await
    }

    /// `GET /web/version`: `{"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}`.
    pub async fn version(&self) -> Result<Value, OdooError> {
        let url = endpoint(self.base_url, WEB_VERSION_PATH);
        let response = self
            .http
            .get(url.clone())
            .header(reqwest::header::USER_AGENT, super::USER_AGENT)
            .traced()
            .send()
            .await
            .map_err(|e| transport_error(&url, &e))?;
        self.read(&url, response).await
    }

    async fn read(&self, url: &Url, response: reqwest::Response) -> Result<Value, OdooError> {
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| transport_error(url, &e))?;
        if status.is_success() {
            return serde_json::from_str(&body).map_err(|e| {
                OdooError::bad_response(format!("{} did not answer JSON: {e}", url.path()))
            });
        }
        let odoo_error = serde_json::from_str::<Value>(&body).ok().and_then(|v| {
            let name = v.get("name")?.as_str()?.to_owned();
            let message = v.get("message")?.as_str()?.to_owned();
            Some((name, message))
        });
        Err(match (status, odoo_error) {
            (StatusCode::UNAUTHORIZED, error) => OdooError::AuthenticationRefused {
                login: self.login.to_owned(),
                message: match error {
                    Some((_, message)) => summarise(&message),
                    None => body_detail(&body),
                },
            },
            (status, Some((name, message))) => OdooError::Json2 {
                status: status.as_u16(),
                name,
                message: summarise(&message),
            },
            (StatusCode::NOT_FOUND, None) => OdooError::HttpStatus {
                status: 404,
                detail: format!(
                    "{} does not exist: Odoo before 19.0 has no JSON-2 API, so use the xmlrpc protocol for it ({})",
                    url.path(),
                    body_detail(&body)
                ),
            },
            (status, None) => OdooError::HttpStatus {
                status: status.as_u16(),
                detail: format!("{}: {}", url.path(), body_detail(&body)),
            },
        })
    }
}
