//! The hosted checkout in a real browser: headless Chromium drives the checkout page,
//! the sandbox provider pages and the default success page against a real server on
//! port 0, one payment method per test. Each test creates its own checkout session
//! (without `success_url`, so the flow ends on the page with `#success`).
//!
//! Without Chromium the tests print why and pass, except on CI (`CI=true`), where a
//! missing browser is a failure. Screenshots for people land in `target/screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod browser {
    pub mod harness;
    pub mod session;

    mod bank_redirect;
    mod boleto;
    mod card;
    mod realtime_sdk;
    mod relay;
    mod right_to_left;
    mod support_desk;
    mod wallet_qr;
}
