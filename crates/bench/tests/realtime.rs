//! `tradewind-bench --realtime` end to end in a tiny configuration: 50 subscribers on
//! each server (Tradewind re-executed as its own process, and the Node.js `ws`
//! baseline, which must be able to run: node and npm are part of the test machine),
//! one short run at 20 publications per second. Fails unless both servers delivered.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::time::{Duration, Instant};

/// The whole run, server start-ups and `npm ci` included, must end within this.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);
const SUBSCRIBERS: &str = "50";

#[test]
fn realtime_mode_delivers_on_both_servers() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tradewind-bench"))
        .args(["--realtime", "--quick", "--subscribers", SUBSCRIBERS, "--rate", "20", "--require-baseline"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // Bounded wait on the process's own end, not a fixed sleep.
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > RUN_TIMEOUT {
            child.kill().unwrap();
            panic!("tradewind-bench --realtime did not finish in {RUN_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "exit {}\nstdout:\n{stdout}\nstderr:\n{stderr}", output.status);
    for server in ["tradewind", "ws"] {
        let row = stdout
            .lines()
            .find(|line| {
                let mut fields = line.split_whitespace();
                fields.next() == Some(SUBSCRIBERS) && fields.next() == Some(server)
            })
            .unwrap_or_else(|| panic!("no {server} row in:\n{stdout}\nstderr:\n{stderr}"));
        let fields: Vec<&str> = row.split_whitespace().collect();
        // subscribers server load rate/s offered/s deliveries/s p50 p99 p999 lost held KiB/conn runs
        let deliveries_per_second: f64 = fields[5].parse().unwrap();
        let lost: u64 = fields[9].parse().unwrap();
        let held: usize = fields[10].parse().unwrap();
        assert!(deliveries_per_second > 0.0, "{server} delivered nothing: {row}");
        assert_eq!(held, 50, "{server} held fewer subscribers: {row}");
        assert_eq!(lost, 0, "{server} lost deliveries at 1,000/s: {row}\nstderr:\n{stderr}");
        let p50_ms: f64 = fields[6].parse().unwrap();
        assert!(p50_ms.is_finite() && p50_ms >= 0.0, "{server} latency unreadable: {row}");
    }
}
