// The agent console's pure logic: money display and entry in integer minor units
// (string arithmetic only, never floats), inbox views and live upserts, canned
// response picking, refund limits and SLA badges. No DOM, no network, no clock (the
// time comes in as an argument); tests/widget/console.test.mjs runs it under Node.

/** Most conversations kept in the inbox list. */
export const INBOX_MAX = 200;
/** Most canned responses offered at once in the `/` picker. */
export const CANNED_SUGGESTIONS_MAX = 8;
/** An unanswered conversation within this many seconds of its first-response deadline is "due soon". */
export const DUE_SOON_SECONDS = 300;
/** Digits an amount may have before the decimal point (keeps minor units below 2^53). */
const WHOLE_DIGITS_MAX = 13;
/** The inbox views the console offers. */
export const VIEWS = ['unassigned', 'mine', 'all'];
/** Complaint tags offered in the tag filter before any conversation used them. */
export const COMMON_TAGS = ['not_received', 'damaged', 'wrong_item', 'refund_delay', 'payment_failed'];

// --- money ---------------------------------------------------------------------------

/**
 * Digits after the decimal point for `currency` (lowercase or uppercase ISO 4217),
 * from the server's table; 2 for a currency the table lacks.
 * @param {string} currency
 * @param {Record<string, number>} exponents
 */
export function currencyExponent(currency, exponents) {
  const exponent = exponents?.[String(currency).toLowerCase()];
  return Number.isInteger(exponent) && exponent >= 0 && exponent <= 4 ? exponent : 2;
}

/** Minor units as a plain decimal string: (1234, 2) → "12.34", (-5, 2) → "-0.05", (500, 0) → "500". */
export function minorToDecimal(minor, exponent) {
  const negative = minor < 0;
  let digits = String(Math.abs(Math.trunc(minor)));
  if (exponent === 0) return (negative ? '-' : '') + digits;
  digits = digits.padStart(exponent + 1, '0');
  const whole = digits.slice(0, -exponent);
  const fraction = digits.slice(-exponent);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/**
 * An amount for people: "$12.34", "¥500", "Rp 150.000,00" in `locale`. Intl formats
 * the exact decimal string, so no float rounding is involved; an unknown currency
 * code prints as "12.34 XYZ".
 */
export function formatMinor(minor, currency, exponents, locale = 'en') {
  if (!Number.isFinite(minor)) return '';
  const exponent = currencyExponent(currency, exponents);
  const decimal = minorToDecimal(minor, exponent);
  const code = String(currency).toUpperCase();
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: code,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    }).format(decimal);
  } catch {
    return `${decimal} ${code}`;
  }
}

/**
 * Parses what an agent typed into minor units: "12", "12.5", "12.50", "1,234.56"
 * (commas as thousands separators). Null for anything else: negative, zero, more
 * decimals than the currency has, letters, or too many digits.
 * @returns {number | null}
 */
export function parseAmount(text, currency, exponents) {
  if (typeof text !== 'string') return null;
  const exponent = currencyExponent(currency, exponents);
  const cleaned = text.trim().replace(/,(?=\d{3}(\D|$))/g, '');
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return null;
  const [, whole, fraction = ''] = match;
  if (fraction.length > exponent || whole.replace(/^0+/, '').length > WHOLE_DIGITS_MAX) return null;
  const minor = Number(whole + fraction.padEnd(exponent, '0'));
  return minor > 0 ? minor : null;
}

/** The agent's refund limit in `currency`'s minor units, or null when none is set. */
export function refundLimit(agent, currency) {
  const limit = agent?.refund_limits?.[String(currency).toLowerCase()];
  return Number.isInteger(limit) && limit >= 0 ? limit : null;
}

// --- the inbox -----------------------------------------------------------------------

/**
 * Whether a conversation belongs in the inbox under `filter` ({view, tag, status, q})
 * for agent `agentId`. A search (`q`) cannot be judged here: the server decides, and
 * live updates only refresh conversations already listed.
 */
export function matchesView(conversation, filter, agentId) {
  if (!conversation) return false;
  if (filter.view === 'unassigned' && conversation.assignee) return false;
  if (filter.view === 'mine' && conversation.assignee?.id !== agentId) return false;
  if (filter.tag && !(conversation.tags ?? []).includes(filter.tag)) return false;
  if (filter.status && conversation.status !== filter.status) return false;
  return true;
}

/** When a conversation last moved, for ordering the inbox newest first. */
function lastActivity(conversation) {
  return conversation.last_message_at ?? conversation.updated ?? conversation.created ?? 0;
}

