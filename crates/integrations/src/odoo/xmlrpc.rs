//! The XML-RPC transport: one `POST /xmlrpc/2/<service>` per call, the HTTP status checked
//! before the body is read as XML-RPC (an HTML 404 or 500 is an HTTP error, not a parse error).
//!
//! Odoo answers faults with HTTP 200 [P: odoo/odoo `addons/base/controllers/rpc.py`,
//! `_xmlrpc_common`]; a fault in a non-2xx answer (a proxy in between) is still reported as the
//! fault.

use super::error::OdooError;
use super::wire::{body_detail, endpoint};
use super::xmlrpc_codec::{decode_response, encode_call};
use crate::Traced;
use crate::registry::error_chain;
use serde_json::Value;
use url::Url;

/// Sends calls to one server's `/xmlrpc/2` services.
pub(crate) struct XmlRpc<'a> {
    pub http: &'a reqwest::Client,
    pub base_url: &'a Url,
    /// Named in an [`OdooError::AuthenticationRefused`] built from a fault 3.
    pub login: &'a str,
}

impl XmlRpc<'_> {
    /// Calls `method` on the service at `path` (`/xmlrpc/2/common` or `/xmlrpc/2/object`).
    pub async fn call(
        &self,
        path: &str,
        method: &str,
        params: &[Value],
    ) -> Result<Value, OdooError> {
        let url = endpoint(self.base_url, path);
        let response = self
            .http
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "text/xml")
            .header(reqwest::header::USER_AGENT, super::USER_AGENT)
            .body(encode_call(method, params))
            .traced()
            .send()
            .await
            .map_err(|e| transport_error(&url, &e))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| transport_error(&url, &e))?;
        match (status.is_success(), decode_response(&body)) {
            (_, Ok(Err(fault))) => Err(OdooError::from_fault(
                fault.code,
                &fault.message,
                self.login,
            )),
            (true, Ok(Ok(value))) => Ok(value),
            (false, _) => Err(OdooError::HttpStatus {
                status: status.as_u16(),
                detail: format!("{}: {}", url.path(), body_detail(&body)),
            }),
            (true, Err(reason)) => Err(OdooError::bad_response(format!(
                "{} did not answer XML-RPC: {reason}",
                url.path()
            ))),
        }
    }
}

/// A reqwest failure as unreachable, timed out, or (for anything else) unreachable too: the
/// request did not complete, so another attempt may.
pub(crate) fn transport_error(url: &Url, error: &reqwest::Error) -> OdooError {
    let detail = error_chain(error);
    let url = url.as_str().to_owned();
    if error.is_timeout() {
        OdooError::Timeout { url, detail }
    } else {
        OdooError::Unreachable { url, detail }
    }
}
