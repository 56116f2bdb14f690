//! The support desk end to end over HTTP, on SQLite and PostgreSQL: orders; the widget
//! (visitor sessions, verification before any order fact, the assistant's tool paths and
//! handoffs); assignment by language and capacity, the queue and reassignment when an
//! agent goes offline; the console (sign-in, replies, canned responses, notes, tags,
//! snooze, SLA breaches, resolve and CSAT); business hours across time zones; bad input
//! and tenancy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{Backend, ManualClock, TestApp, card, spawn_app_with_clock};
use serde_json::{Value, json};
use support::{assert_error, row_counts};

on_both_backends!(
    orders_are_created_listed_and_move_forward,
    order_input_is_checked_and_leaves_nothing_behind,
    widget_verifies_before_the_assistant_discloses_an_order,
    assistant_answers_from_the_knowledge_base_and_hands_off_on_request,
    sensitive_topics_and_repeated_failures_go_to_people,
    routing_matches_language_and_capacity_and_queues,
    an_agent_going_offline_hands_conversations_on,
    console_replies_notes_tags_and_canned_responses,
    snooze_sla_resolve_and_csat,
    desk_and_widget_routes_check_input_and_tenancy,
);

const DAY: i64 = 86_400;

async fn create_order(app: &TestApp, number: &str, email: &str, extra: Value) -> Value {
    let mut body = json!({
        "number": number,
        "buyer": {"email": email, "name": "Lucía Pérez", "language": "es"},
        "currency": "usd",
        "items": [{"name": "Rose serum", "quantity": 2, "unit_amount": 1500}],
        "shipping_amount": 500,
    });
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    let (status, order) = app.post("/v1/orders", body).await;
    assert_eq!(status, 200, "{order}");
    order
}

async fn settings(app: &TestApp, body: Value) -> Value {
    let (status, settings) = app.post("/v1/support/settings", body).await;
    assert_eq!(status, 200, "{settings}");
    settings
}

async fn agent(app: &TestApp, email: &str, languages: &[&str], capacity: i64, online: bool) -> Value {
    let (status, agent) = app
        .post(
            "/v1/support/agents",
            json!({"email": email, "name": email.split('@').next().unwrap(), "languages": languages,
                   "capacity": capacity, "password": "correct horse battery", "refund_limits": {"usd": 2000}}),
        )
        .await;
    assert_eq!(status, 200, "{agent}");
    if online {
        let (status, updated) = app
            .post(&format!("/v1/support/agents/{}", agent["id"].as_str().unwrap()), json!({"presence": "online"}))
            .await;
        assert_eq!(status, 200, "{updated}");
        return updated;
    }
    agent
}

async fn sign_in(app: &TestApp, email: &str) -> String {
    let (status, session) = app
        .post_with_key("", "/v1/support/sessions", json!({"email": email, "password": "correct horse battery"}))
        .await;
    assert_eq!(status, 200, "{session}");
    session["token"].as_str().unwrap().to_owned()
}

/// A buyer's widget visit: the visitor token.
async fn visit(app: &TestApp, language: &str) -> String {
    let (status, session) =
        app.post_with_key(&app.publishable_key, "/v1/widget/sessions", json!({"language": language})).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["contact"]["verified"], false);
    session["token"].as_str().unwrap().to_owned()
}

async fn start(app: &TestApp, visitor: &str, text: &str) -> Value {
    let (status, conversation) = app.post_with_key(visitor, "/v1/widget/conversations", json!({"text": text})).await;
    assert_eq!(status, 200, "{conversation}");
    conversation
}

async fn say(app: &TestApp, visitor: &str, conversation: &str, text: &str) -> Value {
    let (status, result) = app
        .post_with_key(visitor, &format!("/v1/widget/conversations/{conversation}/messages"), json!({"text": text}))
        .await;
    assert_eq!(status, 200, "{result}");
    result
}

async fn buyer_messages(app: &TestApp, visitor: &str, conversation: &str) -> Vec<Value> {
    let (status, list) = app.get_with_key(visitor, &format!("/v1/widget/conversations/{conversation}/messages")).await;
    assert_eq!(status, 200, "{list}");
    list["data"].as_array().unwrap().clone()
}

async fn timeline(app: &TestApp, conversation: &str) -> Vec<Value> {
    let (status, list) = app.get(&format!("/v1/conversations/{conversation}/timeline")).await;
    assert_eq!(status, 200, "{list}");
    list["data"].as_array().unwrap().clone()
}

fn kinds(entries: &[Value]) -> Vec<String> {
    entries.iter().map(|entry| entry["kind"].as_str().unwrap().to_owned()).collect()
}

async fn conversation(app: &TestApp, id: &str) -> Value {
    let (status, conversation) = app.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(status, 200, "{conversation}");
    conversation
}

