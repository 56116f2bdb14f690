//! A LibreTranslate-compatible client: `POST {base}/translate` with
//! `{q, source, target, format: "text", api_key}` (`source` is `auto` when unknown),
//! answered by `{translatedText, detectedLanguage?: {language, confidence}}` or by
//! `{error}` with 400 (bad request, unsupported language), 403 (bad or banned key), 429
//! (slow down) or 500 (translation failed).

use crate::Language;
use crate::secret::ApiKey;
use crate::translate::{ConfigError, TranslateError, Translation};
use crate::transport::{Reply, Transport, error_message};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The [`Translation::provider`] of this client's translations.
pub const PROVIDER: &str = "libretranslate";

/// A LibreTranslate client. `Debug` prints the key as `***`.
#[derive(Clone, Debug)]
pub struct LibreTranslateClient {
    translate_url: String,
    api_key: Option<ApiKey>,
    transport: Transport,
}

#[derive(Serialize)]
struct TranslateRequest<'a> {
    q: &'a str,
    source: &'a str,
    target: &'a str,
    format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TranslateResponse {
    translated_text: String,
    detected_language: Option<DetectedLanguage>,
}

#[derive(Deserialize)]
struct DetectedLanguage {
    language: String,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
}

impl LibreTranslateClient {
    /// A client of the LibreTranslate server at `base_url` (no trailing `/`).
    pub fn new(base_url: &str, api_key: Option<ApiKey>, timeout: Duration) -> Result<Self, ConfigError> {
        Ok(LibreTranslateClient {
            translate_url: format!("{}/translate", base_url.trim_end_matches('/')),
            api_key,
            transport: Transport::new(PROVIDER, timeout)?,
        })
    }

    /// `text` from `source` (detected by the server when `None`) into `target`.
    pub async fn translate(
        &self,
        text: &str,
        source: Option<Language>,
        target: Language,
    ) -> Result<Translation, TranslateError> {
        let source_code = source.map_or("auto", Language::code);
        let request = TranslateRequest {
            q: text,
            source: source_code,
            target: target.code(),
            format: "text",
            api_key: self.api_key.as_ref().map(ApiKey::expose),
        };
        let reply = self.transport.post_json(&self.translate_url, &request, None).await?;
        if !reply.is_success() {
            return Err(self.error(&reply, source_code, target.code()));
        }
        let answer: TranslateResponse = reply.json()?;
        let detected = answer.detected_language.and_then(|detected| language_of(&detected.language));
        Ok(Translation { text: answer.translated_text, source: source.or(detected), provider: PROVIDER })
    }

    /// The server's `{error}` as a [`TranslateError`]: a 400 about a language that is
    /// not supported names that language; everything else keeps its status.
    fn error(&self, reply: &Reply, source_code: &str, target_code: &str) -> TranslateError {
        let message = reply
            .json::<ErrorResponse>()
            .map(|body| body.error)
            .unwrap_or_else(|_| String::from_utf8_lossy(&reply.body).into_owned());
        let message = error_message(&message, self.api_key.as_ref());
        if reply.status == 400 && message.contains("not supported") {
            let named = [source_code, target_code]
                .into_iter()
                .find(|code| message.split(|c: char| !c.is_alphanumeric() && c != '-').any(|word| word == *code));
            let language = named.unwrap_or(target_code).to_owned();
            return TranslateError::UnsupportedLanguage { language };
        }
        TranslateError::Rejected { status: reply.status, message }
    }
}

