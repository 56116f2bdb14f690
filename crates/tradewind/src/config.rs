//! Configuration. Precedence: command-line flag, then environment variable, then the
//! TOML config file (`--config`/`TRADEWIND_CONFIG`), then the default.

use anyhow::Context;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tradewind_api::credentials::CredentialsKey;

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/tradewind.db";
pub const DEFAULT_FX_MARKUP_BASIS_POINTS: i64 = tradewind_api::flows::fx::DEFAULT_MARKUP_BASIS_POINTS;
const FINGERPRINT_KEY_BYTES: usize = 32;
/// The generated credentials key's file, beside the SQLite database (or in `data/`).
pub const CREDENTIALS_KEY_FILE_NAME: &str = "credentials.key";

/// The settings file, every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub addr: Option<String>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub fingerprint_key: Option<String>,
    pub log_format: Option<String>,
    pub fx_markup_basis_points: Option<i64>,
    pub credentials_key: Option<String>,
    /// The NATS server of a realtime cluster (see [`realtime_cluster`]).
    pub nats_url: Option<String>,
    pub node_id: Option<String>,
    pub nats_prefix: Option<String>,
    /// Translation of support messages (see [`translation`]).
    pub translation_url: Option<String>,
    pub translation_kind: Option<String>,
    pub translation_key: Option<String>,
    pub translation_model: Option<String>,
    /// A chat model for the support assistant (see [`assistant_model`]).
    pub assistant_model_url: Option<String>,
    pub assistant_model_key: Option<String>,
    pub assistant_model: Option<String>,
}

impl FileConfig {
    pub fn load(path: &Path) -> anyhow::Result<FileConfig> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }
}

#[derive(Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub database_url: String,
    /// The URL buyers reach this server at; default `http://{addr}`.
    pub public_url: Option<String>,
    pub fingerprint_key: Vec<u8>,
    /// The markup on mid rates in FX quotes, in basis points (default 40 = 0.40%).
    pub fx_markup_basis_points: i64,
    /// Encrypts connector credentials at rest (see [`credentials_key`]).
    pub credentials_key: CredentialsKey,
    /// Many nodes: the realtime layer over NATS (`--nats-url`); `None` runs one node.
    pub realtime_cluster: Option<RealtimeCluster>,
    /// Support messages translated by LibreTranslate or an OpenAI-compatible API.
    pub translation: Option<tradewind_language::TranslatorConfig>,
    /// The support assistant answered by an OpenAI-compatible chat model (with tools).
    pub assistant_model: Option<tradewind_assistant::LlmConfig>,
}

/// The translator `--translation-url` (with `--translation-kind libretranslate|openai`,
/// `--translation-key`, `--translation-model`) describes, if any.
pub fn translation(
    url: Option<String>,
    kind: Option<String>,
    key: Option<String>,
    model: Option<String>,
) -> anyhow::Result<Option<tradewind_language::TranslatorConfig>> {
    let Some(url) = url.filter(|url| !url.trim().is_empty()) else { return Ok(None) };
    let kind = kind.unwrap_or_else(|| "libretranslate".to_owned());
    tradewind_language::TranslatorConfig::parse(&kind, &url, key.as_deref(), model.as_deref())
        .map(Some)
        .map_err(|error| anyhow::anyhow!("--translation-url: {error}"))
}

/// The chat model `--assistant-model-url` (with `--assistant-model-key` and
/// `--assistant-model`) describes, if any.
pub fn assistant_model(
    url: Option<String>,
    key: Option<String>,
    model: Option<String>,
) -> anyhow::Result<Option<tradewind_assistant::LlmConfig>> {
    let Some(url) = url.filter(|url| !url.trim().is_empty()) else { return Ok(None) };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        anyhow::bail!("--assistant-model-url must be an http(s) URL");
    }
    let key = tradewind_assistant::llm::ApiKey::new(key.unwrap_or_default());
    Ok(Some(tradewind_assistant::LlmConfig::new(url, key, model.unwrap_or_else(|| "gpt-4o-mini".to_owned()))))
}

/// How this server joins a realtime cluster.
pub type RealtimeCluster = tradewind_api::realtime::ClusterSettings;

