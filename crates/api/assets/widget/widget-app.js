// The chat widget's state and its conversation with the server: the visitor session
// (its token kept in localStorage per publishable key), the conversation and its
// messages, the realtime subscription on the buyer's contact channel, and every action
// (send, attach, verify, rate, hand off, mark read). What the buyer sees is
// widget-view.js; the pure rules are widget-core.js. Loaded by widget.js.

import * as core from './widget-core.js';
import { RealtimeClient } from '../sdk/realtime.js';
import { AttachmentCache, ApiError, CatchUp, Typing, apiRequest, openRealtime } from './desk-client.js';
import { View } from './widget-view.js';

/** Session attempts before the widget says chat is unavailable. */
const SESSION_ATTEMPTS_MAX = 6;
/** While the realtime connection is down and the panel is open, poll this often. */
const POLL_INTERVAL_MS = 10000;
/** Pictures kept as object URLs; older ones are released. */
const ATTACHMENT_CACHE_MAX = 40;

function readStorage(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage blocked (private mode, sandboxed frame): a fresh visitor each load
  }
}

function writeStorage(key, value) {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    // Nothing to do: the session simply does not survive a reload.
  }
}

/**
 * Starts the widget described by the script tag (see widget.js); resolves once the
 * session and the current conversation are loaded.
 */
export function mount(config) {
  const widget = new Widget(config);
  window.TradewindWidget = Object.assign(window.TradewindWidget ?? {}, {
    open: () => widget.setOpen(true),
    close: () => widget.setOpen(false),
    host: widget.view.host,
  });
  return widget.start();
}

export class Widget {
  constructor(config) {
    this.config = config;
    this.origin = config.origin;
    this.language = core.chooseLanguage(config.language, navigator.languages, navigator.language);
    this.timeZone = config.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    this.state = 'loading';
    this.token = null;
    this.contact = null;
    this.settings = null;
    this.conversation = null;
    this.messages = [];
    this.isOpen = false;
    this.preChatAnswers = null;
    this.verifyCompleted = new Set();
    this.showOriginal = new Set();
    this.attachments = new AttachmentCache(ATTACHMENT_CACHE_MAX);
    this.localSequence = 0;
    this.lastReadSent = null;
    this.handoffRequested = false;
    this.connection = 'connecting';
    this.everConnected = false;
    this.client = null;
    this.subscription = null;
    this.creatingConversation = null;
    this.pollTimer = null;
    this.catchUps = new CatchUp({
      conversationId: () => (this.token ? this.conversation?.id : null),
      lastId: () => core.lastServerMessageId(this.messages),
      fetchPage: (id, query) =>
        this.request('GET', `/v1/widget/conversations/${encodeURIComponent(id)}/messages?${query}`),
      add: (messages) => this.addMessages(messages),
    });
    this.view = new View(this);
    this.typing = new Typing(() => this.view.renderTyping());
  }

  // --- network ----------------------------------------------------------------------

  request(method, path, { body, form, auth } = {}) {
    return apiRequest(this.origin, method, path, { token: auth ?? this.token, body, form });
  }

  conversationPath(suffix = '') {
    return `/v1/widget/conversations/${encodeURIComponent(this.conversation.id)}${suffix}`;
  }

  async start() {
    try {
      await this.openSession();
    } catch (error) {
      this.setState('unavailable');
      throw error;
    }
    this.language = core.chooseLanguage(this.config.language, this.settings?.language, navigator.languages);
    await this.identifyFromShop();
    // Without the list the widget still opens; the realtime subscription reloads it.
    await this.loadConversation().catch((error) => console.warn('Tradewind widget: load failed', error.code));
    this.setState('ready');
    this.connectRealtime().catch((error) => console.warn('Tradewind widget: realtime unavailable', error));
    addEventListener('online', () => this.catchUp());
    document.addEventListener('visibilitychange', () => this.markRead());
    if (this.config.openAtStart) this.setOpen(true);
    return this;
  }

  /** Resumes the stored visitor session or starts a new one, retrying network failures with backoff. */
  async openSession() {
    const storage = core.storageKey(this.config.key);
    for (let attempt = 0; attempt < SESSION_ATTEMPTS_MAX; attempt++) {
      const stored = readStorage(storage);
      const body = { language: this.language, time_zone: this.timeZone };
      if (stored) body.token = stored;
      try {
        const session = await this.request('POST', '/v1/widget/sessions', { body, auth: this.config.key });
        this.token = session.token;
        this.contact = session.contact;
        this.settings = session.settings;
        writeStorage(storage, session.token);
        return;
      } catch (error) {
        const refused = error.status >= 400 && error.status < 500;
        if (stored && refused) {
          writeStorage(storage, null); // an expired or foreign token: start over as a new visitor
          continue;
        }
        if (refused) throw error;
        await new Promise((resolve) => setTimeout(resolve, core.backoffDelay(attempt)));
      }
    }
    throw new ApiError(0, 'unavailable', 'the widget session could not be opened');
  }

