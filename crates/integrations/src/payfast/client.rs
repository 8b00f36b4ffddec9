//! [`PayFastClient`]: the server-to-server calls: ITN confirmation (`eng/query/validate`),
//! refunds and the transaction history of the REST API.

use super::config::{PayFastConfig, join};
use super::error::PayFastError;
use super::signature::{api_signature, itn_param_string};
use crate::Traced;
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The REST API version header.
const API_VERSION: &str = "v1";

/// A merchant's PayFast. Call it through [`Resilience`](crate::Resilience): [`PayFastError`]
/// says which failures are retryable.
pub struct PayFastClient {
    config: PayFastConfig,
    http: reqwest::Client,
}

/// The REST API's answer envelope `{code, status, data}` (UNCONFIRMED: the shape is from
/// PayFast's developer docs as remembered, not from the SDK, which returns the body as is).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiAnswer {
    pub code: u16,
    pub status: String,
    pub data: Value,
}

/// One row of the transaction history, by column name (`Date`, `Type`, `Gross`,
/// `M Payment ID`, `PF Payment ID`, …). The history is CSV (the SDK returns it as text);
/// the column names are UNCONFIRMED.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransactionRow(pub BTreeMap<String, String>);

impl TransactionRow {
    pub fn get(&self, column: &str) -> Option<&str> {
        self.0.get(column).map(String::as_str)
    }

    pub fn m_payment_id(&self) -> Option<&str> {
        self.get("M Payment ID")
    }

    pub fn pf_payment_id(&self) -> Option<&str> {
        self.get("PF Payment ID")
    }

    /// `Gross` in cents.
    pub fn gross_cents(&self) -> Result<i64, PayFastError> {
        super::amount::parse_cents("Gross", self.get("Gross").unwrap_or_default())
    }
}

impl PayFastClient {
    /// `http` carries timeouts and TLS settings.
    pub fn new(config: PayFastConfig, http: reqwest::Client) -> PayFastClient {
        PayFastClient { config, http }
    }

    pub fn config(&self) -> &PayFastConfig {
        &self.config
    }

