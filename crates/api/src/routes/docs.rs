//! The OpenAPI 3.1 document, generated from the handlers' annotations, and a readable
//! API reference page rendered from it in the browser (no asset downloaded).

use crate::routes::disputes;
use crate::routes::reconciliation;
use crate::routes::{balance, checkout, events, fx, merchants, payment_intents, payment_methods, refunds, sandbox};
use crate::routes::{files, radar};
use axum::Json;
use axum::response::Html;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("sk_test_… or pk_test_…").build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Tradewind API", description = "One API for cards, PayPal and local payment methods, Stripe-shaped. \
        Amounts are integer minor units. Errors are `{\"error\": {\"type\", \"code\", \"message\", \"param\"}}`. \
        Every POST accepts an `Idempotency-Key` header."),
    paths(
        payment_intents::create, payment_intents::retrieve, payment_intents::update, payment_intents::confirm_intent,
        payment_intents::capture, payment_intents::cancel, payment_intents::list, payment_intents::list_attempts,
        payment_methods::list,
        refunds::create, refunds::retrieve, refunds::list,
        disputes::retrieve, disputes::update, disputes::close, disputes::list,
        files::upload, files::retrieve, files::contents, files::list,
        radar::retrieve, radar::list,
        balance::retrieve, balance::forecast, balance::list_transactions, balance::retrieve_transaction,
        checkout::create, checkout::retrieve, checkout::create_link, checkout::retrieve_link, checkout::update_link,
        checkout::list_links,
        events::list, events::retrieve, events::deliveries, events::resend,
        crate::routes::webhook_endpoints::create, crate::routes::webhook_endpoints::list,
        crate::routes::webhook_endpoints::retrieve, crate::routes::webhook_endpoints::update,
        crate::routes::webhook_endpoints::delete, crate::routes::webhook_endpoints::rotate_secret,
        crate::routes::routing::retrieve_rules, crate::routes::routing::replace_rules,
        crate::routes::routing::simulate,
        crate::routes::realtime::create_token, crate::routes::realtime::publish,
        crate::routes::realtime::list_namespaces,
        crate::routes::connector_accounts::create, crate::routes::connector_accounts::list,
        crate::routes::connector_accounts::retrieve, crate::routes::connector_accounts::update,
        crate::routes::connector_accounts::disable, crate::routes::connector_accounts::retrieve_faults,
        crate::routes::connector_accounts::replace_faults, crate::routes::connector_webhooks::receive,
        fx::retrieve_rate, fx::create_rate, fx::create_quote, fx::retrieve_quote,
        merchants::retrieve, merchants::roll,
        crate::routes::support_desk::create_session, crate::routes::support_desk::delete_session,
        crate::routes::support_desk::me, crate::routes::support_desk::update_me,
        crate::routes::support_desk::create_agent, crate::routes::support_desk::list_agents,
        crate::routes::support_desk::retrieve_agent, crate::routes::support_desk::update_agent,
        crate::routes::support_desk::create_team, crate::routes::support_desk::list_teams,
        crate::routes::support_desk::retrieve_team, crate::routes::support_desk::update_team,
        crate::routes::support_desk::retrieve_settings, crate::routes::support_desk::update_settings,
        crate::routes::support_content::create_canned, crate::routes::support_content::list_canned,
        crate::routes::support_content::retrieve_canned, crate::routes::support_content::update_canned,
        crate::routes::support_content::delete_canned, crate::routes::support_content::create_article,
        crate::routes::support_content::list_articles, crate::routes::support_content::retrieve_article,
        crate::routes::support_content::update_article, crate::routes::support_content::delete_article,
        crate::routes::support_desk::console_realtime_token, crate::routes::support_content::search_articles,
        crate::routes::conversations::list, crate::routes::conversations::create,
        crate::routes::conversations::retrieve, crate::routes::conversations::update,
        crate::routes::conversations::list_messages, crate::routes::conversations::post_message,
        crate::routes::conversations::assign_conversation, crate::routes::conversations::change_tags,
        crate::routes::conversations::mark_read, crate::routes::conversations::list_timeline,
        crate::routes::conversation_context::context, crate::routes::conversation_context::refund,
        crate::routes::widget::create_session, crate::routes::widget::retrieve_session,
        crate::routes::widget::identify, crate::routes::widget::list_conversations,
        crate::routes::widget::start_conversation, crate::routes::widget::list_messages,
        crate::routes::widget::post_message, crate::routes::widget::mark_read, crate::routes::widget::handoff,
        crate::routes::widget::submit_csat, crate::routes::widget::realtime_token,
        crate::routes::orders::create, crate::routes::orders::retrieve, crate::routes::orders::update,
        crate::routes::orders::list, crate::routes::payouts::create, crate::routes::payouts::retrieve, crate::routes::payouts::list,
        crate::routes::payouts::cancel, crate::routes::account_settings::retrieve,
        crate::routes::account_settings::update, crate::routes::account_settings::list_reserves,
        sandbox::clock, sandbox::advance, sandbox::fund_transfer, sandbox::collect, sandbox::refuse, sandbox::pay_boleto,
        reconciliation::import, reconciliation::list, reconciliation::retrieve, reconciliation::list_results,
        reconciliation::sandbox_report,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

pub async fn reference() -> Html<&'static str> {
    Html(REFERENCE_PAGE)
}

