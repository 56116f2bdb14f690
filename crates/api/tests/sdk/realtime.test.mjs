// The realtime SDK's own logic under Node against a fake server (fake_server.mjs):
// recovery without duplicates, a new epoch, a refused token, a silent connection and the
// token refresh. Run with `node --experimental-websocket --test crates/api/tests/sdk/`
// (Node 20; Node 22 has WebSocket without the flag).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RealtimeClient } from '../../assets/sdk/realtime.js';
import { startFake } from './fake_server.mjs';

const WAIT_MS = 5000;

/** Resolves once `condition()` holds, re-checking every 10 ms; fails after WAIT_MS. */
async function until(condition, what) {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const FAST = { minReconnectDelay: 10, maxReconnectDelay: 50 };

test('a lost connection recovers the missed publications in order, without duplicates', async () => {
  const fake = await startFake({ duplicateAfterAck: true });
  let tokens = 0;
  const a = new RealtimeClient(fake.url, { token: 'ada' });
  const b = new RealtimeClient(fake.url, { token: 'bo', getToken: async () => `bo_${++tokens}`, ...FAST });
  await a.connect();
  await b.connect();
  const roomA = a.subscribe('chat:room.1');
  const roomB = b.subscribe('chat:room.1');
  const received = [];
  const subscribed = [];
  roomB.on('publication', (publication) => received.push(publication.data.n));
  roomB.on('subscribed', (context) => subscribed.push(context));
  await roomA.ready();
  await roomB.ready();
  assert.deepEqual(await roomA.publish({ n: 1 }), { offset: 1, epoch: 'e1' });
  await until(() => received.length === 1, 'the first publication');

  fake.cut('bo');
  for (let n = 2; n <= 5; n++) await roomA.publish({ n });
  await until(() => subscribed.length === 2 && received.length === 5, 'the recovery');
  assert.equal(subscribed[1].recovered, true);
  assert.deepEqual(subscribed[1].publications.map((p) => p.data.n), [2, 3, 4, 5]);
  assert.deepEqual(fake.stats.subscribes.at(-1).recover, { offset: 1, epoch: 'e1' });
  assert.equal(b.session.user, 'bo_1', 'the reconnect asked getToken for a token');

  await roomA.publish({ n: 6 });
  await until(() => received.length === 6, 'the publication after recovery');
  assert.deepEqual(received, [1, 2, 3, 4, 5, 6]);
  assert.equal((await roomB.history({ limit: 10 })).publications.length, 6);
  assert.equal((await roomB.presence()).length, 2);
  await assert.rejects(roomB.setMetadata('topic', 'x', 3), (e) => e.code === 'revision_mismatch' && e.number === 4012);
  assert.equal((await roomB.setMetadata('topic', 'x', 0)).revision, 1);
  a.disconnect();
  b.disconnect();
  assert.equal(b.state, 'disconnected');
  fake.stop();
});

test('a new epoch after a reconnect emits recovery_failed', async () => {
  const fake = await startFake();
  const client = new RealtimeClient(fake.url, { token: 'bo', ...FAST });
  await client.connect();
  const room = client.subscribe('chat:room.1');
  const failures = [];
  room.on('recovery_failed', (context) => failures.push(context));
  await room.ready();
  fake.publish('chat:room.1', 'a');
  await until(() => room.position?.offset === 1, 'the publication');
  fake.channels.get('chat:room.1').epoch = 'e2';
  fake.cut();
  await until(() => failures.length === 1, 'recovery_failed');
  assert.equal(failures[0].epoch, 'e2');
  assert.deepEqual(room.position, { offset: 1, epoch: 'e2' });
  client.disconnect();
  fake.stop();
});

test('a refused token rejects connect() with 4001 and does not reconnect', async () => {
  const fake = await startFake();
  const client = new RealtimeClient(fake.url, { token: 'bad', minReconnectDelay: 1, maxReconnectDelay: 1 });
  const errors = [];
  const disconnects = [];
  let connecting = 0;
  client.on('error', (error) => errors.push(error));
  client.on('disconnected', (context) => disconnects.push(context));
  client.on('connecting', () => connecting++);
  await assert.rejects(client.connect(), (e) => e.code === 'token_invalid' && e.number === 4001);
  assert.equal(errors[0].number, 4001);
  assert.deepEqual(disconnects.map((d) => [d.code, d.reconnect]), [[4001, false]]);
  // A round trip to the fake outlasts a 1 ms reconnect timer, had one been set.
  await fetch(fake.httpUrl);
  assert.equal(fake.stats.connects, 1);
  assert.equal(connecting, 1);
  assert.equal(client._reconnectTimer, null);
  fake.stop();
});

test('a missing pong drops the connection; the token is refreshed before it expires', async () => {
  const fake = await startFake({ ignorePings: true, expiresIn: 31 });
  const client = new RealtimeClient(fake.url, {
    token: 'bo', getToken: async () => 'bo_2', pingInterval: 50, pongTimeout: 50, ...FAST,
  });
  const disconnects = [];
  client.on('disconnected', (context) => disconnects.push(context));
  await client.connect();
  await until(() => fake.stats.refreshes >= 1, 'a refresh');
  await until(() => disconnects.length >= 1 && client.state === 'connected', 'a reconnect after the silence');
  assert.equal(disconnects[0].reason, 'no pong');
  assert.equal(disconnects[0].reconnect, true);
  client.disconnect();
  fake.stop();
});
