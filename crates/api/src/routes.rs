//! HTTP routes, one file per resource. Handlers parse and authorise, call `flows`,
//! and write what the flow decided in one transaction.

pub mod account_settings;
pub mod balance;
pub mod checkout;
pub mod connector_accounts;
pub mod connector_return;
pub mod connector_webhooks;
pub mod conversation_context;
pub mod conversations;
pub mod disputes;
pub mod docs;
pub mod events;
pub mod files;
pub mod fx;
pub mod merchants;
pub mod operations;
pub mod orders;
pub mod payment_intents;
pub mod payment_methods;
pub mod payouts;
pub mod radar;
pub mod realtime;
pub mod reconciliation;
pub mod refunds;
pub mod routing;
pub mod sandbox;
pub mod sandbox_pages;
pub mod sdk;
pub mod support_content;
pub mod support_desk;
pub mod support_pages;
pub mod webhook_endpoints;
pub mod widget;
