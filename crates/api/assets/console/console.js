// The agent console: sign-in, the inbox, one open conversation and the buyer's
// orders beside it. This module holds the state and talks to the API (agent session
// token in sessionStorage) and to the realtime layer (the inbox channel, and the open
// conversation's and its buyer's channels); console-view.js draws it and
// console-core.js holds the pure rules. The modules' URLs come from the page's
// `#console-data` (content-versioned), so a deploy never mixes old and new files.
//
// Tests drive it by `data-testid` (tw-login-email, tw-inbox-item[data-conversation],
// tw-reply, tw-send, tw-message[data-sender], tw-context-order, …);
// `window.TradewindConsole` is this app, for debugging.

const data = JSON.parse(document.getElementById('console-data').textContent);
const [core, messagesCore, client, sdk, viewModule, contextModule] = await Promise.all([
  import(data.modules.core),
  import(data.modules.messages),
  import(data.modules.client),
  import(data.modules.realtime),
  import(data.modules.view),
  import(data.modules.context),
]);

/** The session token's key in sessionStorage (one tab, one agent). */
const TOKEN_KEY = 'tradewind.console.token';
/** Conversations asked for per inbox load. */
const INBOX_PAGE = 50;
/** Pictures kept as object URLs; older ones are released. */
const ATTACHMENT_CACHE_MAX = 60;

class Console {
  constructor() {
    this.core = core;
    this.messagesCore = messagesCore;
    this.exponents = data.currency_exponents ?? {};
    this.token = sessionStorage.getItem(TOKEN_KEY);
    this.agent = null;
    this.agents = [];
    this.canned = [];
    this.filter = { view: 'all', tag: '', status: '', q: '' };
    this.inbox = [];
    this.conversation = null;
    this.messages = [];
    this.context = null;
    this.contextError = null;
    this.timeline = null;
    this.timelineOpen = false;
    this.showOriginal = new Set();
    this.attachments = new client.AttachmentCache(ATTACHMENT_CACHE_MAX);
    this.lastReadSent = null;
    this.connection = 'disconnected';
    this.client = null;
    this.conversationChannels = [];
    this.catchUps = new client.CatchUp({
      conversationId: () => this.conversation?.id,
      lastId: () => messagesCore.lastServerMessageId(this.messages),
      fetchPage: (id, query) => this.request('GET', `/v1/conversations/${encodeURIComponent(id)}/messages?${query}`),
      add: (messages) => this.addMessages(messages),
    });
    this.view = new viewModule.ConsoleView(this, core, messagesCore, contextModule.ContextPanel);
    this.typing = new client.Typing(() => this.view.renderTyping());
  }

  // --- network ------------------------------------------------------------------------

  /** An API call with the session token; a 401 ends the session and shows the sign-in form. */
  async request(method, path, { body, form, auth = true } = {}) {
    try {
      return await client.apiRequest(location.origin, method, path, { token: auth ? this.token : null, body, form });
    } catch (error) {
      if (error.status === 401 && auth) this.signedOut('Your session ended. Sign in again.');
      throw error;
    }
  }

  conversationPath(suffix = '') {
    return `/v1/conversations/${encodeURIComponent(this.conversation.id)}${suffix}`;
  }

  // --- session ------------------------------------------------------------------------

  async start() {
    if (!this.token) {
      this.view.showLogin();
      return;
    }
    try {
      this.agent = await this.request('GET', '/v1/support/me');
    } catch {
      this.view.showLogin();
      return;
    }
    await this.enter();
  }

  async login(email, password) {
    const session = await this.request('POST', '/v1/support/sessions', { body: { email, password }, auth: false });
    this.token = session.token;
    this.agent = session.agent;
    sessionStorage.setItem(TOKEN_KEY, session.token);
    await this.enter();
  }

  async logout() {
    await this.request('DELETE', '/v1/support/sessions/current').catch(() => {});
    this.signedOut(null);
  }

  signedOut(message) {
    this.client?.disconnect();
    this.client = null;
    this.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    this.conversation = null;
    this.view.showLogin(message);
  }

  async enter() {
    this.view.showApp();
    const [agents, canned] = await Promise.all([
      this.request('GET', '/v1/support/agents').catch(() => ({ data: [] })),
      this.request('GET', '/v1/support/canned_responses').catch(() => ({ data: [] })),
    ]);
    this.agents = agents.data ?? [];
    this.canned = canned.data ?? [];
    this.render();
    await this.loadInbox();
    this.connectRealtime().catch((error) => {
      console.warn('Tradewind console: realtime unavailable', error);
      this.setConnection('disconnected');
    });
  }

