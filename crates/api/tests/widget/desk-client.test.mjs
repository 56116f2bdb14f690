// The network helpers the widget and the console share, against a local HTTP server
// on port 0: API calls and their errors, catching up page by page, attachments with
// the token kept to the API's own origin, the typing indicator and the socket URL.

import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import {
  ApiError,
  AttachmentCache,
  CatchUp,
  MESSAGE_PAGE,
  TYPING_SEND_INTERVAL_MS,
  TYPING_VISIBLE_MS,
  Typing,
  apiRequest,
  socketUrl,
} from '../../assets/widget/desk-client.js';

/** Starts a server on 127.0.0.1:0 answering with `handler(request, body)` → {status, json|bytes, type}. */
async function serve(handler) {
  const seen = [];
  const server = http.createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    seen.push({ method: request.method, url: request.url, headers: request.headers, body });
    const answer = await handler(request, body);
    response.writeHead(answer.status ?? 200, { 'content-type': answer.type ?? 'application/json' });
    response.end(answer.bytes ?? JSON.stringify(answer.json ?? {}));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, seen, close: () => server.close() };
}

test('API calls send the token and JSON, and answer the parsed body', async () => {
  const server = await serve((_, body) => ({ json: { echoed: body ? JSON.parse(body) : null } }));
  try {
    const options = { token: 'pk_test_1', body: { a: 1 } };
    const answer = await apiRequest(server.origin, 'POST', '/v1/widget/sessions', options);
    assert.deepEqual(answer, { echoed: { a: 1 } });
    assert.equal(server.seen[0].headers.authorization, 'Bearer pk_test_1');
    assert.equal(server.seen[0].headers['content-type'], 'application/json');
    await apiRequest(server.origin, 'GET', '/v1/support/me', {});
    assert.equal(server.seen[1].headers.authorization, undefined, 'no token, no header');
  } finally {
    server.close();
  }
});

test('API errors carry the status, code, message and parameter', async () => {
  const refused = { type: 'invalid_request_error', code: 'refund_limit_exceeded', message: 'Over.', param: 'amount' };
  const server = await serve(() => ({ status: 403, json: { error: refused } }));
  try {
    const refund = apiRequest(server.origin, 'POST', '/v1/conversations/conv_1/refunds', { body: {} });
    await assert.rejects(refund, (error) => {
      assert.ok(error instanceof ApiError);
      const seen = [error.status, error.code, error.message, error.param];
      assert.deepEqual(seen, [403, 'refund_limit_exceeded', 'Over.', 'amount']);
      return true;
    });
  } finally {
    server.close();
  }
  const plain = await serve(() => ({ status: 502, bytes: 'bad gateway', type: 'text/plain' }));
  try {
    const failed = (error) => error.status === 502 && error.code === 'http_502';
    await assert.rejects(apiRequest(plain.origin, 'GET', '/x'), failed);
  } finally {
    plain.close();
  }
  const unreachable = (error) => error.status === 0 && error.code === 'network';
  await assert.rejects(apiRequest('http://127.0.0.1:9', 'GET', '/x'), unreachable);
});

test('a catch-up asks after the newest message, page by page, and runs once at a time', async () => {
  const pages = [
    { data: [{ id: 'msg_1' }, { id: 'msg_2' }], has_more: true },
    { data: [{ id: 'msg_3' }], has_more: false },
  ];
  const held = [];
  const queries = [];
  const catchUp = new CatchUp({
    conversationId: () => 'conv_1',
    lastId: () => held.at(-1)?.id ?? null,
    fetchPage: async (conversationId, query) => {
      queries.push(`${conversationId}?${query}`);
      return pages.shift();
    },
    add: (messages) => held.push(...messages),
  });
  const first = catchUp.run();
  assert.equal(catchUp.run(), first, 'a second call joins the running one');
  await first;
  assert.deepEqual(held.map((message) => message.id), ['msg_1', 'msg_2', 'msg_3']);
  assert.deepEqual(queries, [`conv_1?limit=${MESSAGE_PAGE}`, `conv_1?limit=${MESSAGE_PAGE}&after=msg_2`]);
  pages.push({ data: [], has_more: false });
  const second = catchUp.run();
  assert.notEqual(second, first, 'the next call starts a new run');
  await second;
  assert.equal(queries.at(-1), `conv_1?limit=${MESSAGE_PAGE}&after=msg_3`);
});

