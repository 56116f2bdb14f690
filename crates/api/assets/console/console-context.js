// The context panel beside the open conversation: the buyer (contact) and their
// orders, newest first, each with its items, shipment and tracking link, payments,
// refunds, disputes and timeline, and a refund action per payment that the server
// checks against the agent's refund limit (a 403 shows its message in the form).

import { element } from '/widget/widget-dom.js';

const byId = (id) => document.getElementById(id);
const REFUND_REASONS = [
  ['requested_by_customer', 'Requested by customer'],
  ['duplicate', 'Duplicate'],
  ['fraudulent', 'Fraudulent'],
];

/** Only web links become clickable tracking links (never `javascript:`). */
function safeLink(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

export class ContextPanel {
  /** `view` (the ConsoleView) lends its money, time, words and error helpers. */
  constructor(app, core, view) {
    this.app = app;
    this.core = core;
    this.view = view;
    /** What the last refund did, shown above the orders until another conversation opens. */
    this.refundNotice = null;
  }

  render() {
    const app = this.app;
    const body = byId('context-body');
    byId('context-empty').hidden = Boolean(app.conversation);
    if (!app.conversation) {
      body.replaceChildren();
      return;
    }
    if (app.contextError) {
      body.replaceChildren(element('p', { class: 'form-error', text: app.contextError.message }));
      return;
    }
    const context = app.context;
    if (!context) {
      body.replaceChildren(element('p', { class: 'muted', text: 'Loading the buyer’s orders…' }));
      return;
    }
    const contact = context.contact ?? app.conversation.contact ?? {};
    const children = [
      this.refundNotice
        ? element('p', { class: 'notice', 'data-testid': 'tw-refund-result', role: 'status', text: this.refundNotice })
        : null,
      element('section', { class: 'context-card', 'data-testid': 'tw-context-contact' }, [
        element('h3', { text: contact.name || contact.email || 'Visitor' }),
        contact.email ? element('p', { text: contact.email }) : null,
        element('p', {
          class: contact.verified ? 'verified' : 'muted',
          text: contact.verified ? 'Verified buyer' : 'Not verified',
        }),
        contact.verified_orders?.length
          ? element('p', { class: 'muted', text: `Verified orders: ${contact.verified_orders.join(', ')}` })
          : null,
        element('p', { class: 'muted', text: [contact.language, contact.time_zone].filter(Boolean).join(' · ') }),
      ]),
    ];
    const orders = context.orders ?? [];
    if (orders.length === 0) {
      const why = contact.verified ? 'No orders for this buyer.' : 'Orders appear once the buyer verifies their email.';
      children.push(element('p', { class: 'muted', 'data-testid': 'tw-context-no-orders', text: why }));
    }
    for (const order of orders) children.push(this.buildOrder(order));
    body.replaceChildren(...children.filter(Boolean));
  }

  buildOrder(order) {
    const view = this.view;
    const items = Array.isArray(order.items) ? order.items : [];
    const shipment = order.shipment;
    const tracking = shipment?.tracking_url ? safeLink(shipment.tracking_url) : null;
    const section = (title, entries) =>
      entries.length ? [element('h4', { text: title }), element('ul', { class: 'context-list' }, entries)] : [];
    return element('article', {
      class: 'context-card order',
      'data-testid': 'tw-context-order',
      'data-order': order.id,
      'data-number': order.number,
    }, [
      element('header', { class: 'order-header' }, [
        element('strong', { text: `Order ${order.number}` }),
        element('span', {
          class: `badge status-${order.status}`,
          'data-testid': 'tw-order-status',
          text: view.words(order.status),
        }),
        element('span', { class: 'order-total', text: view.money(order.total_amount, order.currency) }),
      ]),
      element('p', { class: 'muted', text: `Placed ${view.time(order.created)}` }),
      element('ul', { class: 'context-list' }, items.map((item) =>
        element('li', { text: `${item.name} × ${item.quantity} — ${view.money(item.unit_amount, order.currency)}` }))),
      shipment
        ? element('p', { 'data-testid': 'tw-context-shipment' }, [
          element('span', {
            text: [shipment.carrier, shipment.tracking_number, view.words(shipment.status)]
              .filter(Boolean)
              .join(' · '),
          }),
          shipment.estimated_delivery_at
            ? element('span', { class: 'muted', text: ` · arrives ${view.time(shipment.estimated_delivery_at)}` })
            : null,
          tracking
            ? element('a', {
              href: tracking,
              target: '_blank',
              rel: 'noopener noreferrer',
              class: 'tracking-link',
              'data-testid': 'tw-tracking-link',
              text: 'Track',
            })
            : null,
        ])
        : element('p', { class: 'muted', text: 'Not shipped yet.' }),
      ...section('Payments', (order.payments ?? []).map((payment) => this.buildPayment(order, payment))),
      ...section('Refunds', (order.refunds ?? []).map((refund) => element('li', {
        'data-testid': 'tw-context-refund',
        'data-refund': refund.id,
        text: [view.money(refund.amount, refund.currency), view.words(refund.status), view.time(refund.created)]
          .join(' · '),
      }))),
      ...section('Disputes', (order.disputes ?? []).map((dispute) => element('li', {
        'data-testid': 'tw-context-dispute',
        'data-dispute': dispute.id,
        text: [view.money(dispute.amount, dispute.currency), view.words(dispute.reason), view.words(dispute.status)]
          .join(' · '),
      }))),
      (order.timeline ?? []).length
        ? element('details', { class: 'order-timeline' }, [
          element('summary', { text: 'Order timeline' }),
          element('ol', { 'data-testid': 'tw-context-timeline' }, order.timeline.map((entry) =>
            element('li', {}, [
              element('span', { class: 'muted', text: `${view.time(entry.at)} ` }),
              element('span', { text: entry.what }),
            ]))),
        ])
        : null,
    ]);
  }

  /** What is left to refund on a payment: from `amount_refunded` when given, else from the order's refunds. */
  refundable(order, payment) {
    if (Number.isInteger(payment.amount_refunded)) return Math.max(0, payment.amount - payment.amount_refunded);
    const refunded = (order.refunds ?? [])
      .filter((refund) => refund.payment_intent === payment.id && ['succeeded', 'pending'].includes(refund.status))
      .reduce((sum, refund) => sum + refund.amount, 0);
    return Math.max(0, payment.amount - refunded);
  }

  buildPayment(order, payment) {
    const view = this.view;
    const remaining = this.refundable(order, payment);
    const item = element('li', {
      class: 'payment',
      'data-testid': 'tw-context-payment',
      'data-payment': payment.id,
      'data-status': payment.status,
    }, [
      element('span', {
        text: [view.money(payment.amount, payment.currency), view.words(payment.method), view.words(payment.status)]
          .filter(Boolean)
          .join(' · '),
      }),
      element('span', { class: 'muted', text: ` · ${view.time(payment.created)}` }),
      remaining < payment.amount
        ? element('span', {
          class: 'muted',
          text: ` · ${view.money(payment.amount - remaining, payment.currency)} refunded`,
        })
        : null,
    ]);
    if (payment.status === 'succeeded' && remaining > 0) {
      const open = element('button', {
        type: 'button',
        class: 'button-quiet',
        'data-testid': 'tw-refund-open',
        text: 'Refund',
      });
      open.addEventListener('click', () => {
        open.hidden = true;
        item.append(this.buildRefundForm(payment, remaining, () => {
          open.hidden = false;
        }));
      });
      item.append(open);
    }
    return item;
  }

  buildRefundForm(payment, remaining, closed) {
    const view = this.view;
    const limit = this.core.refundLimit(this.app.agent, payment.currency);
    const exponent = this.core.currencyExponent(payment.currency, this.app.exponents);
    const left = view.money(remaining, payment.currency);
    const amountId = `refund-amount-${payment.id}`;
    const reasonId = `refund-reason-${payment.id}`;
    const amount = element('input', {
      id: amountId,
      inputmode: 'decimal',
      placeholder: this.core.minorToDecimal(remaining, exponent),
      'data-testid': 'tw-refund-amount',
    });
    const reason = element('select', { id: reasonId, 'data-testid': 'tw-refund-reason' },
      REFUND_REASONS.map(([value, label]) => element('option', { value, text: label })));
    const error = element('p', { class: 'form-error', 'data-testid': 'tw-refund-error', role: 'alert', hidden: true });
    const submit = element('button', {
      type: 'submit',
      class: 'button-primary',
      'data-testid': 'tw-refund-submit',
      text: 'Refund',
    });
    const cancel = element('button', {
      type: 'button',
      class: 'button-quiet',
      'data-testid': 'tw-refund-cancel',
      text: 'Cancel',
    });
    const form = element('form', { class: 'refund-form', 'data-testid': 'tw-refund-form', novalidate: true }, [
      element('label', {
        for: amountId,
        text: `Amount (${String(payment.currency).toUpperCase()}, empty for the rest)`,
      }),
      amount,
      element('label', { for: reasonId, text: 'Reason' }),
      reason,
      element('p', {
        class: 'muted',
        'data-testid': 'tw-refund-limit',
        text: limit === null
          ? `Up to ${left} is left to refund.`
          : `Your limit: ${view.money(limit, payment.currency)}. Left to refund: ${left}.`,
      }),
      error,
      element('div', { class: 'form-actions' }, [submit, cancel]),
    ]);
    cancel.addEventListener('click', () => {
      form.remove();
      closed();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const typed = amount.value.trim();
      const minor = typed ? this.core.parseAmount(typed, payment.currency, this.app.exponents) : null;
      if (typed && minor === null) {
        view.showError(error, 'Enter an amount like 12.50.');
        return;
      }
      if (minor !== null && minor > remaining) {
        view.showError(error, `At most ${view.money(remaining, payment.currency)} is left to refund.`);
        return;
      }
      submit.disabled = true;
      try {
        const refund = await this.app.refund(payment.id, minor, reason.value);
        const refunded = view.money(refund.amount ?? minor ?? remaining, payment.currency);
        this.refundNotice = `Refunded ${refunded} (${view.words(refund.status)}).`;
        this.render();
      } catch (failure) {
        // Above the agent's limit the server answers 403 refund_limit_exceeded with the reason.
        view.showError(error, failure.message);
        submit.disabled = false;
      }
    });
    return form;
  }
}
