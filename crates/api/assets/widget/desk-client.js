// What the chat widget (widget-app.js) and the agent console (console.js) share in
// talking to the support desk: API calls with a bearer token and a timeout, the
// realtime connection, catching up on a conversation's messages, the typing
// indicator, and attachments fetched with the token. Served at /widget/desk-client.js.

/** A request waits this long; a buyer's first message waits for the assistant's answer too. */
export const REQUEST_TIMEOUT_MS = 30000;
/** How long "… is typing" stays after the last typing signal. */
export const TYPING_VISIBLE_MS = 6000;
/** At most one typing signal per this interval while someone types. */
export const TYPING_SEND_INTERVAL_MS = 3000;
/** Pages of `?after=` fetched in one catch-up, of MESSAGE_PAGE messages each. */
export const CATCH_UP_PAGES_MAX = 20;
export const MESSAGE_PAGE = 100;

/** A failed API call: the HTTP status (0 for the network), the error code, the server's message and parameter. */
export class ApiError extends Error {
  constructor(status, code, message, param) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.param = param ?? null;
  }
}

/**
 * Calls the API at `origin` with a JSON body or a multipart form, the bearer `token`
 * (none when null) and a timeout; resolves with the parsed answer or rejects with an
 * ApiError.
 */
export async function apiRequest(origin, method, path, { token = null, body, form } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (form) {
    payload = form;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    const init = { method, headers, body: payload, signal: controller.signal, credentials: 'omit' };
    response = await fetch(origin + path, init);
  } catch (error) {
    throw new ApiError(0, 'network', `The server could not be reached (${error?.message ?? error}).`);
  } finally {
    clearTimeout(timer);
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const error = answer?.error ?? {};
    throw new ApiError(response.status, error.code ?? `http_${response.status}`, error.message, error.param);
  }
  return answer;
}

/** The WebSocket URL of a realtime token's `url`, absolute or relative to `origin`. */
export function socketUrl(url, origin) {
  const parsed = new URL(url, origin);
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  return parsed.href;
}

/**
 * A realtime client from a first token answer (`{token, url}`), fetching fresh tokens
 * with `fetchToken` and reporting `connecting` | `connected` | `disconnected`.
 */
export function openRealtime(RealtimeClient, first, origin, fetchToken, onState) {
  const client = new RealtimeClient(socketUrl(first.url, origin), {
    token: first.token,
    getToken: async () => (await fetchToken()).token,
  });
  client.on('connecting', () => onState('connecting'));
  client.on('connected', () => onState('connected'));
  client.on('disconnected', (event) => onState(event.reconnect ? 'connecting' : 'disconnected'));
  return client;
}

/** The other side's typing indicator (`name` is null when hidden) and the throttle on our own signals. */
export class Typing {
  constructor(onChange) {
    this.name = null;
    this.timer = null;
    this.lastSentAt = 0;
    this.onChange = onChange;
  }

  /** Shows "<name> is typing…" for a while; `null` hides it at once. */
  show(name) {
    clearTimeout(this.timer);
    this.name = name;
    if (name !== null) this.timer = setTimeout(() => this.show(null), TYPING_VISIBLE_MS);
    this.onChange();
  }

  /** Sends a typing signal on `subscription`, at most once per TYPING_SEND_INTERVAL_MS. */
  send(subscription) {
    const now = Date.now();
    if (!subscription || now - this.lastSentAt < TYPING_SEND_INTERVAL_MS) return;
    this.lastSentAt = now;
    subscription.typing();
  }
}

/**
 * Fetches what came after the newest message held, page by page, one run at a time.
 * `source` gives `conversationId()`, `lastId()`, `fetchPage(conversationId, query)`
 * (a list) and `add(conversationId, messages)`; a run stops when the conversation
 * changes under it.
 */
export class CatchUp {
  constructor(source) {
    this.source = source;
    this.running = null;
  }

  run() {
    if (this.running) return this.running;
    this.running = this.pages().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async pages() {
    const source = this.source;
    for (let page = 0; page < CATCH_UP_PAGES_MAX; page++) {
      const conversationId = source.conversationId();
      if (!conversationId) return;
      const query = new URLSearchParams({ limit: String(MESSAGE_PAGE) });
      const after = source.lastId();
      if (after) query.set('after', after);
      const list = await source.fetchPage(conversationId, query);
      if (source.conversationId() !== conversationId) return;
      source.add(list.data ?? []);
      if (!list.has_more) return;
    }
  }
}

/**
 * Attachments as object URLs, fetched with the bearer token (an `<img>` cannot send
 * one, and the token only ever goes to the API's own origin); the oldest are released
 * beyond `limit`.
 */
export class AttachmentCache {
  constructor(limit) {
    this.limit = limit;
    this.urls = new Map();
  }

  async url(message, origin, token) {
    if (this.urls.has(message.id)) return this.urls.get(message.id);
    const url = new URL(message.attachment.url, origin);
    const headers = url.origin === new URL(origin).origin ? { Authorization: `Bearer ${token}` } : {};
    const response = await fetch(url.href, { headers, credentials: 'omit' });
    if (!response.ok) throw new ApiError(response.status, 'attachment_unavailable', message.attachment.name);
    const objectUrl = URL.createObjectURL(await response.blob());
    this.urls.set(message.id, objectUrl);
    if (this.urls.size > this.limit) {
      const [oldest, oldUrl] = this.urls.entries().next().value;
      URL.revokeObjectURL(oldUrl);
      this.urls.delete(oldest);
    }
    return objectUrl;
  }

  clear() {
    for (const url of this.urls.values()) URL.revokeObjectURL(url);
    this.urls.clear();
  }
}
