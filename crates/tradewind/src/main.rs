//! `tradewind`: serve the API, run the demo, migrate, create merchants, import FX rates,
//! reconcile settlement reports.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use tradewind::config::{self, Config, FileConfig};
use tradewind::startup::{self, Application};

/// mimalloc: the request path allocates many small, short-lived objects, where glibc
/// malloc showed up in profiles.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "tradewind", version, about = "Payments, money and real-time commerce for cross-border sellers")]
struct Cli {
    /// A TOML file with addr, database_url, public_url, fingerprint_key, log_format,
    /// fx_markup_basis_points, credentials_key, nats_url, node_id, nats_prefix.
    #[arg(long, global = true, env = "TRADEWIND_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, global = true, env = "TRADEWIND_ADDR")]
    addr: Option<String>,
    /// sqlite://path or postgres://… (default sqlite://data/tradewind.db).
    #[arg(long, global = true, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// The URL buyers reach this server at (default http://ADDR).
    #[arg(long, global = true, env = "TRADEWIND_PUBLIC_URL")]
    public_url: Option<String>,
    /// `text` (default) or `json` logs.
    #[arg(long, global = true, env = "TRADEWIND_LOG_FORMAT")]
    log_format: Option<String>,
    /// The markup on mid rates in FX quotes, in basis points (default 40 = 0.40%).
    #[arg(long, global = true, env = "TRADEWIND_FX_MARKUP_BASIS_POINTS")]
    fx_markup_basis_points: Option<i64>,
    /// The key connector credentials are encrypted with: 32 bytes as 64 hex characters
    /// or base64. Without it a key is generated once and kept in `credentials.key`
    /// beside the SQLite database (or in data/).
    #[arg(long, global = true, env = "TRADEWIND_CREDENTIALS_KEY", hide_env_values = true)]
    credentials_key: Option<String>,
    /// Many nodes: the NATS server (with JetStream) the realtime layer shares with the
    /// other nodes, e.g. nats://127.0.0.1:4222. Without it the realtime layer is in-process.
    #[arg(long, global = true, env = "TRADEWIND_NATS_URL")]
    nats_url: Option<String>,
    /// This node's id in the realtime cluster (A-Z a-z 0-9 _ -, at most 32; default
    /// HOST-PID).
    #[arg(long, global = true, env = "TRADEWIND_NODE_ID")]
    node_id: Option<String>,
    /// The start of every NATS subject, stream and bucket name (default tradewind); the
    /// nodes of one cluster share it.
    #[arg(long, global = true, env = "TRADEWIND_NATS_PREFIX")]
    nats_prefix: Option<String>,
    /// Translate support messages with this API: a LibreTranslate server, or an
    /// OpenAI-compatible API's base URL (with --translation-kind openai).
    #[arg(long, global = true, env = "TRADEWIND_TRANSLATION_URL")]
    translation_url: Option<String>,
    /// libretranslate (default) or openai.
    #[arg(long, global = true, env = "TRADEWIND_TRANSLATION_KIND")]
    translation_kind: Option<String>,
    /// The translation API's key.
    #[arg(long, global = true, env = "TRADEWIND_TRANSLATION_KEY", hide_env_values = true)]
    translation_key: Option<String>,
    /// The model an OpenAI-compatible translation API uses (default gpt-4o-mini).
    #[arg(long, global = true, env = "TRADEWIND_TRANSLATION_MODEL")]
    translation_model: Option<String>,
    /// Let an OpenAI-compatible chat model (with tool calling) answer for the support
    /// assistant, under the same tools and guardrails; its base URL, e.g. https://api.openai.com/v1.
    #[arg(long, global = true, env = "TRADEWIND_ASSISTANT_MODEL_URL")]
    assistant_model_url: Option<String>,
    #[arg(long, global = true, env = "TRADEWIND_ASSISTANT_MODEL_KEY", hide_env_values = true)]
    assistant_model_key: Option<String>,
    /// The chat model's name (default gpt-4o-mini).
    #[arg(long, global = true, env = "TRADEWIND_ASSISTANT_MODEL")]
    assistant_model: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, checkout and sandbox pages.
    Serve,
    /// Serve a fresh demo (embedded SQLite) with a merchant and sample payments.
    Demo,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage merchants.
    Merchant {
        #[command(subcommand)]
        command: MerchantCommand,
    },
    /// Manage exchange rates.
    Fx {
        #[command(subcommand)]
        command: FxCommand,
    },
    /// Check the books.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Reconcile providers' settlement reports.
    Reconcile {
        #[command(subcommand)]
        command: ReconcileCommand,
    },
}