/** Orders the inbox: latest activity first, then newest id first. */
export function sortInbox(list) {
  return [...list].sort((left, right) => {
    const byTime = lastActivity(right) - lastActivity(left);
    if (byTime !== 0) return byTime;
    return left.id < right.id ? 1 : left.id > right.id ? -1 : 0;
  });
}

/**
 * Applies a `conversation.updated` event to the inbox: replaced in place, added when
 * it now matches the view, removed when it no longer does; sorted and bounded.
 */
export function upsertConversation(list, conversation, filter, agentId) {
  const listed = list.some((entry) => entry.id === conversation.id);
  const rest = list.filter((entry) => entry.id !== conversation.id);
  const matches = matchesView(conversation, filter, agentId);
  const keep = filter.q ? listed && matches : matches;
  const next = keep ? [...rest, conversation] : rest;
  return sortInbox(next).slice(0, INBOX_MAX);
}

/** Every tag seen on listed conversations plus the common complaint tags, sorted. */
export function knownTags(conversations) {
  const tags = new Set(COMMON_TAGS);
  for (const conversation of conversations) for (const tag of conversation.tags ?? []) tags.add(tag);
  return [...tags].sort();
}

/**
 * The inbox query string for a filter: `view`, and `status`, `tag`, `q` when set.
 * @returns {string}
 */
export function inboxQuery(filter, limit) {
  const query = new URLSearchParams({ view: filter.view, limit: String(limit) });
  if (filter.status) query.set('status', filter.status);
  if (filter.tag) query.set('tag', filter.tag);
  if (filter.q?.trim()) query.set('q', filter.q.trim());
  return query.toString();
}

/** A tag as agents type it: trimmed, lowercase, spaces and dashes as underscores; null when empty or too odd. */
export function normalizeTag(text) {
  if (typeof text !== 'string') return null;
  const tag = text.trim().toLowerCase().replace(/[\s-]+/g, '_');
  return /^[a-z0-9_]{1,40}$/.test(tag) ? tag : null;
}

/**
 * The SLA badge of a conversation at `nowSeconds`: `breached` when a timer broke,
 * `due_soon` when the first response is due within DUE_SOON_SECONDS, else null.
 */
export function slaState(conversation, nowSeconds) {
  const sla = conversation?.sla;
  if (sla?.first_response_breached || sla?.resolution_breached) return 'breached';
  const due = conversation?.first_response_due_at;
  if (!conversation?.first_response_at && Number.isFinite(due)) {
    if (due <= nowSeconds) return 'breached';
    if (due - nowSeconds <= DUE_SOON_SECONDS) return 'due_soon';
  }
  return null;
}

// --- canned responses ----------------------------------------------------------------

/** The picker's query when the reply starts with `/` and has no space yet, else null. */
export function cannedQuery(reply) {
  const match = /^\/(\S*)$/.exec(reply ?? '');
  return match ? match[1].toLowerCase() : null;
}

/**
 * Canned responses for a picker query: shortcut prefix matches first, then titles
 * containing the query, at most `limit`.
 */
export function filterCanned(list, query, limit = CANNED_SUGGESTIONS_MAX) {
  const needle = (query ?? '').toLowerCase();
  const shortcut = (item) => String(item.shortcut ?? '').replace(/^\//, '').toLowerCase();
  const byShortcut = list.filter((item) => shortcut(item).startsWith(needle));
  const byTitle = list.filter(
    (item) => !byShortcut.includes(item) && String(item.title ?? '').toLowerCase().includes(needle),
  );
  return [...byShortcut, ...byTitle].slice(0, limit);
}

/** The `{{variable}}` names a canned text uses, in order of first use. */
export function cannedVariables(text) {
  const names = [...String(text ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((match) => match[1]);
  return [...new Set(names)];
}

/** Status words for people: `refund_delay` → `refund delay`. */
export function words(value) {
  return String(value ?? '').replaceAll('_', ' ');
}

// --- time ----------------------------------------------------------------------------

/** "Mar 4, 14:05" in the agent's zone; "" for no time. */
export function formatDateTime(unixSeconds, locale = 'en', timeZone) {
  if (!Number.isFinite(unixSeconds)) return '';
  const options = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false };
  try {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(new Date(unixSeconds * 1000));
  } catch {
    return new Intl.DateTimeFormat(locale, options).format(new Date(unixSeconds * 1000));
  }
}

/** Unix seconds of a `<input type="datetime-local">` value read in the browser's zone; null when empty or invalid. */
export function localInputToUnix(value) {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null;
  const milliseconds = new Date(value).getTime();
  return Number.isFinite(milliseconds) ? Math.floor(milliseconds / 1000) : null;
}
