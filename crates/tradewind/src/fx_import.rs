//! `tradewind fx import FILE_OR_URL`: the ECB's reference rates (the daily,
//! 90-day or historical `eurofxref` XML) imported as platform-wide rates, and the
//! snapshot embedded in the binary that start-up seeds a fresh database with.

use anyhow::Context;
use std::time::Duration;
use tradewind_api::flows::fx::{self, EcbImport};
use tradewind_settlement::ecb::MAX_DOCUMENT_BYTES;
use tradewind_storage::Store;

/// The ECB's reference rates of 2026-11-25 (`eurofxref-daily.xml`), so a fresh
/// database can quote at once without reaching the network.
pub const ECB_SNAPSHOT: &str = include_str!("../seed/eurofxref-daily.xml");
/// The whole download, connection included, must finish within this.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Seeds the embedded snapshot when no platform-wide rate is stored yet.
pub async fn seed(store: &Store) -> anyhow::Result<()> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Some(import) = fx::seed_platform_rates(store, ECB_SNAPSHOT, now).await.context("seeding ECB rates")? {
        tracing::info!(day = %import.latest_day, rates = import.rates, "seeded platform FX rates from the embedded ECB snapshot");
    }
    Ok(())
}

/// Reads `source` (a file, or an `http://`/`https://` URL) and imports it.
pub async fn import(store: &Store, source: &str) -> anyhow::Result<EcbImport> {
    let document = read_document(source).await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    fx::import_ecb(store, &document, now).await.with_context(|| format!("importing {source}"))
}

async fn read_document(source: &str) -> anyhow::Result<String> {
    if source.starts_with("http://") || source.starts_with("https://") {
        return fetch(source).await;
    }
    let length = std::fs::metadata(source).with_context(|| format!("reading {source}"))?.len();
    anyhow::ensure!(
        length <= MAX_DOCUMENT_BYTES as u64,
        "{source} is {length} bytes, more than an ECB file's {MAX_DOCUMENT_BYTES}"
    );
    std::fs::read_to_string(source).with_context(|| format!("reading {source}"))
}

/// Downloads at most `MAX_DOCUMENT_BYTES` within `FETCH_TIMEOUT`.
async fn fetch(url: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(FETCH_TIMEOUT)
        .build()
        .context("building the HTTP client")?;
    let mut response = client.get(url).send().await.with_context(|| format!("fetching {url}"))?;
    let status = response.status();
    anyhow::ensure!(status.is_success(), "fetching {url}: HTTP {status}");
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.with_context(|| format!("fetching {url}"))? {
        anyhow::ensure!(
            body.len() + chunk.len() <= MAX_DOCUMENT_BYTES,
            "{url} is larger than an ECB file's {MAX_DOCUMENT_BYTES} bytes"
        );
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).with_context(|| format!("{url} is not UTF-8 text"))
}