  async identifyFromShop() {
    const { identityEmail, identityHash, identityName } = this.config;
    if (!identityEmail || !identityHash) return;
    if (this.contact?.verified && this.contact.email === identityEmail) return;
    const body = { email: identityEmail, identifier_hash: identityHash };
    if (identityName) body.name = identityName;
    try {
      this.contact = await this.request('POST', '/v1/widget/identify', { body });
    } catch (error) {
      console.warn('Tradewind widget: the shop-signed identity was refused', error.code);
    }
  }

  async loadConversation() {
    const list = await this.request('GET', '/v1/widget/conversations');
    const conversation = core.currentConversation(list.data ?? []);
    if (conversation?.id !== this.conversation?.id) this.switchConversation(conversation);
    else this.conversation = conversation;
    this.render();
    if (conversation) await this.catchUp();
  }

  switchConversation(conversation) {
    this.conversation = conversation;
    this.messages = this.messages.filter((message) => message.pending);
    this.lastReadSent = conversation?.buyer_read_message ?? null;
    this.handoffRequested = false;
    this.attachments.clear();
  }

  /** Fetches what came after the newest message held; one run at a time. */
  catchUp() {
    return this.catchUps.run().catch((error) => console.warn('Tradewind widget: catch-up failed', error.code));
  }

  addMessages(incoming) {
    if (incoming.some((message) => message?.sender === 'agent')) this.typing.show(null);
    this.messages = core.mergeMessages(this.messages, incoming, { ownSender: 'buyer' });
    this.render();
  }

  // --- realtime -----------------------------------------------------------------------

  async connectRealtime() {
    const fetchToken = () => this.request('POST', '/v1/widget/realtime_token');
    const first = await fetchToken();
    const client = openRealtime(RealtimeClient, first, this.origin, fetchToken, (state) => this.setConnection(state));
    this.client = client;
    const subscription = client.subscribe(first.channel);
    this.subscription = subscription;
    subscription.on('publication', (publication) => this.onPublication(publication.data));
    // Every (re)subscribe, recovered or not, ends with a reload over HTTP, so a gap the
    // realtime history could not fill is filled from the conversation itself.
    subscription.on('subscribed', () => {
      this.loadConversation().catch((error) => console.warn('Tradewind widget: reload failed', error.code));
    });
    subscription.on('typing', (frame) => {
      if (frame.user !== client.session?.user) this.typing.show(frame.name || '');
    });
    await client.connect();
  }

  setConnection(state) {
    this.connection = state;
    if (state === 'connected') this.everConnected = true;
    clearInterval(this.pollTimer);
    this.pollTimer = null;
    if (state !== 'connected') {
      this.pollTimer = setInterval(() => {
        if (this.isOpen) this.catchUp();
      }, POLL_INTERVAL_MS);
    }
    this.render();
  }

  onPublication(data) {
    if (!data || typeof data !== 'object') return;
    const current = this.conversation?.id;
    if (data.type === 'message.created' && data.message) {
      if (data.conversation === current) this.addMessages([data.message]);
      else this.loadConversation().catch(() => {});
    } else if (data.type === 'conversation.updated' && data.conversation) {
      if (data.conversation.id === current) {
        this.conversation = data.conversation;
        if (data.conversation.assignee) this.handoffRequested = false;
        this.render();
      } else if (!current || (data.conversation.created ?? 0) >= (this.conversation?.created ?? 0)) {
        this.loadConversation().catch(() => {});
      }
    } else if (data.type === 'read' && data.conversation === current && this.conversation) {
      const field = data.reader === 'agent' ? 'agent_read_message' : 'buyer_read_message';
      const previous = this.conversation[field];
      if (!previous || core.compareIds(data.message, previous) > 0) {
        this.conversation = { ...this.conversation, [field]: data.message };
        this.render();
      }
    }
  }

  sendTyping() {
    this.typing.send(this.subscription);
  }

  // --- actions ------------------------------------------------------------------------

