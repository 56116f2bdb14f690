// The agent console's pure logic: exact money display and entry, inbox views and
// live updates, canned response picking, SLA badges.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  INBOX_MAX,
  cannedQuery,
  cannedVariables,
  currencyExponent,
  filterCanned,
  formatMinor,
  inboxQuery,
  knownTags,
  localInputToUnix,
  matchesView,
  minorToDecimal,
  normalizeTag,
  parseAmount,
  refundLimit,
  slaState,
  sortInbox,
  upsertConversation,
} from '../../assets/console/console-core.js';

const EXPONENTS = { usd: 2, jpy: 0, bhd: 3, idr: 2, brl: 2 };

test('exponents come from the server table, 2 when unknown', () => {
  assert.equal(currencyExponent('usd', EXPONENTS), 2);
  assert.equal(currencyExponent('JPY', EXPONENTS), 0);
  assert.equal(currencyExponent('bhd', EXPONENTS), 3);
  assert.equal(currencyExponent('xyz', EXPONENTS), 2);
  assert.equal(currencyExponent('usd', null), 2);
});

test('minor units become exact decimal strings', () => {
  assert.equal(minorToDecimal(1234, 2), '12.34');
  assert.equal(minorToDecimal(5, 2), '0.05');
  assert.equal(minorToDecimal(-5, 2), '-0.05');
  assert.equal(minorToDecimal(500, 0), '500');
  assert.equal(minorToDecimal(1, 3), '0.001');
  assert.equal(minorToDecimal(9007199254740991, 2), '90071992547409.91', 'no float rounding at 2^53 - 1');
});

test('amounts are formatted with their currency, exactly', () => {
  // ICU puts no-break spaces between codes and numbers; compare with plain spaces.
  const plain = (minor, currency, locale) => formatMinor(minor, currency, EXPONENTS, locale).replace(/\s/g, ' ');
  assert.equal(formatMinor(1234, 'usd', EXPONENTS), '$12.34');
  assert.equal(formatMinor(500, 'jpy', EXPONENTS), '¥500');
  assert.equal(plain(1234567, 'bhd'), 'BHD 1,234.567');
  assert.equal(formatMinor(10, 'usd', EXPONENTS), '$0.10');
  assert.equal(formatMinor(123456789012, 'usd', EXPONENTS), '$1,234,567,890.12');
  assert.equal(plain(15000000, 'idr', 'id'), 'Rp 150.000,00');
  assert.equal(plain(1999, 'xyz'), 'XYZ 19.99');
  assert.equal(formatMinor(NaN, 'usd', EXPONENTS), '');
});

test('typed amounts parse into minor units or are refused', () => {
  assert.equal(parseAmount('12', 'usd', EXPONENTS), 1200);
  assert.equal(parseAmount('12.5', 'usd', EXPONENTS), 1250);
  assert.equal(parseAmount(' 12.50 ', 'usd', EXPONENTS), 1250);
  assert.equal(parseAmount('1,234.56', 'usd', EXPONENTS), 123456);
  assert.equal(parseAmount('0.01', 'usd', EXPONENTS), 1);
  assert.equal(parseAmount('0.1', 'usd', EXPONENTS), 10, 'no 0.1 float drift');
  assert.equal(parseAmount('500', 'jpy', EXPONENTS), 500);
  assert.equal(parseAmount('1.234', 'bhd', EXPONENTS), 1234);
  for (const bad of ['', '0', '0.00', '-5', '12.345', '1e3', 'abc', '12.3.4', '5.5', '99999999999999']) {
    const currency = bad === '5.5' ? 'jpy' : 'usd';
    assert.equal(parseAmount(bad, currency, EXPONENTS), null, `${bad} ${currency}`);
  }
  assert.equal(parseAmount(null, 'usd', EXPONENTS), null);
});

test('the refund limit is read per currency', () => {
  const agent = { refund_limits: { usd: 5000, eur: 0 } };
  assert.equal(refundLimit(agent, 'USD'), 5000);
  assert.equal(refundLimit(agent, 'eur'), 0);
  assert.equal(refundLimit(agent, 'jpy'), null);
  assert.equal(refundLimit({}, 'usd'), null);
  assert.equal(refundLimit(null, 'usd'), null);
});

const me = 'agt_me';
const unassigned = { id: 'conv_1', status: 'open', assignee: null, tags: ['damaged'], last_message_at: 100 };
const mine = { id: 'conv_2', status: 'open', assignee: { id: me, name: 'Me' }, tags: [], last_message_at: 200 };
const theirs = { id: 'conv_3', status: 'pending', assignee: { id: 'agt_x', name: 'X' }, tags: [], last_message_at: 50 };

test('views select by assignee, tag and status', () => {
  const all = { view: 'all' };
  assert.deepEqual([unassigned, mine, theirs].map((c) => matchesView(c, all, me)), [true, true, true]);
  const unassignedView = { view: 'unassigned' };
  assert.deepEqual([unassigned, mine, theirs].map((c) => matchesView(c, unassignedView, me)), [true, false, false]);
  const mineView = { view: 'mine' };
  assert.deepEqual([unassigned, mine, theirs].map((c) => matchesView(c, mineView, me)), [false, true, false]);
  assert.equal(matchesView(unassigned, { view: 'all', tag: 'damaged' }, me), true);
  assert.equal(matchesView(mine, { view: 'all', tag: 'damaged' }, me), false);
  assert.equal(matchesView(theirs, { view: 'all', status: 'pending' }, me), true);
  assert.equal(matchesView(mine, { view: 'all', status: 'pending' }, me), false);
  assert.equal(matchesView(null, { view: 'all' }, me), false);
});