async fn orders_are_created_listed_and_move_forward(app: TestApp) {
    let (status, payment) = app.pay(3500, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200, "{payment}");
    let order = create_order(&app, "#1001", "Lucia@Example.com", json!({"payment_intents": [payment["id"]]})).await;
    assert_eq!(order["number"], "1001");
    assert_eq!(order["status"], "pending");
    assert_eq!(order["buyer"]["email"], "lucia@example.com");
    assert_eq!(order["subtotal_amount"], 3000);
    assert_eq!(order["total_amount"], 3500);
    assert_eq!(order["payment_intents"], json!([payment["id"]]));
    let id = order["id"].as_str().unwrap();

    let (status, updated) = app
        .post(
            &format!("/v1/orders/{id}"),
            json!({"status": "shipped", "shipment": {"carrier": "DHL", "tracking_number": "JD0142", "status": "in_transit",
                   "tracking_url": "https://track.example/JD0142", "shipped_at": 1_790_000_000}}),
        )
        .await;
    assert_eq!(status, 400, "pending cannot jump to shipped: {updated}");
    assert_eq!(updated["error"]["code"], "order_status_transition_invalid");
    for next in ["paid", "shipped"] {
        let (status, updated) = app
            .post(
                &format!("/v1/orders/{id}"),
                json!({"status": next, "shipment": {"carrier": "DHL", "tracking_number": "JD0142", "status": "in_transit"}}),
            )
            .await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!(updated["status"], next);
    }
    let (_, shipped) = app.get(&format!("/v1/orders/{id}")).await;
    assert_eq!(shipped["shipment"]["tracking_number"], "JD0142");
    let history: Vec<&str> =
        shipped["status_history"].as_array().unwrap().iter().map(|entry| entry["status"].as_str().unwrap()).collect();
    assert_eq!(history, ["pending", "paid", "shipped"]);
    let (_, backwards) = app.post(&format!("/v1/orders/{id}"), json!({"status": "paid"})).await;
    assert_eq!(backwards["error"]["code"], "order_status_transition_invalid");

    create_order(&app, "1002", "someone@example.com", json!({})).await;
    let (_, by_number) = app.get("/v1/orders?number=%231001").await;
    assert_eq!(by_number["data"].as_array().unwrap().len(), 1);
    let (_, by_email) = app.get("/v1/orders?email=lucia@example.com").await;
    assert_eq!(by_email["data"][0]["id"], id);
    let (_, all) = app.get("/v1/orders?limit=1").await;
    assert_eq!(all["has_more"], true);
    let (_, events) = app.get(&format!("/v1/events?object_id={id}")).await;
    let types: Vec<&str> =
        events["data"].as_array().unwrap().iter().map(|event| event["type"].as_str().unwrap()).collect();
    assert!(types.contains(&"order.created") && types.contains(&"order.updated"), "{types:?}");
}

async fn order_input_is_checked_and_leaves_nothing_behind(app: TestApp) {
    create_order(&app, "1001", "a@example.com", json!({})).await;
    let before = row_counts(&app).await;
    let base = json!({"number": "2001", "buyer": {"email": "b@example.com"}, "currency": "usd",
                      "items": [{"name": "Serum", "quantity": 1, "unit_amount": 100}]});
    let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (json!({"number": "1001"}), 400, "order_number_taken", Some("number")),
        (json!({"number": "10 01"}), 400, "parameter_invalid", Some("number")),
        (json!({"buyer": {"email": "nope"}}), 400, "email_invalid", Some("buyer[email]")),
        (json!({"currency": "zzz"}), 400, "invalid_currency", Some("currency")),
        (json!({"items": []}), 400, "parameter_invalid", Some("items")),
        (
            json!({"items": [{"name": "x", "quantity": 0, "unit_amount": 1}]}),
            400,
            "parameter_invalid",
            Some("items[0][quantity]"),
        ),
        (
            json!({"items": [{"name": "x", "quantity": 2, "unit_amount": i64::MAX}]}),
            400,
            "amount_too_large",
            Some("items"),
        ),
        (json!({"shipment": {"tracking_number": "X1"}}), 400, "parameter_missing", Some("shipment[carrier]")),
        (
            json!({"payment_intents": ["pi_00000000000000000000000000"]}),
            400,
            "resource_missing",
            Some("payment_intents[0]"),
        ),
        (json!({"status": "lost"}), 400, "parameter_invalid", Some("status")),
    ];
    for (patch, status, code, param) in cases {
        let mut body = base.clone();
        if let (Value::Object(body), Value::Object(patch)) = (&mut body, patch) {
            body.extend(patch);
        }
        let answer = app.post("/v1/orders", body).await;
        assert_error(&answer, status, code, param);
    }
    assert_eq!(row_counts(&app).await, before, "refused orders wrote nothing");
    let (other_secret, _) = app.second_merchant().await;
    let (_, mine) = app.get("/v1/orders?number=1001").await;
    let id = mine["data"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = app.get_with_key(&other_secret, &format!("/v1/orders/{id}")).await;
    assert_eq!(status, 404, "another merchant's order is not found");
}

