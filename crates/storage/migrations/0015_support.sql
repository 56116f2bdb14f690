-- Customer service: orders (what buyers ask about), the support team (agents, teams with
-- business hours), buyers as contacts, conversations with their messages and timeline,
-- canned responses and knowledge-base articles, and each merchant's desk settings.
-- Times are Unix seconds; amounts integer minor units; JSON kept as TEXT.

-- A minimal order: what the buyer bought, what it cost, where it goes, how it ships.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    -- The merchant's own order number, as buyers quote it (`1001`).
    number TEXT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('pending', 'paid', 'processing', 'shipped', 'delivered', 'canceled', 'refunded')),
    buyer_email TEXT NOT NULL,
    buyer_name TEXT,
    buyer_phone TEXT,
    -- The buyer's language and time zone, when the shop knows them.
    buyer_language TEXT,
    currency TEXT NOT NULL,
    -- JSON: [{"name", "sku", "quantity", "unit_amount"}].
    items TEXT NOT NULL,
    subtotal_amount BIGINT NOT NULL CHECK (subtotal_amount >= 0),
    shipping_amount BIGINT NOT NULL CHECK (shipping_amount >= 0),
    tax_amount BIGINT NOT NULL CHECK (tax_amount >= 0),
    total_amount BIGINT NOT NULL CHECK (total_amount = subtotal_amount + shipping_amount + tax_amount),
    -- JSON: {"name", "line1", "line2", "city", "state", "postal_code", "country"}.
    shipping_address TEXT,
    carrier TEXT,
    tracking_number TEXT,
    tracking_url TEXT,
    shipment_status TEXT
        CHECK (shipment_status IN ('label_created', 'in_transit', 'out_for_delivery', 'delivered', 'exception')),
    shipped_at BIGINT,
    estimated_delivery_at BIGINT,
    delivered_at BIGINT,
    -- JSON: [{"status", "at"}], every status the order passed through.
    status_history TEXT NOT NULL,
    metadata TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((tracking_number IS NULL) OR (carrier IS NOT NULL))
);
CREATE UNIQUE INDEX orders_number ON orders (merchant_id, number);
CREATE INDEX orders_by_merchant ON orders (merchant_id, id);
CREATE INDEX orders_by_buyer ON orders (merchant_id, buyer_email);

-- The payment intents that paid an order (one order, several tries or instalments).
CREATE TABLE order_payments (
    order_id TEXT NOT NULL REFERENCES orders (id),
    payment_intent_id TEXT NOT NULL REFERENCES payment_intents (id),
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (order_id, payment_intent_id)
);
CREATE UNIQUE INDEX order_payments_by_intent ON order_payments (payment_intent_id);

