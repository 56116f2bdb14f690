//! Payment flows: what confirmation, capture, cancellation, sandbox provider actions
//! the due-work sweep and webhook dispatch and delivery do to intents and attempts. Handlers in `routes` parse and
//! authorise; these functions decide, and the caller writes everything they return
//! in one transaction.

pub mod confirm;
pub mod connector_accounts;
pub mod connector_webhooks;
pub mod dispute;
pub mod dispute_money;
pub mod early_fraud_warning;
pub mod events;
pub mod failover;
pub mod files;
pub mod fx;
pub mod money;
pub mod order;
pub mod outcome;
pub mod payout;
pub mod payout_forecast;
pub mod payout_settings;
pub mod pricing;
pub mod provider_refund;
pub mod provider_status;
pub mod provider_webhooks;
pub mod reconciliation;
pub mod refund;
pub mod reserve;
pub mod routing;
pub mod sandbox;
pub mod sweep;
pub mod validate;
pub mod webhook_delivery;
pub mod webhook_dispatch;