async fn widget_verifies_before_the_assistant_discloses_an_order(app: TestApp) {
    let (_, payment) = app.pay(3500, "usd", "US", card("4242424242424242")).await;
    let order =
        create_order(&app, "1001", "lucia@example.com", json!({"status": "paid", "payment_intents": [payment["id"]]}))
            .await;
    app.post(
        &format!("/v1/orders/{}", order["id"].as_str().unwrap()),
        json!({"status": "shipped", "shipment": {"carrier": "DHL", "tracking_number": "JD014600006281", "status": "in_transit"}}),
    )
    .await;
    let visitor = visit(&app, "es").await;
    let conversation = start(&app, &visitor, "¿Dónde está mi pedido 1001?").await;
    let id = conversation["id"].as_str().unwrap();
    assert_eq!(conversation["language"], "es");
    assert_eq!(conversation["assistant_active"], true);
    assert!(conversation.get("tags").is_none(), "the buyer's view has no tags: {conversation}");
    let messages = buyer_messages(&app, &visitor, id).await;
    let answer = messages.last().unwrap();
    assert_eq!(answer["sender"], "assistant");
    assert_eq!(answer["action"], "verify_identity", "{answer}");
    let text = answer["text"].as_str().unwrap();
    assert!(
        !text.contains("JD014600006281") && !text.contains("enviado"),
        "nothing disclosed before verification: {text}"
    );

    let (status, wrong) = app
        .post_with_key(&visitor, "/v1/widget/identify", json!({"order_number": "1001", "email": "someone@else.com"}))
        .await;
    assert_eq!(status, 400, "{wrong}");
    assert_eq!(wrong["error"]["code"], "verification_failed");
    let (status, contact) = app
        .post_with_key(
            &visitor,
            "/v1/widget/identify",
            json!({"order_number": "#1001", "email": "Lucia@example.com", "conversation": id}),
        )
        .await;
    assert_eq!(status, 200, "{contact}");
    assert_eq!(contact["verified"], true);
    assert_eq!(contact["verified_orders"], json!(["1001"]));
    let answered = buyer_messages(&app, &visitor, id).await;
    let waiting_answer = answered.last().unwrap()["text"].as_str().unwrap().to_owned();
    assert!(
        waiting_answer.contains("JD014600006281"),
        "the waiting question is answered once verified: {waiting_answer}"
    );

    let result = say(&app, &visitor, id, "¿Dónde está mi pedido 1001?").await;
    let reply = result["replies"][0]["text"].as_str().unwrap().to_owned();
    assert!(reply.contains("JD014600006281") && reply.contains("DHL"), "the tracking after verification: {reply}");
    let entries = timeline(&app, id).await;
    let tools: Vec<&Value> = entries.iter().filter(|entry| entry["kind"] == "assistant_tool_call").collect();
    assert!(tools.iter().any(|entry| entry["data"]["tool"] == "lookup_order"), "{entries:?}");
    assert!(kinds(&entries).contains(&"assistant_answer".to_owned()));

    // A second buyer who writes the order number and a wrong email in the chat gets nothing.
    let stranger = visit(&app, "en").await;
    let other = start(&app, &stranger, "Where is order 1001? My email is thief@example.com").await;
    let replies = buyer_messages(&app, &stranger, other["id"].as_str().unwrap()).await;
    let text = replies.last().unwrap()["text"].as_str().unwrap();
    assert!(!text.contains("JD014600006281") && !text.contains("DHL"), "{text}");
}

