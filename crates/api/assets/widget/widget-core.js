// The chat widget's pure logic: language choice, its words, the message list (merge,
// de-duplication, order), read receipts and "Seen", queue and offline sentences,
// which forms to show, attachment checks and retry backoff. No DOM, no network, no
// clock (times come in as arguments), so Node's test runner checks all of it
// (crates/api/tests/widget/). widget.js and the agent console import it.

import { STRINGS } from './widget-strings.js';

export { STRINGS };

/** The widget's languages, in the order the server lists them. */
export const LANGUAGES = ['en', 'zh', 'es', 'pt', 'id', 'ar'];
/** Languages written right to left. */
const RTL_LANGUAGES = new Set(['ar']);
/** Most messages kept in memory for one conversation; older ones fall off the top. */
export const MESSAGES_MAX = 500;
/** Largest attachment the server accepts (10 MiB). */
export const ATTACHMENT_BYTES_MAX = 10 * 1024 * 1024;
/** Attachment types the server accepts. */
export const ATTACHMENT_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'];
/** Longest email address accepted by the forms (RFC 5321's path limit). */
const EMAIL_LENGTH_MAX = 254;
/** Largest exponent used by the backoff, so `2 ** attempt` never overflows. */
const BACKOFF_EXPONENT_MAX = 16;

// --- language ----------------------------------------------------------------------

/**
 * The widget language for a BCP 47 tag, by its primary subtag, case-insensitively:
 * `pt-BR` → `pt`, `zh-Hant-TW` → `zh`, `AR` → `ar`, and `in` (the withdrawn code for
 * Indonesian that old Android browsers still send) → `id`. Null when unsupported.
 * @param {unknown} tag
 * @returns {string | null}
 */
export function parseLanguage(tag) {
  if (typeof tag !== 'string') return null;
  const primary = tag.trim().split(/[-_]/)[0].toLowerCase();
  if (primary === 'in') return 'id';
  return LANGUAGES.includes(primary) ? primary : null;
}

/**
 * The first supported language among the candidates (the page's `data-language`, then
 * the browser's `navigator.languages`), else English. Arrays are searched in order.
 * @param {...(string | string[] | null | undefined)} candidates
 * @returns {string}
 */
export function chooseLanguage(...candidates) {
  for (const candidate of candidates.flat()) {
    const language = parseLanguage(candidate);
    if (language) return language;
  }
  return 'en';
}

/** Whether `language` is written right to left (`dir="rtl"` on the panel). */
export function isRtl(language) {
  return RTL_LANGUAGES.has(language);
}

/** `ltr` or `rtl` for the panel's `dir` attribute. */
export function direction(language) {
  return isRtl(language) ? 'rtl' : 'ltr';
}

/**
 * A widget string in `language` (English when the language or key is missing), with
 * `{placeholder}`s filled from `values`; unknown placeholders stay as written.
 * @param {string} language
 * @param {string} key
 * @param {Record<string, string | number>} [values]
 * @returns {string}
 */
export function text(language, key, values = {}) {
  const table = STRINGS[language] ?? STRINGS.en;
  const template = table[key] ?? STRINGS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (match, name) => (Object.hasOwn(values, name) ? String(values[name]) : match));
}

/**
 * Merchant text given per language (`{"en": "…", "es": "…"}`): the buyer's language,
 * else English, else any, else `fallback`.
 * @param {Record<string, string> | null | undefined} byLanguage
 * @param {string} language
 * @param {string} [fallback]
 */
export function localized(byLanguage, language, fallback = '') {
  if (!byLanguage || typeof byLanguage !== 'object') return fallback;
  const pick = byLanguage[language] ?? byLanguage.en ?? Object.values(byLanguage).find((value) => value);
  return typeof pick === 'string' && pick.trim() ? pick : fallback;
}

/** The greeting shown before the first message: the merchant's, else the widget's. */
export function greetingText(settings, language) {
  return localized(settings?.greeting, language, text(language, 'greeting_default'));
}

// --- sentences -----------------------------------------------------------------------

