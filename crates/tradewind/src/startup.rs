//! Start-up: connect and migrate the store (seeding the platform's FX rates on a
//! fresh database), bind the listener, serve until shutdown.

use crate::config::{Config, redact_url};
use anyhow::Context;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tradewind_api::state::AppState;
use tradewind_api::{ApiConfig, Clock, SystemClock};
use tradewind_storage::Store;

pub async fn connect(database_url: &str) -> anyhow::Result<Store> {
    let store =
        Store::connect(database_url).await.with_context(|| format!("connecting to {}", redact_url(database_url)))?;
    store.migrate().await.context("running migrations")?;
    crate::fx_import::seed(&store).await?;
    Ok(store)
}

/// A bound server, ready to run.
pub struct Application {
    pub listener: TcpListener,
    pub state: AppState,
    pub base_url: String,
}

impl Application {
    pub async fn build(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Application> {
        let store = connect(&config.database_url).await?;
        let listener = TcpListener::bind(config.addr).await.with_context(|| format!("binding {}", config.addr))?;
        let local = listener.local_addr()?;
        let base_url = config.public_url.clone().unwrap_or_else(|| format!("http://{local}"));
        let api_config = ApiConfig {
            public_base_url: base_url.clone(),
            fingerprint_key: config.fingerprint_key.clone().into(),
            fx_markup_basis_points: config.fx_markup_basis_points,
            credentials_key: config.credentials_key.clone(),
            ledger_postings: true,
        };
        let mut state = AppState::new(store, api_config, Arc::clone(&clock));
        if let Some(cluster) = &config.realtime_cluster {
            let realtime =
                tradewind_api::realtime::Realtime::connect_cluster(&state.store, &state.config, clock, cluster)
                    .await
                    .with_context(|| {
                    format!(
                        "joining the realtime cluster at {} as node {}",
                        redact_url(&cluster.nats_url),
                        cluster.node_id
                    )
                })?;
            tracing::info!(node = %cluster.node_id, prefix = %cluster.prefix, "realtime: joined the cluster over NATS");
            state.realtime = Arc::new(realtime);
        }
        if config.translation.is_some() || config.assistant_model.is_some() {
            let translator = config
                .translation
                .clone()
                .map(tradewind_language::Translator::new)
                .transpose()
                .map_err(|error| anyhow::anyhow!("translation: {error}"))?;
            let support = tradewind_api::support::SupportRuntime::new(translator, config.assistant_model.clone())
                .map_err(|error| anyhow::anyhow!("assistant model: {error}"))?;
            state.support = Arc::new(support);
        }
        Ok(Application { listener, state, base_url })
    }

    pub async fn build_with_system_clock(config: &Config) -> anyhow::Result<Application> {
        Application::build(config, Arc::new(SystemClock)).await
    }

    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let store = self.state.store.clone();
        tradewind_api::serve(self.listener, self.state, shutdown).await.context("serving")?;
        store.close().await;
        Ok(())
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: draining connections");
}
