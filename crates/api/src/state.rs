//! Shared state of the HTTP layer: the store, configuration, the clock and metrics.

use crate::key_cache::KeyCache;
use crate::metrics::Metrics;
use std::sync::Arc;
use tradewind_storage::Store;

/// The source of "now", injectable so tests and the sandbox control time.
pub trait Clock: Send + Sync + 'static {
    /// Unix seconds.
    fn now(&self) -> i64;

    /// Unix milliseconds (the realtime layer's history ages and rate limits); clocks that
    /// only keep seconds answer the start of the current second.
    fn now_ms(&self) -> u64 {
        u64::try_from(self.now()).unwrap_or(0).saturating_mul(1000)
    }
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
    }
}

/// Settings the HTTP layer needs.
#[derive(Clone)]
pub struct ApiConfig {
    /// The URL buyers reach this server at (for checkout and sandbox page links).
    pub public_base_url: String,
    /// Key of the card fingerprints (HMAC-SHA256). Never logged.
    pub fingerprint_key: Arc<[u8]>,
    /// The platform's markup on mid rates in FX quotes and conversions, in basis
    /// points (40 = 0.40%), at most `tradewind_settlement::fx::MAX_MARKUP_BASIS_POINTS`.
    pub fx_markup_basis_points: i64,
    /// Encrypts connector accounts' credentials at rest (`credentials`). Never logged.
    pub credentials_key: crate::credentials::CredentialsKey,
    /// Whether payment changes post to the ledger and write balance transactions.
    /// Always on in the product; the benchmark turns it off to measure what the
    /// ledger costs (`tradewind-bench --compare-postings`).
    pub ledger_postings: bool,
}

impl std::fmt::Debug for ApiConfig {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ApiConfig")
            .field("public_base_url", &self.public_base_url)
            .field("fingerprint_key", &"[redacted]")
            .field("fx_markup_basis_points", &self.fx_markup_basis_points)
            .field("credentials_key", &"[redacted]")
            .field("ledger_postings", &self.ledger_postings)
            .finish()
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: ApiConfig,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    pub key_cache: Arc<KeyCache>,
    /// Merchants' pricing and settlement terms (`flows::pricing`).
    pub terms_cache: Arc<crate::flows::pricing::TermsCache>,
    /// Merchants' routing rules and connector accounts, and connector health
    /// (`flows::routing`).
    pub routing: Arc<crate::flows::routing::RoutingState>,
    /// The webhook delivery client and its bounds (`flows::webhook_delivery`).
    pub webhooks: Arc<crate::flows::webhook_delivery::WebhookRuntime>,
    /// The realtime layer: hub, namespaces, token key and stored history (`realtime`).
    pub realtime: Arc<crate::realtime::Realtime>,
    /// The support desk's process state (routing locks).
    pub support: Arc<crate::support::SupportRuntime>,
    /// Whether `serve` runs the webhook worker in the background (on by default).
    /// Tests turn it off and drive delivery step by step through the sandbox clock.
    pub background_webhooks: bool,
    /// Whether `serve` folds the ledger's deltas into their accounts in the background
    /// (PostgreSQL; on by default). Tests turn it off and fold when they choose.
    pub background_ledger_fold: bool,
}

impl AppState {
    pub fn new(store: Store, config: ApiConfig, clock: Arc<dyn Clock>) -> Self {
        let realtime = Arc::new(crate::realtime::Realtime::for_config(&store, &config));
        AppState {
            store,
            config,
            clock,
            metrics: Arc::new(Metrics::new()),
            key_cache: Arc::new(KeyCache::new()),
            terms_cache: Arc::default(),
            routing: Arc::default(),
            webhooks: Arc::default(),
            realtime,
            support: Arc::default(),
            background_webhooks: true,
            background_ledger_fold: true,
        }
    }

    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.public_base_url.trim_end_matches('/'), path)
    }
}