/**
 * What the buyer waiting in the queue reads: position, then the wait rounded up to
 * whole minutes (under a minute says so). Null when the conversation is not queued.
 * @param {{position?: number, estimated_wait_seconds?: number} | null | undefined} queue
 * @param {string} language
 * @returns {string | null}
 */
export function queueText(queue, language) {
  if (!queue || !Number.isInteger(queue.position) || queue.position < 1) return null;
  const parts = [text(language, 'queue_position', { position: queue.position })];
  const seconds = queue.estimated_wait_seconds;
  if (Number.isFinite(seconds) && seconds >= 0) {
    parts.push(
      seconds < 60
        ? text(language, 'queue_wait_soon')
        : text(language, 'queue_wait_minutes', { minutes: Math.ceil(seconds / 60) }),
    );
  }
  return parts.join(' ');
}

/**
 * The offline notice when nobody is online: a title, the server's expected-reply
 * sentence (already in the buyer's language) or a generic one, and the invitation to
 * leave a message. Null while the desk is online.
 * @returns {{title: string, detail: string, leave: string} | null}
 */
export function offlineNotice(settings, language) {
  if (!settings || settings.online !== false) return null;
  const expected = typeof settings.expected_reply === 'string' ? settings.expected_reply.trim() : '';
  return {
    title: text(language, 'offline_title'),
    detail: expected || text(language, 'offline_expected_default'),
    leave: text(language, 'offline_leave_message'),
  };
}

/** `Ana is typing…`, or the default agent name when the typer has none. */
export function typingText(name, language) {
  const who = typeof name === 'string' && name.trim() ? name.trim() : text(language, 'agent_default');
  return text(language, 'typing', { name: who });
}

/**
 * A message's time of day for its bubble, in the buyer's time zone; an unknown zone
 * falls back to the browser's.
 * @param {number} unixSeconds
 * @param {string} language
 * @param {string} [timeZone]
 */
export function formatTime(unixSeconds, language, timeZone) {
  if (!Number.isFinite(unixSeconds)) return '';
  const date = new Date(unixSeconds * 1000);
  const options = { hour: 'numeric', minute: '2-digit' };
  try {
    return new Intl.DateTimeFormat(language, { ...options, timeZone }).format(date);
  } catch {
    return new Intl.DateTimeFormat(language, options).format(date);
  }
}

// --- the message list -----------------------------------------------------------------

/**
 * Compares two ids of one kind. Server ids are a prefix and 26 characters of
 * base32 of a UUIDv7, so their string order is their creation order; this lets an id
 * the viewer never saw (an agent's private note that a read receipt points at) still
 * be placed.
 */