#[derive(Subcommand)]
enum ReconcileCommand {
    /// Import a settlement report (CSV: provider_reference,type,gross,fee,net,currency,
    /// settlement_date) for a merchant and match it against its balance transactions;
    /// prints the report with its counts as JSON. Importing the same file again
    /// prints the same report and changes nothing.
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The merchant whose report it is (acct_…).
        #[arg(long)]
        merchant: String,
        /// The connector that sent it (default sandbox_card).
        #[arg(long)]
        connector: Option<String>,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Recompute every balance from the transfers and check every invariant; exits
    /// non-zero, listing each break, when anything is off.
    Verify,
}

#[derive(Subcommand)]
enum MerchantCommand {
    /// Create a merchant; prints {"id", "secret_key", "publishable_key"} as JSON.
    Create {
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum FxCommand {
    /// Import the ECB's reference rates (eurofxref-daily.xml, -hist-90d.xml or
    /// -hist.xml) as platform-wide rates, from a file or an http(s) URL; prints
    /// {"days", "rates", "inserted", "latest_day", "skipped"} as JSON.
    Import {
        /// A file path, or an http:// or https:// URL.
        #[arg(value_name = "FILE_OR_URL")]
        source: String,
    },
}

fn init_logging(format: Option<&str>) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format == Some("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn resolve(cli: &Cli, default_database_url: &str) -> anyhow::Result<Config> {
    let file = match &cli.config {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::default(),
    };
    let addr_text = cli.addr.clone().or(file.addr).unwrap_or_else(|| config::DEFAULT_ADDR.to_owned());
    let addr: SocketAddr =
        addr_text.parse().with_context(|| format!("TRADEWIND_ADDR `{addr_text}` is not host:port"))?;
    let database_url =
        cli.database_url.clone().or(file.database_url).unwrap_or_else(|| default_database_url.to_owned());
    let configured_key = std::env::var("TRADEWIND_FINGERPRINT_KEY").ok().or(file.fingerprint_key);
    let fingerprint_key = config::fingerprint_key(configured_key.as_deref(), &config::default_key_file())?;
    let fx_markup_basis_points =
        config::fx_markup_basis_points(cli.fx_markup_basis_points.or(file.fx_markup_basis_points))?;
    let configured_credentials_key = cli.credentials_key.clone().or(file.credentials_key);
    let (credentials_key, source) =
        config::credentials_key(configured_credentials_key.as_deref(), &config::credentials_key_file(&database_url))?;
    match &source {
        config::CredentialsKeySource::Configured => {}
        config::CredentialsKeySource::File(path) => {
            tracing::info!(file = %path.display(), "connector credentials use the generated key kept in this file");
        }
        config::CredentialsKeySource::Generated(path) => tracing::warn!(
            file = %path.display(),
            "no TRADEWIND_CREDENTIALS_KEY: generated a key for connector credentials and kept it in this file"
        ),
    }
    let realtime_cluster = config::realtime_cluster(
        cli.nats_url.clone().or(file.nats_url),
        cli.node_id.clone().or(file.node_id),
        cli.nats_prefix.clone().or(file.nats_prefix),
    )?;
    let translation = config::translation(
        cli.translation_url.clone().or(file.translation_url),
        cli.translation_kind.clone().or(file.translation_kind),
        cli.translation_key.clone().or(file.translation_key),
        cli.translation_model.clone().or(file.translation_model),
    )?;
    let assistant_model = config::assistant_model(
        cli.assistant_model_url.clone().or(file.assistant_model_url),
        cli.assistant_model_key.clone().or(file.assistant_model_key),
        cli.assistant_model.clone().or(file.assistant_model),
    )?;
    Ok(Config {
        translation,
        assistant_model,
        realtime_cluster,
        addr,
        database_url,
        public_url: cli.public_url.clone().or(file.public_url),
        fingerprint_key,
        fx_markup_basis_points,
        credentials_key,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_format.as_deref());
    match &cli.command {
        Command::Serve => {
            let config = resolve(&cli, config::DEFAULT_DATABASE_URL)?;
            tracing::info!(?config, "starting");
            let application = Application::build_with_system_clock(&config).await?;
            tracing::info!(url = %application.base_url, "listening");
            application.run(startup::shutdown_signal()).await
        }
        Command::Demo => {
            let database_url = "sqlite://data/demo.db";
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("data/demo.db{suffix}"));
            }
            let mut config = resolve(&cli, database_url)?;
            config.database_url = database_url.to_owned();
            let application = Application::build_with_system_clock(&config).await?;
            let demo = tradewind::demo::seed(&application.state).await?;
            let base = &application.base_url;
            println!("\nTradewind demo is running at {base}\n");
            println!("  merchant         {}", demo.merchant_id);
            println!("  secret key       {}", demo.secret_key);
            println!("  publishable key  {}\n", demo.publishable_key);
            println!("Hosted checkout, one per market (cards: 4242 4242 4242 4242; 3-D Secure: 4000 0027 6000 3184):");
            for (label, url) in &demo.checkout_urls {
                println!("  {label:<50} {url}");
            }
            println!("  Payment link (reusable)                            {}", demo.payment_link_url);
            println!(
                "\nAPI reference   {base}/docs\nOpenAPI         {base}/openapi.json\nMetrics         {base}/metrics\n"
            );
            println!("Support desk:");
            println!("  shop with the chat widget  {base}/demo/shop/{}?lang=es", demo.merchant_id);
            println!("  agent console              {base}/console");
            for (email, _, role, _) in tradewind::demo_support::DEMO_AGENTS {
                println!("    sign in as {email} ({role}), password {}", tradewind::demo_support::DEMO_AGENT_PASSWORD);
            }
            println!(
                "  sample orders 1001 (shipped), 1002 (being prepared), 1003 (delivered, part refunded) for {}\n",
                tradewind::demo_support::DEMO_BUYER_EMAIL
            );
            println!("Money (the demo's sandbox clock is a week ahead, so the first payments have settled):");
            for path in ["/v1/balance", "/v1/balance_transactions", "/v1/balance/forecast?days=30", "/v1/disputes"] {
                println!("  curl -s '{base}{path}' -H 'Authorization: Bearer {}'", demo.secret_key);
            }
            println!();
            println!("Try it:\n  curl -s {base}/v1/payment_intents -H 'Authorization: Bearer {}' \\", demo.secret_key);
            println!("    -H 'Content-Type: application/json' \\");
            println!(
                "    -d '{{\"amount\": 2000, \"currency\": \"usd\", \"confirm\": true, \"payment_method_data\": {{\"type\": \"card\", \"card\": {{\"number\": \"4242424242424242\", \"exp_month\": 12, \"exp_year\": 2034, \"cvc\": \"123\"}}}}}}'\n"
            );
            application.run(startup::shutdown_signal()).await
        }
        Command::Migrate => {
            let config = resolve(&cli, config::DEFAULT_DATABASE_URL)?;
            startup::connect(&config.database_url).await?;
            println!("migrations applied to {}", config::redact_url(&config.database_url));
            Ok(())
        }
        Command::Merchant { command: MerchantCommand::Create { name } } => {
            let config = resolve(&cli, config::DEFAULT_DATABASE_URL)?;
            let store = startup::connect(&config.database_url).await?;
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let merchant = tradewind_api::keys::create_merchant(&store, name, now)
                .await
                .map_err(|error| anyhow::anyhow!("creating the merchant: {}", error.message))?;
            println!("{}", serde_json::to_string(&merchant)?);
            store.close().await;
            Ok(())
        }
        Command::Ledger { command: LedgerCommand::Verify } => {
            let config = resolve(&cli, config::DEFAULT_DATABASE_URL)?;
            let store = startup::connect(&config.database_url).await?;
            let verification = tradewind::ledger_check::verify_ledger(&store).await;
            store.close().await;
            let verification = verification?;
            for violation in &verification.violations {
                println!("violation: {violation}");
            }
            println!(
                "ledger verify: {} accounts, {} transfers, {} violation(s)",
                verification.accounts,
                verification.transfers,
                verification.violations.len()
            );
            anyhow::ensure!(verification.violations.is_empty(), "the ledger does not balance");
            Ok(())
        }
        Command::Reconcile { command: ReconcileCommand::Import { file, merchant, connector } } => {
            let config = resolve(&cli, config::DEFAULT_DATABASE_URL)?;
            let store = startup::connect(&config.database_url).await?;
            let report = tradewind::reconcile_import::import(&store, file, merchant, connector.as_deref()).await;
            store.close().await;
            println!("{}", serde_json::to_string(&report?)?);
            Ok(())
        }
        Command::Fx { command: FxCommand::Import { source } } => {
            let config = resolve(&cli, config::DEFAULT_DATABASE_URL)?;
            let store = startup::connect(&config.database_url).await?;
            let imported = tradewind::fx_import::import(&store, source).await;
            store.close().await;
            let imported = imported?;
            let report = serde_json::json!({
                "days": imported.days,
                "rates": imported.rates,
                "inserted": imported.inserted,
                "latest_day": imported.latest_day,
                "skipped": imported.skipped,
            });
            println!("{report}");
            Ok(())
        }
    }
}
