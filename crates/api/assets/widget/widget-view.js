// What the buyer sees: the launcher and the panel inside an open shadow root
// (`#tradewind-widget`), styled by widget.css, with a stable `data-testid` on every
// interactive element and message bubble. It reads the Widget's state
// (widget-app.js) and calls its actions; it never talks to the server itself.
//
// Messages render keyed: a bubble is built once and rebuilt only when what it shows
// changed, so a half-typed verification form survives new messages and screen readers
// announce only new bubbles (the list is `role="log"`, `aria-live="polite"`).

import * as core from './widget-core.js';
import { attachmentNode, element, reconcile } from './widget-dom.js';

/** Distance from the bottom (px) that still counts as "reading the newest message". */
const NEAR_BOTTOM_PX = 48;

/** The launcher's speech-bubble icon, drawn as SVG so no image is fetched. */
function chatIcon() {
  const namespace = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(namespace, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'tw-launcher-icon');
  const path = document.createElementNS(namespace, 'path');
  path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
  svg.append(path);
  return svg;
}

export class View {
  constructor(widget) {
    this.widget = widget;
    /** key → {node, signature} of the message list's children. */
    this.nodes = new Map();
    this.buildShell();
  }

  t(key, values) {
    return core.text(this.widget.language, key, values);
  }