export function compareIds(left, right) {
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

/** Orders messages by `created`, then by id; local (pending) messages come last, in the order they were typed. */
export function compareMessages(left, right) {
  if (Boolean(left.pending) !== Boolean(right.pending)) return left.pending ? 1 : -1;
  if (left.pending) return (left.local_sequence ?? 0) - (right.local_sequence ?? 0);
  const byTime = (left.created ?? 0) - (right.created ?? 0);
  return byTime !== 0 ? byTime : compareIds(left.id, right.id);
}

/**
 * Merges messages into the list: one entry per id (the newer copy wins, so an edit
 * or a late translation replaces the old one), ordered by time, at most `limit`
 * (the newest). A server copy of the viewer's own message replaces the oldest local
 * pending message with the same text, so a message sent optimistically is never shown
 * twice, whichever of the send's answer and the realtime event arrives first.
 * @param {object[]} list the current list (not modified)
 * @param {object[]} incoming messages from the server (or local pending ones)
 * @param {{ownSender?: string, limit?: number}} [options]
 * @returns {object[]}
 */
export function mergeMessages(list, incoming, options = {}) {
  const ownSender = options.ownSender ?? 'buyer';
  const limit = options.limit ?? MESSAGES_MAX;
  const byId = new Map();
  const pending = [];
  for (const message of list) {
    if (message.pending) pending.push(message);
    else byId.set(message.id, message);
  }
  for (const message of incoming) {
    if (!message || typeof message.id !== 'string') continue;
    if (message.pending) {
      if (!pending.some((local) => local.id === message.id)) pending.push(message);
      continue;
    }
    if (message.sender === ownSender && !byId.has(message.id)) {
      const written = (message.original_text ?? message.text ?? '').trim();
      const shown = (message.text ?? '').trim();
      // A failed copy matches too: the send may have reached the server after all.
      const matched = pending.findIndex((local) => {
        if (local.attachment_name) return message.attachment?.name === local.attachment_name;
        return !message.attachment && (local.text === written || local.text === shown);
      });
      if (matched !== -1) pending.splice(matched, 1);
    }
    byId.set(message.id, message);
  }
  const merged = [...byId.values(), ...pending].sort(compareMessages);
  return merged.length > limit ? merged.slice(merged.length - limit) : merged;
}

/** The id of the newest message the server has (for `?after=`), or null. */
export function lastServerMessageId(messages) {
  for (let index = messages.length - 1; index >= 0; index--) {
    if (!messages[index].pending) return messages[index].id;
  }
  return null;
}

/** Whether read receipt `readId` covers message `messageId` (same one or a later one). */
function covers(messages, readId, messageId) {
  if (!readId || !messageId) return false;
  const readIndex = messages.findIndex((message) => message.id === readId);
  const messageIndex = messages.findIndex((message) => message.id === messageId);
  if (readIndex !== -1 && messageIndex !== -1) return readIndex >= messageIndex;
  return compareIds(readId, messageId) >= 0;
}

/**
 * The viewer's last sent message when the other side has read it (its read receipt
 * reached it or a later message), so "Seen" goes under it; otherwise null.
 * @param {object[]} messages ordered
 * @param {string | null | undefined} otherSideReadId `agent_read_message` in the widget
 * @param {string} ownSender `buyer` in the widget
 * @returns {string | null}
 */
export function seenMessageId(messages, otherSideReadId, ownSender = 'buyer') {
  let lastOwn = null;
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (!message.pending && message.sender === ownSender) {
      lastOwn = message;
      break;
    }
  }
  if (!lastOwn) return null;
  return covers(messages, otherSideReadId, lastOwn.id) ? lastOwn.id : null;
}

/** Messages from the other side (not the viewer's own, not pending). */
function fromOthers(message, ownSender) {
  return !message.pending && message.sender !== ownSender;
}

/**
 * The message to mark read when the viewer sees the newest message: the newest one,
 * when something from the other side came after `lastReadId`; otherwise null (nothing
 * new to acknowledge).
 * @returns {string | null}
 */
export function readReceiptTarget(messages, lastReadId, ownSender = 'buyer') {
  const newestOther = messages.findLast((message) => fromOthers(message, ownSender));
  if (!newestOther || covers(messages, lastReadId, newestOther.id)) return null;
  return lastServerMessageId(messages);
}

/** How many messages from the other side came after `lastReadId` (the launcher's badge). */
export function unreadCount(messages, lastReadId, ownSender = 'buyer') {
  return messages.filter((message) => fromOthers(message, ownSender) && !covers(messages, lastReadId, message.id))
    .length;
}

// --- conversation state ------------------------------------------------------------

/**
 * The conversation the widget shows: the newest one still going, else the newest one
 * (closed: its survey may still be open, and the next message starts a new one).
 * @param {object[]} conversations newest first, as the API lists them
 */
export function currentConversation(conversations) {
  if (!Array.isArray(conversations) || conversations.length === 0) return null;
  const newestFirst = [...conversations].sort((left, right) => (right.created ?? 0) - (left.created ?? 0));
  return newestFirst.find((conversation) => conversation.status !== 'resolved') ?? newestFirst[0];
}

/** Whether the buyer may ask for a person: a live conversation no human has taken yet. */
export function canHandOff(conversation) {
  if (!conversation || conversation.status === 'resolved') return false;
  return Boolean(conversation.assistant_active) || !conversation.assignee;
}