  async setPresence(presence) {
    this.agent = await this.request('POST', '/v1/support/me', { body: { presence } });
    this.render();
  }

  // --- the inbox ----------------------------------------------------------------------

  async loadInbox() {
    const list = await this.request('GET', `/v1/conversations?${core.inboxQuery(this.filter, INBOX_PAGE)}`);
    this.inbox = core.sortInbox(list.data ?? []);
    this.view.renderInbox();
  }

  setFilter(change) {
    this.filter = { ...this.filter, ...change };
    this.view.renderInbox();
    this.loadInbox().catch((error) => this.view.showActionError(error));
  }

  onInboxEvent(event) {
    if (event?.type !== 'conversation.updated' || !event.conversation) return;
    this.inbox = core.upsertConversation(this.inbox, event.conversation, this.filter, this.agent?.id);
    if (event.conversation.id === this.conversation?.id) this.updateConversation(event.conversation);
    this.view.renderInbox();
  }

  // --- the open conversation ----------------------------------------------------------

  async open(conversationId) {
    if (this.conversation?.id === conversationId) return;
    this.leaveChannels();
    const conversation = await this.request('GET', `/v1/conversations/${encodeURIComponent(conversationId)}`);
    this.conversation = conversation;
    this.messages = [];
    this.context = null;
    this.contextError = null;
    this.timeline = null;
    this.timelineOpen = false;
    this.lastReadSent = conversation.agent_read_message ?? null;
    this.typing.show(null);
    this.attachments.clear();
    this.view.renderConversation({ fresh: true });
    this.view.renderInbox();
    this.joinChannels(conversation);
    await Promise.all([this.catchUp(), this.loadContext()]);
  }

  updateConversation(conversation) {
    if (conversation.id !== this.conversation?.id) return;
    this.conversation = conversation;
    this.inbox = this.inbox.map((entry) => (entry.id === conversation.id ? conversation : entry));
    this.view.renderConversation();
    this.view.renderInbox();
  }

  /** Fetches the messages after the newest one held; one run at a time. */
  catchUp() {
    return this.catchUps.run().catch((error) => this.view.showActionError(error));
  }

  addMessages(incoming) {
    if (incoming.some((message) => message?.sender === 'buyer')) this.typing.show(null);
    this.messages = messagesCore.mergeMessages(this.messages, incoming, { ownSender: 'agent' });
    this.view.renderMessages();
    this.markRead();
  }

  async loadContext() {
    const conversationId = this.conversation?.id;
    try {
      const context = await this.request('GET', this.conversationPath('/context'));
      if (this.conversation?.id !== conversationId) return;
      this.context = context;
      this.contextError = null;
    } catch (error) {
      this.contextError = error;
    }
    this.view.renderContext();
  }

  async toggleTimeline() {
    this.timelineOpen = !this.timelineOpen;
    if (this.timelineOpen) {
      const list = await this.request('GET', this.conversationPath('/timeline'));
      this.timeline = list.data ?? [];
    }
    this.view.renderTimeline();
  }

  /** Marks the newest message read when a buyer message came after the last receipt. */
  async markRead() {
    if (!this.conversation || document.visibilityState !== 'visible') return;
    const lastRead = [this.lastReadSent, this.conversation.agent_read_message].filter(Boolean).sort().at(-1);
    const target = messagesCore.readReceiptTarget(this.messages, lastRead, 'agent');
    if (!target) return;
    this.lastReadSent = target;
    try {
      await this.request('POST', this.conversationPath('/read'), { body: { message: target } });
    } catch {
      this.lastReadSent = null;
    }
  }

  // --- actions on the conversation ----------------------------------------------------

  /** Sends a reply or an internal note: text, a canned response, or a file. */
  async send({ text, note, cannedId, file }) {
    const body = { private: Boolean(note) };
    if (cannedId) body.canned_response = cannedId;
    else if (text?.trim()) body.text = text.trim();
    let message;
    if (file) {
      const form = new FormData();
      form.append('file', file, file.name);
      if (body.text) form.append('text', body.text);
      form.append('private', String(body.private));
      message = await this.request('POST', this.conversationPath('/messages'), { form });
    } else {
      if (!body.text && !body.canned_response) return;
      message = await this.request('POST', this.conversationPath('/messages'), { body });
    }
    this.addMessages([message]);
  }