  buildShell() {
    const widget = this.widget;
    const host = element('div', { id: 'tradewind-widget', 'data-state': 'loading', 'data-connection': 'connecting' });
    // Hidden until its stylesheet has loaded, so the shop never flashes unstyled parts.
    host.style.setProperty('display', 'none');
    const shadow = host.attachShadow({ mode: 'open' });
    const stylesheet = element('link', { rel: 'stylesheet', href: `${widget.origin}/widget/widget.css` });
    const reveal = () => host.style.removeProperty('display');
    stylesheet.addEventListener('load', reveal);
    stylesheet.addEventListener('error', reveal);

    this.launcher = element('button', {
      type: 'button',
      class: 'tw-launcher',
      'data-testid': 'tw-launcher',
      'aria-expanded': 'false',
      'aria-controls': 'tw-panel',
    });
    this.unreadBadge = element('span', { class: 'tw-unread', 'data-testid': 'tw-unread', hidden: true });
    this.launcher.append(chatIcon(), this.unreadBadge);
    this.launcher.addEventListener('click', () => widget.setOpen(!widget.isOpen));

    this.title = element('h2', { class: 'tw-title', id: 'tw-title' });
    this.subtitle = element('p', { class: 'tw-subtitle', 'data-testid': 'tw-status' });
    this.closeButton = element('button', { type: 'button', class: 'tw-close', 'data-testid': 'tw-close', text: '×' });
    this.closeButton.addEventListener('click', () => widget.setOpen(false));
    const header = element('header', { class: 'tw-header' }, [
      element('div', { class: 'tw-heading' }, [this.title, this.subtitle]),
      this.closeButton,
    ]);
    this.connectionBanner = this.banner('tw-connection', 'status');
    this.offlineBanner = this.banner('tw-offline', null);
    this.queueBanner = this.banner('tw-queue', 'status');
    this.unavailable = this.banner('tw-unavailable', 'alert');
    this.list = element('div', {
      class: 'tw-messages',
      'data-testid': 'tw-messages',
      role: 'log',
      'aria-live': 'polite',
      'aria-relevant': 'additions',
      tabindex: '0',
    });
    this.list.addEventListener('scroll', () => widget.markRead(), { passive: true });
    this.typingLine = element('p', {
      class: 'tw-typing',
      'data-testid': 'tw-typing',
      'aria-live': 'polite',
      hidden: true,
    });
    this.statusLine = element('p', {
      class: 'tw-note',
      'data-testid': 'tw-handoff-status',
      role: 'status',
      hidden: true,
    });
    this.handoffButton = element('button', {
      type: 'button',
      class: 'tw-handoff',
      'data-testid': 'tw-handoff',
      hidden: true,
    });
    this.handoffButton.addEventListener('click', () => this.handOff());
    this.preChat = element('form', {
      class: 'tw-prechat',
      'data-testid': 'tw-prechat',
      novalidate: true,
      hidden: true,
    });
    this.preChat.addEventListener('submit', (event) => this.submitPreChat(event));
    this.composer = this.buildComposer();
    this.footer = element('p', { class: 'tw-footer' });
    this.panel = element('section', { id: 'tw-panel', class: 'tw-panel', 'data-testid': 'tw-panel', hidden: true });
    this.panel.append(
      header,
      this.connectionBanner,
      this.unavailable,
      this.offlineBanner,
      this.queueBanner,
      this.list,
      this.typingLine,
      this.statusLine,
      this.handoffButton,
      this.preChat,
      this.composer,
      this.footer,
    );
    this.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') widget.setOpen(false);
    });
    this.root = element('div', { class: 'tw-root' }, [this.panel, this.launcher]);
    shadow.append(stylesheet, this.root);
    this.host = host;
    (document.body ?? document.documentElement).append(host);
  }

  banner(testId, role) {
    return element('div', { class: `tw-banner ${testId}`, 'data-testid': testId, role, hidden: true });
  }

  buildComposer() {
    const widget = this.widget;
    const form = element('form', { class: 'tw-composer', 'data-testid': 'tw-composer' });
    this.inputLabel = element('label', { class: 'tw-visually-hidden', for: 'tw-input' });
    this.input = element('textarea', {
      id: 'tw-input',
      class: 'tw-input',
      'data-testid': 'tw-input',
      rows: '1',
      dir: 'auto',
      maxlength: '5000',
    });
    this.fileInput = element('input', {
      type: 'file',
      class: 'tw-visually-hidden',
      'data-testid': 'tw-file',
      tabindex: '-1',
      'aria-hidden': 'true',
      accept: core.ATTACHMENT_TYPES.join(','),
    });
    this.attachButton = element('button', {
      type: 'button',
      class: 'tw-attach',
      'data-testid': 'tw-attach',
      text: '+',
    });
    this.sendButton = element('button', { type: 'submit', class: 'tw-send', 'data-testid': 'tw-send' });
    this.composerError = element('p', {
      class: 'tw-field-error',
      'data-testid': 'tw-composer-error',
      role: 'alert',
      hidden: true,
    });
    this.attachButton.addEventListener('click', () => this.fileInput.click());
    this.fileInput.addEventListener('change', () => {
      const file = this.fileInput.files?.[0];
      this.fileInput.value = '';
      if (!file) return;
      const problem = core.attachmentProblem(file);
      this.showError(this.composerError, problem);
      if (!problem) {
        widget.send(this.input.value, file);
        this.input.value = '';
      }
    });
    this.input.addEventListener('input', () => widget.sendTyping());
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = this.input.value;
      if (!value.trim()) return;
      this.input.value = '';
      this.showError(this.composerError, null);
      widget.send(value);
    });
    form.append(this.inputLabel, this.input, this.fileInput, this.attachButton, this.sendButton, this.composerError);
    return form;
  }

  showError(node, key) {
    node.hidden = !key;
    node.textContent = key ? this.t(key) : '';
  }

  focus(open) {
    if (!open) {
      this.launcher.focus();
      return;
    }
    const target = this.preChat.hidden ? this.input : this.preChat.querySelector('input');
    target?.focus();
  }

  isNearBottom() {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < NEAR_BOTTOM_PX;
  }

  async handOff() {
    this.handoffButton.disabled = true;
    try {
      await this.widget.handOff();
    } catch {
      this.statusLine.hidden = false;
      this.statusLine.textContent = this.t('error_generic');
    } finally {
      this.handoffButton.disabled = false;
    }
  }

  // --- rendering --------------------------------------------------------------------

  render(options = {}) {
    const widget = this.widget;
    const language = widget.language;
    const conversation = widget.conversation;
    const direction = core.direction(language);
    this.host.dataset.state = widget.state;
    this.host.dataset.connection = widget.connection;
    // The host's own direction places the launcher (bottom right, or bottom left in Arabic).
    this.host.setAttribute('dir', direction);
    this.root.setAttribute('dir', direction);
    this.panel.setAttribute('dir', direction);
    this.panel.setAttribute('lang', language);
    this.panel.setAttribute('aria-labelledby', 'tw-title');
    this.panel.hidden = !widget.isOpen;
    this.launcher.setAttribute('aria-expanded', String(widget.isOpen));
    this.launcher.setAttribute('aria-label', this.t(widget.isOpen ? 'launcher_close' : 'launcher_open'));
    this.launcher.classList.toggle('is-open', widget.isOpen);
    const color = widget.settings?.color;
    if (typeof color === 'string' && /^#[0-9a-f]{3,8}$/i.test(color)) this.host.style.setProperty('--tw-accent', color);

    this.title.textContent = this.t('title');
    const offline = widget.settings?.online === false;
    this.subtitle.textContent = conversation?.assignee?.name || this.t(offline ? 'status_offline' : 'status_online');
    this.closeButton.setAttribute('aria-label', this.t('close'));
    this.footer.textContent = this.t('powered_by');
    this.inputLabel.textContent = this.t('input_label');
    this.input.placeholder = this.t('input_placeholder');
    this.sendButton.textContent = this.t('send');
    this.attachButton.setAttribute('aria-label', this.t('attach'));
    this.attachButton.title = this.t('attach');
    // A file cannot open a conversation (its first message is text), so attaching waits for one.
    this.attachButton.hidden = !conversation || conversation.status === 'resolved';

    const unavailable = widget.state === 'unavailable';
    this.unavailable.hidden = !unavailable;
    this.unavailable.textContent = unavailable ? this.t('unavailable') : '';
    this.connectionBanner.hidden = widget.state !== 'ready' || !widget.client || widget.connection === 'connected';
    this.connectionBanner.textContent = this.t(widget.everConnected ? 'reconnecting' : 'connecting');
    this.renderOffline();
    const queue = conversation?.status === 'resolved' ? null : core.queueText(conversation?.queue, language);
    this.queueBanner.hidden = !queue;
    this.queueBanner.textContent = queue ?? '';

    const queued = Boolean(conversation?.queue);
    this.handoffButton.hidden = !core.canHandOff(conversation) || widget.handoffRequested || queued;
    this.handoffButton.textContent = this.t('handoff');
    const waiting = widget.handoffRequested && !conversation?.assignee;
    this.statusLine.hidden = !waiting;
    this.statusLine.textContent = waiting ? this.t('handoff_requested') : '';

    const preChat = Boolean(widget.settings) && core.needsPreChat(widget.settings, conversation, widget.preChatAnswers);
    this.preChat.hidden = !preChat;
    this.composer.hidden = preChat || unavailable || !widget.settings;
    if (preChat && !this.preChat.childElementCount) this.renderPreChat();

    const wasNearBottom = this.isNearBottom();
    this.renderMessages();
    this.renderTyping();
    this.renderLauncher();
    if (options.scroll || wasNearBottom) this.list.scrollTop = this.list.scrollHeight;
  }

  renderOffline() {
    const notice = core.offlineNotice(this.widget.settings, this.widget.language);
    this.offlineBanner.hidden = !notice;
    const children = notice
      ? [element('strong', {
        text: notice.title,
      }), element('p', { text: notice.detail }), element('p', { text: notice.leave })]
      : [];
    this.offlineBanner.replaceChildren(...children);
  }

  renderLauncher() {
    const widget = this.widget;
    const lastRead = widget.lastReadSent ?? widget.conversation?.buyer_read_message;
    const count = widget.isOpen ? 0 : core.unreadCount(widget.messages, lastRead, 'buyer');
    this.unreadBadge.hidden = count === 0;
    this.unreadBadge.textContent = count > 99 ? '99+' : String(count);
    this.unreadBadge.setAttribute('aria-label', this.t('unread', { count }));
  }

  renderTyping() {
    const name = this.widget.typing.name;
    this.typingLine.hidden = name === null || !this.widget.isOpen;
    this.typingLine.textContent = name === null ? '' : core.typingText(name, this.widget.language);
  }

  renderPreChat() {
    const widget = this.widget;
    const fields = core.preChatFields(widget.settings, widget.contact, widget.language);
    const children = [element('p', { class: 'tw-hint', text: this.t('prechat_intro') })];
    for (const field of fields) {
      const id = `tw-prechat-${field.name}`;
      const input = element('input', {
        id,
        name: field.name,
        type: field.type,
        value: field.value,
        required: field.required,
        'data-testid': id,
        dir: 'auto',
        autocomplete: field.type === 'email' ? 'email' : field.name === 'name' ? 'name' : 'on',
      });
      children.push(
        element('div', { class: 'tw-field' }, [
          element('label', { for: id, text: field.required ? `${field.label} *` : field.label }),
          input,
          element('p', { class: 'tw-field-error', 'data-error-for': field.name, role: 'alert', hidden: true }),
        ]),
      );
    }
    children.push(element('button', {
      type: 'submit',
      class: 'tw-primary',
      'data-testid': 'tw-prechat-submit',
      text: this.t('prechat_submit'),
    }));
    this.preChat.replaceChildren(...children);
  }

  submitPreChat(event) {
    event.preventDefault();
    const widget = this.widget;
    const fields = core.preChatFields(widget.settings, widget.contact, widget.language);
    const valueOf = (field) => this.preChat.elements[field.name]?.value ?? '';
    const values = Object.fromEntries(fields.map((field) => [field.name, valueOf(field)]));
    const errors = core.validatePreChat(fields, values);
    for (const field of fields) {
      this.showError(this.preChat.querySelector(`[data-error-for="${CSS.escape(field.name)}"]`), errors[field.name]);
      this.preChat.elements[field.name]?.setAttribute('aria-invalid', String(Boolean(errors[field.name])));
    }
    if (Object.keys(errors).length) return;
    widget.setPreChatAnswers(values);
    this.input.focus();
  }

  /** Puts the list's nodes in order, building only the ones that changed. */
  renderMessages() {
    const widget = this.widget;
    const language = widget.language;
    const messages = widget.messages;
    const note = (testId, key) => () => element('p', {
      class: 'tw-note',
      'data-testid': testId,
      role: 'status',
      text: this.t(key),
    });
    const greeting = core.greetingText(widget.settings, language);
    const wanted = [{
      key: 'greeting',
      signature: greeting,
      build: () => element('div', {
        class: 'tw-bubble tw-from-assistant',
        'data-testid': 'tw-greeting',
        dir: 'auto',
        text: greeting,
      }),
    }];
    const verifyTarget = core.verifyFormTarget(messages, widget.contact, widget.verifyCompleted);
    const rateTarget = core.rateFormTarget(messages, widget.conversation);
    const seenId = core.seenMessageId(messages, widget.conversation?.agent_read_message, 'buyer');
    const lastRateId = messages.findLast((message) => message.action === 'rate')?.id;
    for (const message of messages) {
      const showOriginal = widget.showOriginal.has(message.id);
      wanted.push({
        key: `message:${message.id}`,
        signature: JSON.stringify([language, message.text, message.original_text, message.failed, message.attachment,
          showOriginal, message.agent?.name]),
        build: () => this.buildMessage(message, showOriginal),
      });
      if (message.id === verifyTarget) {
        const build = () => this.buildVerifyForm(message.id);
        wanted.push({ key: `verify:${message.id}`, signature: language, build });
      } else if (message.action === 'verify_identity' && widget.verifyCompleted.has(message.id)) {
        wanted.push({ key: `verified:${message.id}`, signature: language, build: note('tw-verified', 'verified') });
      }
      if (message.id === rateTarget) {
        wanted.push({ key: `rate:${message.id}`, signature: language, build: () => this.buildRateForm() });
      } else if (message.id === lastRateId && widget.conversation?.csat) {
        wanted.push({ key: `rated:${message.id}`, signature: language, build: note('tw-rate-thanks', 'rate_thanks') });
      }
      if (message.id === seenId) {
        wanted.push({ key: `seen:${message.id}`, signature: language, build: () => element('p', {
          class: 'tw-seen',
          'data-testid': 'tw-seen',
          text: this.t('seen'),
        }) });
      }
    }
    if (widget.conversation?.status === 'resolved') {
      wanted.push({ key: 'resolved', signature: language, build: note('tw-resolved', 'resolved_notice') });
    }
    reconcile(this.list, this.nodes, wanted);
  }

  buildMessage(message, showOriginal) {
    const widget = this.widget;
    const sender = ['buyer', 'agent', 'assistant', 'system'].includes(message.sender) ? message.sender : 'system';
    const classes = ['tw-bubble', `tw-from-${sender}`, message.pending && 'is-pending', message.failed && 'is-failed'];
    const bubble = element('div', {
      class: classes.filter(Boolean).join(' '),
      'data-testid': 'tw-message',
      'data-sender': sender,
      'data-message': message.pending ? null : message.id,
      'data-action': message.action ?? null,
    });
    if (sender === 'agent' || sender === 'assistant') {
      const name = sender === 'assistant' ? this.t('assistant') : message.agent?.name || this.t('agent_default');
      bubble.append(element('span', { class: 'tw-sender', text: name }));
    }
    const shown = showOriginal ? message.original_text : message.text;
    if (shown) bubble.append(element('p', {
      class: 'tw-text',
      dir: 'auto',
      'data-testid': 'tw-message-text',
      text: shown,
    }));
    if (message.attachment) bubble.append(this.buildAttachment(message));
    else if (message.attachment_name) bubble.append(element('p', { class: 'tw-file', text: message.attachment_name }));
    const meta = message.pending
      ? this.t(message.failed ? 'send_failed' : 'sending')
      : core.formatTime(message.created, widget.language, widget.timeZone);
    bubble.append(element('span', { class: 'tw-meta', text: meta }));
    if (message.failed) {
      const retry = element('button', {
        type: 'button',
        class: 'tw-link',
        'data-testid': 'tw-retry',
        text: this.t('retry'),
      });
      retry.addEventListener('click', () => widget.retry(message.id));
      bubble.append(retry);
    }
    if (message.translated && message.original_text && message.original_text !== message.text) {
      const toggle = element('button', {
        type: 'button',
        class: 'tw-link',
        'data-testid': 'tw-show-original',
        'aria-pressed': String(showOriginal),
        text: this.t(showOriginal ? 'show_translation' : 'show_original'),
      });
      toggle.addEventListener('click', () => widget.toggleOriginal(message.id));
      bubble.append(toggle);
    }
    return bubble;
  }

  buildAttachment(message) {
    const name = message.attachment.name || this.t('attachment');
    const classes = { container: 'tw-attachment', image: 'tw-image', file: 'tw-file' };
    return attachmentNode(message.attachment, name, () => this.widget.attachmentUrl(message), classes);
  }

  buildVerifyForm(messageId) {
    const widget = this.widget;
    const form = element('form', { class: 'tw-card', 'data-testid': 'tw-verify', novalidate: true });
    const orderId = `tw-verify-order-${messageId}`;
    const emailId = `tw-verify-email-${messageId}`;
    const order = element('input', {
      id: orderId,
      'data-testid': 'tw-verify-order',
      required: true,
      autocomplete: 'off',
      dir: 'ltr',
    });
    const email = element('input', {
      id: emailId,
      type: 'email',
      'data-testid': 'tw-verify-email',
      required: true,
      autocomplete: 'email',
      dir: 'ltr',
      value: widget.contact?.email ?? '',
    });
    const error = element('p', {
      class: 'tw-field-error',
      'data-testid': 'tw-verify-error',
      role: 'alert',
      hidden: true,
    });
    const submit = element('button', {
      type: 'submit',
      class: 'tw-primary',
      'data-testid': 'tw-verify-submit',
      text: this.t('verify_submit'),
    });
    form.append(
      element('strong', { text: this.t('verify_title') }),
      element('p', { class: 'tw-hint', text: this.t('verify_intro') }),
      element('label', { for: orderId, text: this.t('order_number') }),
      order,
      element('label', { for: emailId, text: this.t('email') }),
      email,
      error,
      submit,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const problem = !order.value.trim() ? 'field_required' : !core.isEmail(email.value) ? 'email_invalid' : null;
      this.showError(error, problem);
      if (problem) return;
      submit.disabled = true;
      try {
        await widget.verify(messageId, order.value.trim(), email.value.trim());
      } catch (failure) {
        const locked = failure.code === 'too_many_attempts' || failure.status === 429;
        const key = locked ? 'verify_locked' : failure.status === 400 ? 'verify_failed' : 'error_generic';
        this.showError(error, key);
        submit.disabled = locked;
        return;
      }
      submit.disabled = false;
    });
    return form;
  }

  buildRateForm() {
    const widget = this.widget;
    const form = element('form', { class: 'tw-card', 'data-testid': 'tw-rate' });
    let rating = 0;
    const submit = element('button', {
      type: 'submit',
      class: 'tw-primary',
      'data-testid': 'tw-rate-submit',
      disabled: true,
      text: this.t('rate_submit'),
    });
    const stars = element('div', { class: 'tw-stars', role: 'group', 'aria-label': this.t('rate_title') });
    const buttons = [1, 2, 3, 4, 5].map((value) => {
      const button = element('button', {
        type: 'button',
        class: 'tw-star',
        'data-testid': `tw-rate-${value}`,
        'aria-pressed': 'false',
        'aria-label': this.t('rate_star', { rating: value }),
        text: '★',
      });
      button.addEventListener('click', () => {
        rating = value;
        buttons.forEach((other, index) => {
          other.setAttribute('aria-pressed', String(index + 1 === value));
          other.classList.toggle('is-on', index < value);
        });
        submit.disabled = false;
      });
      return button;
    });
    stars.append(...buttons);
    const commentId = `tw-rate-comment-${widget.conversation?.id ?? 'new'}`;
    const comment = element('textarea', {
      id: commentId,
      class: 'tw-input',
      rows: '2',
      'data-testid': 'tw-rate-comment',
      dir: 'auto',
      maxlength: '2000',
    });
    const error = element('p', { class: 'tw-field-error', role: 'alert', hidden: true });
    form.append(
      element('strong', { text: this.t('rate_title') }),
      stars,
      element('label', { for: commentId, text: this.t('rate_comment') }),
      comment,
      error,
      submit,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!rating) return;
      submit.disabled = true;
      try {
        await widget.rate(rating, comment.value.trim());
      } catch {
        this.showError(error, 'error_generic');
        submit.disabled = false;
      }
    });
    return form;
  }
}