/**
 * The `verify_identity` message that shows the order-number form: the latest one,
 * unless it was answered here already (`completed` holds message ids verified in this
 * page), or the buyer is verified and the conversation went on after it.
 * @param {object[]} messages
 * @param {{verified?: boolean} | null} contact
 * @param {Set<string>} completed
 * @returns {string | null}
 */
export function verifyFormTarget(messages, contact, completed = new Set()) {
  const index = messages.findLastIndex((message) => message.action === 'verify_identity');
  if (index === -1) return null;
  const message = messages[index];
  if (completed.has(message.id)) return null;
  const later = messages.slice(index + 1);
  const answeredLater = later.some((next) => next.sender === 'assistant' || next.sender === 'agent');
  if (contact?.verified && answeredLater) return null;
  return message.id;
}

/** The `rate` message that shows the survey, while the conversation has no rating yet. */
export function rateFormTarget(messages, conversation) {
  if (!conversation || conversation.csat) return null;
  const message = messages.findLast((candidate) => candidate.action === 'rate');
  return message ? message.id : null;
}

// --- forms ---------------------------------------------------------------------------

/** A plausible email address: something@something.tld, no spaces, bounded length. */
export function isEmail(value) {
  if (typeof value !== 'string') return false;
  const trimmed = value.trim();
  return trimmed.length <= EMAIL_LENGTH_MAX && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed);
}

/**
 * The pre-chat questions to ask, labelled in the buyer's language and filled with
 * what the contact already told (its name and email), so a known buyer is not asked
 * again for them.
 * @returns {{name: string, label: string, type: string, required: boolean, value: string}[]}
 */
export function preChatFields(settings, contact, language) {
  const questions = Array.isArray(settings?.pre_chat) ? settings.pre_chat : [];
  return questions
    .filter((question) => question && typeof question.name === 'string')
    .map((question) => ({
      name: question.name,
      label: localized(question.label, language, question.name),
      type: question.type === 'email' ? 'email' : 'text',
      required: Boolean(question.required),
      value: typeof contact?.[question.name] === 'string' ? contact[question.name] : '',
    }));
}

/**
 * Checks pre-chat answers; returns `{fieldName: stringKey}` for each problem (empty
 * when the answers can be sent).
 */
export function validatePreChat(fields, values) {
  const errors = {};
  for (const field of fields) {
    const value = typeof values[field.name] === 'string' ? values[field.name].trim() : '';
    if (!value) {
      if (field.required) errors[field.name] = 'field_required';
    } else if (field.type === 'email' && !isEmail(value)) {
      errors[field.name] = 'email_invalid';
    }
  }
  return errors;
}

/** Whether the pre-chat form still has to be shown: questions exist and no conversation or answers yet. */
export function needsPreChat(settings, conversation, answered) {
  return !conversation && !answered && Array.isArray(settings?.pre_chat) && settings.pre_chat.length > 0;
}

/**
 * Why a file cannot be attached (a string key), or null when it can.
 * @param {{type?: string, size?: number}} file
 */
export function attachmentProblem(file) {
  if (!file) return 'file_type';
  if (!ATTACHMENT_TYPES.includes(file.type)) return 'file_type';
  if (!(file.size >= 0) || file.size > ATTACHMENT_BYTES_MAX) return 'file_too_large';
  return null;
}

// --- retries -------------------------------------------------------------------------

/**
 * Delay before retry `attempt` (0-based): full jitter under an exponential ceiling,
 * `random() * min(max, min * 2^attempt)`, so many widgets that lost the server at once
 * do not come back at once.
 * @param {number} attempt
 * @param {{minDelayMs?: number, maxDelayMs?: number}} [options]
 * @param {() => number} [random] in [0, 1)
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, options = {}, random = Math.random) {
  const minDelayMs = options.minDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30000;
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), BACKOFF_EXPONENT_MAX);
  const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/** The localStorage key of a merchant's visitor token (one per publishable key). */
export function storageKey(publishableKey) {
  return `tradewind.widget.${publishableKey}`;
}
