//! A small headless-Chromium harness: launch Debian's Chromium with a fresh profile,
//! open tabs, and wait for conditions (an element shows up, the URL changes) with a
//! bounded timeout instead of sleeping. Waiting happens inside the page, which
//! re-checks its condition on its own timer and answers as soon as it holds.

use anyhow::{Context, anyhow, bail, ensure};
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::page::{Page, ScreenshotParams};
use futures::StreamExt;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::task::JoinHandle;

/// Debian's Chromium; `apt-get install -y chromium` puts it here.
pub const CHROMIUM_PATH: &str = "/usr/bin/chromium";
/// How long any single condition may take before the test fails.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(20);
/// The longest one in-page wait runs before the harness asks again; short enough that
/// a navigation that destroys the page's context is noticed quickly.
const WAIT_SLICE: Duration = Duration::from_secs(3);
/// How often the page re-checks a condition while waiting, in milliseconds.
const RECHECK_INTERVAL_MS: u64 = 50;
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(40);
const VIEWPORT_WIDTH: u32 = 1280;
const VIEWPORT_HEIGHT: u32 = 900;
/// Chromium instances alive at once across the test binary; two cores do not run
/// six browsers and six servers well.
const BROWSERS_MAX: usize = 2;

static BROWSER_SLOTS: Semaphore = Semaphore::const_new(BROWSERS_MAX);
static PROFILE_COUNTER: AtomicU64 = AtomicU64::new(0);
static SWEEP_STALE_PROFILES: Once = Once::new();
/// Profiles are `<temp>/tradewind-chromium-<pid>-<n>`.
const PROFILE_PREFIX: &str = "tradewind-chromium-";

/// A fresh `--user-data-dir`, removed when the browser is gone.
struct Profile(PathBuf);

impl Profile {
    fn create() -> anyhow::Result<Profile> {
        SWEEP_STALE_PROFILES.call_once(sweep_stale_profiles);
        let unique = PROFILE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("{PROFILE_PREFIX}{}-{unique}", std::process::id()));
        if path.exists() {
            std::fs::remove_dir_all(&path).with_context(|| format!("clearing {}", path.display()))?;
        }
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Profile(path))
    }
}

