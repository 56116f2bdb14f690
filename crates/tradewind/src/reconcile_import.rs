//! `tradewind reconcile import FILE --merchant acct_… [--connector …]`: a provider's
//! settlement report read from a file (streamed, with a progress bar on a terminal),
//! matched and stored exactly as `POST /v1/reconciliation/reports` does it.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use tradewind_api::flows::reconciliation::{self, DEFAULT_CONNECTOR};
use tradewind_api::wire::reconciliation::ReconciliationReportObject;
use tradewind_payments::id::MerchantId;
use tradewind_settlement::reconciliation::{MAX_REPORT_BYTES, ReportLine};
use tradewind_storage::{Store, merchants};

/// Lines read between two updates of the progress bar's message.
const PROGRESS_EVERY_LINES: u64 = 1_000;

/// Imports the report at `path` for `merchant`; answers the report as the API does.
pub async fn import(
    store: &Store,
    path: &Path,
    merchant: &str,
    connector: Option<&str>,
) -> anyhow::Result<ReconciliationReportObject> {
    let merchant = MerchantId::parse(merchant).context("--merchant")?;
    let connector = reconciliation::connector("connector", connector.unwrap_or(DEFAULT_CONNECTOR))
        .map_err(|error| anyhow::anyhow!("--connector: {}", error.message))?;
    merchants::get(store.pool(), merchant.as_str())
        .await?
        .with_context(|| format!("no merchant {merchant} in this database"))?;
    let owned = path.to_owned();
    let lines = tokio::task::spawn_blocking(move || read(&owned)).await??;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let imported = reconciliation::import(store, &merchant, &connector, &lines, now)
        .await
        .map_err(|error| anyhow::anyhow!("importing {}: {}", path.display(), error.message))?;
    Ok(ReconciliationReportObject::from_row(&imported.report))
}

/// Reads the whole file through the streaming reader, showing bytes read against the
/// file's size (indicatif draws nothing when stderr is not a terminal).
fn read(path: &Path) -> anyhow::Result<Vec<ReportLine>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let size = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
    let progress = ProgressBar::new(size);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} [{bar:40}] {msg} ({eta})") {
        progress.set_style(style.progress_chars("=> "));
    }
    let reader = std::io::BufReader::new(progress.wrap_read(file));
    let mut count: u64 = 0;
    let lines = reconciliation::read_report(reader, MAX_REPORT_BYTES, |_| {
        count += 1;
        if count.is_multiple_of(PROGRESS_EVERY_LINES) {
            progress.set_message(format!("{count} lines"));
        }
    });
    progress.finish_and_clear();
    lines.map_err(|error| anyhow::anyhow!("{}: {}", path.display(), error.message))
}