const REFERENCE_PAGE: &str = r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Tradewind API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1a1f36;display:flex}
nav{width:260px;height:100vh;overflow:auto;position:sticky;top:0;background:#f6f8fa;padding:16px;box-sizing:border-box;border-inline-end:1px solid #e3e8ee}
nav h4{margin:14px 0 4px;font-size:12px;text-transform:uppercase;color:#697386}
nav a{display:block;color:#425466;text-decoration:none;font-size:13px;padding:2px 0}
main{flex:1;padding:24px 40px;max-width:900px}
.op{border-top:1px solid #e3e8ee;padding:18px 0}
.verb{display:inline-block;font:600 12px monospace;padding:2px 6px;border-radius:4px;color:#fff;margin-inline-end:8px}
.get{background:#1f883d}.post{background:#635bff}
code,pre{font-family:ui-monospace,monospace;font-size:13px}
pre{background:#0a2540;color:#f6f9fc;padding:12px;border-radius:6px;overflow:auto}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #eef;padding:4px 6px;vertical-align:top}
</style></head><body>
<nav id="nav"><strong>Tradewind API</strong></nav>
<main id="main"><h1>Tradewind API reference</h1><p id="intro">Loading <code>/openapi.json</code>…</p></main>
<script>
const esc = s => String(s ?? "").replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;"}[c]));
function schemaName(ref){ return ref ? ref.split("/").pop() : ""; }
function fields(doc, schema){
  if (!schema) return "";
  if (schema.$ref) schema = doc.components.schemas[schemaName(schema.$ref)] || {};
  const props = schema.properties || {};
  const required = new Set(schema.required || []);
  const rows = Object.entries(props).map(([name, p]) =>
    `<tr><td><code>${esc(name)}</code>${required.has(name) ? " <small>required</small>" : ""}</td>` +
    `<td>${esc(p.type || schemaName(p.$ref) || (p.oneOf ? "object" : ""))}</td><td>${esc(p.description || "")}</td></tr>`).join("");
  return rows ? `<table>${rows}</table>` : "";
}
fetch("/openapi.json").then(r => r.json()).then(doc => {
  document.getElementById("intro").innerHTML = esc(doc.info.description);
  const nav = document.getElementById("nav"), main = document.getElementById("main");
  const order = ["Payment intents", "Payment methods", "Refunds", "Disputes", "Files", "Radar", "Balance", "Payouts", "Checkout", "Events", "FX", "Reconciliation", "Connectors", "Routing", "Account", "Sandbox"];
  const groups = new Map(order.map(tag => [tag, []]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [verb, op] of Object.entries(item)) {
      const tag = (op.tags || ["Other"])[0];
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push([path, verb, op]);
    }
  }
  let n = 0;
  for (const [tag, ops] of groups) {
    if (!ops.length) continue;
    nav.insertAdjacentHTML("beforeend", `<h4>${esc(tag)}</h4>`);
    main.insertAdjacentHTML("beforeend", `<h2>${esc(tag)}</h2>`);
    for (const [path, verb, op] of ops) {
      const id = "op" + (n++);
      nav.insertAdjacentHTML("beforeend", `<a href="#${id}">${verb.toUpperCase()} ${esc(path)}</a>`);
      const body = op.requestBody && op.requestBody.content["application/json"];
      const params = (op.parameters || []).map(p => `<tr><td><code>${esc(p.name)}</code> <small>${esc(p.in)}</small></td><td>${esc(p.description || "")}</td></tr>`).join("");
      const ok = op.responses && op.responses["200"] && op.responses["200"].content;
      const out = ok && ok["application/json"] && ok["application/json"].schema;
      main.insertAdjacentHTML("beforeend", `<section class="op" id="${id}"><h3><span class="verb ${verb}">${verb.toUpperCase()}</span><code>${esc(path)}</code></h3>
        <p>${esc(op.summary || op.description || "")}</p>
        ${params ? `<h4>Parameters</h4><table>${params}</table>` : ""}
        ${body ? `<h4>Request body</h4>${fields(doc, body.schema)}` : ""}
        ${out ? `<h4>Response: ${esc(schemaName(out.$ref) || "object")}</h4>${fields(doc, out)}` : ""}
        <pre>curl -X ${verb.toUpperCase()} $TRADEWIND${esc(path)} -H "Authorization: Bearer $SECRET_KEY"${body ? " -H 'Content-Type: application/json' -d '{…}'" : ""}</pre></section>`);
    }
  }
});
</script></body></html>"##;
