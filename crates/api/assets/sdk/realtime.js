// Tradewind realtime: a dependency-free browser client for `/v1/realtime`
// (protocol `tradewind.realtime.v1`). Served by the server at `/sdk/realtime.js`.
//
//   import { RealtimeClient } from '/sdk/realtime.js';
//   const client = new RealtimeClient('wss://pay.example.com/v1/realtime', { getToken });
//   await client.connect();
//   const room = client.subscribe('chat:room.1');
//   room.on('publication', (publication) => render(publication.data));
//   await room.ready();
//   await room.publish({ text: 'hello' });
//
// The client reconnects by itself (exponential backoff with full jitter) after any
// close except 4001, 4003 and 4005, subscribes again with the last offset and epoch
// it saw on each channel, delivers the missed publications in order before new ones
// and drops the ones it has already delivered.

/** The protocol version sent on `connect`. */
export const PROTOCOL_VERSION = 'tradewind.realtime.v1';

/** Close codes after which reconnecting cannot help: a new token or client is needed. */
const TERMINAL_CLOSE_CODES = new Set([4001, 4003, 4005]);
/** The close code reported when the client itself gave up on a silent connection. */
const CLOSE_ABNORMAL = 1006;

const DEFAULTS = {
  minReconnectDelay: 200,
  maxReconnectDelay: 10000,
  timeout: 10000,
  pingInterval: 25000,
  pongTimeout: 10000,
  refreshBefore: 30000,
};

/**
 * A failed command or connection. `code` is the protocol's error string
 * (`permission_denied`, …) or one of the client's own (`timeout`, `disconnected`,
 * `not_connected`); `number` is the protocol's number when the server sent one.
 */
export class RealtimeError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {number} [number]
   */
  constructor(code, message, number) {
    super(message);
    this.name = 'RealtimeError';
    this.code = code;
    this.number = number;
  }
}

/** A minimal event emitter; listeners that throw do not stop the others. */
class Emitter {
  constructor() {
    this._listeners = new Map();
  }

  /**
   * Calls `listener` on every `event`.
   * @param {string} event
   * @param {(value: any) => void} listener
   * @returns {() => void} a function that removes the listener
   */
  on(event, listener) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(listener);
    return () => this.off(event, listener);
  }

  /** Removes a listener added with `on`. */
  off(event, listener) {
    this._listeners.get(event)?.delete(listener);
  }

  _emit(event, value) {
    for (const listener of [...(this._listeners.get(event) ?? [])]) {
      try {
        listener(value);
      } catch (error) {
        setTimeout(() => {
          throw error;
        });
      }
    }
  }
}

/**
 * A connection to `/v1/realtime` that stays up: it reconnects after network losses and
 * server restarts, refreshes its token before it expires and resubscribes its channels.
 *
 * Events: `connecting` ({attempt, delay}), `connected` ({client_id, user, name,
 * expires_at}), `disconnected` ({code, reason, reconnect}), `error` (a RealtimeError).
 */
export class RealtimeClient extends Emitter {
  /**
   * @param {string} url the WebSocket URL, `ws(s)://HOST/v1/realtime`
   * @param {object} options
   * @param {string} [options.token] a token from `POST /v1/realtime/tokens`
   * @param {() => Promise<string>} [options.getToken] fetches a fresh token (from your
   *   backend); used for reconnects and for `refresh` before the token expires
   * @param {number} [options.minReconnectDelay] ms, first backoff ceiling (200)
   * @param {number} [options.maxReconnectDelay] ms, largest backoff ceiling (10000)
   * @param {number} [options.timeout] ms a command waits for its answer (10000)
   * @param {number} [options.pingInterval] ms between pings (25000)
   * @param {number} [options.pongTimeout] ms a ping waits for its pong before the
   *   connection counts as dead (10000)
   */
  constructor(url, options = {}) {
    super();
    if (!options.token && !options.getToken) throw new TypeError('RealtimeClient needs a token or getToken');
    this.url = url;
    this.options = { ...DEFAULTS, ...options };
    /** 'disconnected' | 'connecting' | 'connected' */
    this.state = 'disconnected';
    /** What the server said on `connect`: {client_id, user, name, expires_at}. */
    this.session = null;
    this._token = options.token ?? null;
    this._socket = null;
    this._nextId = 1;
    this._pending = new Map();
    this._subscriptions = new Map();
    this._attempt = 0;
    this._reconnectTimer = null;
    this._pingTimer = null;
    this._pongTimer = null;
    this._refreshTimer = null;
    this._connectWaiters = [];
    this._lastError = null;
  }

