// The widget's message list: merging pages, realtime events and optimistic sends
// without duplicates or disorder; "Seen"; read receipts; unread counts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MESSAGES_MAX,
  compareIds,
  lastServerMessageId,
  mergeMessages,
  readReceiptTarget,
  seenMessageId,
  unreadCount,
} from '../../assets/widget/widget-core.js';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A message id like the server's: `msg_` and 26 base32 characters, ordered by `n`. */
function id(n) {
  let body = '';
  let rest = n;
  for (let index = 0; index < 26; index++) {
    body = ALPHABET[rest % 32] + body;
    rest = Math.floor(rest / 32);
  }
  return `msg_${body}`;
}

function message(n, sender = 'agent', extra = {}) {
  return { id: id(n), object: 'message', sender, text: `text ${n}`, created: 1000 + n, ...extra };
}

const ids = (list) => list.map((entry) => entry.id);

test('server ids order like the numbers they were made from', () => {
  assert.equal(compareIds(id(9), id(10)), -1);
  assert.equal(compareIds(id(40), id(33)), 1);
  assert.equal(compareIds(id(5), id(5)), 0);
});

test('merging de-duplicates by id and keeps time order whatever the arrival order', () => {
  const page = [message(1, 'buyer'), message(2), message(3)];
  const events = [message(5), message(3), message(4, 'buyer')];
  const merged = mergeMessages(mergeMessages([], page), events);
  assert.deepEqual(ids(merged), [id(1), id(2), id(3), id(4), id(5)]);
  // The same page again (a reconnect's catch-up) changes nothing.
  assert.deepEqual(ids(mergeMessages(merged, page)), ids(merged));
  assert.equal(mergeMessages(merged, []).length, 5);
});

test('a newer copy of a message replaces the old one', () => {
  const list = mergeMessages([], [message(1), message(2)]);
  const translated = message(2, 'agent', { text: 'traducido', translated: true });
  const merged = mergeMessages(list, [translated]);
  assert.equal(merged.length, 2);
  assert.equal(merged[1].text, 'traducido');
});

test('messages in the same second are ordered by id', () => {
  const a = message(7, 'buyer', { created: 50 });
  const b = message(8, 'assistant', { created: 50 });
  assert.deepEqual(ids(mergeMessages([], [b, a])), [id(7), id(8)]);
});

test('malformed entries are ignored', () => {
  const merged = mergeMessages([], [null, { text: 'no id' }, message(1)]);
  assert.deepEqual(ids(merged), [id(1)]);
});

test('an optimistic message is replaced by its server copy exactly once, from either path', () => {
  const pending = { id: 'local_1', pending: true, local_sequence: 1, sender: 'buyer', text: 'hola' };
  const withPending = mergeMessages([message(1)], [pending]);
  assert.deepEqual(ids(withPending), [id(1), 'local_1']);

  const serverCopy = message(2, 'buyer', { text: 'hola' });
  const afterEvent = mergeMessages(withPending, [serverCopy]);
  assert.deepEqual(ids(afterEvent), [id(1), id(2)], 'the realtime event replaced the pending bubble');
  // The send's own answer arrives later with the same message and the assistant's reply.
  const afterAnswer = mergeMessages(afterEvent, [serverCopy, message(3, 'assistant')]);
  assert.deepEqual(ids(afterAnswer), [id(1), id(2), id(3)]);
});

test('a translated server copy still matches the pending text through original_text', () => {
  const pending = { id: 'local_1', pending: true, local_sequence: 1, sender: 'buyer', text: '¿dónde está mi pedido?' };
  const copy = message(2, 'buyer', { text: 'where is my order?', original_text: '¿dónde está mi pedido?' });
  assert.deepEqual(ids(mergeMessages([pending], [copy])), [id(2)]);
});

test('two pending messages with the same text are replaced one at a time, oldest first', () => {
  const first = { id: 'local_1', pending: true, local_sequence: 1, sender: 'buyer', text: 'ok' };
  const second = { id: 'local_2', pending: true, local_sequence: 2, sender: 'buyer', text: 'ok' };
  const once = mergeMessages([first, second], [message(4, 'buyer', { text: 'ok' })]);
  assert.deepEqual(ids(once), [id(4), 'local_2']);
  const twice = mergeMessages(once, [message(5, 'buyer', { text: 'ok' })]);
  assert.deepEqual(ids(twice), [id(4), id(5)]);
});

test('pending messages stay after every server message until confirmed', () => {
  const pending = { id: 'local_1', pending: true, local_sequence: 1, sender: 'buyer', text: 'first' };
  const merged = mergeMessages([pending], [message(9, 'agent', { created: 999999 })]);
  assert.deepEqual(ids(merged), [id(9), 'local_1']);
  assert.equal(lastServerMessageId(merged), id(9), 'the catch-up cursor skips local messages');
  assert.equal(lastServerMessageId([pending]), null);
});