async fn assistant_answers_from_the_knowledge_base_and_hands_off_on_request(app: TestApp) {
    let (status, _) = app
        .post(
            "/v1/support/articles",
            json!({"title": "Return policy", "language": "en",
                   "body": "You can return any unopened item within 30 days of delivery for a full refund. Start a return from your order page."}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, hits) = app.get("/v1/support/articles/search?q=return%20unopened").await;
    assert_eq!(status, 200, "{hits}");
    assert_eq!(hits["data"][0]["title"], "Return policy");
    let speaker = agent(&app, "ana@shop.example", &["en", "es"], 3, true).await;

    let visitor = visit(&app, "en").await;
    let conversation = start(&app, &visitor, "What is your return policy?").await;
    let id = conversation["id"].as_str().unwrap();
    let messages = buyer_messages(&app, &visitor, id).await;
    let answer = messages.last().unwrap()["text"].as_str().unwrap();
    assert!(answer.contains("30 days"), "answered from the article: {answer}");
    assert!(conversation["assignee"].is_null(), "the assistant answered; nobody assigned yet");

    let result = say(&app, &visitor, id, "I want to talk to a human agent please").await;
    assert!(!result["replies"].as_array().unwrap().is_empty(), "a handoff message: {result}");
    let handed = conversation_of_agent(&app, id).await;
    assert_eq!(handed["assistant_active"], false);
    assert_eq!(handed["assignee"]["id"], speaker["id"], "routed to the online agent");
    let entries = timeline(&app, id).await;
    let handoff = entries.iter().find(|entry| entry["kind"] == "handoff").expect("a handoff entry");
    assert_eq!(handoff["data"]["reason"], "requested");
    assert!(handoff["data"]["summary"].as_str().unwrap().len() > 10, "a summary for the agent: {handoff}");
    let (_, events) = app.get(&format!("/v1/events?object_id={id}")).await;
    let types: Vec<&str> =
        events["data"].as_array().unwrap().iter().map(|event| event["type"].as_str().unwrap()).collect();
    for expected in
        ["conversation.created", "conversation.message_created", "conversation.handoff", "conversation.assigned"]
    {
        assert!(types.contains(&expected), "{expected} in {types:?}");
    }
}

async fn conversation_of_agent(app: &TestApp, id: &str) -> Value {
    conversation(app, id).await
}

async fn sensitive_topics_and_repeated_failures_go_to_people(app: TestApp) {
    let visitor = visit(&app, "en").await;
    let disputed = start(&app, &visitor, "I will file a chargeback with my bank if this is not fixed").await;
    let entries = timeline(&app, disputed["id"].as_str().unwrap()).await;
    let handoff = entries.iter().find(|entry| entry["kind"] == "handoff").expect("sensitive topics hand off");
    assert!(handoff["data"]["reason"].as_str().unwrap().starts_with("sensitive"), "{handoff}");

    let visitor = visit(&app, "en").await;
    let vague = start(&app, &visitor, "purple elephant quantum banana").await;
    let id = vague["id"].as_str().unwrap();
    let mut handed = false;
    for text in ["zebra trombone quartz", "flibbertigibbet moonbeam", "xylophone marmalade"] {
        say(&app, &visitor, id, text).await;
        if conversation(&app, id).await["assistant_active"] == false {
            handed = true;
            break;
        }
    }
    assert!(handed, "after failed answers the assistant hands off");
}

async fn routing_matches_language_and_capacity_and_queues(app: TestApp) {
    settings(&app, json!({"assistant_enabled": false, "language_policy": "required"})).await;
    let english = agent(&app, "en@shop.example", &["en"], 1, true).await;
    let spanish = agent(&app, "es@shop.example", &["es", "en"], 1, true).await;
    let first = start(&app, &visit(&app, "es").await, "Hola, necesito ayuda con mi pedido por favor").await;
    assert_eq!(first["assignee"]["name"], spanish["name"], "the Spanish speaker: {first}");
    let id = first["id"].as_str().unwrap();
    assert_eq!(conversation(&app, id).await["assignee"]["id"], spanish["id"]);
    let second_visitor = visit(&app, "es").await;
    let second = start(&app, &second_visitor, "Hola, ¿me pueden ayudar con un reembolso?").await;
    assert!(second["assignee"].is_null(), "the only Spanish speaker is full: {second}");
    assert_eq!(second["queue"]["position"], 1, "{second}");
    let english_buyer = start(&app, &visit(&app, "en").await, "Hello, I have a question about shipping times").await;
    assert_eq!(english_buyer["assignee"]["name"], english["name"]);

    // Resolving frees the Spanish speaker's slot: the queued conversation is drained to them.
    let (status, resolved) = app.post(&format!("/v1/conversations/{id}"), json!({"status": "resolved"})).await;
    assert_eq!(status, 200, "{resolved}");
    let drained = conversation(&app, second["id"].as_str().unwrap()).await;
    assert_eq!(drained["assignee"]["id"], spanish["id"], "{drained}");
    assert!(drained["queue"].is_null());
    let entries = timeline(&app, second["id"].as_str().unwrap()).await;
    assert_eq!(kinds(&entries).iter().filter(|kind| *kind == "queued").count(), 1);
    assert!(kinds(&entries).contains(&"assigned".to_owned()));

    // Round-robin among equals.
    let (_, _) =
        app.post(&format!("/v1/conversations/{}", second["id"].as_str().unwrap()), json!({"status": "resolved"})).await;
    let (_, _) = app
        .post(&format!("/v1/conversations/{}", english_buyer["id"].as_str().unwrap()), json!({"status": "resolved"}))
        .await;
    let a = start(&app, &visit(&app, "en").await, "Hello there, I need help with my order").await;
    let b = start(&app, &visit(&app, "en").await, "Hello, can someone help me with my order").await;
    let a_agent = a["assignee"]["name"].as_str().unwrap();
    let b_agent = b["assignee"]["name"].as_str().unwrap();
    assert_ne!(a_agent, b_agent, "two equal agents take one each");
}

async fn an_agent_going_offline_hands_conversations_on(app: TestApp) {
    settings(&app, json!({"assistant_enabled": false})).await;
    let leaving = agent(&app, "leaving@shop.example", &["en"], 2, true).await;
    let first = start(&app, &visit(&app, "en").await, "Hello, my parcel has not arrived yet").await;
    assert_eq!(first["assignee"]["id"].as_str().map(str::to_owned), None, "the buyer's view hides agent ids");
    let id = first["id"].as_str().unwrap();
    assert_eq!(conversation(&app, id).await["assignee"]["id"], leaving["id"]);
    let staying = agent(&app, "staying@shop.example", &["en"], 2, true).await;
    let token = sign_in(&app, "leaving@shop.example").await;
    let (status, me) = app.post_with_key(&token, "/v1/support/me", json!({"presence": "offline"})).await;
    assert_eq!(status, 200, "{me}");
    let moved = conversation(&app, id).await;
    assert_eq!(moved["assignee"]["id"], staying["id"], "{moved}");
    let entries = timeline(&app, id).await;
    let unassigned = entries.iter().find(|entry| entry["kind"] == "unassigned").unwrap();
    assert_eq!(unassigned["data"]["reason"], "agent_offline");
    // With nobody online, a new conversation waits in the queue.
    app.post(&format!("/v1/support/agents/{}", staying["id"].as_str().unwrap()), json!({"presence": "away"})).await;
    let waiting = start(&app, &visit(&app, "en").await, "Hello? Is anyone there to help me").await;
    assert!(waiting["assignee"].is_null());
    assert_eq!(waiting["queue"]["position"], 1);
    assert!(waiting["queue"]["estimated_wait_seconds"].is_null(), "no estimate without agents online");
}

async fn console_replies_notes_tags_and_canned_responses(app: TestApp) {
    settings(&app, json!({"assistant_enabled": false})).await;
    let order = create_order(&app, "1001", "lucia@example.com", json!({"status": "paid"})).await;
    app.post(
        &format!("/v1/orders/{}", order["id"].as_str().unwrap()),
        json!({"status": "shipped", "shipment": {"carrier": "DHL", "tracking_number": "JD0142", "tracking_url": "https://track.example/JD0142"}}),
    )
    .await;
    agent(&app, "ana@shop.example", &["en"], 5, true).await;
    let (status, refused) = app
        .post_with_key("", "/v1/support/sessions", json!({"email": "ana@shop.example", "password": "wrong password"}))
        .await;
    assert_eq!(status, 401, "{refused}");
    let token = sign_in(&app, "ana@shop.example").await;
    let (status, canned) = app
        .post_with_key(
            &token,
            "/v1/support/canned_responses",
            json!({"shortcut": "/tracking", "text": "Hi {{buyer_name}}, order {{order_number}} is on its way: {{tracking_link}}"}),
        )
        .await;
    assert_eq!(status, 403, "agents cannot manage canned responses: {canned}");
    let (status, canned) = app
        .post(
            "/v1/support/canned_responses",
            json!({"shortcut": "/tracking", "text": "Hi {{buyer_name}}, order {{order_number}} is on its way: {{tracking_link}}"}),
        )
        .await;
    assert_eq!(status, 200, "{canned}");
    assert_eq!(canned["variables"], json!(["buyer_name", "order_number", "tracking_link"]));
    let (status, bad) =
        app.post("/v1/support/canned_responses", json!({"shortcut": "/x", "text": "Hi {{nobody}}"})).await;
    assert_eq!(status, 400, "{bad}");

    let visitor = visit(&app, "en").await;
    app.post_with_key(
        &visitor,
        "/v1/widget/identify",
        json!({"order_number": "1001", "email": "lucia@example.com", "name": "Lucía"}),
    )
    .await;
    let started = start(&app, &visitor, "Hi, where is my order?").await;
    let id = started["id"].as_str().unwrap();
    let canned_id = canned["id"].as_str().unwrap();
    let (status, missing) = app
        .post_with_key(&token, &format!("/v1/conversations/{id}/messages"), json!({"canned_response": canned_id}))
        .await;
    assert_eq!(status, 400, "no order linked yet: {missing}");
    assert_eq!(missing["error"]["code"], "canned_variable_missing");
    let (status, _) =
        app.post_with_key(&token, &format!("/v1/conversations/{id}"), json!({"order": order["id"]})).await;
    assert_eq!(status, 200);
    let (status, reply) = app
        .post_with_key(&token, &format!("/v1/conversations/{id}/messages"), json!({"canned_response": canned_id}))
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["text"], "Hi Lucía, order 1001 is on its way: https://track.example/JD0142");
    let (status, note) = app
        .post_with_key(
            &token,
            &format!("/v1/conversations/{id}/messages"),
            json!({"text": "VIP buyer, be kind", "private": true}),
        )
        .await;
    assert_eq!(status, 200, "{note}");
    assert_eq!(note["private"], true);
    let seen_by_buyer = buyer_messages(&app, &visitor, id).await;
    assert!(seen_by_buyer.iter().all(|message| message["text"] != "VIP buyer, be kind"), "notes never reach the buyer");
    assert!(seen_by_buyer.iter().any(|message| message["sender"] == "agent"));

    let (status, tagged) = app
        .post_with_key(&token, &format!("/v1/conversations/{id}/tags"), json!({"add": ["Not Received", "vip"]}))
        .await;
    assert_eq!(status, 200, "{tagged}");
    assert_eq!(tagged["tags"], json!(["not-received", "vip"]));
    let (_, untagged) =
        app.post_with_key(&token, &format!("/v1/conversations/{id}/tags"), json!({"remove": ["vip"]})).await;
    assert_eq!(untagged["tags"], json!(["not-received"]));
    let (_, by_tag) = app.get_with_key(&token, "/v1/conversations?tag=not-received").await;
    assert_eq!(by_tag["data"].as_array().unwrap().len(), 1);
    let (_, mine) = app.get_with_key(&token, "/v1/conversations?view=mine").await;
    assert_eq!(mine["data"][0]["id"], id);
    let (_, search) = app.get_with_key(&token, "/v1/conversations?q=where%20is%20my").await;
    assert_eq!(search["data"].as_array().unwrap().len(), 1);
    let (_, context) = app.get_with_key(&token, &format!("/v1/conversations/{id}/context")).await;
    assert_eq!(context["orders"][0]["number"], "1001", "{context}");
    assert!(!context["orders"][0]["timeline"].as_array().unwrap().is_empty());

    let last = buyer_messages(&app, &visitor, id).await.last().unwrap()["id"].as_str().unwrap().to_owned();
    let (status, read) =
        app.post_with_key(&visitor, &format!("/v1/widget/conversations/{id}/read"), json!({"message": last})).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["buyer_read_message"], last);
    let first_response = conversation(&app, id).await["first_response_at"].clone();
    assert!(first_response.is_i64(), "the agent's reply was the first response");
}

