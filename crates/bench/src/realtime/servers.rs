//! The servers under test, each in a process of its own so that its memory can be
//! read from `/proc` and its CPU time is its own:
//!
//! - Tradewind: this binary again (`std::env::current_exe()`) with the hidden flag
//!   `--realtime-server`, which starts the in-process server ([`crate::server::Server`]:
//!   a fresh SQLite file, one merchant) and prints its address and secret key as one JSON
//!   line ([`serve_for_parent`]).
//! - The baseline: `node server.js` from `crates/bench/realtime-baseline` (the `ws`
//!   package), which prints its port as one JSON line.
//! - With `--floor`, the machine's floor: this binary with the hidden flag
//!   `--realtime-floor-server` ([`super::floor`]), which prints its port like the baseline.
//!
//! Both exit when their standard input closes, so neither outlives the bench.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::server::{Backend, Server};

/// The longest a server process may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest a server process may take to exit after its standard input closed.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest `npm ci` may take.
const NPM_CI_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tradewind,
    Ws,
    /// The machine's floor ([`super::floor`]), with `--floor`.
    Floor,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Tradewind => "tradewind",
            Kind::Ws => "ws",
            Kind::Floor => "floor",
        }
    }
}

/// The line the re-executed bench prints once its server listens.
#[derive(Serialize, Deserialize)]
struct Ready {
    addr: SocketAddr,
    secret_key: String,
}

/// The line the baseline prints once it listens.
#[derive(Deserialize)]
struct BaselineReady {
    port: u16,
}

/// A running server process.
pub struct ServerProcess {
    pub kind: Kind,
    pub addr: SocketAddr,
    /// The merchant's secret key (Tradewind only).
    pub secret_key: Option<String>,
    pid: u32,
    stdin: Option<ChildStdin>,
    child: Child,
}

/// `--realtime-server`: runs the Tradewind server until standard input closes.
pub async fn serve_for_parent() -> anyhow::Result<()> {
    let server = Server::start(Backend::Sqlite, true).await?;
    let ready = Ready { addr: server.addr, secret_key: server.secret_key.clone() };
    println!("{}", serde_json::to_string(&ready)?);
    let mut stdin = tokio::io::stdin();
    let mut buffer = [0u8; 64];
    // Anything written is ignored; the end of input is the signal to stop.
    while stdin.read(&mut buffer).await.unwrap_or(0) > 0 {}
    server.stop().await
}

async fn first_line(child: &mut Child, what: &str) -> anyhow::Result<String> {
    let stdout = child.stdout.take().context("the child's standard output")?;
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(START_TIMEOUT, lines.next_line())
        .await
        .with_context(|| format!("{what} printed nothing in {START_TIMEOUT:?}"))??
        .with_context(|| format!("{what} exited before it listened"))?;
    // Whatever else it prints is read and dropped, so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(line)
}

/// Starts `command` as a server process (standard input and output piped, killed if
/// dropped); the child and the line it printed once it listened.
async fn start(mut command: Command, what: &str) -> anyhow::Result<(Child, String)> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {what}"))?;
    let line = first_line(&mut child, what).await?;
    Ok((child, line))
}

/// This binary again, with the hidden `flag`.
fn this_binary(flag: &str) -> anyhow::Result<Command> {
    let mut command = Command::new(std::env::current_exe().context("locating this executable")?);
    command.arg(flag);
    Ok(command)
}

/// A server that prints its port as `{"port":N}` and listens on 127.0.0.1.
fn on_port(kind: Kind, line: &str, child: Child) -> anyhow::Result<ServerProcess> {
    let ready: BaselineReady = serde_json::from_str(line).with_context(|| format!("reading {line:?}"))?;
    ServerProcess::new(kind, SocketAddr::from(([127, 0, 0, 1], ready.port)), None, child)
}

impl ServerProcess {
    /// This binary with `--realtime-server`.
    pub async fn start_tradewind() -> anyhow::Result<ServerProcess> {
        let (child, line) = start(this_binary("--realtime-server")?, "the Tradewind server process").await?;
        let ready: Ready = serde_json::from_str(&line).with_context(|| format!("reading {line:?}"))?;
        ServerProcess::new(Kind::Tradewind, ready.addr, Some(ready.secret_key), child)
    }

    /// This binary with `--realtime-floor-server` ([`super::floor`]).
    pub async fn start_floor() -> anyhow::Result<ServerProcess> {
        let (child, line) = start(this_binary("--realtime-floor-server")?, "the floor server process").await?;
        on_port(Kind::Floor, &line, child)
    }

    /// `node server.js` in `baseline` (prepared by [`prepare_baseline`]).
    pub async fn start_ws(baseline: &Path) -> anyhow::Result<ServerProcess> {
        let mut node = Command::new("node");
        node.arg("server.js").arg("0").current_dir(baseline);
        let (child, line) = start(node, "the ws baseline").await?;
        on_port(Kind::Ws, &line, child)
    }

    fn new(kind: Kind, addr: SocketAddr, secret_key: Option<String>, mut child: Child) -> anyhow::Result<Self> {
        let pid = child.id().context("the server process has already exited")?;
        let stdin = child.stdin.take();
        Ok(ServerProcess { kind, addr, secret_key, pid, stdin, child })
    }

    /// The process's resident memory now (`VmRSS`), in bytes.
    pub fn rss_bytes(&self) -> anyhow::Result<u64> {
        let path = format!("/proc/{}/status", self.pid);
        let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        let kibibytes = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .with_context(|| format!("no VmRSS in {path}"))?;
        Ok(kibibytes * 1024)
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Closes its standard input and waits for it to exit; kills it after [`STOP_TIMEOUT`].
    pub async fn stop(mut self) -> anyhow::Result<()> {
        drop(self.stdin.take());
        match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(status) => {
                let status = status?;
                anyhow::ensure!(status.success(), "the {} server exited with {status}", self.kind.name());
                Ok(())
            }
            Err(_) => {
                self.child.kill().await?;
                anyhow::bail!("the {} server did not stop in {STOP_TIMEOUT:?}; killed", self.kind.name())
            }
        }
    }
}

/// Where the baseline's files are.
pub fn baseline_directory() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("realtime-baseline")
}

async fn output_of(program: &str, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new(program).args(args).stdin(Stdio::null()).output().await?;
    anyhow::ensure!(output.status.success(), "{program} {}: {}", args.join(" "), output.status);
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Checks that node runs and installs the baseline's packages (`npm ci`) when
/// `node_modules` is missing. Returns the baseline's directory and node's version, or
/// why the baseline cannot run.
pub async fn prepare_baseline() -> anyhow::Result<(PathBuf, String)> {
    let directory = baseline_directory();
    let version = output_of("node", &["--version"]).await.context("node is not available")?;
    if !directory.join("node_modules").join("ws").join("package.json").is_file() {
        let prefix = directory.to_string_lossy().into_owned();
        eprintln!("installing the baseline's packages: npm ci --prefix {prefix}");
        let install = Command::new("npm")
            .args(["ci", "--prefix", &prefix, "--no-audit", "--no-fund"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .status();
        let status = tokio::time::timeout(NPM_CI_TIMEOUT, install)
            .await
            .with_context(|| format!("npm ci took over {NPM_CI_TIMEOUT:?}"))?
            .context("npm is not available")?;
        anyhow::ensure!(status.success(), "npm ci --prefix {prefix}: {status}");
    }
    Ok((directory, version))
}