  /**
   * Opens the connection. Resolves once the server accepted the token; rejects when
   * it refused it for good (4001, 4003, 4005) or `disconnect()` was called first.
   * Transient failures are retried, so the promise may wait through an outage.
   * @returns {Promise<void>}
   */
  connect() {
    const connected = new Promise((resolve, reject) => this._connectWaiters.push({ resolve, reject }));
    if (this.state === 'connected') {
      this._settleConnectWaiters(null);
    } else if (this.state === 'disconnected') {
      this._attempt = 0;
      this.state = 'connecting';
      this._emit('connecting', { attempt: 0, delay: 0 });
      this._open();
    }
    return connected;
  }

  /** Closes the connection for good (until the next `connect()`); no reconnect. */
  disconnect() {
    this._clearTimers();
    const socket = this._socket;
    this._socket = null;
    if (socket) {
      this._detach(socket);
      socket.close(1000, 'client disconnect');
    }
    if (this.state !== 'disconnected') {
      this._lostConnection(1000, 'client disconnect', false);
    }
  }

  /**
   * Subscribes to `channel` (now, or as soon as the client is connected) and keeps the
   * subscription across reconnects.
   * @param {string} channel `namespace:name`
   * @param {object} [options]
   * @param {boolean} [options.recover] ask for missed publications after a reconnect (true)
   * @param {{offset: number, epoch: string}} [options.since] a position saved earlier,
   *   to recover from on the first subscribe too
   * @returns {Subscription}
   */
  subscribe(channel, options = {}) {
    if (this._subscriptions.has(channel)) {
      throw new RealtimeError('already_subscribed', `already subscribed to ${channel}`);
    }
    const subscription = new Subscription(this, channel, options);
    this._subscriptions.set(channel, subscription);
    if (this.state === 'connected') subscription._send();
    return subscription;
  }

  /** The subscription to `channel`, if any. */
  getSubscription(channel) {
    return this._subscriptions.get(channel) ?? null;
  }

  // --- connection ---------------------------------------------------------------

  async _open() {
    this.state = 'connecting';
    let token;
    try {
      const fresh = this.options.getToken && (this._attempt > 0 || !this._token);
      token = fresh ? await this.options.getToken() : this._token;
    } catch (error) {
      this._emit('error', new RealtimeError('token_unavailable', `getToken failed: ${error?.message ?? error}`));
      this._scheduleReconnect();
      return;
    }
    if (this.state !== 'connecting') return; // disconnect() ran while the token was fetched
    this._token = token;
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch (error) {
      this._lastError = new RealtimeError('bad_url', `cannot open ${this.url}: ${error?.message ?? error}`);
      this._emit('error', this._lastError);
      this._lostConnection(CLOSE_ABNORMAL, 'bad url', false);
      return;
    }
    this._socket = socket;
    const connectTimer = setTimeout(() => {
      if (this._socket === socket && this.state === 'connecting') this._drop(socket, 'connect timeout');
    }, this.options.timeout);
    socket.onopen = () => {
      this._sendFrame({ type: 'connect', id: this._nextId++, token, protocol_version: PROTOCOL_VERSION });
    };
    socket.onmessage = (event) => this._onMessage(event.data);
    socket.onerror = () => {}; // the close event that follows says what happened
    socket.onclose = (event) => {
      clearTimeout(connectTimer);
      if (this._socket !== socket) return;
      this._socket = null;
      // An expired token comes back expired unless getToken can fetch a new one.
      const hopeless = TERMINAL_CLOSE_CODES.has(event.code) || (event.code === 4002 && !this.options.getToken);
      this._lostConnection(event.code, event.reason, !hopeless);
    };
    socket._connectTimer = connectTimer;
  }

  _onConnected(frame) {
    clearTimeout(this._socket?._connectTimer);
    this._attempt = 0;
    this._lastError = null;
    this.session = {
      client_id: frame.client_id,
      user: frame.user,
      name: frame.name,
      expires_at: frame.expires_at,
    };
    this.state = 'connected';
    this._emit('connected', this.session);
    this._settleConnectWaiters(null);
    this._schedulePing();
    this._scheduleRefresh(frame.expires_at);
    for (const subscription of this._subscriptions.values()) subscription._send();
  }