test('live updates add, move and drop conversations in the view', () => {
  const view = { view: 'unassigned' };
  let inbox = sortInbox([unassigned]);
  const fresh = { id: 'conv_4', status: 'open', assignee: null, tags: [], last_message_at: 300 };
  inbox = upsertConversation(inbox, fresh, view, me);
  assert.deepEqual(inbox.map((c) => c.id), ['conv_4', 'conv_1'], 'new conversations come first');
  inbox = upsertConversation(inbox, { ...unassigned, last_message_at: 400 }, view, me);
  assert.deepEqual(inbox.map((c) => c.id), ['conv_1', 'conv_4'], 'a new message moves it up');
  inbox = upsertConversation(inbox, { ...fresh, assignee: { id: me, name: 'Me' } }, view, me);
  assert.deepEqual(inbox.map((c) => c.id), ['conv_1'], 'assigned conversations leave the unassigned view');
});

test('during a search only listed conversations are refreshed', () => {
  const view = { view: 'all', q: 'refund' };
  const inbox = [unassigned];
  assert.deepEqual(upsertConversation(inbox, mine, view, me).map((c) => c.id), ['conv_1']);
  const updated = upsertConversation(inbox, { ...unassigned, last_message_preview: 'new' }, view, me);
  assert.equal(updated[0].last_message_preview, 'new');
});

test('the inbox is bounded and ties are ordered by id', () => {
  let inbox = [];
  for (let index = 0; index < INBOX_MAX + 10; index++) {
    const conversation = { id: `conv_${String(index).padStart(4, '0')}`, status: 'open', last_message_at: 1 };
    inbox = upsertConversation(inbox, conversation, { view: 'all' }, me);
  }
  assert.equal(inbox.length, INBOX_MAX);
  assert.equal(inbox[0].id, `conv_${String(INBOX_MAX + 9).padStart(4, '0')}`);
});

test('the inbox query names the view and only the filters set', () => {
  assert.equal(inboxQuery({ view: 'mine' }, 50), 'view=mine&limit=50');
  assert.equal(
    inboxQuery({ view: 'all', status: 'open', tag: 'damaged', q: ' where is ' }, 20),
    'view=all&limit=20&status=open&tag=damaged&q=where+is',
  );
});

test('tags: the common complaint reasons plus those in use; typed tags are normalized', () => {
  const tags = knownTags([{ tags: ['vip', 'damaged'] }, { tags: [] }, {}]);
  assert.ok(tags.includes('vip') && tags.includes('refund_delay'));
  assert.deepEqual(tags, [...tags].sort());
  assert.equal(new Set(tags).size, tags.length);
  assert.equal(normalizeTag(' Refund Delay '), 'refund_delay');
  assert.equal(normalizeTag('not-received'), 'not_received');
  assert.equal(normalizeTag(''), null);
  assert.equal(normalizeTag('<b>'), null);
  assert.equal(normalizeTag('x'.repeat(41)), null);
});

test('SLA badges warn before the first-response deadline and flag breaches', () => {
  const now = 10000;
  assert.equal(slaState({ sla: { first_response_breached: true } }, now), 'breached');
  assert.equal(slaState({ sla: { resolution_breached: true } }, now), 'breached');
  assert.equal(slaState({ first_response_due_at: now + 60, first_response_at: null }, now), 'due_soon');
  assert.equal(slaState({ first_response_due_at: now + 3600, first_response_at: null }, now), null);
  assert.equal(slaState({ first_response_due_at: now - 1, first_response_at: null }, now), 'breached');
  assert.equal(slaState({ first_response_due_at: now - 1, first_response_at: now - 100 }, now), null);
  assert.equal(slaState(null, now), null);
});

test('the canned picker opens on a leading slash and matches shortcuts, then titles', () => {
  assert.equal(cannedQuery('/'), '');
  assert.equal(cannedQuery('/Ref'), 'ref');
  assert.equal(cannedQuery('/refund now'), null, 'a space ends the shortcut');
  assert.equal(cannedQuery('hi /refund'), null);
  assert.equal(cannedQuery(''), null);
  const canned = [
    { id: 'canned_1', shortcut: '/refund-delay', title: 'Refund is on its way' },
    { id: 'canned_2', shortcut: '/tracking', title: 'Tracking link and refund note' },
    { id: 'canned_3', shortcut: '/greeting', title: 'Hello' },
  ];
  assert.deepEqual(filterCanned(canned, 'ref').map((c) => c.id), ['canned_1', 'canned_2']);
  assert.deepEqual(filterCanned(canned, '').map((c) => c.id), ['canned_1', 'canned_2', 'canned_3']);
  assert.deepEqual(filterCanned(canned, '', 2).length, 2);
  assert.deepEqual(filterCanned(canned, 'zzz'), []);
  assert.deepEqual(cannedVariables('Hi {{buyer_name}}, order {{ order_number }}: {{tracking_link}} {{buyer_name}}'), [
    'buyer_name',
    'order_number',
    'tracking_link',
  ]);
});

test('snooze times from the datetime input become Unix seconds', () => {
  const value = '2026-03-04T14:05';
  assert.equal(localInputToUnix(value), Math.floor(new Date(value).getTime() / 1000));
  assert.equal(localInputToUnix(''), null);
  assert.equal(localInputToUnix('tomorrow'), null);
});