async fn snooze_sla_resolve_and_csat(app: TestApp) {
    settings(&app, json!({"assistant_enabled": false, "sla": {"first_response_seconds": {"none": 600}}})).await;
    let visitor = visit(&app, "en").await;
    let started = start(&app, &visitor, "Hello, nobody has answered my email").await;
    let id = started["id"].as_str().unwrap();
    let due = conversation(&app, id).await["first_response_due_at"].as_i64().unwrap();
    assert_eq!(due - started["created"].as_i64().unwrap(), 600);
    app.advance_clock(601).await;
    app.advance_clock(60).await;
    let entries = timeline(&app, id).await;
    assert_eq!(kinds(&entries).iter().filter(|kind| *kind == "sla_breached").count(), 1, "one breach, once");
    assert_eq!(conversation(&app, id).await["sla"]["first_response_breached"], true);

    let (_, clock) = app.get("/v1/sandbox/clock").await;
    let now = clock["frozen_time"].as_i64().unwrap();
    let (status, snoozed) =
        app.post(&format!("/v1/conversations/{id}"), json!({"status": "snoozed", "snoozed_until": now + DAY})).await;
    assert_eq!(status, 200, "{snoozed}");
    assert_eq!(snoozed["status"], "snoozed");
    let (status, past) =
        app.post(&format!("/v1/conversations/{id}"), json!({"status": "snoozed", "snoozed_until": now - 10})).await;
    assert_eq!(status, 400, "{past}");
    app.advance_clock(DAY + 1).await;
    assert_eq!(conversation(&app, id).await["status"], "open", "woken by the sweep");

    let (status, resolved) = app.post(&format!("/v1/conversations/{id}"), json!({"status": "resolved"})).await;
    assert_eq!(status, 200, "{resolved}");
    let messages = buyer_messages(&app, &visitor, id).await;
    assert_eq!(messages.last().unwrap()["action"], "rate");
    let (status, rated) =
        app.post_with_key(&visitor, &format!("/v1/widget/conversations/{id}/csat"), json!({"rating": 6})).await;
    assert_eq!(status, 400, "{rated}");
    let (status, rated) = app
        .post_with_key(
            &visitor,
            &format!("/v1/widget/conversations/{id}/csat"),
            json!({"rating": 5, "comment": "Fast!"}),
        )
        .await;
    assert_eq!(status, 200, "{rated}");
    assert_eq!(rated["csat"], json!({"rating": 5, "comment": "Fast!"}));
    let (status, again) =
        app.post_with_key(&visitor, &format!("/v1/widget/conversations/{id}/csat"), json!({"rating": 1})).await;
    assert_eq!(status, 400);
    assert_eq!(again["error"]["code"], "csat_already_submitted");
    // A buyer writing again reopens it.
    say(&app, &visitor, id, "One more question please").await;
    assert_eq!(conversation(&app, id).await["status"], "open");
}

