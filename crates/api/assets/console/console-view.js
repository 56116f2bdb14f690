// What the agent sees: the page skeleton comes from templates/console.html (every
// static control already carries its `data-testid`); this module binds those controls
// to the app (console.js) and draws the lists: inbox items, messages, tags, the
// buyer's orders with payments, refunds, disputes and timelines, and the refund form.

import { attachmentNode, element, reconcile } from '/widget/widget-dom.js';

const byId = (id) => document.getElementById(id);
export class ConsoleView {
  /**
   * @param {object} app the Console (console.js)
   * @param {object} core console-core.js
   * @param {object} messagesCore widget-core.js (message merging, "Seen", read receipts)
   * @param {typeof import('./console-context.js').ContextPanel} ContextPanel
   */
  constructor(app, core, messagesCore, ContextPanel) {
    this.app = app;
    this.core = core;
    this.messagesCore = messagesCore;
    this.messageNodes = new Map();
    this.cannedSelected = null;
    this.cannedActive = 0;
    this.contextPanel = new ContextPanel(app, core, this);
    this.bind();
  }

  money(minor, currency) {
    return this.core.formatMinor(minor, currency, this.app.exponents, 'en');
  }

  words(value) {
    return this.core.words(value);
  }

  time(unixSeconds) {
    return this.core.formatDateTime(unixSeconds, 'en');
  }

  // --- binding the static controls ----------------------------------------------------