  /** Sends text (and a file): shown at once as pending, replaced by the server's copy. */
  async send(text, file = null) {
    const trimmed = (text ?? '').trim();
    if (!trimmed && !file) return;
    const sequence = ++this.localSequence;
    const local = {
      id: `local_${sequence}`,
      pending: true,
      local_sequence: sequence,
      sender: 'buyer',
      text: trimmed,
      attachment_name: file ? file.name : null,
      created: Math.floor(Date.now() / 1000),
    };
    this.messages = core.mergeMessages(this.messages, [local]);
    this.render({ scroll: true });
    try {
      // A second message typed while the first one opens the conversation waits for it.
      await this.creatingConversation?.catch(() => {});
      if (!this.conversation || this.conversation.status === 'resolved') {
        await this.createConversation(trimmed);
      } else if (file) {
        const form = new FormData();
        form.append('file', file, file.name);
        if (trimmed) form.append('text', trimmed);
        const result = await this.request('POST', this.conversationPath('/messages'), { form });
        this.addMessages([result.message, ...(result.replies ?? [])]);
      } else {
        const body = { text: trimmed };
        const result = await this.request('POST', this.conversationPath('/messages'), { body });
        this.addMessages([result.message, ...(result.replies ?? [])]);
      }
    } catch (error) {
      console.warn('Tradewind widget: send failed', error.code);
      this.messages = this.messages.map((message) =>
        message.id === local.id ? { ...message, failed: true, file } : message,
      );
      this.render();
    }
  }

  async createConversation(text) {
    const body = { text, language: this.language };
    if (this.preChatAnswers) body.pre_chat = this.preChatAnswers;
    this.creatingConversation = this.request('POST', '/v1/widget/conversations', { body });
    try {
      this.switchConversation(await this.creatingConversation);
    } finally {
      this.creatingConversation = null;
    }
    await this.catchUp();
  }

  retry(localId) {
    const failed = this.messages.find((message) => message.id === localId);
    if (!failed) return;
    this.messages = this.messages.filter((message) => message.id !== localId);
    this.send(failed.text, failed.file ?? null);
  }

  /** Records the pre-chat answers (already validated by the view) for the first message. */
  setPreChatAnswers(values) {
    const entries = Object.entries(values).map(([name, value]) => [name, String(value).trim()]);
    this.preChatAnswers = Object.fromEntries(entries.filter(([, value]) => value));
    this.render();
  }

  async handOff() {
    if (!this.conversation) return;
    this.conversation = await this.request('POST', this.conversationPath('/handoff'));
    this.handoffRequested = true;
    this.render();
    await this.catchUp();
  }

  /** Verifies the buyer by order number and email; throws the ApiError for the form to explain. */
  async verify(messageId, orderNumber, email) {
    const body = { order_number: orderNumber, email };
    // Naming the conversation lets the assistant answer the question that needed it.
    if (this.conversation) body.conversation = this.conversation.id;
    this.contact = await this.request('POST', '/v1/widget/identify', { body });
    this.verifyCompleted.add(messageId);
    this.render();
    // The assistant may answer the question that needed verification right away.
    await this.catchUp();
  }

  async rate(rating, comment) {
    const body = { rating };
    if (comment) body.comment = comment;
    this.conversation = await this.request('POST', this.conversationPath('/csat'), { body });
    this.render();
  }

  /** Marks the newest message read when the buyer can see it and the other side wrote something new. */
  async markRead() {
    if (!this.isOpen || !this.conversation || document.visibilityState !== 'visible') return;
    if (!this.view.isNearBottom()) return;
    const lastRead = [this.lastReadSent, this.conversation.buyer_read_message]
      .filter(Boolean)
      .sort(core.compareIds)
      .at(-1);
    const target = core.readReceiptTarget(this.messages, lastRead, 'buyer');
    if (!target) return;
    this.lastReadSent = target;
    try {
      const conversation = await this.request('POST', this.conversationPath('/read'), { body: { message: target } });
      if (conversation?.id === this.conversation?.id) this.conversation = conversation;
      this.view.renderLauncher();
    } catch {
      this.lastReadSent = null; // tried again on the next render
    }
  }

  /** An object URL for a message's attachment, fetched with the visitor token. */
  attachmentUrl(message) {
    return this.attachments.url(message, this.origin, this.token);
  }

  toggleOriginal(messageId) {
    if (this.showOriginal.has(messageId)) this.showOriginal.delete(messageId);
    else this.showOriginal.add(messageId);
    this.render();
  }

  setOpen(open) {
    this.isOpen = open;
    this.view.render({ scroll: open });
    this.view.focus(open);
    if (open) this.markRead();
  }

  setState(state) {
    this.state = state;
    this.render();
  }

  render(options) {
    this.view.render(options);
    this.markRead();
  }
}
