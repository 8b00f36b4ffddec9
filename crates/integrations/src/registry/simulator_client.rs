//! [`RegistryGateway`] over the registry simulator's HTTP API (see
//! [`simulator`](super::simulator) for the routes).
//!
//! Failures are sorted for [`Resilience`](crate::Resilience): no connection, a timeout or a 5xx
//! is retryable; a 4xx carries the simulator's problem `detail`, which says what to correct, and
//! is not retried.

use crate::registry::{
    FilingOutcome, IncorporationRequest, NameReservationRequest, Receipt, RegistryError,
    RegistryGateway,
};
use async_trait::async_trait;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use url::Url;

const NAME: &str = "registry-simulator";

/// Longest piece of a non-problem error body quoted in an error.
const MAX_QUOTED_BODY: usize = 300;

pub struct SimulatorGateway {
    base_url: Url,
    http: reqwest::Client,
}

impl SimulatorGateway {
    /// `base_url` is where the simulator listens (e.g. `http://127.0.0.1:8790/`); a path prefix
    /// is kept. `http` carries the timeouts and TLS settings of the caller.
    pub fn new(base_url: Url, http: reqwest::Client) -> SimulatorGateway {
        SimulatorGateway { base_url, http }
    }

    fn url(&self, segments: &[&str]) -> Result<Url, RegistryError> {
        let mut url = self.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| RegistryError::Config {
                registry: NAME.to_owned(),
                detail: format!(
                    "the base URL {} cannot have a path; use http://host:port/",
                    self.base_url
                ),
            })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        filing_id: Option<&str>,
    ) -> Result<T, RegistryError> {
        let response = request
            .send()
            .await
            .map_err(|e| RegistryError::Unreachable {
                registry: NAME.to_owned(),
                detail: error_chain(&e),
            })?;
        let status = response.status();
        if status.is_success() {
            return response.json().await.map_err(|e| RegistryError::Protocol {
                registry: NAME.to_owned(),
                detail: error_chain(&e),
            });
        }
        let body = response.text().await.unwrap_or_default();
        let detail = problem_detail(&body);
        Err(match (status, filing_id) {
            (StatusCode::NOT_FOUND, Some(filing_id)) => RegistryError::UnknownFiling {
                registry: NAME.to_owned(),
                filing_id: filing_id.to_owned(),
            },
            (s, _) if s.is_server_error() => RegistryError::Server {
                registry: NAME.to_owned(),
                status: s.as_u16(),
                detail,
            },
            (s, _) => RegistryError::Refused {
                registry: NAME.to_owned(),
                status: s.as_u16(),
                detail,
            },
        })
    }
}

#[async_trait]
impl RegistryGateway for SimulatorGateway {
    fn name(&self) -> &str {
        NAME
    }

    async fn reserve_name(
        &self,
        request: &NameReservationRequest,
    ) -> Result<Receipt, RegistryError> {
        let url = self.url(&["v1", "name-reservations"])?;
        self.call(self.http.post(url).json(request), None).await
    }

    async fn incorporate(&self, request: &IncorporationRequest) -> Result<Receipt, RegistryError> {
        let url = self.url(&["v1", "incorporations"])?;
        self.call(self.http.post(url).json(request), None).await
    }

    async fn outcome(&self, receipt: &Receipt) -> Result<FilingOutcome, RegistryError> {
        let url = self.url(&["v1", "filings", &receipt.filing_id])?;
        self.call(self.http.get(url), Some(&receipt.filing_id))
            .await
    }
}

/// The `detail` of a problem body, else the start of the body as text.
fn problem_detail(body: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Problem {
        detail: String,
    }
    match serde_json::from_str::<Problem>(body) {
        Ok(problem) => problem.detail,
        Err(_) if body.trim().is_empty() => "no explanation given".to_owned(),
        Err(_) => body.chars().take(MAX_QUOTED_BODY).collect(),
    }
}

/// An error with its causes, which reqwest keeps out of its own message ("connection refused").
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