test('a catch-up stops when the conversation changes under it, and does nothing without one', async () => {
  let current = 'conv_1';
  const added = [];
  const catchUp = new CatchUp({
    conversationId: () => current,
    lastId: () => null,
    fetchPage: async () => {
      current = 'conv_2';
      return { data: [{ id: 'msg_1' }], has_more: true };
    },
    add: (messages) => added.push(...messages),
  });
  await catchUp.run();
  assert.deepEqual(added, [], 'a page for the old conversation is dropped');
  current = null;
  await catchUp.run();
  assert.deepEqual(added, []);
});

test('attachments are fetched once with the token, which never leaves the API origin', async () => {
  const server = await serve(() => ({ bytes: 'PNG', type: 'image/png' }));
  const cache = new AttachmentCache(2);
  const message = (id, url) => ({ id, attachment: { name: `${id}.png`, url } });
  try {
    const path = '/v1/widget/conversations/conv_1/messages/msg_1/attachment';
    const first = await cache.url(message('msg_1', path), server.origin, 'wvt_1');
    assert.match(first, /^blob:/);
    assert.equal(await cache.url(message('msg_1', '/ignored'), server.origin, 'wvt_1'), first, 'cached');
    assert.equal(server.seen.length, 1);
    assert.equal(server.seen[0].headers.authorization, 'Bearer wvt_1');
    await cache.url(message('msg_2', `${server.origin}/cdn/b.png`), 'http://api.example', 'wvt_1');
    assert.equal(server.seen[1].headers.authorization, undefined, 'another origin gets no token');
    await cache.url(message('msg_3', '/c.png'), server.origin, 'wvt_1');
    assert.equal(cache.urls.size, 2, 'the oldest was released');
    assert.ok(!cache.urls.has('msg_1'));
    cache.clear();
    assert.equal(cache.urls.size, 0);
  } finally {
    server.close();
  }
});

test('typing shows for a while after each signal, and our own signals are throttled', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let changes = 0;
  const typing = new Typing(() => changes++);
  typing.show('Ana');
  assert.equal(typing.name, 'Ana');
  t.mock.timers.tick(TYPING_VISIBLE_MS - 1);
  typing.show('Ana');
  t.mock.timers.tick(TYPING_VISIBLE_MS - 1);
  assert.equal(typing.name, 'Ana', 'a new signal extends the indicator');
  t.mock.timers.tick(1);
  assert.equal(typing.name, null);
  assert.equal(changes, 3);

  let now = 1_000_000;
  t.mock.method(Date, 'now', () => now);
  let sent = 0;
  const subscription = { typing: () => sent++ };
  typing.send(subscription);
  now += TYPING_SEND_INTERVAL_MS - 1;
  typing.send(subscription);
  assert.equal(sent, 1);
  now += 1;
  typing.send(subscription);
  assert.equal(sent, 2);
  typing.send(null);
  assert.equal(sent, 2, 'no subscription, no signal');
});

test('realtime URLs become WebSocket URLs on the right origin', () => {
  assert.equal(socketUrl('/v1/realtime', 'http://127.0.0.1:8080'), 'ws://127.0.0.1:8080/v1/realtime');
  const absolute = socketUrl('https://pay.example.com/v1/realtime', 'https://shop.example');
  assert.equal(absolute, 'wss://pay.example.com/v1/realtime');
  assert.equal(socketUrl('wss://rt.example/v1/realtime', 'https://x.example'), 'wss://rt.example/v1/realtime');
});