test('another sender with the same text never removes a pending message', () => {
  const pending = { id: 'local_1', pending: true, local_sequence: 1, sender: 'buyer', text: 'hello' };
  const merged = mergeMessages([pending], [message(3, 'agent', { text: 'hello' })]);
  assert.deepEqual(ids(merged), [id(3), 'local_1']);
});

test('a pending attachment matches its server copy by file name', () => {
  const pending = { id: 'local_1', pending: true, local_sequence: 1, sender: 'buyer', text: '' };
  pending.attachment_name = 'a.png';
  const file = (name) => ({ name, type: 'image/png', size: 10, url: `/files/${name}` });
  const copy = message(3, 'buyer', { text: '', attachment: file('a.png') });
  assert.deepEqual(ids(mergeMessages([pending], [copy])), [id(3)]);
  const other = message(4, 'buyer', { text: '', attachment: file('b.png') });
  assert.deepEqual(ids(mergeMessages([pending], [other])), [id(4), 'local_1']);
});

test('the list keeps only the newest messages', () => {
  const many = Array.from({ length: MESSAGES_MAX + 25 }, (_, index) => message(index + 1));
  const merged = mergeMessages([], many);
  assert.equal(merged.length, MESSAGES_MAX);
  assert.equal(merged[0].id, id(26));
  assert.equal(merged.at(-1).id, id(MESSAGES_MAX + 25));
  assert.equal(mergeMessages([], many, { limit: 3 }).length, 3);
});

test('"Seen" goes under the buyer\'s last message once the agent read it or anything after it', () => {
  const list = [message(1, 'buyer'), message(2, 'agent'), message(3, 'buyer'), message(4, 'assistant')];
  assert.equal(seenMessageId(list, null), null);
  assert.equal(seenMessageId(list, id(2)), null, 'read up to before the last buyer message');
  assert.equal(seenMessageId(list, id(3)), id(3));
  assert.equal(seenMessageId(list, id(4)), id(3));
  // An agent's private note the buyer never sees, written after message 4.
  assert.equal(seenMessageId(list, id(6)), id(3), 'an unknown later id still counts');
  assert.equal(seenMessageId(list, id(0)), null, 'an unknown earlier id does not');
  assert.equal(seenMessageId([message(1, 'agent')], id(1)), null, 'nothing sent, nothing seen');
});

test('"Seen" ignores pending messages and follows the newest sent one', () => {
  const list = [message(1, 'buyer'), { id: 'local_1', pending: true, sender: 'buyer', text: 'x' }];
  assert.equal(seenMessageId(list, id(1)), id(1));
  const later = [...list.slice(0, 1), message(2, 'buyer')];
  assert.equal(seenMessageId(later, id(1)), null, 'a newer buyer message is not seen yet');
});

test('the agent console uses the same rule from its side', () => {
  const list = [message(1, 'buyer'), message(2, 'agent'), message(3, 'agent', { private: true })];
  assert.equal(seenMessageId(list, id(2), 'agent'), null, 'the buyer read up to the reply, not the note');
  assert.equal(seenMessageId(list, id(3), 'agent'), id(3));
});

test('a read receipt is sent only when something new from the other side arrived', () => {
  const list = [message(1, 'buyer'), message(2, 'agent'), message(3, 'buyer')];
  assert.equal(readReceiptTarget(list, null), id(3), 'the newest message is marked');
  assert.equal(readReceiptTarget(list, id(2)), null, 'the agent message was read already');
  assert.equal(readReceiptTarget(list, id(1)), id(3));
  assert.equal(readReceiptTarget([message(1, 'buyer')], null), null, 'own messages need no receipt');
  assert.equal(readReceiptTarget([], null), null);
  const withPending = [...list, { id: 'local_1', pending: true, sender: 'buyer', text: 'x' }];
  assert.equal(readReceiptTarget(withPending, id(1)), id(3), 'never a local id');
});

test('unread counts the other side\'s messages after the last read one', () => {
  const list = [message(1, 'agent'), message(2, 'buyer'), message(3, 'agent'), message(4, 'system')];
  assert.equal(unreadCount(list, null), 3);
  assert.equal(unreadCount(list, id(1)), 2);
  assert.equal(unreadCount(list, id(4)), 0);
  assert.equal(unreadCount(list, id(2), 'agent'), 1, 'from the agent side: the system line after the read one');
  assert.equal(unreadCount(list, null, 'agent'), 2);
  assert.equal(unreadCount([{ id: 'local_1', pending: true, sender: 'agent' }], null), 0, 'pending never counts');
});
