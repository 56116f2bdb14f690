//! The HTTP client of an OpenAI-compatible Chat Completions API: one `POST
//! {base_url}/chat/completions` with a bearer key, a timeout and a bounded answer.

use super::LlmConfig;
use super::wire::{ChatRequest, ChatResponse};

/// The most of an answer read; a chat completion is a few KiB.
pub const RESPONSE_BYTES_MAX: usize = 256 * 1024;
/// Opening a connection may take at most this, within the call's timeout.
const CONNECT_TIMEOUT_MAX: std::time::Duration = std::time::Duration::from_secs(5);

/// What went wrong talking to the model. Never holds the API key (reqwest's messages are
/// taken without the URL, and the key travels in a header).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum LlmError {
    #[error("the chat model answered HTTP {status}")]
    Status { status: u16 },
    #[error("the chat model did not answer in time")]
    Timeout,
    #[error("the chat model could not be reached: {0}")]
    Network(String),
    #[error("the chat model's answer is larger than {RESPONSE_BYTES_MAX} bytes")]
    TooLarge,
    #[error("the chat model's answer is not a chat completion: {0}")]
    Malformed(String),
    #[error("the chat model's answer has no choice")]
    NoChoice,
}

fn transport_error(error: reqwest::Error) -> LlmError {
    if error.is_timeout() { LlmError::Timeout } else { LlmError::Network(error.without_url().to_string()) }
}

#[derive(Debug, Clone)]
pub struct LlmClient {
    http: reqwest::Client,
    config: LlmConfig,
}

impl LlmClient {
    pub fn new(config: LlmConfig) -> Result<LlmClient, LlmError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(CONNECT_TIMEOUT_MAX))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Tradewind/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(transport_error)?;
        Ok(LlmClient { http, config })
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// One chat completion.
    pub async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let url = format!("{}/chat/completions", self.config.base_url.trim_end_matches('/'));
        let mut response = self
            .http
            .post(url)
            .bearer_auth(self.config.api_key.expose())
            .json(request)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > RESPONSE_BYTES_MAX {
                return Err(LlmError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        if !(200..300).contains(&status) {
            return Err(LlmError::Status { status });
        }
        serde_json::from_slice(&body).map_err(|error| LlmError::Malformed(error.to_string()))
    }
}