async fn desk_and_widget_routes_check_input_and_tenancy(app: TestApp) {
    let visitor = visit(&app, "en").await;
    let started = start(&app, &visitor, "Hello, a question about my order").await;
    let id = started["id"].as_str().unwrap();
    let before = row_counts(&app).await;
    let checks = vec![
        (
            app.post_with_key(&visitor, &format!("/v1/widget/conversations/{id}/messages"), json!({"text": ""})).await,
            400,
        ),
        (
            app.post_with_key(
                &visitor,
                &format!("/v1/widget/conversations/{id}/messages"),
                json!({"text": "x".repeat(5001)}),
            )
            .await,
            400,
        ),
        (
            app.post_with_key(
                &visitor,
                &format!("/v1/widget/conversations/{id}/messages"),
                json!({"text": "hi", "private": true}),
            )
            .await,
            400,
        ),
        (
            app.post("/v1/support/agents", json!({"email": "x@shop.example", "name": "X", "languages": ["xx"]})).await,
            400,
        ),
        (
            app.post(
                "/v1/support/agents",
                json!({"email": "x@shop.example", "name": "X", "languages": ["en"], "capacity": 0}),
            )
            .await,
            400,
        ),
        (app.post("/v1/support/teams", json!({"name": "Asia", "time_zone": "Mars/Olympus"})).await, 400),
        (
            app.post(
                "/v1/support/teams",
                json!({"name": "Asia", "time_zone": "Asia/Shanghai",
            "business_hours": [{"day": "funday", "start": "09:00", "end": "18:00"}]}),
            )
            .await,
            400,
        ),
        (app.post(&format!("/v1/conversations/{id}/tags"), json!({"add": ["!!"]})).await, 400),
        (app.post(&format!("/v1/conversations/{id}"), json!({"status": "closed"})).await, 400),
        (
            app.post(&format!("/v1/conversations/{id}/assign"), json!({"agent": "agt_00000000000000000000000000"}))
                .await,
            400,
        ),
        (app.post_with_key(&app.secret_key, "/v1/widget/sessions", json!({})).await, 403),
        (app.get_with_key("wvt_not_a_token", "/v1/widget/conversations").await, 401),
        (app.get_with_key("ags_not_a_session", "/v1/conversations").await, 401),
    ];
    for (index, ((status, body), expected)) in checks.into_iter().enumerate() {
        assert_eq!(status, expected, "check {index}: {body}");
        assert!(body["error"]["code"].is_string(), "check {index} is typed: {body}");
    }
    assert_eq!(row_counts(&app).await, before, "refused requests wrote nothing");

    // Another buyer, and another merchant, see nothing of this conversation.
    let other_visitor = visit(&app, "en").await;
    let (status, _) = app.get_with_key(&other_visitor, &format!("/v1/widget/conversations/{id}/messages")).await;
    assert_eq!(status, 404);
    let (other_secret, other_publishable) = app.second_merchant().await;
    let (status, _) = app.get_with_key(&other_secret, &format!("/v1/conversations/{id}")).await;
    assert_eq!(status, 404);
    let (_, listed) = app.get_with_key(&other_secret, "/v1/conversations").await;
    assert!(listed["data"].as_array().unwrap().is_empty());
    let (_, session) = app.post_with_key(&other_publishable, "/v1/widget/sessions", json!({"token": visitor})).await;
    assert_ne!(session["token"], visitor, "a token is not resumed under another merchant");
    let (status, token) = app.post_with_key(&visitor, "/v1/widget/realtime_token", json!({})).await;
    assert_eq!(status, 200, "{token}");
    assert!(token["channel"].as_str().unwrap().starts_with("support:cont_"));
}