  /** Everything that follows the end of a connection, whoever ended it. */
  _lostConnection(code, reason, reconnect) {
    this._clearTimers();
    this.session = null;
    for (const [id, pending] of this._pending) {
      clearTimeout(pending.timer);
      this._pending.delete(id);
      pending.reject(new RealtimeError('disconnected', `the connection closed (${code})`));
    }
    for (const subscription of this._subscriptions.values()) subscription._connectionLost();
    this.state = 'disconnected';
    this._emit('disconnected', { code, reason, reconnect });
    if (reconnect) {
      this._scheduleReconnect();
    } else {
      const closed = new RealtimeError('disconnected', `the connection closed (${code} ${reason})`, code);
      this._settleConnectWaiters(this._lastError ?? closed);
    }
  }

  /** Gives up on a socket that no longer answers; a network loss looks like this. */
  _drop(socket, reason) {
    this._detach(socket);
    if (this._socket === socket) this._socket = null;
    try {
      socket.close(4000, reason);
    } catch {
      // A socket that is still opening may refuse close codes; it is detached anyway.
    }
    this._lostConnection(CLOSE_ABNORMAL, reason, true);
  }

  _detach(socket) {
    clearTimeout(socket._connectTimer);
    socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
  }

  _scheduleReconnect() {
    const { minReconnectDelay, maxReconnectDelay } = this.options;
    const ceiling = Math.min(maxReconnectDelay, minReconnectDelay * 2 ** Math.min(this._attempt, 16));
    const delay = Math.floor(Math.random() * ceiling); // full jitter
    this._attempt += 1;
    this.state = 'connecting';
    this._emit('connecting', { attempt: this._attempt, delay });
    this._reconnectTimer = setTimeout(() => {
      this._reconnectTimer = null;
      this._open();
    }, delay);
  }

  _schedulePing() {
    this._pingTimer = setTimeout(() => {
      this._pingTimer = null;
      const socket = this._socket;
      if (!socket || this.state !== 'connected') return;
      this._sendFrame({ type: 'ping', id: this._nextId++ });
      this._pongTimer = setTimeout(() => this._drop(socket, 'no pong'), this.options.pongTimeout);
    }, this.options.pingInterval);
  }

  _scheduleRefresh(expiresAt) {
    clearTimeout(this._refreshTimer);
    this._refreshTimer = null;
    if (!this.options.getToken || typeof expiresAt !== 'number') return;
    const delay = Math.max(0, expiresAt * 1000 - Date.now() - this.options.refreshBefore);
    this._refreshTimer = setTimeout(() => this._refresh(), delay);
  }

  async _refresh() {
    this._refreshTimer = null;
    try {
      const token = await this.options.getToken();
      const result = await this._call({ type: 'refresh', token });
      this._token = token;
      if (this.session) this.session.expires_at = result.expires_at;
      this._scheduleRefresh(result.expires_at);
    } catch (error) {
      // Without a refresh the server closes with 4002 and the reconnect fetches a new token.
      this._emit('error', error);
    }
  }

  _clearTimers() {
    clearTimeout(this._reconnectTimer);
    clearTimeout(this._pingTimer);
    clearTimeout(this._pongTimer);
    clearTimeout(this._refreshTimer);
    this._reconnectTimer = this._pingTimer = this._pongTimer = this._refreshTimer = null;
  }

  _settleConnectWaiters(error) {
    const waiters = this._connectWaiters;
    this._connectWaiters = [];
    for (const waiter of waiters) error ? waiter.reject(error) : waiter.resolve();
  }

  // --- frames -------------------------------------------------------------------

