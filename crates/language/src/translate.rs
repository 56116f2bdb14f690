//! Pluggable translation: a [`Translator`] over a LibreTranslate-compatible API or any
//! OpenAI-compatible chat API, configured by kind, URL, key and model
//! (`--translation-kind`, `--translation-url`, `--translation-key`,
//! `--translation-model`).
//!
//! A text already in the target language, or with nothing to translate, is returned as
//! it is without a call. Errors say what went wrong without the key.

use crate::Language;
use crate::libretranslate::LibreTranslateClient;
use crate::openai::OpenAiClient;
use crate::secret::ApiKey;
use crate::transport::DEFAULT_TIMEOUT;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// The longest text translated, in characters (a chat message is far shorter; a
/// longer text is refused before any call).
pub const TEXT_CHARS_MAX: usize = 5_000;
/// The [`Translation::provider`] of a text returned as it was, without a call.
pub const PROVIDER_NONE: &str = "none";

/// A translated text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translation {
    pub text: String,
    /// The text's language: the one given, or the one the service detected.
    pub source: Option<Language>,
    /// `libretranslate`, `openai`, or [`PROVIDER_NONE`] when no call was made.
    pub provider: &'static str,
}

/// Why a translation failed. None of them carries the API key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TranslateError {
    #[error("the translation service could not be reached: {message}")]
    Unreachable { message: String },
    #[error("the translation service did not answer within {timeout_ms} ms")]
    Timeout { timeout_ms: u64 },
    #[error("the translation service refused the request with HTTP {status}: {message}")]
    Rejected { status: u16, message: String },
    #[error("the translation service's answer could not be used: {message}")]
    BadAnswer { message: String },
    #[error("the translation service does not translate `{language}`")]
    UnsupportedLanguage { language: String },
    #[error("the text has {chars} characters; at most {chars_max} are translated")]
    TextTooLong { chars: usize, chars_max: usize },
}

impl TranslateError {
    /// Whether the same call may succeed later (the service was down, slow, busy or
    /// failed inside): show the original now, and try again on the next message.
    pub fn is_transient(&self) -> bool {
        match self {
            TranslateError::Unreachable { .. } | TranslateError::Timeout { .. } => true,
            TranslateError::Rejected { status, .. } => *status == 429 || *status >= 500,
            TranslateError::BadAnswer { .. }
            | TranslateError::UnsupportedLanguage { .. }
            | TranslateError::TextTooLong { .. } => false,
        }
    }
}

/// Why a translation configuration is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("`{0}` is not a translation kind (expected `libretranslate` or `openai`)")]
    UnknownKind(String),
    #[error("the translation URL `{url}` is not usable: {reason}")]
    InvalidUrl { url: String, reason: &'static str },
    #[error("the translation HTTP client could not be built: {message}")]
    Client { message: String },
}

/// Which API the translation service speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TranslatorKind {
    /// `POST {base}/translate`, as LibreTranslate serves it.
    LibreTranslate,
    /// `POST {base}/chat/completions`, as OpenAI and compatible servers serve it.
    OpenAi,
}

impl TranslatorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TranslatorKind::LibreTranslate => "libretranslate",
            TranslatorKind::OpenAi => "openai",
        }
    }
}

impl FromStr for TranslatorKind {
    type Err = ConfigError;

    fn from_str(kind: &str) -> Result<Self, Self::Err> {
        match kind.trim().to_ascii_lowercase().as_str() {
            "libretranslate" => Ok(TranslatorKind::LibreTranslate),
            "openai" => Ok(TranslatorKind::OpenAi),
            _ => Err(ConfigError::UnknownKind(kind.to_owned())),
        }
    }
}

impl fmt::Display for TranslatorKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// How to reach the translation service. `Debug` prints the key as `***`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranslatorConfig {
    pub kind: TranslatorKind,
    /// The API's base, without a trailing `/`: `http://localhost:5000` for
    /// LibreTranslate, `https://api.openai.com/v1` for OpenAI.
    pub base_url: String,
    pub api_key: Option<ApiKey>,
    /// The chat model (OpenAI kind only); [`crate::openai::DEFAULT_MODEL`] when absent.
    pub model: Option<String>,
    /// Each attempt's timeout.
    pub timeout: Duration,
}