    /// Step 5 of the ITN checks: posts the ITN's parameter string (received order, up to the
    /// signature, [`itn_param_string`]) back to PayFast. `VALID` → true, `INVALID` → false,
    /// anything else an error.
    pub async fn validate(&self, param_string: &str) -> Result<bool, PayFastError> {
        let url = self.config.validate_url()?;
        let response = self
            .http
            .post(url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(param_string.to_owned())
            .traced()
            .send()
            .await
            .map_err(|e| PayFastError::from_reqwest(url.as_str(), &e))?;
        let body = read(response, url.as_str()).await?;
        match body.trim() {
            "VALID" => Ok(true),
            "INVALID" => Ok(false),
            other => Err(PayFastError::BadResponse(format!(
                "validate answered {:?}",
                other.chars().take(100).collect::<String>()
            ))),
        }
    }

    /// [`PayFastClient::validate`] for received pairs.
    pub async fn validate_pairs(&self, pairs: &[(String, String)]) -> Result<bool, PayFastError> {
        self.validate(&itn_param_string(pairs)).await
    }

    /// Refunds `amount_cents` of a payment: `POST refunds/{pf_payment_id}` with a JSON body
    /// `{amount, reason, notify_buyer: 1}` [P: SDK `Services/Refunds.php`]. That `amount` is
    /// in cents is UNCONFIRMED (the SDK validates it as an int). The SDK refuses refunds in
    /// sandbox mode.
    pub async fn refund(
        &self,
        pf_payment_id: &str,
        amount_cents: i64,
        reason: &str,
    ) -> Result<ApiAnswer, PayFastError> {
        if amount_cents <= 0 {
            return Err(PayFastError::InvalidRequest(format!(
                "a refund must be more than zero, not {amount_cents} cents"
            )));
        }
        let body = vec![
            ("amount".to_owned(), amount_cents.to_string()),
            ("reason".to_owned(), reason.to_owned()),
            ("notify_buyer".to_owned(), "1".to_owned()),
        ];
        let json = json!({"amount": amount_cents, "reason": reason, "notify_buyer": 1});
        let path = format!("refunds/{}", encode_path(pf_payment_id));
        let text = self
            .api(reqwest::Method::POST, &path, &[], &body, Some(json))
            .await?;
        parse_answer(&text)
    }

    /// The transactions from `from` to `to` (inclusive dates), for reconciliation:
    /// `GET transactions/history?from=…&to=…` [P: SDK `Services/TransactionHistory.php`].
    pub async fn transactions(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<TransactionRow>, PayFastError> {
        let query = vec![
            ("from".to_owned(), from.format("%Y-%m-%d").to_string()),
            ("to".to_owned(), to.format("%Y-%m-%d").to_string()),
        ];
        let text = self
            .api(
                reqwest::Method::GET,
                "transactions/history",
                &query,
                &[],
                None,
            )
            .await?;
        Ok(parse_csv(&text))
    }

    /// One signed REST call [P: SDK `Request::sendApiRequest`]: headers `merchant-id`,
    /// `version`, `timestamp` and `signature` (over the headers, query and body fields); the
    /// sandbox adds `testing=true` to the query, outside the signature.
    async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(String, String)],
        body_fields: &[(String, String)],
        body: Option<Value>,
    ) -> Result<String, PayFastError> {
        let mut url = join(&self.config.api_base, path)?;
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
            if self.config.sandbox {
                pairs.append_pair("testing", "true");
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let timestamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%z").to_string();
        let mut signed = vec![
            ("merchant-id".to_owned(), self.config.merchant_id.clone()),
            ("version".to_owned(), API_VERSION.to_owned()),
            ("timestamp".to_owned(), timestamp.clone()),
        ];
        signed.extend_from_slice(query);
        signed.extend_from_slice(body_fields);
        let signature = api_signature(&signed, self.config.passphrase());
        let mut request = self
            .http
            .request(method, url.clone())
            .header("merchant-id", &self.config.merchant_id)
            .header("version", API_VERSION)
            .header("timestamp", timestamp)
            .header("signature", signature);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .traced()
            .send()
            .await
            .map_err(|e| PayFastError::from_reqwest(url.as_str(), &e))?;
        read(response, url.as_str()).await
    }
}

/// The body of a 2xx; an [`PayFastError::HttpStatus`] otherwise.
async fn read(response: reqwest::Response, url: &str) -> Result<String, PayFastError> {
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| PayFastError::from_reqwest(url, &e))?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(PayFastError::HttpStatus {
            status: status.as_u16(),
            body: body.chars().take(500).collect(),
        })
    }
}

fn encode_path(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn parse_answer(text: &str) -> Result<ApiAnswer, PayFastError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| PayFastError::BadResponse(format!("not JSON ({e})")))?;
    Ok(ApiAnswer {
        code: value
            .get("code")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok())
            .unwrap_or(200),
        status: value
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        data: value.get("data").cloned().unwrap_or(Value::Null),
    })
}

/// CSV with a header row; fields may be quoted (`"a, b"`, `""` for a quote).
pub(crate) fn parse_csv(text: &str) -> Vec<TransactionRow> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let columns = split_csv_line(header);
    lines
        .map(|line| TransactionRow(columns.iter().cloned().zip(split_csv_line(line)).collect()))
        .collect()
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    fields.push(current);
    fields
}

/// Writes one CSV field, quoted when it needs to be (the stand-in's history).
pub(crate) fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trip() {
        let text = format!(
            "Date,Name,Gross\n2026-12-05,{},100.00\n",
            csv_field("Nkosi, \"T\"")
        );
        let rows = parse_csv(&text);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get("Name"), Some("Nkosi, \"T\""));
        assert_eq!(rows[0].gross_cents(), Ok(10000));
    }
}
