//! Classifying HTTP providers' answers (SendGrid, Twilio).

use super::{SendError, truncate};

/// A transport failure: no answer (refused, reset, timed out) is worth another attempt; a
/// request that could not even be built is not.
pub fn transport_error(provider: &str, err: &reqwest::Error) -> SendError {
    if err.is_builder() {
        SendError::permanent(format!("{provider}: request could not be built: {err}"))
    } else {
        SendError::retryable(format!("{provider}: no answer: {}", without_url(err)))
    }
}

/// A non-success status: 5xx and 429 are the provider's trouble (retry); other 4xx refuse
/// this request (bad key, bad address, bad content) and will refuse it again.
pub fn status_error(provider: &str, status: reqwest::StatusCode, body: &str) -> SendError {
    let message = format!("{provider} answered {status}: {}", truncate(body, 300));
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        SendError::retryable(message)
    } else {
        SendError::permanent(message)
    }
}

/// reqwest's errors name the URL, which for Twilio holds the account id.
fn without_url(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    if let Some(url) = err.url() {
        text = text.replace(url.as_str(), "<provider>");
    }
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    #[test]
    fn statuses_are_classified() {
        assert!(status_error("p", StatusCode::INTERNAL_SERVER_ERROR, "").retryable);
        assert!(status_error("p", StatusCode::BAD_GATEWAY, "").retryable);
        assert!(status_error("p", StatusCode::TOO_MANY_REQUESTS, "").retryable);
        assert!(!status_error("p", StatusCode::BAD_REQUEST, "").retryable);
        assert!(!status_error("p", StatusCode::UNAUTHORIZED, "").retryable);
        let long = "x".repeat(1000);
        assert!(
            status_error("p", StatusCode::BAD_REQUEST, &long)
                .message
                .len()
                < 400
        );
    }
}
