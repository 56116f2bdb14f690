//! Server-rendered pages: the hosted checkout, its default success page, the sandbox
//! provider pages (3-D Secure challenge, bank and wallet redirects, the Boleto voucher)
//! and a small generic message page, plus the static assets they load.
//!
//! Pages are minijinja templates compiled once into one environment with HTML
//! autoescaping; every value a template prints is escaped. The checkout page embeds
//! its data as JSON for `assets/checkout.js`, which talks to the public API with the
//! publishable key. Nothing is fetched from outside the server: no CDN, no web fonts.
//!
//! - [`locale`]: the six checkout languages and `Accept-Language` negotiation.
//! - [`translations`]: every visible checkout string in every language (a JSON asset).
//! - [`amount`]: exact, locale-aware amount display from integer minor units.
//! - [`templates`]: the template environment and the shared render call.
//! - [`checkout`]: the checkout and success pages.
//! - [`sandbox`]: the sandbox 3-D Secure, redirect and message pages.
//! - [`voucher`]: the printable Boleto voucher.
//! - [`support`]: the support desk's agent console and the demo shop with the chat widget.
//! - [`barcode`]: Interleaved 2 of 5 barcodes drawn as SVG.
//! - [`assets`]: the embedded CSS, JavaScript and images served at `/assets/`.

mod amount;
mod assets;
mod barcode;
mod checkout;
mod locale;
mod sandbox;
mod support;
mod templates;
mod translations;
mod voucher;

pub use assets::{asset, asset_version};
pub use checkout::{CheckoutPage, MethodOption, render_checkout, render_success};
pub use locale::Locale;
pub use sandbox::{SandboxPage, render_message, render_redirect, render_three_ds};
pub use support::{ShopPage, render_console, render_shop};
pub use voucher::{VoucherPage, render_boleto_voucher};

/// Why a page could not be rendered. Each is a server fault (a template or table bug,
/// or data the handler should have validated), so handlers answer 500.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("the page templates failed to load: {0}")]
    TemplatesUnavailable(String),
    #[error("the translation table failed to load: {0}")]
    TranslationsUnavailable(String),
    #[error("template `{name}` failed to render")]
    Render {
        name: &'static str,
        #[source]
        source: minijinja::Error,
    },
    #[error("the checkout data could not be encoded as JSON")]
    Json(#[from] serde_json::Error),
    #[error("a Boleto barcode must be exactly 44 digits (got {length} characters)")]
    InvalidBarcode { length: usize },
    #[error("a page names a currency the money table lacks")]
    UnknownCurrency(#[from] tradewind_money::CurrencyError),
}