  _sendFrame(frame) {
    if (!this._socket || this._socket.readyState !== 1) return false;
    this._socket.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Sends a command and resolves with its ack's `result` (or `undefined`).
   * @returns {Promise<any>}
   */
  _call(frame) {
    return new Promise((resolve, reject) => {
      if (this.state !== 'connected') {
        reject(new RealtimeError('not_connected', `cannot send ${frame.type}: the client is ${this.state}`));
        return;
      }
      const id = this._nextId++;
      const timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new RealtimeError('timeout', `${frame.type} got no answer in ${this.options.timeout} ms`));
      }, this.options.timeout);
      this._pending.set(id, { resolve, reject, timer });
      if (!this._sendFrame({ ...frame, id })) {
        clearTimeout(timer);
        this._pending.delete(id);
        reject(new RealtimeError('not_connected', `cannot send ${frame.type}: the socket is not open`));
      }
    });
  }

  _onMessage(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      this._emit('error', new RealtimeError('bad_frame', 'the server sent a frame that is not JSON'));
      return;
    }
    switch (frame.type) {
      case 'connected':
        this._onConnected(frame);
        return;
      case 'ack':
      case 'error':
        this._onAnswer(frame);
        return;
      case 'pong':
        clearTimeout(this._pongTimer);
        this._pongTimer = null;
        if (this.state === 'connected' && !this._pingTimer) this._schedulePing();
        return;
      default: {
        const subscription = this._subscriptions.get(frame.channel);
        if (subscription) subscription._onPush(frame);
      }
    }
  }

  _onAnswer(frame) {
    const pending = frame.id === undefined ? undefined : this._pending.get(frame.id);
    if (frame.type === 'ack') {
      if (pending) {
        clearTimeout(pending.timer);
        this._pending.delete(frame.id);
        pending.resolve(frame.result);
      }
      return;
    }
    const error = new RealtimeError(frame.code, frame.message, frame.number);
    if (pending) {
      clearTimeout(pending.timer);
      this._pending.delete(frame.id);
      pending.reject(error);
    } else {
      // A connection-level error (a refused connect, or one before a close).
      this._lastError = error;
      this._emit('error', error);
    }
  }
}

/**
 * One channel of a RealtimeClient. Events: `subscribed` ({recovered, publications,
 * offset, epoch}), `publication`, `join`, `leave`, `presence_count`, `typing`,
 * `metadata` (the server's frames), `recovery_failed` ({offset, epoch}: the gap could
 * not be filled, reload the channel's state), `error` (a RealtimeError),
 * `unsubscribed`.
 */
export class Subscription extends Emitter {
  constructor(client, channel, options) {
    super();
    this.client = client;
    this.channel = channel;
    /** 'subscribing' | 'subscribed' | 'unsubscribed' */
    this.state = 'subscribing';
    this._recover = options.recover !== false;
    /** The last publication delivered (or the channel's position at subscribe): {offset, epoch}. */
    this.position = options.since ? { offset: options.since.offset, epoch: options.since.epoch } : null;
    this._buffered = [];
    this._resetReady();
  }

  /**
   * Resolves when the server acknowledged the subscribe (again after a reconnect);
   * rejects if it refused it.
   * @returns {Promise<void>}
   */
  ready() {
    return this._ready;
  }

  /**
   * Publishes `data` (any JSON) to the channel.
   * @returns {Promise<{offset: number, epoch: string}>}
   */
  async publish(data) {
    await this._whenReady();
    const result = await this.client._call({ type: 'publish', channel: this.channel, data });
    return { offset: result.offset, epoch: result.epoch };
  }

  /**
   * Publications from the channel's history, oldest first.
   * @param {{since_offset?: number, limit?: number}} [query]
   * @returns {Promise<{publications: object[], epoch: string}>}
   */
  async history(query = {}) {
    await this._whenReady();
    const result = await this.client._call({ type: 'history', channel: this.channel, ...query });
    return { publications: result.publications, epoch: result.epoch };
  }

  /**
   * Who is in the channel.
   * @returns {Promise<{user: string, name: string}[]>}
   */
  async presence() {
    await this._whenReady();
    const result = await this.client._call({ type: 'presence', channel: this.channel });
    return result.members;
  }

  /** Tells the other members this user is typing; fire and forget. */
  typing() {
    if (this.state === 'subscribed') this.client._call({ type: 'typing', channel: this.channel }).catch(() => {});
  }

  /**
   * A channel metadata entry; `value` is absent for a key never set.
   * @returns {Promise<{key: string, value?: any, revision: number}>}
   */
  async getMetadata(key) {
    await this._whenReady();
    const result = await this.client._call({ type: 'metadata_get', channel: this.channel, key });
    return { key: result.key, value: result.value, revision: result.revision };
  }