/// A LibreTranslate language code as a [`Language`]: its own codes are ISO 639-1 with
/// a few of its own (`pb` Brazilian Portuguese, `zt` traditional Chinese,
/// `zh-Hans`).
fn language_of(code: &str) -> Option<Language> {
    match code {
        "pb" => Some(Language::Portuguese),
        "zt" => Some(Language::Chinese),
        _ => Language::parse(code).ok(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::fake::{FakeLibreTranslate, Fault};

    fn client(base_url: &str, key: Option<&str>) -> LibreTranslateClient {
        LibreTranslateClient::new(base_url, key.map(ApiKey::new), Duration::from_secs(5)).unwrap()
    }

    #[tokio::test]
    async fn translates_with_a_known_source_and_sends_the_documented_body() {
        let (base_url, fake) = FakeLibreTranslate::start_with_key("lt-key-1").await.unwrap();
        let translation = client(&base_url, Some("lt-key-1"))
            .translate("¿Dónde está mi pedido?", Some(Language::Spanish), Language::English)
            .await
            .unwrap();
        assert_eq!(
            translation,
            Translation { text: "Where is my order?".to_owned(), source: Some(Language::Spanish), provider: PROVIDER }
        );
        let requests = fake.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!((requests[0].method.as_str(), requests[0].path.as_str()), ("POST", "/translate"));
        assert_eq!(
            requests[0].json(),
            Some(serde_json::json!({
                "q": "¿Dónde está mi pedido?", "source": "es", "target": "en", "format": "text", "api_key": "lt-key-1"
            }))
        );
    }

    #[tokio::test]
    async fn an_unknown_source_is_auto_and_the_detected_language_comes_back() {
        let (base_url, fake) = FakeLibreTranslate::start().await.unwrap();
        let translation = client(&base_url, None).translate("obrigado", None, Language::English).await.unwrap();
        assert_eq!(translation.text, "Thank you");
        assert_eq!(translation.source, Some(Language::Portuguese));
        let body = fake.requests()[0].json().unwrap();
        assert_eq!(body["source"], "auto");
        assert!(body.get("api_key").is_none());
    }

    #[tokio::test]
    async fn text_outside_the_phrasebook_is_marked_with_the_target() {
        let (base_url, _fake) = FakeLibreTranslate::start().await.unwrap();
        let translation =
            client(&base_url, None).translate("The box is blue", Some(Language::English), Language::Chinese).await;
        assert_eq!(translation.unwrap().text, "[zh] The box is blue");
    }

    #[tokio::test]
    async fn a_wrong_key_is_rejected_without_leaking_it() {
        let (base_url, _fake) = FakeLibreTranslate::start_with_key("right-key").await.unwrap();
        let error = client(&base_url, Some("wrong-key-123"))
            .translate("hola", Some(Language::Spanish), Language::English)
            .await
            .unwrap_err();
        assert!(matches!(error, TranslateError::Rejected { status: 403, .. }), "{error:?}");
        assert!(!error.to_string().contains("wrong-key-123"), "{error}");
    }

    #[tokio::test]
    async fn an_unsupported_language_is_named() {
        let (base_url, fake) = FakeLibreTranslate::start().await.unwrap();
        fake.unsupported(Language::Thai);
        let error = client(&base_url, None).translate("hello", Some(Language::English), Language::Thai).await;
        assert_eq!(error, Err(TranslateError::UnsupportedLanguage { language: "th".to_owned() }));
    }

    #[tokio::test]
    async fn one_server_error_is_retried_and_two_are_not_hidden() {
        let (base_url, fake) = FakeLibreTranslate::start().await.unwrap();
        fake.fault_next(Fault::ServerError, 1);
        let translation = client(&base_url, None).translate("hola", Some(Language::Spanish), Language::English).await;
        assert_eq!(translation.unwrap().text, "Hello");
        assert_eq!(fake.requests().len(), 2);

        fake.fault_next(Fault::ServerError, 2);
        let error = client(&base_url, None).translate("hola", Some(Language::Spanish), Language::English).await;
        let Err(TranslateError::Rejected { status: 500, message }) = error else { panic!("{error:?}") };
        assert!(message.contains("Cannot translate"), "{message}");
        assert_eq!(fake.requests().len(), 4);
    }

    #[tokio::test]
    async fn rate_limits_are_not_retried() {
        let (base_url, fake) = FakeLibreTranslate::start().await.unwrap();
        fake.fault_next(Fault::RateLimited, 1);
        let error = client(&base_url, None).translate("hola", Some(Language::Spanish), Language::English).await;
        let error = error.unwrap_err();
        assert!(matches!(error, TranslateError::Rejected { status: 429, .. }) && error.is_transient(), "{error:?}");
        assert_eq!(fake.requests().len(), 1);
    }

    #[tokio::test]
    async fn a_hung_server_times_out_after_one_retry() {
        let (base_url, fake) = FakeLibreTranslate::start().await.unwrap();
        fake.fault_next(Fault::Hang, 2);
        let client = LibreTranslateClient::new(&base_url, None, Duration::from_millis(500)).unwrap();
        let error = client.translate("hola", Some(Language::Spanish), Language::English).await;
        assert_eq!(error, Err(TranslateError::Timeout { timeout_ms: 500 }));
        assert_eq!(fake.requests().len(), 2);
    }

    #[tokio::test]
    async fn malformed_and_oversized_answers_are_bad_answers() {
        let (base_url, fake) = FakeLibreTranslate::start().await.unwrap();
        fake.fault_next(Fault::Malformed, 1);
        let error = client(&base_url, None).translate("hola", Some(Language::Spanish), Language::English).await;
        assert!(matches!(error, Err(TranslateError::BadAnswer { .. })), "{error:?}");
        fake.fault_next(Fault::Oversized, 1);
        let error = client(&base_url, None).translate("hola", Some(Language::Spanish), Language::English).await;
        assert!(
            matches!(error, Err(TranslateError::BadAnswer { ref message }) if message.contains("larger")),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn an_absent_server_is_unreachable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let error = client(&base_url, None).translate("hola", Some(Language::Spanish), Language::English).await;
        assert!(matches!(error, Err(TranslateError::Unreachable { .. })), "{error:?}");
    }

    #[test]
    fn libretranslate_codes() {
        assert_eq!(language_of("pb"), Some(Language::Portuguese));
        assert_eq!(language_of("zh-Hans"), Some(Language::Chinese));
        assert_eq!(language_of("zt"), Some(Language::Chinese));
        assert_eq!(language_of("ga"), None);
    }
}
