// A small in-memory stand-in for `/v1/realtime`, enough to drive the SDK's connection,
// recovery and liveness logic under Node without the Rust server: one epoch per channel
// (changeable), history kept whole, tokens `bad` (refused with 4001) or anything else
// (accepted as that user). The real endpoint is covered by the browser test in
// crates/tradewind/tests/browser/realtime_sdk.rs.

import crypto from 'node:crypto';
import http from 'node:http';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * Starts the fake on a free port of 127.0.0.1.
 * @param {{ignorePings?: boolean, expiresIn?: number, duplicateAfterAck?: boolean}} options
 */
export function startFake(options = {}) {
  const channels = new Map();
  const connections = new Set();
  const stats = { connects: 0, subscribes: [], pings: 0, refreshes: 0 };
  const server = http.createServer((request, response) => response.end('fake'));

  server.on('upgrade', (request, socket) => {
    const accept = crypto.createHash('sha1').update(request.headers['sec-websocket-key'] + WEBSOCKET_GUID);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
      + `Sec-WebSocket-Accept: ${accept.digest('base64')}\r\n\r\n`);
    const connection = { socket, channels: new Set(), user: null };
    connections.add(connection);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const frame = readFrame(buffer);
        if (!frame) return;
        buffer = buffer.subarray(frame.length);
        if (frame.opcode === 8) {
          write(connection, 8, frame.payload);
          socket.end();
          connections.delete(connection);
          return;
        }
        if (frame.opcode === 1) onCommand(connection, JSON.parse(frame.payload.toString()));
      }
    });
    socket.on('close', () => connections.delete(connection));
    socket.on('error', () => connections.delete(connection));
  });

  /** One client frame (masked) from the front of `buffer`, or null if incomplete. */
  function readFrame(buffer) {
    if (buffer.length < 2) return null;
    let length = buffer[1] & 0x7f;
    let offset = 2;
    if (length === 126) [length, offset] = [buffer.readUInt16BE(2), 4];
    else if (length === 127) [length, offset] = [Number(buffer.readBigUInt64BE(2)), 10];
    if (buffer.length < offset + 4 + length) return null;
    const mask = buffer.subarray(offset, offset + 4);
    const payload = Buffer.from(buffer.subarray(offset + 4, offset + 4 + length));
    for (let index = 0; index < payload.length; index++) payload[index] ^= mask[index % 4];
    return { opcode: buffer[0] & 0x0f, payload, length: offset + 4 + length };
  }

  function write(connection, opcode, payload) {
    const head = payload.length < 126
      ? Buffer.from([0x80 | opcode, payload.length])
      : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
    if (!connection.socket.destroyed) connection.socket.write(Buffer.concat([head, payload]));
  }

  const send = (connection, frame) => write(connection, 1, Buffer.from(JSON.stringify(frame)));

  function close(connection, code, reason) {
    const payload = Buffer.alloc(2 + reason.length);
    payload.writeUInt16BE(code);
    payload.write(reason, 2);
    write(connection, 8, payload);
    connection.socket.end();
  }

  function channel(name) {
    if (!channels.has(name)) channels.set(name, { epoch: 'e1', publications: [] });
    return channels.get(name);
  }

  function publish(name, data, info) {
    const state = channel(name);
    const publication = { channel: name, offset: state.publications.length + 1, epoch: state.epoch, data, info };
    state.publications.push(publication);
    for (const connection of connections) {
      if (connection.channels.has(name)) send(connection, { type: 'publication', ...publication });
    }
    return publication;
  }

  function onCommand(connection, command) {
    const ack = (result) => send(connection, { type: 'ack', id: command.id, result });
    const refuse = (code, number) => send(connection, { type: 'error', id: command.id, code, number, message: code });
    switch (command.type) {
      case 'connect': {
        stats.connects += 1;
        if (command.token === 'bad') {
          refuse('token_invalid', 4001);
          close(connection, 4001, 'token_invalid');
          return;
        }
        connection.user = command.token;
        const expiresAt = Math.floor(Date.now() / 1000) + (options.expiresIn ?? 3600);
        send(connection, {
          type: 'connected', client_id: `conn_${stats.connects}`, user: command.token, name: command.token,
          expires_at: expiresAt, protocol_version: command.protocol_version,
        });
        return;
      }
      case 'subscribe': {
        stats.subscribes.push(command);
        const state = channel(command.channel);
        connection.channels.add(command.channel);
        const recovered = command.recover?.epoch === state.epoch;
        const missed = recovered ? state.publications.filter((p) => p.offset > command.recover.offset) : [];
        ack({
          kind: 'subscribed', offset: state.publications.length, epoch: state.epoch, recovered, publications: missed,
        });
        // The contract lets a publication arrive live right after the ack that recovered it.
        if (options.duplicateAfterAck && missed.length) send(connection, { type: 'publication', ...missed.at(-1) });
        return;
      }
      case 'publish': {
        const publication = publish(command.channel, command.data, { user: connection.user, name: connection.user });
        ack({ kind: 'published', offset: publication.offset, epoch: publication.epoch });
        return;
      }
      case 'history': {
        const state = channel(command.channel);
        ack({ kind: 'history', publications: state.publications, epoch: state.epoch });
        return;
      }
      case 'presence': {
        const members = [...connections].filter((c) => c.channels.has(command.channel));
        ack({ kind: 'presence', members: members.map((c) => ({ user: c.user, name: c.user })) });
        return;
      }
      case 'metadata_set':
        if (command.expected_revision !== undefined && command.expected_revision !== 0) {
          refuse('revision_mismatch', 4012);
          return;
        }
        ack({ kind: 'metadata', key: command.key, value: command.value, revision: 1 });
        return;
      case 'refresh':
        stats.refreshes += 1;
        ack({ kind: 'refreshed', expires_at: Math.floor(Date.now() / 1000) + 3600 });
        return;
      case 'ping':
        stats.pings += 1;
        if (!options.ignorePings) send(connection, { type: 'pong', id: command.id });
        return;
      default:
        ack();
    }
  }

  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `ws://127.0.0.1:${server.address().port}/v1/realtime`,
    httpUrl: `http://127.0.0.1:${server.address().port}/`,
    stats,
    channels,
    publish,
    /** Drops `user`'s connections without a close frame, as a network loss does. */
    cut(user) {
      for (const connection of [...connections]) {
        if (user === undefined || connection.user === user) {
          connection.socket.destroy();
          connections.delete(connection);
        }
      }
    },
    stop() {
      for (const connection of connections) connection.socket.destroy();
      server.close();
    },
  })));
}
