//! The demo's support desk: sample orders (one shipped, one being prepared, one
//! delivered and partly refunded) linked to real sandbox payments, knowledge-base
//! articles in the widget's six languages, canned responses, a team that answers around
//! the clock, and two agents who sign in to the console. Made through the real API.

use axum::Router;
use serde_json::{Value, json};

/// The console's demo sign-ins (the password is printed by `tradewind demo`).
pub const DEMO_AGENT_PASSWORD: &str = "tradewind-demo";
pub const DEMO_AGENTS: [(&str, &str, &str, &[&str]); 2] = [
    ("mei@demo.tradewind.dev", "Mei", "admin", &["en", "zh"]),
    ("carlos@demo.tradewind.dev", "Carlos", "agent", &["es", "pt", "en"]),
];
/// The email on the demo's orders (the widget verifies with an order number and it).
pub const DEMO_BUYER_EMAIL: &str = "lucia@example.com";

fn card() -> Value {
    json!({"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
}

async fn paid(router: &Router, key: &str, amount: i64, description: &str) -> anyhow::Result<String> {
    let intent = crate::demo::post(
        router,
        key,
        "/v1/payment_intents",
        json!({"amount": amount, "currency": "usd", "description": description, "confirm": true,
               "customer": {"country": "US", "email": DEMO_BUYER_EMAIL, "name": "Lucía Pérez"},
               "payment_method_data": card()}),
    )
    .await?;
    Ok(intent["id"].as_str().unwrap_or_default().to_owned())
}

const ARTICLES: [(&str, &str, &str); 8] = [
    (
        "en",
        "Returns and refunds",
        "You can return any unopened item within 30 days of delivery for a full refund. Refunds reach your card 5 to 10 business days after we receive the parcel.",
    ),
    (
        "es",
        "Devoluciones y reembolsos",
        "Puedes devolver cualquier artículo sin abrir dentro de los 30 días posteriores a la entrega para un reembolso completo. El reembolso llega a tu tarjeta de 5 a 10 días hábiles después de recibir el paquete.",
    ),
    (
        "zh",
        "退货和退款",
        "未开封的商品可在签收后30天内退货并全额退款。我们收到包裹后，退款将在5到10个工作日内退回您的银行卡。",
    ),
    (
        "pt",
        "Devoluções e reembolsos",
        "Você pode devolver qualquer item fechado em até 30 dias após a entrega para reembolso total. O reembolso chega ao seu cartão de 5 a 10 dias úteis após recebermos o pacote.",
    ),
    (
        "id",
        "Pengembalian dan refund",
        "Anda dapat mengembalikan barang yang belum dibuka dalam 30 hari setelah diterima untuk refund penuh. Refund masuk ke kartu Anda 5 sampai 10 hari kerja setelah paket kami terima.",
    ),
    (
        "ar",
        "الإرجاع واسترداد الأموال",
        "يمكنك إرجاع أي منتج غير مفتوح خلال 30 يومًا من التسليم لاسترداد كامل المبلغ. يصل المبلغ إلى بطاقتك خلال 5 إلى 10 أيام عمل بعد استلامنا للطرد.",
    ),
    (
        "en",
        "Shipping times",
        "Orders ship from Shenzhen within 2 business days. Delivery takes 7 to 12 days to the United States and Europe, 5 to 8 days within Southeast Asia. Every parcel has a tracking number.",
    ),
    (
        "en",
        "Customs duties",
        "Prices include import duties for the EU, the UK and the US. Elsewhere the carrier may collect duties and taxes on delivery.",
    ),
];

/// Seeds the desk for the demo merchant; `key` is its secret key.
pub async fn seed(router: &Router, key: &str) -> anyhow::Result<()> {
    let post = |path: &'static str, body: Value| crate::demo::post(router, key, path, body);
    let team = post(
        "/v1/support/teams",
        json!({"name": "Follow the sun", "time_zone": "Asia/Shanghai", "business_hours": [
            {"day": "monday", "start": "00:00", "end": "24:00"}, {"day": "tuesday", "start": "00:00", "end": "24:00"},
            {"day": "wednesday", "start": "00:00", "end": "24:00"}, {"day": "thursday", "start": "00:00", "end": "24:00"},
            {"day": "friday", "start": "00:00", "end": "24:00"}, {"day": "saturday", "start": "00:00", "end": "24:00"},
            {"day": "sunday", "start": "00:00", "end": "24:00"}]}),
    )
    .await?;
    post(
        "/v1/support/settings",
        json!({"default_team": team["id"], "widget": {"color": "#0a7cff", "greeting": {
            "en": "Hi! Ask us anything about your order.", "es": "¡Hola! Pregúntanos lo que quieras sobre tu pedido.",
            "zh": "您好！有任何订单问题都可以问我们。", "pt": "Olá! Pergunte o que quiser sobre seu pedido.",
            "id": "Halo! Tanyakan apa saja tentang pesanan Anda.", "ar": "مرحبًا! اسألنا أي شيء عن طلبك."}}}),
    )
    .await?;
    for (email, name, role, languages) in DEMO_AGENTS {
        post(
            "/v1/support/agents",
            json!({"email": email, "name": name, "role": role, "languages": languages, "capacity": 5,
                   "password": DEMO_AGENT_PASSWORD, "team": team["id"], "refund_limits": {"usd": 5000}}),
        )
        .await?;
    }
    for (language, title, body) in ARTICLES {
        post("/v1/support/articles", json!({"title": title, "body": body, "language": language})).await?;
    }
    for (shortcut, text) in [
        ("/tracking", "Hi {{buyer_name}}, order {{order_number}} is on its way with {{carrier}}: {{tracking_link}}"),
        ("/refund-delay", "Hi {{buyer_name}}, refunds reach your card 5 to 10 business days after we issue them."),
        ("/thanks", "Thank you for shopping with {{merchant_name}}!"),
    ] {
        post("/v1/support/canned_responses", json!({"shortcut": shortcut, "text": text})).await?;
    }
    let buyer = json!({"email": DEMO_BUYER_EMAIL, "name": "Lucía Pérez", "language": "es"});
    let shipped = paid(router, key, 3500, "Rose serum x2").await?;
    let first = post(
        "/v1/orders",
        json!({"number": "1001", "buyer": buyer, "currency": "usd", "status": "paid", "payment_intents": [shipped],
               "items": [{"name": "Rose serum 50 ml", "quantity": 2, "unit_amount": 1500}], "shipping_amount": 500,
               "shipping_address": {"name": "Lucía Pérez", "line1": "Av. Insurgentes Sur 1602", "city": "Ciudad de México",
                                    "postal_code": "03940", "country": "MX"}}),
    )
    .await?;
    if let Some(id) = first["id"].as_str() {
        crate::demo::post(
            router,
            key,
            &format!("/v1/orders/{id}"),
            json!({"status": "shipped", "shipment": {"carrier": "DHL", "tracking_number": "JD014600006281",
                   "tracking_url": "https://www.dhl.com/track?id=JD014600006281", "status": "in_transit"}}),
        )
        .await?;
    }
    let preparing = paid(router, key, 2400, "Lip balm set").await?;
    post(
        "/v1/orders",
        json!({"number": "1002", "buyer": buyer, "currency": "usd", "status": "processing", "payment_intents": [preparing],
               "items": [{"name": "Lip balm set", "quantity": 1, "unit_amount": 2400}]}),
    )
    .await?;
    let delivered = paid(router, key, 5200, "Sheet masks x4").await?;
    post("/v1/refunds", json!({"payment_intent": delivered, "amount": 1300})).await?;
    post(
        "/v1/orders",
        json!({"number": "1003", "buyer": buyer, "currency": "usd", "status": "delivered", "payment_intents": [delivered],
               "items": [{"name": "Sheet mask", "quantity": 4, "unit_amount": 1300}]}),
    )
    .await?;
    Ok(())
}
