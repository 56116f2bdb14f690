// The widget's conversation rules: queue and offline sentences, which conversation
// and which forms to show, pre-chat questions, attachments, backoff and times.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ATTACHMENT_BYTES_MAX,
  LANGUAGES,
  attachmentProblem,
  backoffDelay,
  canHandOff,
  currentConversation,
  formatTime,
  isEmail,
  needsPreChat,
  offlineNotice,
  preChatFields,
  queueText,
  rateFormTarget,
  storageKey,
  validatePreChat,
  verifyFormTarget,
} from '../../assets/widget/widget-core.js';

test('the queue sentence gives the position and the wait in whole minutes, rounded up', () => {
  assert.equal(
    queueText({ position: 2, estimated_wait_seconds: 240 }, 'en'),
    'You are number 2 in line. Estimated wait: about 4 min.',
  );
  assert.equal(
    queueText({ position: 1, estimated_wait_seconds: 61 }, 'es'),
    'Eres el número 1 en la fila. Espera estimada: unos 2 min.',
  );
  assert.equal(
    queueText({ position: 3, estimated_wait_seconds: 30 }, 'pt'),
    'Você é o número 3 na fila. Espera estimada: menos de um minuto.',
  );
  assert.equal(queueText({ position: 5 }, 'zh'), '您排在第 5 位。', 'no estimate, no wait sentence');
  assert.equal(
    queueText({ position: 4, estimated_wait_seconds: 600 }, 'ar'),
    'ترتيبك في قائمة الانتظار: 4. مدة الانتظار المتوقعة: نحو 10 دقيقة.',
  );
  assert.equal(queueText(null, 'en'), null);
  assert.equal(queueText({ position: 0, estimated_wait_seconds: 10 }, 'en'), null);
  assert.equal(queueText({ position: 1.5 }, 'en'), null);
});

