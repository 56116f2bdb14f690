//! Prometheus metrics: requests by route and status, latencies, and payment status
//! transitions by method; payment counts by status and method are read from the
//! database at scrape time (so every node reports the same truth).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Mutex;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PaymentLabels {
    pub method: String,
    pub status: String,
}

/// Latency buckets in seconds, 1 ms to 10 s.
const LATENCY_BUCKETS_SECONDS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS_SECONDS)
}

pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    transitions: Family<PaymentLabels, Counter>,
    payments: Family<PaymentLabels, Gauge>,
    realtime: RealtimeGauges,
}

/// The realtime hub's figures, copied in at scrape time.
#[derive(Default)]
struct RealtimeGauges {
    connections: Gauge,
    channels: Gauge,
    publications: Gauge,
    deliveries: Gauge,
    slow_consumers: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("tradewind");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let transitions = Family::<PaymentLabels, Counter>::default();
        let payments = Family::<PaymentLabels, Gauge>::default();
        registry.register("http_requests", "HTTP requests by method, route and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency by route", latency.clone());
        registry.register("payment_transitions", "Payment intents entering a status, by method", transitions.clone());
        registry.register("payment_intents", "Payment intents by current status and method", payments.clone());
        let realtime = RealtimeGauges::default();
        registry.register("realtime_connections", "Open realtime WebSocket sessions", realtime.connections.clone());
        registry.register("realtime_channels", "Realtime channels held in memory", realtime.channels.clone());
        registry.register(
            "realtime_publications",
            "Realtime publications sequenced since start",
            realtime.publications.clone(),
        );
        registry.register(
            "realtime_deliveries",
            "Realtime frames queued to connections since start",
            realtime.deliveries.clone(),
        );
        registry.register(
            "realtime_slow_consumers",
            "Realtime connections evicted for a full queue since start (close 4008)",
            realtime.slow_consumers.clone(),
        );
        Metrics { registry: Mutex::new(registry), requests, latency, transitions, payments, realtime }
    }

    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels { method: method.to_owned(), route: route.to_owned(), status })
            .inc();
        self.latency.get_or_create(&RouteLabels { route: route.to_owned() }).observe(seconds);
    }

    pub fn payment_status(&self, method: Option<&str>, status: &str) {
        let labels = PaymentLabels { method: method.unwrap_or("none").to_owned(), status: status.to_owned() };
        self.transitions.get_or_create(&labels).inc();
    }

    /// Copies the realtime hub's figures in, before a render.
    pub fn realtime(&self, stats: &tradewind_realtime::hub::HubStats) {
        let gauge = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        self.realtime.connections.set(gauge(stats.connections as u64));
        self.realtime.channels.set(gauge(stats.channels as u64));
        self.realtime.publications.set(gauge(stats.publications));
        self.realtime.deliveries.set(gauge(stats.deliveries));
        self.realtime.slow_consumers.set(gauge(stats.slow_consumers));
    }

    /// Renders the text exposition format, after loading the current counts.
    pub fn render(&self, counts: &[(String, Option<String>, i64)]) -> String {
        self.payments.clear();
        for (status, method, count) in counts {
            let labels =
                PaymentLabels { method: method.clone().unwrap_or_else(|| "none".to_owned()), status: status.clone() };
            self.payments.get_or_create(&labels).set(*count);
        }
        let mut text = String::new();
        if let Ok(registry) = self.registry.lock() {
            let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        }
        text
    }
}
