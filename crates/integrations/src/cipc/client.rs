//! [`CipcClient`]: one agency's read-only access to the CIPC Companies and Beneficial
//! Ownership APIs.

use super::auth::{Auth, Renewed};
use super::config::{CipcConfig, CipcCredentials};
use super::error::CipcError;
use super::model::{BeneficialOwnershipRegister, CompanyProfile, DirectorRecord, FilingRecord};
use super::wire::{SUBSCRIPTION_KEY_HEADER, body_detail, endpoint};
use crate::Traced;
use crate::registry::error_chain;
use chrono::Utc;
use comply360_domain::identifiers::RegistrationNumber;
use reqwest::StatusCode;
use serde_json::Value;

/// A tenant's CIPC client. Keep one per tenant (it holds that tenant's tokens) and call it
/// through [`Resilience`](crate::Resilience): [`CipcError`] says which failures are retryable.
pub struct CipcClient {
    config: CipcConfig,
    auth: Auth,
    http: reqwest::Client,
}

impl CipcClient {
    /// `http` carries timeouts and TLS settings; it is shared with nothing tenant-specific.
    pub fn new(
        config: CipcConfig,
        credentials: CipcCredentials,
        http: reqwest::Client,
    ) -> CipcClient {
        CipcClient {
            config,
            auth: Auth::new(credentials, http.clone()),
            http,
        }
    }

    pub async fn company_profile(
        &self,
        enterprise_number: &str,
    ) -> Result<CompanyProfile, CipcError> {
        let value = self
            .get(&self.config.company_profile_path, enterprise_number)
            .await?;
        Ok(CompanyProfile::from_cipc(value))
    }

    pub async fn directors(
        &self,
        enterprise_number: &str,
    ) -> Result<Vec<DirectorRecord>, CipcError> {
        let value = self
            .get(&self.config.directors_path, enterprise_number)
            .await?;
        Ok(DirectorRecord::list_from_cipc(&value))
    }

    pub async fn filing_history(
        &self,
        enterprise_number: &str,
    ) -> Result<Vec<FilingRecord>, CipcError> {
        let value = self
            .get(&self.config.filing_history_path, enterprise_number)
            .await?;
        Ok(FilingRecord::list_from_cipc(&value))
    }

    pub async fn beneficial_ownership(
        &self,
        enterprise_number: &str,
    ) -> Result<BeneficialOwnershipRegister, CipcError> {
        let value = self
            .get(&self.config.beneficial_ownership_path, enterprise_number)
            .await?;
        Ok(BeneficialOwnershipRegister::from_cipc(value))
    }

    /// GETs `template` for a validated enterprise number, renewing the token on a 401: first by
    /// the refresh token, then by signing in again; a 401 after a fresh sign-in is final.
    async fn get(&self, template: &str, enterprise_number: &str) -> Result<Value, CipcError> {
        let number = validate(enterprise_number)?;
        let url = endpoint(&self.config.base_url, template, &number.to_string())?;
        let token_url = endpoint(&self.config.base_url, &self.config.token_path, "")?;
        let mut token = self.auth.access_token(&token_url).await?;
        let mut signed_in_afresh = false;
        let mut renewals = 0;
        loop {
            let response = self.send(&url, &token).await?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return read(response, &number).await;
            }
            // Bounded even if other calls keep replacing the token under us.
            if signed_in_afresh || renewals >= 3 {
                return Err(unauthorized(response).await);
            }
            let (renewed, how) = self.auth.renew(&token_url, &token, renewals == 0).await?;
            tracing::debug!(?how, "CIPC token renewed after a 401");
            signed_in_afresh = how == Renewed::SignedIn;
            renewals += 1;
            token = renewed;
        }
    }

    async fn send(&self, url: &url::Url, token: &str) -> Result<reqwest::Response, CipcError> {
        self.http
            .get(url.clone())
            .bearer_auth(token)
            .header(SUBSCRIPTION_KEY_HEADER, self.auth.subscription_key())
            .header(reqwest::header::ACCEPT, "application/json")
            .traced()
            .send()
            .await
            .map_err(|e| CipcError::Unavailable {
                detail: error_chain(&e),
            })
    }
}

fn validate(enterprise_number: &str) -> Result<RegistrationNumber, CipcError> {
    RegistrationNumber::parse(enterprise_number, Utc::now().date_naive()).map_err(|reason| {
        CipcError::InvalidEnterpriseNumber {
            given: enterprise_number.to_owned(),
            reason,
        }
    })
}

async fn unauthorized(response: reqwest::Response) -> CipcError {
    CipcError::Unauthorized {
        detail: body_detail(&response.text().await.unwrap_or_default()),
    }
}

async fn read(
    response: reqwest::Response,
    number: &RegistrationNumber,
) -> Result<Value, CipcError> {
    let status = response.status();
    if status.is_success() {
        return response.json().await.map_err(|e| CipcError::Protocol {
            detail: format!("the body is not JSON: {}", error_chain(&e)),
        });
    }
    let detail = body_detail(&response.text().await.unwrap_or_default());
    Err(match status {
        StatusCode::NOT_FOUND => CipcError::NotFound {
            enterprise_number: number.to_string(),
        },
        StatusCode::FORBIDDEN => CipcError::Forbidden { detail },
        s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => CipcError::Unavailable {
            detail: format!("HTTP {}: {detail}", s.as_u16()),
        },
        s => CipcError::Refused {
            status: s.as_u16(),
            detail,
        },
    })
}
