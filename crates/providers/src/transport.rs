//! One HTTP call to a provider: a timeout on every attempt, a bounded answer, and a
//! bounded number of retries with exponential backoff.
//!
//! The caller builds the request afresh for each attempt (same method, path, body and
//! idempotency key) and says which answers deserve another attempt; the transport
//! retries those and transport failures (timeouts, dropped connections). A retry of a
//! POST is only safe because both providers dedupe on the idempotency key the caller
//! put on every attempt alike.

use crate::error::ProviderError;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// The most of an answer read; more is an unexpected answer (both providers' objects
/// are a few KiB).
pub const RESPONSE_BYTES_MAX: usize = 1024 * 1024;
/// A call that gets no complete answer within this fails with a timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Opening a connection may take at most this, within the call's timeout.
const CONNECT_TIMEOUT_MAX: Duration = Duration::from_secs(10);
/// Retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// The longest provider id accepted in a path.
const ID_LENGTH_MAX: usize = 255;
/// The wait before the first retry; it doubles for each next one.
pub const DEFAULT_BACKOFF: Duration = Duration::from_millis(500);
/// No wait between retries is longer than this.
pub const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// How often and how patiently a call is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: one attempt only).
    pub max_retries: u32,
    /// The wait before the first retry (zero in tests).
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: DEFAULT_MAX_RETRIES, backoff: DEFAULT_BACKOFF }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0 for the first).
    fn delay(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry);
        self.backoff.saturating_mul(factor).min(BACKOFF_MAX)
    }
}

/// A provider's complete answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The answer's JSON as `T` when it is a success, else the provider's error read
    /// by `error`.
    pub fn decode<T: serde::de::DeserializeOwned>(
        &self,
        error: impl Fn(u16, &[u8]) -> ProviderError,
    ) -> Result<T, ProviderError> {
        if !self.is_success() {
            return Err(error(self.status, &self.body));
        }
        serde_json::from_slice(&self.body).map_err(|parse| ProviderError::unexpected(self.status, parse))
    }

    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// The HTTP client of one provider, with its retry policy.
#[derive(Debug, Clone)]
pub struct Transport {
    client: reqwest::Client,
    retry: RetryPolicy,
    provider: &'static str,
}

impl Transport {
    pub fn new(provider: &'static str, timeout: Duration, retry: RetryPolicy) -> Result<Self, ProviderError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(CONNECT_TIMEOUT_MAX))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Tradewind/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| ProviderError::Network { message: error.to_string(), request_sent: false })?;
        Ok(Transport { client, retry, provider })
    }

    /// Sends the request `build` makes, again after each retriable outcome, at most
    /// `1 + max_retries` times. `retry_reply` says which complete answers deserve a
    /// retry; timeouts and network errors always do. Returns the last outcome.
    pub async fn send(
        &self,
        operation: &str,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        retry_reply: impl Fn(&Reply) -> bool,
    ) -> Result<Reply, ProviderError> {
        let mut retry = 0;
        loop {
            let outcome = attempt(build(&self.client)).await;
            let again = match &outcome {
                Ok(reply) => retry_reply(reply),
                Err(error) => is_transport_failure(error),
            };
            if !again || retry >= self.retry.max_retries {
                return outcome;
            }
            let status = outcome.as_ref().map(|reply| reply.status).unwrap_or(0);
            tracing::warn!(provider = self.provider, operation, status, retry, "provider call failed; retrying");
            tokio::time::sleep(self.retry.delay(retry)).await;
            retry += 1;
        }
    }
}

/// A provider id checked before it goes into a URL path: ids of both providers are
/// letters, digits, `_` and `-`, and anything else could change the path.
pub fn path_id(id: &str) -> Result<&str, ProviderError> {
    let plain = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-';
    if id.is_empty() || id.len() > ID_LENGTH_MAX || !id.bytes().all(plain) {
        return Err(ProviderError::InvalidRequest {
            code: "invalid_id".to_owned(),
            message: "a provider id is letters, digits, `_` and `-`".to_owned(),
        });
    }
    Ok(id)
}

fn is_transport_failure(error: &ProviderError) -> bool {
    matches!(error, ProviderError::Timeout | ProviderError::Network { .. })
}

/// One attempt: send, then read at most [`RESPONSE_BYTES_MAX`] of the answer.
async fn attempt(request: reqwest::RequestBuilder) -> Result<Reply, ProviderError> {
    let mut response = request.send().await.map_err(transport_error)?;
    let status = response.status().as_u16();
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > RESPONSE_BYTES_MAX {
            return Err(ProviderError::UnexpectedResponse {
                status,
                message: format!("the answer is larger than {RESPONSE_BYTES_MAX} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Reply { status, headers, body })
}

/// A connection that never opened cannot have done anything; every later failure
/// (a timeout included) may have come after the provider acted.
fn transport_error(error: reqwest::Error) -> ProviderError {
    let (connect, timeout) = (error.is_connect(), error.is_timeout());
    let message = error.without_url().to_string();
    if connect {
        ProviderError::Network { message, request_sent: false }
    } else if timeout {
        ProviderError::Timeout
    } else {
        ProviderError::Network { message, request_sent: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy { max_retries: 10, backoff: Duration::from_millis(500) };
        assert_eq!(policy.delay(0), Duration::from_millis(500));
        assert_eq!(policy.delay(1), Duration::from_secs(1));
        assert_eq!(policy.delay(2), Duration::from_secs(2));
        assert_eq!(policy.delay(4), BACKOFF_MAX);
        assert_eq!(policy.delay(40), BACKOFF_MAX);
        let none = RetryPolicy { max_retries: 3, backoff: Duration::ZERO };
        assert_eq!(none.delay(3), Duration::ZERO);
    }

    #[test]
    fn ids_cannot_change_the_path() {
        assert_eq!(path_id("pi_3MtwBwLkdIwHu7ix28a3tqPa"), Ok("pi_3MtwBwLkdIwHu7ix28a3tqPa"));
        assert_eq!(path_id("5O190127TN364715T"), Ok("5O190127TN364715T"));
        for bad in ["", "../v1/refunds", "pi_1?expand=x", "pi 1", "pi_1/capture"] {
            assert!(path_id(bad).is_err(), "{bad}");
        }
    }
}
