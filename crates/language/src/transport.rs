//! One call to a translation service: a JSON POST with a timeout on every attempt, a
//! bounded answer, and at most one retry after a timeout, a lost connection or a 5xx.
//! A translation changes nothing on the service, so sending it twice is safe.

use crate::secret::ApiKey;
use crate::translate::{ConfigError, TranslateError};
use std::time::Duration;

/// The most of an answer read; more is a bad answer (a translation of the longest text
/// accepted is a few tens of KiB).
pub const RESPONSE_BYTES_MAX: usize = 1024 * 1024;
/// A call without a complete answer within this fails with a timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts per call: the first and one retry.
const ATTEMPTS_MAX: u32 = 2;
/// The wait before the retry.
const RETRY_DELAY: Duration = Duration::from_millis(100);
/// The most characters of a service's error message kept in a [`TranslateError`].
const ERROR_MESSAGE_CHARS_MAX: usize = 300;

/// A service's complete answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The answer's JSON as `T`.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, TranslateError> {
        serde_json::from_slice(&self.body).map_err(|error| TranslateError::BadAnswer {
            message: format!("the answer is not the expected JSON: {error}"),
        })
    }
}

/// The HTTP client of one translation service.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    client: reqwest::Client,
    timeout: Duration,
    provider: &'static str,
}

impl Transport {
    pub(crate) fn new(provider: &'static str, timeout: Duration) -> Result<Self, ConfigError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Tradewind/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| ConfigError::Client { message: error.without_url().to_string() })?;
        Ok(Transport { client, timeout, provider })
    }

    /// POSTs `body` as JSON to `url` (with `bearer` as `Authorization: Bearer`), again
    /// once after a timeout, a lost connection or a 5xx. Returns the last outcome.
    pub(crate) async fn post_json(
        &self,
        url: &str,
        body: &impl serde::Serialize,
        bearer: Option<&ApiKey>,
    ) -> Result<Reply, TranslateError> {
        let mut attempt = 1;
        loop {
            let mut request = self.client.post(url).json(body);
            if let Some(key) = bearer {
                request = request.bearer_auth(key.expose());
            }
            let outcome = self.attempt(request).await;
            let retriable = match &outcome {
                Ok(reply) => reply.status >= 500,
                Err(error) => matches!(error, TranslateError::Timeout { .. } | TranslateError::Unreachable { .. }),
            };
            if !retriable || attempt >= ATTEMPTS_MAX {
                return outcome;
            }
            let status = outcome.as_ref().map_or(0, |reply| reply.status);
            tracing::warn!(provider = self.provider, status, attempt, "translation call failed; retrying once");
            tokio::time::sleep(RETRY_DELAY).await;
            attempt += 1;
        }
    }

    /// One attempt: send, then read at most [`RESPONSE_BYTES_MAX`] of the answer.
    async fn attempt(&self, request: reqwest::RequestBuilder) -> Result<Reply, TranslateError> {
        let mut response = request.send().await.map_err(|error| self.transport_error(error))?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| self.transport_error(error))? {
            if body.len() + chunk.len() > RESPONSE_BYTES_MAX {
                return Err(TranslateError::BadAnswer {
                    message: format!("the answer is larger than {RESPONSE_BYTES_MAX} bytes"),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply { status, body })
    }

    /// The URL stays out of the message: a misconfigured one might carry a key.
    fn transport_error(&self, error: reqwest::Error) -> TranslateError {
        if error.is_timeout() {
            TranslateError::Timeout { timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX) }
        } else {
            TranslateError::Unreachable { message: error.without_url().to_string() }
        }
    }
}

/// A service's error message made safe to keep: the key scrubbed out, the length
/// bounded.
pub(crate) fn error_message(message: &str, key: Option<&ApiKey>) -> String {
    let scrubbed = key.map_or_else(|| message.to_owned(), |key| key.scrub(message));
    let trimmed = scrubbed.trim();
    match trimmed.char_indices().nth(ERROR_MESSAGE_CHARS_MAX) {
        Some((end, _)) => format!("{}…", &trimmed[..end]),
        None => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_lose_the_key_and_their_tail() {
        let key = ApiKey::new("sk-secret");
        assert_eq!(
            error_message(" Incorrect API key provided: sk-secret ", Some(&key)),
            "Incorrect API key provided: ***"
        );
        let long = "x".repeat(ERROR_MESSAGE_CHARS_MAX + 10);
        assert_eq!(error_message(&long, None).chars().count(), ERROR_MESSAGE_CHARS_MAX + 1);
    }
}