  /**
   * Writes a channel metadata entry. With `expectedRevision` the write applies only if
   * the entry is at that revision (0 for a new key), else it rejects with
   * `revision_mismatch`.
   * @returns {Promise<{key: string, value: any, revision: number}>}
   */
  async setMetadata(key, value, expectedRevision) {
    await this._whenReady();
    const frame = { type: 'metadata_set', channel: this.channel, key, value };
    if (expectedRevision !== undefined) frame.expected_revision = expectedRevision;
    const result = await this.client._call(frame);
    return { key: result.key, value: result.value, revision: result.revision };
  }

  /** Leaves the channel; the subscription is not restored on reconnect. */
  unsubscribe() {
    if (this.state === 'unsubscribed') return;
    this._finish(new RealtimeError('unsubscribed', `unsubscribed from ${this.channel}`));
    this.client._call({ type: 'unsubscribe', channel: this.channel }).catch(() => {});
  }

  // --- internals ----------------------------------------------------------------

  _resetReady() {
    this._ready = new Promise((resolve, reject) => {
      this._resolveReady = resolve;
      this._rejectReady = reject;
    });
    // A rejection nobody awaits is not an unhandled one: `error` reports it too.
    this._ready.catch(() => {});
  }

  async _whenReady() {
    if (this.state === 'subscribed') return;
    if (this.state === 'unsubscribed') {
      throw new RealtimeError('not_subscribed', `not subscribed to ${this.channel}`);
    }
    const waited = this.client.options.timeout;
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => {
        reject(new RealtimeError('timeout', `${this.channel} was not subscribed in ${waited} ms`));
      }, waited);
    });
    try {
      await Promise.race([this._ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `subscribe`, with the last position when recovering. */
  async _send() {
    const frame = { type: 'subscribe', channel: this.channel };
    const recovering = this._recover && this.position !== null;
    if (recovering) frame.recover = { offset: this.position.offset, epoch: this.position.epoch };
    this._buffered = [];
    let result;
    try {
      result = await this.client._call(frame);
    } catch (error) {
      if (error.code === 'disconnected' || error.code === 'not_connected') return; // resent on reconnect
      if (error.code === 'timeout') {
        this._emit('error', error); // still subscribing: resent on the next connection
        return;
      }
      this._finish(error);
      this._emit('error', error);
      return;
    }
    if (this.state !== 'subscribing') return;
    this.state = 'subscribed';
    const delivered = [];
    for (const missed of result.publications ?? []) {
      const publication = { channel: this.channel, epoch: result.epoch, ...missed };
      if (this._deliver(publication)) delivered.push(publication);
    }
    // Without recovery, or when it failed, the channel's current position is where this
    // subscription starts; a successful recovery ends there too.
    const position = this.position;
    if (!position || position.epoch !== result.epoch || position.offset < result.offset) {
      this.position = { offset: result.offset, epoch: result.epoch };
    }
    this._emit('subscribed', {
      recovered: result.recovered,
      publications: delivered,
      offset: result.offset,
      epoch: result.epoch,
    });
    if (recovering && !result.recovered) {
      this._emit('recovery_failed', { offset: result.offset, epoch: result.epoch });
    }
    const buffered = this._buffered;
    this._buffered = [];
    for (const publication of buffered) this._deliver(publication);
    this._resolveReady();
  }

  _onPush(frame) {
    if (frame.type !== 'publication') {
      this._emit(frame.type, frame);
    } else if (this.state === 'subscribing') {
      this._buffered.push(frame); // delivered after the subscribe ack's publications
    } else if (this.state === 'subscribed') {
      this._deliver(frame);
    }
  }

  /** Emits `publication` unless it was already delivered; returns whether it was. */
  _deliver(publication) {
    const { offset, epoch } = publication;
    const position = this.position;
    if (epoch !== undefined && typeof offset === 'number') {
      if (position && position.epoch === epoch && offset <= position.offset) return false;
      this.position = { offset, epoch };
    }
    this._emit('publication', publication);
    return true;
  }

  _connectionLost() {
    if (this.state !== 'subscribed') return;
    this.state = 'subscribing';
    this._resetReady();
  }

  _finish(error) {
    this.state = 'unsubscribed';
    this._rejectReady(error);
    this._buffered = [];
    if (this.client._subscriptions.get(this.channel) === this) this.client._subscriptions.delete(this.channel);
    this._emit('unsubscribed', { channel: this.channel });
  }
}