/// Business hours across time zones, on a clock the test sets: a team in Shanghai open
/// weekdays 9:00–18:00; a buyer in New York writes on Friday evening (Saturday morning in
/// Shanghai) and is told, in Spanish and in New York time, that the team is back on
/// Sunday evening (Monday 9:00 in Shanghai).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_hours_across_time_zones() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        // Friday 2026-11-27 22:00 in New York = Saturday 03:00 UTC = Saturday 11:00 in Shanghai.
        let friday_evening_new_york_ms = 1_795_834_800_000;
        let clock = ManualClock::at_ms(friday_evening_new_york_ms);
        let Some(app) = spawn_app_with_clock(backend, clock.clone()).await else { continue };
        let (status, team) = app
            .post(
                "/v1/support/teams",
                json!({"name": "Shenzhen", "time_zone": "Asia/Shanghai", "business_hours": [
                    {"day": "monday", "start": "09:00", "end": "18:00"}, {"day": "tuesday", "start": "09:00", "end": "18:00"},
                    {"day": "wednesday", "start": "09:00", "end": "18:00"}, {"day": "thursday", "start": "09:00", "end": "18:00"},
                    {"day": "friday", "start": "09:00", "end": "18:00"}], "holidays": ["2026-11-30"]}),
            )
            .await;
        assert_eq!(status, 200, "{team}");
        assert_eq!(team["open_now"], false);
        // Monday 30 November is a holiday: back on Tuesday 1 December 09:00 Shanghai =
        // Tuesday 01:00 UTC = Monday 20:00 in New York.
        let tuesday_nine_shanghai: i64 = 1_796_086_800;
        assert_eq!(team["next_open_at"], tuesday_nine_shanghai, "{team}");
        settings(&app, json!({"assistant_enabled": false, "default_team": team["id"]})).await;
        let (status, session) = app
            .post_with_key(
                &app.publishable_key,
                "/v1/widget/sessions",
                json!({"language": "es", "time_zone": "America/New_York"}),
            )
            .await;
        assert_eq!(status, 200, "{session}");
        assert_eq!(session["settings"]["online"], false);
        let visitor = session["token"].as_str().unwrap();
        let conversation = start(&app, visitor, "Hola, ¿cuándo llega mi pedido?").await;
        let id = conversation["id"].as_str().unwrap();
        let messages = buyer_messages(&app, visitor, id).await;
        let notice = messages.iter().find(|message| message["sender"] == "system").expect("an out-of-hours reply");
        let text = notice["text"].as_str().unwrap();
        assert!(
            text.contains("20:00") && text.to_lowercase().contains("lunes"),
            "back Monday 20:00 New York time: {text}"
        );
        let entries = timeline(&app, id).await;
        let auto = entries.iter().find(|entry| entry["kind"] == "auto_reply").unwrap();
        assert_eq!(auto["data"]["back_at"], tuesday_nine_shanghai);
        // Tuesday 9:05 in Shanghai the team is open.
        clock.advance_ms(u64::try_from(tuesday_nine_shanghai + 300 - 1_795_834_800).unwrap() * 1000);
        let (_, team) = app.get(&format!("/v1/support/teams/{}", team["id"].as_str().unwrap())).await;
        assert_eq!(team["open_now"], true);
    }
}