  bind() {
    const app = this.app;
    byId('login-form').addEventListener('submit', (event) => this.submitLogin(event));
    byId('logout').addEventListener('click', () => app.logout());
    byId('presence').addEventListener('change', (event) => {
      app.setPresence(event.target.value).catch((error) => this.showActionError(error));
    });
    for (const tab of document.querySelectorAll('.view-tab')) {
      tab.addEventListener('click', () => app.setFilter({ view: tab.dataset.view, q: '' }));
    }
    byId('filter-tag').addEventListener('change', (event) => app.setFilter({ tag: event.target.value }));
    byId('filter-status').addEventListener('change', (event) => app.setFilter({ status: event.target.value }));
    byId('search-form').addEventListener('submit', (event) => {
      event.preventDefault();
      app.setFilter({ q: byId('search').value });
    });
    byId('assign').addEventListener('change', (event) => this.act(() => app.assign(event.target.value)));
    byId('priority').addEventListener('change', (event) => this.act(() => app.setPriority(event.target.value)));
    byId('snooze-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const until = this.core.localInputToUnix(byId('snooze-until').value);
      if (!until) {
        this.showActionError(new Error('Pick a date and time to snooze until.'));
        return;
      }
      this.act(() => app.setStatus('snoozed', until));
    });
    byId('resolve').addEventListener('click', () => this.act(() => app.setStatus('resolved')));
    byId('reopen').addEventListener('click', () => this.act(() => app.setStatus('open')));
    byId('tag-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const tag = this.core.normalizeTag(byId('tag-input').value);
      if (!tag) {
        this.showActionError(new Error('Tags use letters, digits and underscores.'));
        return;
      }
      byId('tag-input').value = '';
      this.act(() => app.changeTags([tag], []));
    });
    byId('timeline-toggle').addEventListener('click', () => this.act(() => app.toggleTimeline()));
    this.bindReply();
  }

  bindReply() {
    const app = this.app;
    const reply = byId('reply');
    const note = byId('note-toggle');
    reply.addEventListener('input', () => {
      byId('reply-error').hidden = true;
      this.renderCannedList();
      if (!note.checked) app.sendTyping();
    });
    reply.addEventListener('keydown', (event) => this.replyKey(event));
    note.addEventListener('change', () => this.renderReplyMode());
    byId('canned-clear').addEventListener('click', () => this.selectCanned(null));
    byId('attach').addEventListener('click', () => byId('file').click());
    byId('file').addEventListener('change', () => {
      const file = byId('file').files?.[0];
      byId('file').value = '';
      if (file) this.sendReply({ file });
    });
    byId('reply-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.sendReply({});
    });
  }

  replyKey(event) {
    const list = byId('canned-list');
    const options = [...list.querySelectorAll('[role="option"]')];
    if (!list.hidden && options.length) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        this.cannedActive = (this.cannedActive + step + options.length) % options.length;
        this.renderCannedList();
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        options[this.cannedActive]?.click();
        return;
      }
      if (event.key === 'Escape') {
        list.hidden = true;
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      byId('reply-form').requestSubmit();
    }
  }

  async submitLogin(event) {
    event.preventDefault();
    const email = byId('login-email').value.trim();
    const password = byId('login-password').value;
    const error = byId('login-error');
    error.hidden = true;
    if (!email || !password) {
      this.showError(error, 'Enter your email and password.');
      return;
    }
    byId('login-submit').disabled = true;
    try {
      await this.app.login(email, password);
    } catch (failure) {
      const message = failure.status === 401 ? 'That email and password do not match an agent.' : failure.message;
      this.showError(error, message);
    } finally {
      byId('login-submit').disabled = false;
    }
  }

  async act(action) {
    byId('action-error').hidden = true;
    try {
      await action();
    } catch (error) {
      this.showActionError(error);
    }
  }

  showError(node, message) {
    node.hidden = !message;
    node.textContent = message ?? '';
  }

  showActionError(error) {
    this.showError(byId('action-error'), error?.message ?? String(error));
  }

  // --- screens ------------------------------------------------------------------------

  showLogin(message) {
    byId('app').hidden = true;
    byId('login').hidden = false;
    this.showError(byId('login-error'), message ?? null);
    byId('login-email').focus();
  }

  showApp() {
    byId('login').hidden = true;
    byId('app').hidden = false;
    this.renderBar();
  }

  renderBar() {
    const agent = this.app.agent;
    byId('agent-name').textContent = agent ? `${agent.name} (${agent.role})` : '';
    if (agent?.presence) byId('presence').value = agent.presence;
    this.renderConnection();
  }

  renderConnection() {
    const state = this.app.connection;
    const label = { connected: 'Live', connecting: 'Reconnecting…', disconnected: 'Offline: updates paused' }[state];
    const node = byId('connection');
    node.textContent = label ?? state;
    node.dataset.state = state;
  }

  // --- the inbox ----------------------------------------------------------------------

  renderInbox() {
    const app = this.app;
    for (const tab of document.querySelectorAll('.view-tab')) {
      tab.setAttribute('aria-selected', String(tab.dataset.view === app.filter.view));
    }
    const tags = this.core.knownTags(app.inbox);
    if (app.filter.tag && !tags.includes(app.filter.tag)) tags.push(app.filter.tag);
    const tagSelect = byId('filter-tag');
    tagSelect.replaceChildren(
      element('option', { value: '', text: 'Any tag' }),
      ...tags.map((tag) => element('option', { value: tag, text: this.words(tag) })),
    );
    tagSelect.value = app.filter.tag;
    byId('tag-options').replaceChildren(...tags.map((tag) => element('option', { value: tag })));
    byId('filter-status').value = app.filter.status;
    const now = Math.floor(Date.now() / 1000);
    byId('inbox-list').replaceChildren(...app.inbox.map((conversation) => this.inboxItem(conversation, now)));
    byId('inbox-empty').hidden = app.inbox.length > 0;
  }

  inboxItem(conversation, now) {
    const contact = conversation.contact ?? {};
    const sla = this.core.slaState(conversation, now);
    const button = element('button', {
      type: 'button',
      class: 'inbox-item',
      'data-testid': 'tw-inbox-item',
      'data-conversation': conversation.id,
      'data-status': conversation.status,
      'aria-current': conversation.id === this.app.conversation?.id ? 'true' : null,
    }, [
      element('span', { class: 'inbox-line' }, [
        element('strong', { class: 'inbox-name', text: contact.name || contact.email || 'Visitor' }),
        element('span', { class: 'muted inbox-time', text: this.time(conversation.last_message_at) }),
      ]),
      element('span', { class: 'inbox-preview', dir: 'auto', text: conversation.last_message_preview ?? '' }),
      element('span', { class: 'inbox-badges' }, [
        element('span', { class: `badge status-${conversation.status}`, text: this.words(conversation.status) }),
        conversation.priority && conversation.priority !== 'none'
          ? element('span', { class: `badge priority-${conversation.priority}`, text: conversation.priority })
          : null,
        conversation.language ? element('span', { class: 'badge', text: conversation.language }) : null,
        conversation.assistant_active ? element('span', { class: 'badge', text: 'assistant' }) : null,
        conversation.queue ? element('span', { class: 'badge', text: `queue #${conversation.queue.position}` }) : null,
        sla ? element('span', { class: `badge sla-${sla}`, 'data-testid': 'tw-sla', text: this.words(sla) }) : null,
        conversation.assignee ? element('span', { class: 'muted', text: conversation.assignee.name }) : null,
        conversation.unread > 0
          ? element('span', { class: 'unread', 'data-testid': 'tw-unread', text: String(conversation.unread) })
          : null,
      ]),
    ]);
    button.addEventListener('click', () => this.act(() => this.app.open(conversation.id)));
    return element('li', {}, [button]);
  }

  // --- the conversation ---------------------------------------------------------------

  renderConversation(options = {}) {
    const conversation = this.app.conversation;
    byId('conversation-empty').hidden = Boolean(conversation);
    byId('conversation-body').hidden = !conversation;
    if (!conversation) return;
    if (options.fresh) {
      this.messageNodes.clear();
      byId('messages').replaceChildren();
      byId('action-error').hidden = true;
      this.contextPanel.refundNotice = null;
      this.selectCanned(null);
    }
    const contact = conversation.contact ?? {};
    byId('conversation-title').textContent = contact.name || contact.email || 'Visitor';
    const sla = this.core.slaState(conversation, Math.floor(Date.now() / 1000));
    const meta = [
      contact.email,
      contact.verified ? 'verified' : 'not verified',
      conversation.language && `language ${conversation.language}`,
      this.words(conversation.status),
      conversation.snoozed_until && `snoozed until ${this.time(conversation.snoozed_until)}`,
      conversation.assistant_active && 'assistant answering',
      conversation.queue && `queue #${conversation.queue.position}`,
      sla && `SLA ${this.words(sla)}`,
      conversation.csat && `rated ${conversation.csat.rating}/5`,
    ];
    byId('conversation-meta').textContent = meta.filter(Boolean).join(' · ');
    this.renderAssign(conversation);
    byId('priority').value = conversation.priority ?? 'none';
    const resolved = conversation.status === 'resolved';
    byId('resolve').hidden = resolved;
    byId('reopen').hidden = !resolved;
    this.renderTags(conversation);
    this.renderMessages();
    this.renderTyping();
    this.renderTimeline();
    this.renderReplyMode();
    if (!this.app.context) this.renderContext();
  }

  renderAssign(conversation) {
    const options = [
      element('option', { value: '', text: 'Unassigned' }),
      element('option', { value: 'auto', text: 'Assign automatically' }),
    ];
    const agents = [...this.app.agents];
    const assignee = conversation.assignee;
    if (assignee?.id && !agents.some((agent) => agent.id === assignee.id)) agents.push({ ...assignee });
    if (this.app.agent && !agents.some((agent) => agent.id === this.app.agent.id)) agents.push(this.app.agent);
    for (const agent of agents) {
      const presence = agent.presence ? ` (${agent.presence})` : '';
      options.push(element('option', { value: agent.id, text: `${agent.name}${presence}` }));
    }
    const select = byId('assign');
    select.replaceChildren(...options);
    select.value = assignee?.id ?? '';
  }

  renderTags(conversation) {
    const items = (conversation.tags ?? []).map((tag) => {
      const remove = element('button', {
        type: 'button',
        class: 'tag-remove',
        'data-testid': 'tw-tag-remove',
        'data-tag': tag,
        'aria-label': `Remove tag ${this.words(tag)}`,
        text: '×',
      });
      remove.addEventListener('click', () => this.act(() => this.app.changeTags([], [tag])));
      return element('li', { class: 'tag', 'data-testid': 'tw-tag', 'data-tag': tag }, [
        element('span', { text: this.words(tag) }),
        remove,
      ]);
    });
    byId('tags').replaceChildren(...items);
  }

  renderMessages() {
    const app = this.app;
    const list = byId('messages');
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    const seenId = this.messagesCore.seenMessageId(app.messages, app.conversation?.buyer_read_message, 'agent');
    const wanted = [];
    for (const message of app.messages) {
      const showOriginal = app.showOriginal.has(message.id);
      wanted.push({
        key: `message:${message.id}`,
        signature: JSON.stringify([message.text, message.original_text, message.attachment, message.private,
          showOriginal]),
        build: () => this.buildMessage(message, showOriginal),
      });
      if (message.id === seenId) {
        wanted.push({
          key: `seen:${message.id}`,
          signature: '',
          build: () => element('p', { class: 'seen', 'data-testid': 'tw-seen', text: 'Seen by the buyer' }),
        });
      }
    }
    reconcile(list, this.messageNodes, wanted);
    if (nearBottom) list.scrollTop = list.scrollHeight;
  }

  senderName(message) {
    const contact = this.app.conversation?.contact ?? {};
    switch (message.sender) {
      case 'buyer':
        return contact.name || contact.email || 'Buyer';
      case 'agent':
        return message.agent?.name || 'Agent';
      case 'assistant':
        return 'Assistant';
      default:
        return 'System';
    }
  }

  buildMessage(message, showOriginal) {
    const classes = ['message', `from-${message.sender}`, message.private && 'is-note'].filter(Boolean).join(' ');
    const header = element('div', { class: 'message-header' }, [
      element('strong', { text: this.senderName(message) }),
      message.private ? element('span', { class: 'badge note-badge', text: 'Internal note' }) : null,
      message.language ? element('span', { class: 'muted', text: message.language }) : null,
      element('span', { class: 'muted', text: this.time(message.created) }),
    ]);
    const shown = showOriginal ? message.original_text : message.text;
    const bubble = element('article', {
      class: classes,
      'data-testid': 'tw-message',
      'data-sender': message.sender,
      'data-message': message.id,
      'data-private': String(Boolean(message.private)),
      'data-action': message.action ?? null,
    }, [
      header,
      shown ? element('p', {
        class: 'message-text',
        dir: 'auto',
        'data-testid': 'tw-message-text',
        text: shown,
      }) : null,
    ]);
    if (message.attachment) bubble.append(this.buildAttachment(message));
    if (message.translated && message.original_text && message.original_text !== message.text) {
      const toggle = element('button', {
        type: 'button',
        class: 'link-button',
        'data-testid': 'tw-show-original',
        'aria-pressed': String(showOriginal),
        text: showOriginal ? 'Show translation' : 'Show original',
      });
      toggle.addEventListener('click', () => this.app.toggleOriginal(message.id));
      bubble.append(toggle);
    }
    if (message.action) {
      bubble.append(element('p', { class: 'muted', text: `Action: ${this.words(message.action)}` }));
    }
    return bubble;
  }

  buildAttachment(message) {
    const name = message.attachment.name || 'attachment';
    const classes = { container: 'attachment', image: 'attachment-image', file: 'attachment-file' };
    return attachmentNode(message.attachment, name, () => this.app.attachmentUrl(message), classes);
  }

  renderTyping() {
    const name = this.app.typing.name;
    const line = byId('typing');
    line.hidden = name === null;
    line.textContent = name === null ? '' : `${name || 'The buyer'} is typing…`;
  }

  renderTimeline() {
    const app = this.app;
    const list = byId('timeline');
    byId('timeline-toggle').setAttribute('aria-expanded', String(app.timelineOpen));
    list.hidden = !app.timelineOpen;
    if (!app.timelineOpen) return;
    list.replaceChildren(
      ...(app.timeline ?? []).map((event) => {
        const details = event.data && Object.keys(event.data).length ? JSON.stringify(event.data).slice(0, 240) : '';
        return element('li', { 'data-testid': 'tw-timeline-event', 'data-kind': event.kind }, [
          element('span', { class: 'muted', text: this.time(event.created) }),
          element('strong', { text: ` ${this.words(event.kind)}` }),
          element('span', { text: event.actor ? ` by ${event.actor}` : '' }),
          details ? element('code', { class: 'timeline-data', text: details }) : null,
        ]);
      }),
    );
  }

  // --- the reply box ------------------------------------------------------------------

  renderReplyMode() {
    const note = byId('note-toggle').checked;
    byId('reply-form').classList.toggle('is-note', note);
    byId('reply').placeholder = note
      ? 'Internal note: only agents see it.'
      : 'Reply to the buyer. Type / for canned responses.';
    byId('send').textContent = note ? 'Add note' : 'Send';
  }

  renderCannedList() {
    const list = byId('canned-list');
    const query = this.core.cannedQuery(byId('reply').value);
    const matches = query === null ? [] : this.core.filterCanned(this.app.canned, query);
    list.hidden = matches.length === 0;
    if (this.cannedActive >= matches.length) this.cannedActive = 0;
    list.replaceChildren(
      ...matches.map((item, index) => {
        const option = element('li', {
          role: 'option',
          class: 'canned-item',
          'data-testid': 'tw-canned-item',
          'data-canned': item.id,
          'aria-selected': String(index === this.cannedActive),
        }, [element('strong', { text: item.shortcut }), element('span', { text: ` ${item.title ?? ''}` })]);
        option.addEventListener('mousedown', (event) => event.preventDefault());
        option.addEventListener('click', () => this.selectCanned(item));
        return option;
      }),
    );
  }

  selectCanned(item) {
    this.cannedSelected = item;
    byId('canned-selected').hidden = !item;
    byId('canned-list').hidden = true;
    byId('reply').hidden = Boolean(item);
    byId('canned-title').textContent = item ? `${item.shortcut} · ${item.title ?? ''}` : '';
    byId('canned-text').textContent = item?.text ?? '';
    if (item) byId('reply').value = '';
    else byId('reply').focus();
  }

  async sendReply({ file }) {
    const reply = byId('reply');
    const error = byId('reply-error');
    const send = byId('send');
    error.hidden = true;
    const request = {
      text: reply.value,
      note: byId('note-toggle').checked,
      cannedId: this.cannedSelected?.id ?? null,
      file: file ?? null,
    };
    if (!request.file && !request.cannedId && !request.text.trim()) return;
    send.disabled = true;
    try {
      await this.app.send(request);
      reply.value = '';
      this.selectCanned(null);
    } catch (failure) {
      this.showError(error, failure.message);
    } finally {
      send.disabled = false;
    }
  }

  renderContext() {
    this.contextPanel.render();
  }
}