impl std::fmt::Debug for Config {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Config")
            .field("addr", &self.addr)
            .field("database_url", &redact_url(&self.database_url))
            .field("public_url", &self.public_url)
            .field("fingerprint_key", &"[redacted]")
            .field("fx_markup_basis_points", &self.fx_markup_basis_points)
            .field("credentials_key", &"[redacted]")
            .field("realtime_cluster", &self.realtime_cluster.as_ref().map(|cluster| redact_url(&cluster.nats_url)))
            .field("translation", &self.translation.as_ref().map(|translation| redact_url(&translation.base_url)))
            .field("assistant_model", &self.assistant_model.as_ref().map(|model| redact_url(&model.base_url)))
            .finish()
    }
}

/// Hides a password in a database URL for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:****{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The fingerprint key: configured (hex), or kept in a file beside the data so card
/// fingerprints stay stable across restarts.
pub fn fingerprint_key(configured: Option<&str>, key_file: &Path) -> anyhow::Result<Vec<u8>> {
    if let Some(hex_key) = configured {
        let key = hex::decode(hex_key.trim()).context("TRADEWIND_FINGERPRINT_KEY must be hex")?;
        anyhow::ensure!(key.len() >= 16, "TRADEWIND_FINGERPRINT_KEY must be at least 16 bytes");
        return Ok(key);
    }
    if let Ok(existing) = std::fs::read_to_string(key_file)
        && let Ok(key) = hex::decode(existing.trim())
        && key.len() >= 16
    {
        return Ok(key);
    }
    if let Some(parent) = key_file.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let key: Vec<u8> = (0..FINGERPRINT_KEY_BYTES).map(|_| rand_byte()).collect();
    std::fs::write(key_file, hex::encode(&key)).with_context(|| format!("writing {}", key_file.display()))?;
    Ok(key)
}

fn rand_byte() -> u8 {
    uuid::Uuid::new_v4().as_bytes()[0]
}

pub fn default_key_file() -> PathBuf {
    PathBuf::from("data/fingerprint.key")
}

/// Where a credentials key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsKeySource {
    /// `--credentials-key`, `TRADEWIND_CREDENTIALS_KEY` or the config file.
    Configured,
    /// The key file, written by an earlier start.
    File(PathBuf),
    /// The key file, just written with a new key.
    Generated(PathBuf),
}

/// Where an unconfigured credentials key is kept: `credentials.key` in the directory
/// of the SQLite database, or in `data/` for another database.
pub fn credentials_key_file(database_url: &str) -> PathBuf {
    let sqlite_path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|path| path.split('?').next().unwrap_or_default());
    let directory = match sqlite_path.map(Path::new).and_then(Path::parent) {
        Some(parent) => parent.to_path_buf(),
        None => PathBuf::from("data"),
    };
    directory.join(CREDENTIALS_KEY_FILE_NAME)
}

/// The key connector credentials are encrypted with: configured (64 hex characters, or
/// base64 of 32 bytes), or else kept in `key_file`, which the first start creates (mode
/// 0600) with a key from the operating system's random source. Losing that file makes
/// stored credentials unreadable: production configures the key.
pub fn credentials_key(
    configured: Option<&str>,
    key_file: &Path,
) -> anyhow::Result<(CredentialsKey, CredentialsKeySource)> {
    if let Some(text) = configured {
        let key = CredentialsKey::parse(text).context("TRADEWIND_CREDENTIALS_KEY")?;
        return Ok((key, CredentialsKeySource::Configured));
    }
    if let Ok(existing) = std::fs::read_to_string(key_file) {
        let key = CredentialsKey::parse(&existing).with_context(|| format!("the key in {}", key_file.display()))?;
        return Ok((key, CredentialsKeySource::File(key_file.to_path_buf())));
    }
    if let Some(parent) = key_file.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let text = CredentialsKey::generate_text().context("generating a credentials key")?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(key_file) {
        Ok(mut file) => {
            std::io::Write::write_all(&mut file, text.as_bytes())
                .with_context(|| format!("writing {}", key_file.display()))?;
            let key = CredentialsKey::parse(&text).context("the generated credentials key")?;
            Ok((key, CredentialsKeySource::Generated(key_file.to_path_buf())))
        }
        // Another process created it first: use its key.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            let existing =
                std::fs::read_to_string(key_file).with_context(|| format!("reading {}", key_file.display()))?;
            let key = CredentialsKey::parse(&existing).with_context(|| format!("the key in {}", key_file.display()))?;
            Ok((key, CredentialsKeySource::File(key_file.to_path_buf())))
        }
        Err(error) => Err(error).with_context(|| format!("creating {}", key_file.display())),
    }
}

