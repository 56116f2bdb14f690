//! Configuration. Precedence: command-line flag, then environment variable, then the
//! TOML config file (`--config`/`TRADEWIND_CONFIG`), then the default.

use anyhow::Context;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/tradewind.db";
pub const DEFAULT_FX_MARKUP_BASIS_POINTS: i64 = tradewind_api::flows::fx::DEFAULT_MARKUP_BASIS_POINTS;
const FINGERPRINT_KEY_BYTES: usize = 32;

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
}

impl std::fmt::Debug for Config {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Config")
            .field("addr", &self.addr)
            .field("database_url", &redact_url(&self.database_url))
            .field("public_url", &self.public_url)
            .field("fingerprint_key", &"[redacted]")
            .field("fx_markup_basis_points", &self.fx_markup_basis_points)
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

/// The FX markup, checked against the settlement crate's bound so a typo in a pricing
/// setting stops start-up instead of quoting it.
pub fn fx_markup_basis_points(configured: Option<i64>) -> anyhow::Result<i64> {
    let markup = configured.unwrap_or(DEFAULT_FX_MARKUP_BASIS_POINTS);
    let max = tradewind_settlement::fx::MAX_MARKUP_BASIS_POINTS;
    anyhow::ensure!((0..=max).contains(&markup), "TRADEWIND_FX_MARKUP_BASIS_POINTS must be 0 to {max}, got {markup}");
    Ok(markup)
}