impl TranslatorConfig {
    /// A configuration from the server's flags. An empty key or model counts as absent
    /// (an unset environment variable often arrives as an empty string).
    pub fn parse(
        kind: &str,
        base_url: &str,
        api_key: Option<&str>,
        model: Option<&str>,
    ) -> Result<TranslatorConfig, ConfigError> {
        let present = |value: Option<&str>| value.map(str::trim).filter(|value| !value.is_empty()).map(str::to_owned);
        Ok(TranslatorConfig {
            kind: kind.parse()?,
            base_url: base_url_of(base_url)?,
            api_key: present(api_key).map(ApiKey::new),
            model: present(model),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The same configuration with another per-attempt timeout.
    pub fn with_timeout(self, timeout: Duration) -> TranslatorConfig {
        TranslatorConfig { timeout, ..self }
    }
}

/// `url` checked (http or https, a host, no query or fragment) and without its
/// trailing `/`.
fn base_url_of(url: &str) -> Result<String, ConfigError> {
    let invalid = |reason| ConfigError::InvalidUrl { url: url.to_owned(), reason };
    let trimmed = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(trimmed).map_err(|_| invalid("it is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("it must start with http:// or https://"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid("credentials go in --translation-key, not in the URL"));
    }
    Ok(trimmed.to_owned())
}

/// A translation service client.
#[derive(Clone, Debug)]
pub enum Translator {
    LibreTranslate(LibreTranslateClient),
    OpenAi(OpenAiClient),
}

impl Translator {
    pub fn new(config: TranslatorConfig) -> Result<Translator, ConfigError> {
        Ok(match config.kind {
            TranslatorKind::LibreTranslate => {
                Translator::LibreTranslate(LibreTranslateClient::new(&config.base_url, config.api_key, config.timeout)?)
            }
            TranslatorKind::OpenAi => {
                Translator::OpenAi(OpenAiClient::new(&config.base_url, config.api_key, config.model, config.timeout)?)
            }
        })
    }

    /// `libretranslate` or `openai`.
    pub fn provider(&self) -> &'static str {
        match self {
            Translator::LibreTranslate(_) => crate::libretranslate::PROVIDER,
            Translator::OpenAi(_) => crate::openai::PROVIDER,
        }
    }

    /// `text` in `target`. `source` is the text's language if known (the detector's);
    /// when it is `target`, or the text is blank, the text comes back unchanged without
    /// a call.
    pub async fn translate(
        &self,
        text: &str,
        source: Option<Language>,
        target: Language,
    ) -> Result<Translation, TranslateError> {
        let chars = text.chars().count();
        if chars > TEXT_CHARS_MAX {
            return Err(TranslateError::TextTooLong { chars, chars_max: TEXT_CHARS_MAX });
        }
        if source == Some(target) || text.trim().is_empty() {
            return Ok(Translation { text: text.to_owned(), source, provider: PROVIDER_NONE });
        }
        match self {
            Translator::LibreTranslate(client) => client.translate(text, source, target).await,
            Translator::OpenAi(client) => client.translate(text, source, target).await,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_server_flags() {
        let config = TranslatorConfig::parse("OpenAI", "https://api.openai.com/v1/", Some("sk-1"), Some(" ")).unwrap();
        assert_eq!(config.kind, TranslatorKind::OpenAi);
        assert_eq!(config.base_url, "https://api.openai.com/v1");
        assert_eq!(config.api_key, Some(ApiKey::new("sk-1")));
        assert_eq!(config.model, None);
        assert_eq!(config.timeout, DEFAULT_TIMEOUT);
        let config = TranslatorConfig::parse("libretranslate", "http://127.0.0.1:5000", Some(""), None).unwrap();
        assert_eq!((config.kind, &config.api_key), (TranslatorKind::LibreTranslate, &None));
        assert_eq!(config.with_timeout(Duration::from_secs(1)).timeout, Duration::from_secs(1));
    }

    #[test]
    fn refuses_bad_kinds_and_urls() {
        assert_eq!(
            TranslatorConfig::parse("deepl", "http://x.test", None, None),
            Err(ConfigError::UnknownKind("deepl".to_owned()))
        );
        for url in ["", "localhost:5000", "ftp://x.test", "http://x.test/?key=1", "https://user:pw@x.test", "http://"] {
            let result = TranslatorConfig::parse("openai", url, None, None);
            assert!(matches!(result, Err(ConfigError::InvalidUrl { .. })), "{url}: {result:?}");
        }
    }

    #[test]
    fn the_key_never_prints() {
        let config = TranslatorConfig::parse("openai", "https://x.test/v1", Some("sk-very-secret"), None).unwrap();
        let translator = Translator::new(config.clone()).unwrap();
        assert!(!format!("{config:?}").contains("sk-very-secret"));
        assert!(!format!("{translator:?}").contains("sk-very-secret"));
    }

    #[test]
    fn transient_errors() {
        assert!(TranslateError::Timeout { timeout_ms: 1 }.is_transient());
        assert!(TranslateError::Rejected { status: 429, message: String::new() }.is_transient());
        assert!(TranslateError::Rejected { status: 503, message: String::new() }.is_transient());
        assert!(!TranslateError::Rejected { status: 403, message: String::new() }.is_transient());
        assert!(!TranslateError::UnsupportedLanguage { language: "xx".to_owned() }.is_transient());
    }

    #[tokio::test]
    async fn both_kinds_translate_through_the_configured_translator() {
        let (libre_url, libre) = crate::fake::FakeLibreTranslate::start_with_key("lt-1").await.unwrap();
        let config = TranslatorConfig::parse("libretranslate", &libre_url, Some("lt-1"), None).unwrap();
        let translator = Translator::new(config).unwrap();
        assert_eq!(translator.provider(), "libretranslate");
        let translation = translator.translate("Gracias", Some(Language::Spanish), Language::Chinese).await.unwrap();
        assert_eq!((translation.text.as_str(), translation.provider), ("谢谢", "libretranslate"));
        assert_eq!(libre.requests().len(), 1);

        let (openai_url, openai) = crate::fake::FakeOpenAi::start_with_key("sk-1").await.unwrap();
        let config = TranslatorConfig::parse("openai", &openai_url, Some("sk-1"), Some("qwen2.5")).unwrap();
        let translator = Translator::new(config.with_timeout(Duration::from_secs(2))).unwrap();
        assert_eq!(translator.provider(), "openai");
        let translation = translator.translate("谢谢", Some(Language::Chinese), Language::Arabic).await.unwrap();
        assert_eq!((translation.text.as_str(), translation.provider), ("شكرا", "openai"));
        assert_eq!(openai.requests()[0].json().unwrap()["model"], "qwen2.5");
    }

    #[tokio::test]
    async fn no_call_for_the_same_language_blank_text_or_too_long_text() {
        // Nothing listens on port 9; any call would fail as unreachable.
        let config = TranslatorConfig::parse("libretranslate", "http://127.0.0.1:9", None, None).unwrap();
        let translator = Translator::new(config).unwrap();
        let same = translator.translate("hola", Some(Language::Spanish), Language::Spanish).await.unwrap();
        assert_eq!(
            same,
            Translation { text: "hola".to_owned(), source: Some(Language::Spanish), provider: PROVIDER_NONE }
        );
        let blank = translator.translate("  ", None, Language::English).await.unwrap();
        assert_eq!(blank.provider, PROVIDER_NONE);
        let long = "a".repeat(TEXT_CHARS_MAX + 1);
        assert_eq!(
            translator.translate(&long, None, Language::English).await,
            Err(TranslateError::TextTooLong { chars: TEXT_CHARS_MAX + 1, chars_max: TEXT_CHARS_MAX })
        );
    }
}