/// Two-way translation through a LibreTranslate-compatible server (a local fake): the
/// agent reads the buyer's Spanish in English with the original kept, and the buyer gets
/// the agent's English reply in Spanish with the original kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_are_translated_both_ways() {
    use tradewind_language::fake::FakeLibreTranslate;
    let (base_url, fake) = FakeLibreTranslate::start_with_key("lt-secret").await.unwrap();
    let config =
        tradewind_language::TranslatorConfig::parse("libretranslate", &base_url, Some("lt-secret"), None).unwrap();
    let translator = tradewind_language::Translator::new(config).unwrap();
    let clock = std::sync::Arc::new(tradewind_api::SystemClock);
    let app = common::spawn_app_customized(Backend::Sqlite, clock, move |state| {
        state.support = std::sync::Arc::new(tradewind_api::support::SupportRuntime::with_translator(translator));
    })
    .await
    .unwrap();
    settings(&app, json!({"assistant_enabled": false})).await;
    agent(&app, "sam@shop.example", &["en"], 5, true).await;
    let token = sign_in(&app, "sam@shop.example").await;
    let visitor = visit(&app, "es").await;
    let started = start(&app, &visitor, "Hola, mi paquete llegó roto y quiero un reembolso").await;
    let id = started["id"].as_str().unwrap();
    let (_, messages) = app.get_with_key(&token, &format!("/v1/conversations/{id}/messages")).await;
    let buyer =
        messages["data"].as_array().unwrap().iter().find(|message| message["sender"] == "buyer").unwrap().clone();
    assert_eq!(buyer["language"], "es");
    assert_eq!(buyer["translated"], true, "{buyer}");
    assert_eq!(buyer["original_text"], "Hola, mi paquete llegó roto y quiero un reembolso");
    assert_ne!(buyer["text"], buyer["original_text"], "the agent reads it in English: {buyer}");
    let (status, reply) = app
        .post_with_key(
            &token,
            &format!("/v1/conversations/{id}/messages"),
            json!({"text": "I am sorry, we will send a new one today."}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let seen = buyer_messages(&app, &visitor, id).await;
    let answer = seen.iter().find(|message| message["sender"] == "agent").unwrap();
    assert_eq!(answer["translated"], true, "{answer}");
    assert_eq!(answer["original_text"], "I am sorry, we will send a new one today.");
    assert_ne!(answer["text"], answer["original_text"]);
    let requests = fake.requests();
    assert!(requests.iter().all(|request| request.json().unwrap()["api_key"] == "lt-secret"), "the key is sent");
    let targets: Vec<String> =
        requests.iter().map(|request| request.json().unwrap()["target"].as_str().unwrap().to_owned()).collect();
    assert!(targets.contains(&"en".to_owned()) && targets.contains(&"es".to_owned()), "{targets:?}");
    // A translator that fails leaves the message untranslated, never unsent.
    fake.fault_next(tradewind_language::fake::Fault::ServerError, 4);
    let result = say(&app, &visitor, id, "¿Me pueden confirmar el envío?").await;
    assert_eq!(result["message"]["translated"], false);
}

/// The assistant answered by an OpenAI-compatible chat model (a local fake) under the
/// same tools and guardrails: a tool call it is allowed, a verified buyer's order, and an
/// answer stating a fact no tool returned, which is discarded for the embedded answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_model_answers_under_the_same_guardrails() {
    use tradewind_assistant::llm::fake::{FakeChat, Scripted};
    let chat = FakeChat::start().await.unwrap();
    let model = tradewind_assistant::LlmConfig::new(
        chat.base_url(),
        tradewind_assistant::llm::ApiKey::new("sk-model"),
        "test-model",
    );
    let clock = std::sync::Arc::new(tradewind_api::SystemClock);
    let app = common::spawn_app_customized(Backend::Sqlite, clock, move |state| {
        state.support = std::sync::Arc::new(tradewind_api::support::SupportRuntime::new(None, Some(model)).unwrap());
    })
    .await
    .unwrap();
    let order = create_order(&app, "1001", "lucia@example.com", json!({"status": "paid"})).await;
    app.post(
        &format!("/v1/orders/{}", order["id"].as_str().unwrap()),
        json!({"status": "shipped", "shipment": {"carrier": "DHL", "tracking_number": "JD0142"}}),
    )
    .await;
    let visitor = visit(&app, "en").await;
    app.post_with_key(&visitor, "/v1/widget/identify", json!({"order_number": "1001", "email": "lucia@example.com"}))
        .await;
    chat.push(Scripted::tool_call("lookup_order", json!({"number": "1001"})));
    chat.push(Scripted::answer("Your order 1001 has shipped with DHL, tracking number JD0142."));
    let started = start(&app, &visitor, "Where is my order 1001?").await;
    let id = started["id"].as_str().unwrap();
    let answer = buyer_messages(&app, &visitor, id).await.last().unwrap().clone();
    assert_eq!(answer["text"], "Your order 1001 has shipped with DHL, tracking number JD0142.");
    assert!(!chat.requests().is_empty());
    // The model invents a refund: the guardrail discards it for the embedded answer.
    chat.push(Scripted::tool_call("lookup_order", json!({"number": "1001"})));
    chat.push(Scripted::answer("Your refund of 99.00 USD for order 1001 was sent yesterday."));
    let result = say(&app, &visitor, id, "Did you refund order 1001?").await;
    let text = result["replies"][0]["text"].as_str().unwrap();
    assert!(!text.contains("99.00"), "an unsupported fact never reaches the buyer: {text}");
    let entries = timeline(&app, id).await;
    let answers: Vec<&Value> = entries.iter().filter(|entry| entry["kind"] == "assistant_answer").collect();
    assert!(answers.last().unwrap()["data"]["source"].as_str().unwrap().contains("Fallback"), "{answers:?}");
}