-- Each merchant's desk: the assistant switch, the widget's identity secret and look, the
-- pre-chat questions, the routing policy and the SLA targets.
CREATE TABLE support_settings (
    merchant_id TEXT PRIMARY KEY REFERENCES merchants (id),
    assistant_enabled BIGINT NOT NULL CHECK (assistant_enabled IN (0, 1)),
    -- HMAC key the merchant's shop signs a logged-in buyer's email with (hex).
    identity_secret TEXT NOT NULL,
    -- JSON: the widget's greeting, colour and pre-chat questions.
    widget TEXT NOT NULL,
    -- 'required': only agents speaking the buyer's language; 'preferred': any, translated.
    language_policy TEXT NOT NULL CHECK (language_policy IN ('required', 'preferred')),
    -- JSON: first-response and resolution targets per priority, business hours only or not.
    sla TEXT NOT NULL,
    csat_enabled BIGINT NOT NULL CHECK (csat_enabled IN (0, 1)),
    default_team_id TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE support_teams (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    name TEXT NOT NULL,
    -- IANA time zone of the team's business hours.
    time_zone TEXT NOT NULL,
    -- JSON: [{"day": "monday", "start": "09:00", "end": "18:00"}].
    business_hours TEXT NOT NULL,
    -- JSON: ["2026-12-25", …], dates in the team's time zone.
    holidays TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX support_teams_name ON support_teams (merchant_id, name);

CREATE TABLE support_agents (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    -- JSON: ["en", "es"].
    languages TEXT NOT NULL,
    capacity BIGINT NOT NULL CHECK (capacity BETWEEN 1 AND 100),
    presence TEXT NOT NULL CHECK (presence IN ('online', 'away', 'offline')),
    team_id TEXT REFERENCES support_teams (id),
    -- The most a refund this agent issues may be, per currency (JSON: {"usd": 5000}).
    refund_limits TEXT NOT NULL,
    -- Argon2 hash of the console password; NULL: the agent cannot sign in.
    password_hash TEXT,
    -- Unix milliseconds of the last automatic assignment (round-robin among equals).
    last_assigned_at_ms BIGINT,
    disabled BIGINT NOT NULL CHECK (disabled IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX support_agents_email ON support_agents (merchant_id, email);

-- A console sign-in: the token is shown once; only its SHA-256 is kept.
CREATE TABLE support_agent_sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES support_agents (id),
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX support_agent_sessions_by_agent ON support_agent_sessions (agent_id);

-- A buyer talking through the widget: anonymous first, then identified by an email the
-- shop signed, or by an order number and the email on that order (verified).
CREATE TABLE support_contacts (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    -- SHA-256 of the widget's visitor token; the token is the buyer's only credential.
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT,
    email TEXT,
    -- 1 once the email is proved (signed by the shop, or matched to an order).
    verified BIGINT NOT NULL CHECK (verified IN (0, 1)),
    -- The order numbers the buyer proved they own (JSON: ["1001"]).
    verified_orders TEXT NOT NULL,
    language TEXT,
    time_zone TEXT,
    -- JSON: the pre-chat answers and anything the shop passed along.
    attributes TEXT NOT NULL,
    -- Failed order verifications, for the attempt limit.
    failed_verifications BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    CHECK (verified = 0 OR email IS NOT NULL)
);
CREATE INDEX support_contacts_by_merchant ON support_contacts (merchant_id, id);

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    contact_id TEXT NOT NULL REFERENCES support_contacts (id),
    status TEXT NOT NULL CHECK (status IN ('open', 'pending', 'snoozed', 'resolved')),
    priority TEXT NOT NULL CHECK (priority IN ('none', 'low', 'medium', 'high', 'urgent')),
    -- The buyer's language, detected from their messages or chosen in the widget.
    language TEXT,
    channel TEXT NOT NULL CHECK (channel IN ('widget', 'api')),
    subject TEXT,
    assignee_id TEXT REFERENCES support_agents (id),
    team_id TEXT REFERENCES support_teams (id),
    -- Set while the conversation waits in the queue for an agent with capacity.
    queued_at_ms BIGINT,
    -- 1 while the assistant answers; 0 once handed to people (or never on).
    assistant_active BIGINT NOT NULL CHECK (assistant_active IN (0, 1)),
    assistant_failures BIGINT NOT NULL,
    order_id TEXT REFERENCES orders (id),
    snoozed_until BIGINT,
    first_response_due_at BIGINT,
    resolution_due_at BIGINT,
    first_response_at BIGINT,
    resolved_at BIGINT,
    sla_first_response_breached BIGINT NOT NULL CHECK (sla_first_response_breached IN (0, 1)),
    sla_resolution_breached BIGINT NOT NULL CHECK (sla_resolution_breached IN (0, 1)),
    -- The last message each side has read (read receipts).
    buyer_read_message_id TEXT,
    agent_read_message_id TEXT,
    csat_rating BIGINT CHECK (csat_rating BETWEEN 1 AND 5),
    csat_comment TEXT,
    last_message_at BIGINT NOT NULL,
    last_message_preview TEXT,
    message_count BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((status = 'snoozed') = (snoozed_until IS NOT NULL)),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL)),
    CHECK (queued_at_ms IS NULL OR assignee_id IS NULL)
);
CREATE INDEX conversations_by_merchant ON conversations (merchant_id, id);
CREATE INDEX conversations_by_assignee ON conversations (merchant_id, assignee_id, status);
CREATE INDEX conversations_by_contact ON conversations (contact_id, id);
CREATE INDEX conversations_queue ON conversations (merchant_id, queued_at_ms);

CREATE TABLE conversation_tags (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    tag TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, tag)
);
CREATE INDEX conversation_tags_by_tag ON conversation_tags (merchant_id, tag);

CREATE TABLE conversation_messages (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    sender TEXT NOT NULL CHECK (sender IN ('buyer', 'agent', 'assistant', 'system')),
    agent_id TEXT REFERENCES support_agents (id),
    kind TEXT NOT NULL CHECK (kind IN ('text', 'image', 'file')),
    -- 1: an internal note, never shown to the buyer.
    private BIGINT NOT NULL CHECK (private IN (0, 1)),
    text TEXT NOT NULL,
    language TEXT,
    -- JSON: {"es": "…"}: the text in other languages (the original stays in `text`).
    translations TEXT NOT NULL,
    attachment_name TEXT,
    attachment_type TEXT,
    attachment_size BIGINT,
    attachment BYTEA,
    created_at BIGINT NOT NULL,
    CHECK ((kind = 'text') = (attachment IS NULL)),
    CHECK (private = 0 OR sender = 'agent')
);
CREATE INDEX conversation_messages_by_conversation ON conversation_messages (conversation_id, id);

-- The full timeline: every change, tool call and answer, in order.
CREATE TABLE conversation_events (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    kind TEXT NOT NULL,
    -- `buyer`, `assistant`, `system` or an agent id.
    actor TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX conversation_events_by_conversation ON conversation_events (conversation_id, id);

CREATE TABLE canned_responses (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    shortcut TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX canned_responses_shortcut ON canned_responses (merchant_id, shortcut);

CREATE TABLE knowledge_articles (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    language TEXT NOT NULL,
    -- JSON: ["returns", "shipping"].
    tags TEXT NOT NULL,
    published BIGINT NOT NULL CHECK (published IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX knowledge_articles_by_merchant ON knowledge_articles (merchant_id, id);