  async change(path, body) {
    const conversation = await this.request('POST', this.conversationPath(path), { body });
    if (conversation?.object === 'conversation') this.updateConversation(conversation);
    return conversation;
  }

  assign(value) {
    const agent = value === '' ? null : value;
    return this.change('/assign', { agent });
  }

  setPriority(priority) {
    return this.change('', { priority });
  }

  setStatus(status, snoozedUntil) {
    const body = { status };
    if (snoozedUntil) body.snoozed_until = snoozedUntil;
    return this.change('', body);
  }

  changeTags(add, remove) {
    return this.change('/tags', { add, remove });
  }

  /** Refunds a payment from the context panel; the server enforces the agent's limit. */
  async refund(paymentIntent, amount, reason) {
    const body = { payment_intent: paymentIntent };
    if (amount !== null) body.amount = amount;
    if (reason) body.reason = reason;
    const refund = await this.request('POST', this.conversationPath('/refunds'), { body });
    await this.loadContext();
    return refund;
  }

  /** An object URL of a message's attachment, fetched with the session token. */
  attachmentUrl(message) {
    return this.attachments.url(message, location.origin, this.token);
  }

  toggleOriginal(messageId) {
    if (this.showOriginal.has(messageId)) this.showOriginal.delete(messageId);
    else this.showOriginal.add(messageId);
    this.view.renderMessages();
  }

  // --- realtime -----------------------------------------------------------------------

  async connectRealtime() {
    const fetchToken = () => this.request('POST', '/v1/support/realtime_token');
    const first = await fetchToken();
    const realtime = client.openRealtime(sdk.RealtimeClient, first, location.origin, fetchToken, (state) =>
      this.setConnection(state),
    );
    this.client = realtime;
    const inbox = realtime.subscribe(first.inbox_channel ?? 'support:inbox');
    inbox.on('publication', (publication) => this.onInboxEvent(publication.data));
    // After a reconnect whose gap the history could not fill, the list is reloaded.
    inbox.on('recovery_failed', () => this.loadInbox().catch(() => {}));
    if (this.conversation) this.joinChannels(this.conversation);
    await realtime.connect();
  }

  setConnection(state) {
    this.connection = state;
    this.view.renderConnection();
  }

  /** Subscribes to the open conversation's channel (everything) and its buyer's (typing). */
  joinChannels(conversation) {
    this.leaveChannels();
    if (!this.client) return;
    const conversationChannel = this.client.subscribe(`support:${conversation.id}`);
    conversationChannel.on('publication', (publication) => this.onConversationEvent(publication.data));
    conversationChannel.on('subscribed', () => this.catchUp());
    const contactChannel = this.client.subscribe(`support:${conversation.contact.id}`);
    // The buyer's channel carries buyer-view copies of the same events; only typing is used.
    contactChannel.on('typing', (frame) => {
      if (frame.user !== this.client?.session?.user) this.typing.show(frame.name || conversation.contact.name || '');
    });
    this.conversationChannels = [conversationChannel, contactChannel];
  }

  leaveChannels() {
    for (const channel of this.conversationChannels) channel.unsubscribe();
    this.conversationChannels = [];
  }

  onConversationEvent(event) {
    if (!event || event.conversation === undefined) return;
    const conversationId = typeof event.conversation === 'string' ? event.conversation : event.conversation?.id;
    if (conversationId !== this.conversation?.id) return;
    if (event.type === 'message.created' && event.message) {
      this.addMessages([event.message]);
    } else if (event.type === 'conversation.updated') {
      this.updateConversation(event.conversation);
    } else if (event.type === 'read' && event.reader === 'buyer') {
      const previous = this.conversation.buyer_read_message;
      if (!previous || event.message > previous) {
        this.conversation = { ...this.conversation, buyer_read_message: event.message };
        this.view.renderMessages();
      }
    }
  }

  /** Tells the buyer an agent is typing (never for internal notes). */
  sendTyping() {
    this.typing.send(this.conversationChannels[1]);
  }

  render() {
    this.view.renderBar();
    this.view.renderInbox();
    this.view.renderConversation();
  }
}

const app = new Console();
window.TradewindConsole = app;
document.addEventListener('visibilitychange', () => app.markRead());
app.start().catch((error) => console.error('Tradewind console failed to start', error));