test('every language has a queue sentence with the numbers in it', () => {
  for (const language of LANGUAGES) {
    const sentence = queueText({ position: 7, estimated_wait_seconds: 420 }, language);
    assert.match(sentence, /7/, language);
    assert.doesNotMatch(sentence, /\{/, `${language} left a placeholder`);
  }
});

test('the offline notice appears only when the desk says it is offline, with its expected reply', () => {
  assert.equal(offlineNotice({ online: true, expected_reply: 'x' }, 'en'), null);
  assert.equal(offlineNotice(null, 'en'), null);
  assert.equal(offlineNotice({}, 'en'), null, 'an unknown state is not announced as offline');
  const notice = offlineNotice({ online: false, expected_reply: 'Volvemos mañana a las 9:00.' }, 'es');
  assert.deepEqual(notice, {
    title: 'Ahora mismo no estamos disponibles',
    detail: 'Volvemos mañana a las 9:00.',
    leave: 'Déjanos un mensaje y te responderemos.',
  });
  const generic = offlineNotice({ online: false, expected_reply: '  ' }, 'id');
  assert.equal(generic.detail, 'Kami akan membalas secepatnya.');
});

test('the current conversation is the newest open one, else the newest', () => {
  const older = { id: 'conv_a', status: 'open', created: 10 };
  const newerResolved = { id: 'conv_b', status: 'resolved', created: 20 };
  const newest = { id: 'conv_c', status: 'resolved', created: 30 };
  assert.equal(currentConversation([newest, newerResolved, older]).id, 'conv_a');
  assert.equal(currentConversation([newerResolved, newest]).id, 'conv_c');
  assert.equal(currentConversation([]), null);
  assert.equal(currentConversation(undefined), null);
});

test('the buyer may ask for a person while the assistant answers or nobody is assigned', () => {
  assert.equal(canHandOff(null), false);
  assert.equal(canHandOff({ status: 'open', assistant_active: true, assignee: null }), true);
  assert.equal(canHandOff({ status: 'open', assistant_active: false, assignee: null }), true);
  assert.equal(canHandOff({ status: 'open', assistant_active: false, assignee: { name: 'Ana' } }), false);
  assert.equal(canHandOff({ status: 'resolved', assistant_active: true, assignee: null }), false);
});

const verifyAsk = { id: 'msg_2', sender: 'assistant', action: 'verify_identity', text: 'verify please' };

test('the verification form goes under the latest request until it is answered', () => {
  const messages = [{ id: 'msg_1', sender: 'buyer' }, verifyAsk];
  assert.equal(verifyFormTarget(messages, { verified: false }), 'msg_2');
  assert.equal(verifyFormTarget(messages, { verified: false }, new Set(['msg_2'])), null, 'verified in this page');
  assert.equal(verifyFormTarget(messages, { verified: true }), 'msg_2', 'a new order may need verifying again');
  const answered = [...messages, { id: 'msg_3', sender: 'assistant', text: 'Your order shipped.' }];
  assert.equal(verifyFormTarget(answered, { verified: true }), null, 'after a reload, the conversation went on');
  assert.equal(verifyFormTarget(answered, { verified: false }), 'msg_2');
  const again = [...answered, { id: 'msg_4', sender: 'assistant', action: 'verify_identity' }];
  assert.equal(verifyFormTarget(again, { verified: true }), 'msg_4', 'only the latest request shows a form');
  assert.equal(verifyFormTarget([{ id: 'msg_1', sender: 'buyer' }], null), null);
});

test('the survey shows under the latest rate message until the conversation has a rating', () => {
  const messages = [{ id: 'msg_1', action: 'rate' }, { id: 'msg_2' }, { id: 'msg_3', action: 'rate' }];
  assert.equal(rateFormTarget(messages, { csat: null }), 'msg_3');
  assert.equal(rateFormTarget(messages, { csat: { rating: 5, comment: null } }), null);
  assert.equal(rateFormTarget([{ id: 'msg_1' }], { csat: null }), null);
  assert.equal(rateFormTarget(messages, null), null);
});

test('emails are checked loosely but never accept blanks or spaces', () => {
  for (const good of ['ana@example.com', ' bo@shop.co.id ', 'a+b@x.io']) assert.equal(isEmail(good), true, good);
  for (const bad of ['', 'ana', 'ana@', '@x.com', 'a b@x.com', 'ana@example', null, `${'a'.repeat(250)}@x.com`]) {
    assert.equal(isEmail(bad), false, String(bad));
  }
});

const settings = {
  pre_chat: [
    { name: 'name', label: { en: 'Your name', es: 'Tu nombre' }, type: 'text', required: true },
    { name: 'email', label: { en: 'Email' }, type: 'email', required: true },
    { name: 'order', label: null, type: 'text', required: false },
  ],
};

test('pre-chat questions are labelled in the buyer language and filled from the contact', () => {
  const fields = preChatFields(settings, { name: 'Ana', email: null }, 'es');
  assert.deepEqual(fields, [
    { name: 'name', label: 'Tu nombre', type: 'text', required: true, value: 'Ana' },
    { name: 'email', label: 'Email', type: 'email', required: true, value: '' },
    { name: 'order', label: 'order', type: 'text', required: false, value: '' },
  ]);
  assert.deepEqual(preChatFields({}, null, 'en'), []);
  assert.deepEqual(preChatFields({ pre_chat: [null, { label: { en: 'x' } }] }, null, 'en'), []);
});

test('pre-chat answers need the required fields and a valid email', () => {
  const fields = preChatFields(settings, null, 'en');
  assert.deepEqual(validatePreChat(fields, { name: ' ', email: 'nope', order: '' }), {
    name: 'field_required',
    email: 'email_invalid',
  });
  assert.deepEqual(validatePreChat(fields, { name: 'Ana', email: 'ana@example.com' }), {});
});

test('pre-chat is asked once, before the first conversation', () => {
  assert.equal(needsPreChat(settings, null, null), true);
  assert.equal(needsPreChat(settings, null, { name: 'Ana' }), false);
  assert.equal(needsPreChat(settings, { id: 'conv_1' }, null), false);
  assert.equal(needsPreChat({ pre_chat: [] }, null, null), false);
  assert.equal(needsPreChat(null, null, null), false);
});

test('attachments: the server types up to 10 MiB', () => {
  assert.equal(attachmentProblem({ type: 'image/png', size: 1200 }), null);
  assert.equal(attachmentProblem({ type: 'application/pdf', size: ATTACHMENT_BYTES_MAX }), null);
  assert.equal(attachmentProblem({ type: 'application/pdf', size: ATTACHMENT_BYTES_MAX + 1 }), 'file_too_large');
  assert.equal(attachmentProblem({ type: 'application/x-msdownload', size: 10 }), 'file_type');
  assert.equal(attachmentProblem({ type: '', size: 10 }), 'file_type');
  assert.equal(attachmentProblem(null), 'file_type');
});

test('backoff grows exponentially under a cap, with full jitter', () => {
  const top = () => 0.999999;
  assert.equal(backoffDelay(0, { minDelayMs: 100, maxDelayMs: 5000 }, top), 99);
  assert.equal(backoffDelay(3, { minDelayMs: 100, maxDelayMs: 5000 }, top), 799);
  assert.equal(backoffDelay(10, { minDelayMs: 100, maxDelayMs: 5000 }, top), 4999);
  assert.equal(backoffDelay(10000, {}, top), 29999, 'a huge attempt stays at the cap');
  assert.equal(backoffDelay(-3, { minDelayMs: 100 }, top), 99);
  assert.equal(backoffDelay(5, {}, () => 0), 0);
  for (let attempt = 0; attempt < 40; attempt++) {
    const delay = backoffDelay(attempt);
    assert.ok(delay >= 0 && delay < 30000 && Number.isInteger(delay), `attempt ${attempt}: ${delay}`);
  }
});

test('the visitor token is stored per publishable key', () => {
  assert.equal(storageKey('pk_test_abc'), 'tradewind.widget.pk_test_abc');
  assert.notEqual(storageKey('pk_test_a'), storageKey('pk_test_b'));
});

test('message times follow the buyer time zone, and a bad zone falls back', () => {
  const noonUtc = Date.UTC(2026, 0, 15, 12, 0, 0) / 1000;
  assert.match(formatTime(noonUtc, 'en', 'UTC'), /12:00/);
  assert.match(formatTime(noonUtc, 'en', 'America/New_York'), /7:00/);
  assert.match(formatTime(noonUtc, 'zh', 'Asia/Shanghai'), /20:00|8:00/);
  assert.ok(formatTime(noonUtc, 'es', 'Not/AZone').length > 0);
  assert.equal(formatTime(undefined, 'en', 'UTC'), '');
});