/// Removes profiles left by earlier test runs whose process is gone. Chromium's
/// helper processes can outlive the browser by a moment and write a few bytes
/// (the disk cache index) after a profile was removed; this keeps /tmp bounded.
fn sweep_stale_profiles() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let owner = name
            .to_str()
            .and_then(|name| name.strip_prefix(PROFILE_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = owner
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        // Best effort: a leftover profile in /tmp is harmless.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One running Chromium. Dropping it kills the process and removes its profile.
pub struct Chromium {
    browser: Browser,
    handler: JoinHandle<()>,
    _slot: SemaphorePermit<'static>,
    _profile: Profile,
}

impl Drop for Chromium {
    fn drop(&mut self) {
        self.handler.abort();
    }
}

/// Launches Chromium, or returns `None` (after saying why) when it is not installed
/// and this is not CI. On CI a missing browser fails the test.
pub async fn launch() -> anyhow::Result<Option<Chromium>> {
    if !Path::new(CHROMIUM_PATH).exists() {
        if std::env::var("CI").is_ok_and(|value| value == "true") {
            bail!("{CHROMIUM_PATH} is missing and CI=true: install it with `apt-get install -y chromium`");
        }
        eprintln!("skipping browser test: {CHROMIUM_PATH} not found (apt-get install -y chromium)");
        return Ok(None);
    }
    let slot = BROWSER_SLOTS.acquire().await.context("browser slots closed")?;
    let profile = Profile::create()?;
    let config = BrowserConfig::builder()
        .chrome_executable(CHROMIUM_PATH)
        .new_headless_mode()
        .no_sandbox()
        .user_data_dir(&profile.0)
        .arg("disable-gpu")
        .arg("disable-quic")
        .arg("no-first-run")
        .arg("disable-background-networking")
        .arg("disable-component-update")
        .arg("disable-sync")
        .disable_https_first()
        .window_size(VIEWPORT_WIDTH, VIEWPORT_HEIGHT)
        .viewport(Viewport { width: VIEWPORT_WIDTH, height: VIEWPORT_HEIGHT, ..Viewport::default() })
        .launch_timeout(LAUNCH_TIMEOUT)
        .build()
        .map_err(|error| anyhow!("browser config: {error}"))?;
    let (browser, mut handler) = Browser::launch(config).await.context("launching chromium")?;
    // The handler drives the DevTools connection; it must be polled for anything to
    // happen. Individual protocol errors are not fatal to the session.
    let handler = tokio::spawn(async move { while handler.next().await.is_some() {} });
    Ok(Some(Chromium { browser, handler, _slot: slot, _profile: profile }))
}

impl Chromium {
    /// Closes the browser and waits for it to exit, so that its profile is removed
    /// whole. Dropping without closing (a failed test) kills it in the background.
    pub async fn close(mut self) -> anyhow::Result<()> {
        bounded("closing chromium", async {
            self.browser.close().await?;
            self.browser.wait().await?;
            Ok(())
        })
        .await
    }

    /// Opens a new tab at `url` and waits for its document to load.
    pub async fn open(&self, url: &str) -> anyhow::Result<Tab> {
        let page = bounded(&format!("opening {url}"), async { Ok(self.browser.new_page(url).await?) }).await?;
        let tab = Tab { page };
        tab.wait_until("document.readyState === 'complete'", "the page to load").await?;
        Ok(tab)
    }
}

/// Runs one DevTools operation that has no deadline of its own within [`WAIT_TIMEOUT`].
async fn bounded<T>(what: &str, operation: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::time::timeout(WAIT_TIMEOUT, operation)
        .await
        .map_err(|_| anyhow!("timed out after {WAIT_TIMEOUT:?} {what}"))?
}

/// One browser tab.
pub struct Tab {
    page: Page,
}

impl Tab {
    /// Evaluates a JavaScript expression (awaiting it if it is a promise) and returns
    /// its JSON value.
    pub async fn eval<T: DeserializeOwned>(&self, expression: &str) -> anyhow::Result<T> {
        let params = EvaluateParams::builder()
            .expression(expression)
            .await_promise(true)
            .return_by_value(true)
            .build()
            .map_err(|error| anyhow!("evaluate params: {error}"))?;
        let result = self.page.evaluate_expression(params).await.with_context(|| format!("evaluating {expression}"))?;
        result.into_value().with_context(|| format!("reading the value of {expression}"))
    }

    /// Waits until the JavaScript `condition` is truthy, failing after [`WAIT_TIMEOUT`]
    /// with `what` in the message. Evaluation errors (a navigation replacing the
    /// document mid-check) wait for that navigation and check again.
    pub async fn wait_until(&self, condition: &str, what: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + WAIT_TIMEOUT;
        let mut last_error = None;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                let url = self.url().await.unwrap_or_default();
                let detail =
                    last_error.map(|error: anyhow::Error| format!(" (last error: {error:#})")).unwrap_or_default();
                bail!("timed out after {WAIT_TIMEOUT:?} waiting for {what} on {url}{detail}");
            }
            let slice_ms = remaining.min(WAIT_SLICE).as_millis();
            let probe = format!(
                "new Promise((resolve) => {{
                    const deadline = Date.now() + {slice_ms};
                    const check = () => {{
                        let held = false;
                        try {{ held = Boolean({condition}); }} catch (error) {{ held = false; }}
                        if (held) {{ resolve(true); return; }}
                        if (Date.now() >= deadline) {{ resolve(false); return; }}
                        setTimeout(check, {RECHECK_INTERVAL_MS});
                    }};
                    check();
                }})"
            );
            match self.eval::<bool>(&probe).await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(error) => {
                    last_error = Some(error);
                    // The document went away under the probe: wait for the new one.
                    let _ = tokio::time::timeout(remaining.min(WAIT_SLICE), self.page.wait_for_navigation()).await;
                }
            }
        }
    }

    /// Waits until `selector` matches an element that is rendered (has a box).
    pub async fn wait_for_visible(&self, selector: &str) -> anyhow::Result<()> {
        let condition = format!(
            "(() => {{ const element = document.querySelector({selector:?}); \
             return element !== null && element.getClientRects().length > 0 && \
             getComputedStyle(element).visibility !== 'hidden'; }})()"
        );
        self.wait_until(&condition, &format!("{selector} to be visible")).await
    }

    /// Waits until the URL's path contains `fragment`.
    pub async fn wait_for_path(&self, fragment: &str) -> anyhow::Result<()> {
        let condition = format!("location.pathname.includes({fragment:?}) && document.readyState !== 'loading'");
        self.wait_until(&condition, &format!("a URL containing {fragment}")).await
    }

    /// Clicks the element's centre, as a person would, once it is visible.
    pub async fn click(&self, selector: &str) -> anyhow::Result<()> {
        self.wait_for_visible(selector).await?;
        self.bring_to_front().await?;
        bounded(&format!("clicking {selector}"), async {
            let element = self.page.find_element(selector).await?;
            element.click().await?;
            Ok(())
        })
        .await
    }

    /// Replaces a field's text by typing `text` key by key, so the page's input
    /// formatting runs exactly as it does for a buyer.
    pub async fn fill(&self, selector: &str, text: &str) -> anyhow::Result<()> {
        self.wait_for_visible(selector).await?;
        let cleared: bool = self
            .eval(&format!(
                "(() => {{ const element = document.querySelector({selector:?}); \
                 if (!element) return false; element.value = ''; return true; }})()"
            ))
            .await?;
        ensure!(cleared, "{selector} disappeared before typing");
        self.bring_to_front().await?;
        bounded(&format!("typing into {selector}"), async {
            let element = self.page.find_element(selector).await?;
            element.click().await?.type_str(text).await?;
            Ok(())
        })
        .await
    }

    /// Makes this the visible tab. Synthesized mouse and key events are acknowledged
    /// only once the tab draws a frame, and a background tab draws none.
    async fn bring_to_front(&self) -> anyhow::Result<()> {
        bounded("bringing the tab to the front", async {
            self.page.bring_to_front().await?;
            Ok(())
        })
        .await
    }

    /// The element's `textContent`, trimmed; fails when nothing matches.
    pub async fn text(&self, selector: &str) -> anyhow::Result<String> {
        let text: Option<String> =
            self.eval(&format!("document.querySelector({selector:?})?.textContent?.trim() ?? null")).await?;
        text.with_context(|| format!("no element matches {selector}"))
    }

    pub async fn url(&self) -> anyhow::Result<String> {
        self.eval("location.href").await
    }

    /// Saves a full-page PNG under `target/screenshots/` for people to look at.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&directory).with_context(|| format!("creating {}", directory.display()))?;
        let path = directory.join(format!("{name}.png"));
        self.page
            .save_screenshot(ScreenshotParams::builder().full_page(true).build(), &path)
            .await
            .with_context(|| format!("saving {}", path.display()))?;
        Ok(path)
    }
}