/// The FX markup, checked against the settlement crate's bound so a typo in a pricing
/// setting stops start-up instead of quoting it.
pub fn fx_markup_basis_points(configured: Option<i64>) -> anyhow::Result<i64> {
    let markup = configured.unwrap_or(DEFAULT_FX_MARKUP_BASIS_POINTS);
    let max = tradewind_settlement::fx::MAX_MARKUP_BASIS_POINTS;
    anyhow::ensure!((0..=max).contains(&markup), "TRADEWIND_FX_MARKUP_BASIS_POINTS must be 0 to {max}, got {markup}");
    Ok(markup)
}

/// The realtime cluster settings: none without a NATS URL; otherwise the node id
/// (default: the host name and process id, see [`default_node_id`]) and the NATS prefix
/// (default `tradewind`).
pub fn realtime_cluster(
    nats_url: Option<String>,
    node_id: Option<String>,
    prefix: Option<String>,
) -> anyhow::Result<Option<RealtimeCluster>> {
    // Without a NATS URL, a node id or prefix has nothing to name.
    let Some(nats_url) = nats_url.filter(|url| !url.trim().is_empty()) else { return Ok(None) };
    let node_id = node_id.unwrap_or_else(default_node_id);
    let max = tradewind_api::realtime::NODE_ID_LENGTH_MAX;
    let valid = node_id.len() <= max
        && node_id.bytes().next().is_some_and(|first| first.is_ascii_alphabetic())
        && node_id.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
    anyhow::ensure!(
        valid,
        "TRADEWIND_NODE_ID `{node_id}` must be 1 to {max} of A-Z a-z 0-9 _ -, starting with a letter"
    );
    let prefix = prefix.unwrap_or_else(|| tradewind_api::realtime::DEFAULT_NATS_PREFIX.to_owned());
    Ok(Some(RealtimeCluster { nats_url, node_id, prefix }))
}

/// `<host>-<pid>`: the host name with every character outside `A-Z a-z 0-9 -` made `-`,
/// shortened so the whole id fits, and `n` in front when it does not start with a letter.
pub fn default_node_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    node_id_from(host.trim(), std::process::id())
}

fn node_id_from(host: &str, pid: u32) -> String {
    let pid = pid.to_string();
    let room = tradewind_api::realtime::NODE_ID_LENGTH_MAX - pid.len() - 2;
    let mut clean: String =
        host.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).take(room).collect();
    if !clean.starts_with(|c: char| c.is_ascii_alphabetic()) {
        clean.insert(0, 'n');
    }
    format!("{clean}-{pid}")
}

#[cfg(test)]
mod realtime_cluster_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn node_ids_default_to_a_clean_host_and_pid() {
        assert_eq!(node_id_from("web-1.example.com", 42), "web-1-example-com-42");
        assert_eq!(node_id_from("", 7), "n-7");
        assert_eq!(node_id_from("1box", 7), "n1box-7");
        let long = node_id_from(&"h".repeat(100), 4_000_000);
        assert!(long.len() <= tradewind_api::realtime::NODE_ID_LENGTH_MAX, "{long}");
    }

    #[test]
    fn the_cluster_needs_a_url_and_a_valid_node_id() {
        assert!(realtime_cluster(None, None, None).unwrap().is_none());
        assert!(realtime_cluster(None, Some("a".into()), None).unwrap().is_none());
        let cluster =
            realtime_cluster(Some("nats://127.0.0.1:4222".into()), Some("node-a".into()), None).unwrap().unwrap();
        assert_eq!((cluster.node_id.as_str(), cluster.prefix.as_str()), ("node-a", "tradewind"));
        assert!(realtime_cluster(Some("nats://x".into()), Some("bad.id".into()), None).is_err());
        assert!(realtime_cluster(Some("nats://x".into()), None, None).unwrap().is_some());
    }
}
