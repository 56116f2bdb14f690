//! `tradewind serve` as a process: configuration from a TOML file overridden by the
//! environment, the listening URL in the logs, and a graceful exit on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

#[test]
fn serves_from_config_and_stops_on_sigterm() {
    let directory = std::env::temp_dir().join(format!("tradewind_serve_{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let config = directory.join("tradewind.toml");
    // The file says port 1 (unusable); the environment variable must win.
    std::fs::write(
        &config,
        format!("addr = \"127.0.0.1:1\"\ndatabase_url = \"sqlite://{}/served.db\"\n", directory.display()),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tradewind"))
        .arg("serve")
        .current_dir(&directory)
        .env("TRADEWIND_CONFIG", &config)
        .env("TRADEWIND_ADDR", "127.0.0.1:0")
        .env("TRADEWIND_LOG_FORMAT", "json")
        .env_remove("DATABASE_URL")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines.next().expect("the server logs before it exits").unwrap();
        let entry: serde_json::Value = serde_json::from_str(&line).expect("json logs");
        if entry["fields"]["message"] == "listening" {
            break entry["fields"]["url"].as_str().unwrap().to_owned();
        }
    };
    let mut stream = std::net::TcpStream::connect(url.trim_start_matches("http://")).unwrap();
    stream.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.0 200") && response.ends_with(r#"{"status":"ok"}"#), "{response}");
    assert!(directory.join("served.db").exists(), "the database URL came from the config file");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|line| line.contains("shutting down")), "{rest:?}");
    let _ = std::fs::remove_dir_all(&directory);
}
