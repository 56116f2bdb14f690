//! What the provider tests share: a webhook receiver that keeps every delivery, so a
//! test reads what a fake sent once `send_webhook` has returned (the fake waits for the
//! receiver's answer, so nothing needs waiting for).

#![allow(dead_code)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// One delivery as the receiver got it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Delivery {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
    }
}

type Deliveries = Arc<Mutex<Vec<Delivery>>>;

pub struct Receiver {
    pub url: String,
    deliveries: Deliveries,
    server: JoinHandle<()>,
}

async fn receive(State(deliveries): State<Deliveries>, headers: HeaderMap, body: Bytes) -> &'static str {
    deliveries.lock().unwrap().push(Delivery { headers, body: body.to_vec() });
    "ok"
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
        let deliveries = Deliveries::default();
        let app = Router::new().route("/webhooks", post(receive)).with_state(Arc::clone(&deliveries));
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url, deliveries, server }
    }

    /// The only delivery so far.
    pub fn single(&self) -> Delivery {
        let deliveries = self.deliveries.lock().unwrap();
        assert_eq!(deliveries.len(), 1, "expected exactly one delivery");
        deliveries[0].clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The current Unix time, as a receiver checking a signature reads it.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
