//! Runs the JavaScript logic tests as part of `cargo test`, with Node's built-in test
//! runner: the realtime SDK's (`tests/sdk/*.test.mjs`, against a small fake server) and
//! the support desk pages' (`tests/widget/*.test.mjs`: the chat widget's and the agent
//! console's pure logic). Without Node a test prints why and passes, except on CI
//! (`CI=true`), where a missing Node is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

/// Runs `node <flags> --test <directory>` and checks that tests ran and none failed.
fn run_node_tests(directory: &str, flags: &[&str]) {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join(directory);
    let output = match Command::new("node").args(flags).arg("--test").arg(&directory).output() {
        Ok(output) => output,
        Err(error) => {
            let in_ci = std::env::var("CI").is_ok_and(|value| value == "true");
            assert!(!in_ci, "Node is required in CI: {error}");
            eprintln!("skipping: node is not available ({error})");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "node --test {} failed:\n{stdout}\n{stderr}", directory.display());
    assert!(stdout.contains("# pass"), "no test ran:\n{stdout}");
    assert!(stdout.contains("# fail 0"), "{stdout}");
}

#[test]
fn the_sdk_logic_tests_pass_under_node() {
    run_node_tests("tests/sdk", &["--experimental-websocket"]);
}

#[test]
fn the_widget_and_console_logic_tests_pass_under_node() {
    run_node_tests("tests/widget", &[]);
}
