// Tradewind hosted checkout. Reads the page data from #checkout-data, formats and
// checks what the buyer types, confirms the payment intent through the public API
// with the publishable key, and follows whatever next action the server returns:
// a redirect, a 3-D Secure page, a QR code to scan, a voucher, transfer details or
// a cash-on-delivery note. No framework, no third-party script.
(function () {
  'use strict';

  const POLL_INTERVAL_MS = 1500;
  // Thirty minutes of polling at most; a QR code expires well before that.
  const POLL_ATTEMPTS_MAX = 1200;
  const REQUEST_TIMEOUT_MS = 30000;
  const WALLETS = ['grabpay', 'gopay', 'shopeepay'];

  const dataElement = document.getElementById('checkout-data');
  if (!dataElement) { return; }
  const data = JSON.parse(dataElement.textContent);
  const messages = data.messages || {};

  const form = document.getElementById('payment-form');
  const payButton = document.getElementById('pay');
  const payLabel = document.getElementById('pay-label');
  const errorBox = document.getElementById('error');
  const walletFlow = document.getElementById('wallet-flow');
  const actionFooter = document.getElementById('action-footer');
  const doneButton = document.getElementById('done');
  const panels = ['qr-panel', 'voucher-panel', 'transfer-panel', 'delivery-panel']
    .map(function (id) { return document.getElementById(id); });
  const payLabelText = payLabel.textContent;

  let pollTimer = null;
  let countdownTimer = null;

  // ---- Text ---------------------------------------------------------------

  function text(key, values) {
    const template = Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : key;
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
    });
  }

  function methodName(method) {
    const key = 'method_' + method;
    if (Object.prototype.hasOwnProperty.call(messages, key)) { return messages[key]; }
    return (data.method_names && data.method_names[method]) || method;
  }

  // Minor units to the page's amount format, with string arithmetic only.
  function formatMinor(minor) {
    const format = data.amount_format;
    const negative = minor < 0;
    let digits = String(Math.abs(Math.trunc(minor)));
    let fraction = '';
    if (format.exponent > 0) {
      digits = digits.padStart(format.exponent + 1, '0');
      fraction = digits.slice(-format.exponent);
      digits = digits.slice(0, -format.exponent);
    }
    const whole = digits.replace(/\B(?=(\d{3})+(?!\d))/g, format.group_separator);
    const number = (negative ? '-' : '') + whole + (fraction ? format.decimal_separator + fraction : '');
    return format.template.replace('{number}', number);
  }

  // Decline and error codes to translated messages; unknown codes fall back to the
  // server's message, then to a generic line.
  const CODE_MESSAGES = {
    card_declined: 'decline_card_declined',
    generic_decline: 'decline_card_declined',
    do_not_honor: 'decline_card_declined',
    lost_card: 'decline_card_declined',
    stolen_card: 'decline_card_declined',
    pickup_card: 'decline_card_declined',
    restricted_card: 'decline_card_declined',
    fraudulent: 'decline_card_declined',
    transaction_not_allowed: 'decline_card_declined',
    insufficient_funds: 'decline_insufficient_funds',
    expired_card: 'decline_expired_card',
    incorrect_cvc: 'decline_incorrect_cvc',
    invalid_cvc: 'invalid_cvc',
    incorrect_number: 'decline_incorrect_number',
    invalid_number: 'invalid_card_number',
    invalid_expiry_month: 'invalid_expiry',
    invalid_expiry_year: 'invalid_expiry',
    processing_error: 'decline_processing_error',
    authentication_required: 'decline_authentication_failed',
    authentication_failed: 'decline_authentication_failed',
    payment_intent_authentication_failure: 'decline_authentication_failed',
    payment_method_provider_decline: 'decline_payment_failed',
    payment_intent_payment_attempt_failed: 'decline_payment_failed',
    payment_declined: 'decline_payment_failed',
    payment_intent_payment_attempt_expired: 'decline_expired',
    expired: 'decline_expired',
    payment_intent_payment_attempt_canceled: 'decline_canceled',
    payment_canceled: 'decline_canceled',
    canceled: 'decline_canceled',
    abandoned: 'decline_canceled',
    invalid_tax_id: 'invalid_tax_id',
  };

  function messageFor(error) {
    const codes = error ? [error.decline_code, error.code] : [];
    for (let index = 0; index < codes.length; index += 1) {
      const key = CODE_MESSAGES[codes[index]];
      if (key) { return text(key); }
    }
    if (error && error.message) { return error.message; }
    return text('decline_generic');
  }

  // ---- Errors on the page -------------------------------------------------

  function clearErrors() {
    errorBox.hidden = true;
    errorBox.textContent = '';
    form.querySelectorAll('.is-invalid').forEach(function (field) {
      field.classList.remove('is-invalid');
      field.removeAttribute('aria-invalid');
    });
  }

  function showError(message, fieldId) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    const field = fieldId ? document.getElementById(fieldId) : null;
    if (field) {
      field.classList.add('is-invalid');
      field.setAttribute('aria-invalid', 'true');
      field.setAttribute('aria-describedby', 'error');
      field.focus();
    } else {
      errorBox.scrollIntoView({ block: 'nearest' });
    }
  }

  // `payment_method_data[card][number]` → the input that holds it.
  function fieldForParam(param, method) {
    const match = /^payment_method_data\[(\w+)\](?:\[(\w+)\])?/.exec(param || '');
    if (!match) { return null; }
    const group = match[1];
    const name = match[2];
    const fields = {
      'card.number': 'card-number',
      'card.exp_month': 'card-expiry',
      'card.exp_year': 'card-expiry',
      'card.cvc': 'card-cvc',
      'boleto.tax_id': 'boleto-tax-id',
      'ideal.bank': 'ideal-bank',
      'sofort.country': 'sofort-country',
      'billing_details.name': method === 'boleto' ? 'boleto-name' : 'card-name',
      'billing_details.email': method === 'boleto' ? 'boleto-email' : null,
    };
    if (WALLETS.indexOf(group) >= 0) { return 'wallet-flow-qr'; }
    return fields[group + '.' + name] || null;
  }

  // ---- Busy state -----------------------------------------------------------

  function setBusy(busy) {
    payButton.disabled = busy;
    payButton.classList.toggle('is-busy', busy);
    payButton.setAttribute('aria-busy', busy ? 'true' : 'false');
    payLabel.textContent = busy ? text('processing') : payLabelText;
  }

  // ---- Method selection -------------------------------------------------------

  function selectedMethod() {
    const checked = form.querySelector('input[name="method"]:checked');
    return checked ? checked.value : null;
  }

  function showMethod(method) {
    form.querySelectorAll('[data-method-block]').forEach(function (block) {
      const active = block.getAttribute('data-method-block') === method;
      block.classList.toggle('is-selected', active);
      const body = block.querySelector('.method-body');
      if (body) { body.hidden = !active; }
    });
    const slot = form.querySelector('[data-wallet-slot="' + method + '"]');
    if (slot && walletFlow) {
      slot.appendChild(walletFlow);
      walletFlow.hidden = false;
      const title = document.getElementById('wallet-redirect-title');
      if (title) { title.textContent = text('wallet_redirect', { wallet: methodName(method) }); }
    } else if (walletFlow) {
      walletFlow.hidden = true;
    }
    clearErrors();
  }

  form.querySelectorAll('input[name="method"]').forEach(function (radio) {
    radio.addEventListener('change', function () { showMethod(radio.value); });
  });

  // ---- Fields -----------------------------------------------------------------

  const fields = window.TradewindFields;
  const digitsOf = fields.digitsOf;
  fields.bind();

  // ---- Validation -------------------------------------------------------------

  function value(id) {
    const element = document.getElementById(id);
    return element ? element.value.trim() : '';
  }

  // Either { details, billing } for the request, or { error, field } to show.
  function collect(method) {
    const billing = {};
    if (data.customer_name) { billing.name = data.customer_name; }
    if (data.customer_email) { billing.email = data.customer_email; }
    if (method === 'card') {
      const number = digitsOf(value('card-number'));
      if (number.length < 12 || number.length > 19 || !fields.luhnValid(number)) {
        return { error: text('invalid_card_number'), field: 'card-number' };
      }
      const expiry = digitsOf(value('card-expiry'));
      const month = Number(expiry.slice(0, 2));
      const year = 2000 + Number(expiry.slice(2, 4));
      const now = new Date();
      const expired = year < now.getFullYear() || (year === now.getFullYear() && month < now.getMonth() + 1);
      if (expiry.length !== 4 || month < 1 || month > 12 || expired) {
        return { error: text('invalid_expiry'), field: 'card-expiry' };
      }
      const cvc = digitsOf(value('card-cvc'));
      if (cvc.length < 3) { return { error: text('invalid_cvc'), field: 'card-cvc' }; }
      if (value('card-name')) { billing.name = value('card-name'); }
      return { details: { number: number, exp_month: month, exp_year: year, cvc: cvc }, billing: billing };
    }
    if (method === 'boleto') {
      const taxId = digitsOf(value('boleto-tax-id'));
      if (!fields.taxIdValid(taxId)) { return { error: text('invalid_tax_id'), field: 'boleto-tax-id' }; }
      if (!value('boleto-name')) { return { error: text('invalid_name'), field: 'boleto-name' }; }
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value('boleto-email'))) {
        return { error: text('invalid_email'), field: 'boleto-email' };
      }
      billing.name = value('boleto-name');
      billing.email = value('boleto-email');
      return { details: { tax_id: taxId }, billing: billing };
    }
    if (method === 'ideal') {
      const bank = value('ideal-bank');
      return { details: bank ? { bank: bank } : {}, billing: billing };
    }
    if (method === 'sofort') { return { details: { country: value('sofort-country') }, billing: billing }; }
    if (WALLETS.indexOf(method) >= 0) {
      const redirect = document.getElementById('wallet-flow-redirect');
      return { details: { flow: redirect && redirect.checked ? 'redirect' : 'qr_code' }, billing: billing };
    }
    return { details: {}, billing: billing };
  }

  // ---- API calls --------------------------------------------------------------

  function api(path, options) {
    const controller = new AbortController();
    const timer = window.setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    const headers = { Authorization: 'Bearer ' + data.publishable_key, Accept: 'application/json' };
    if (options.body) { headers['Content-Type'] = 'application/json'; }
    return fetch(path, {
      method: options.method || 'GET',
      headers: headers,
      body: options.body ? JSON.stringify(options.body) : undefined,
      credentials: 'same-origin',
      signal: controller.signal,
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    }).finally(function () { window.clearTimeout(timer); });
  }

  const intentPath = '/v1/payment_intents/' + encodeURIComponent(data.payment_intent_id);

  function confirm(method, collected) {
    const paymentMethodData = { type: method, billing_details: collected.billing };
    paymentMethodData[method] = collected.details;
    return api(intentPath + '/confirm', {
      method: 'POST',
      body: { client_secret: data.client_secret, return_url: data.return_url, payment_method_data: paymentMethodData },
    });
  }

  // ---- Outcomes -----------------------------------------------------------------

  function finish() { window.location.assign(data.complete_url); }

  function stopWaiting() {
    if (pollTimer) { window.clearTimeout(pollTimer); pollTimer = null; }
    if (countdownTimer) { window.clearInterval(countdownTimer); countdownTimer = null; }
  }

  function showForm() {
    stopWaiting();
    panels.forEach(function (panel) { if (panel) { panel.hidden = true; panel.classList.remove('is-expired'); } });
    actionFooter.hidden = true;
    form.hidden = false;
    setBusy(false);
  }

  function showPanel(id, withDone) {
    form.hidden = true;
    panels.forEach(function (panel) { if (panel) { panel.hidden = panel.id !== id; } });
    actionFooter.hidden = false;
    doneButton.hidden = !withDone;
    const panel = document.getElementById(id);
    const heading = panel && panel.querySelector('h2');
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus(); }
  }

  function handleIntent(intent) {
    switch (intent.status) {
      case 'succeeded':
      case 'processing':
      case 'requires_capture':
        finish();
        return;
      case 'requires_payment_method':
        showForm();
        showError(messageFor(intent.last_payment_error));
        return;
      case 'requires_action':
        handleNextAction(intent);
        return;
      case 'canceled':
        finish();
        return;
      default:
        showForm();
        showError(text('error_generic'));
    }
  }

  function handleNextAction(intent) {
    const action = intent.next_action || {};
    switch (action.type) {
      case 'redirect_to_url':
        window.location.assign(action.redirect_to_url.url);
        return;
      case 'three_d_secure':
        window.location.assign(action.three_d_secure.url);
        return;
      case 'display_qr_code':
        showQrCode(action.display_qr_code);
        return;
      case 'display_voucher':
        showVoucher(action.display_voucher);
        return;
      case 'awaiting_transfer':
        showTransfer(action.awaiting_transfer);
        return;
      case 'awaiting_delivery':
        showPanel('delivery-panel', true);
        return;
      default:
        showForm();
        showError(text('error_generic'));
    }
  }

  function showQrCode(qr) {
    const wallet = methodName(selectedMethod() || '');
    document.getElementById('qr-title').textContent = text('qr_title', { wallet: wallet });
    document.getElementById('qr-instructions').textContent = text('qr_instructions', { wallet: wallet });
    const image = document.getElementById('qr-code');
    image.src = qr.image_url_svg;
    image.alt = text('qr_title', { wallet: wallet });
    const openWallet = document.getElementById('open-wallet');
    openWallet.href = qr.hosted_page_url;
    openWallet.textContent = text('open_wallet', { wallet: wallet });
    showPanel('qr-panel', false);
    startCountdown(qr.expires_at);
    poll(0);
  }

  function startCountdown(expiresAt) {
    const countdown = document.getElementById('qr-countdown');
    const panel = document.getElementById('qr-panel');
    if (!expiresAt) { countdown.hidden = true; return; }
    countdown.hidden = false;
    const tick = function () {
      const remaining = Math.max(0, Math.round(expiresAt - Date.now() / 1000));
      if (remaining === 0) {
        countdown.textContent = text('qr_expired');
        panel.classList.add('is-expired');
        window.clearInterval(countdownTimer);
        countdownTimer = null;
        return;
      }
      const minutes = Math.floor(remaining / 60);
      const seconds = String(remaining % 60).padStart(2, '0');
      countdown.textContent = text('qr_expires_in', { time: minutes + ':' + seconds });
    };
    tick();
    countdownTimer = window.setInterval(tick, 1000);
  }

  // Asks the server for the intent's status until the buyer has paid or the attempt
  // ended; network hiccups only skip a round.
  function poll(attempt) {
    if (attempt >= POLL_ATTEMPTS_MAX) { return; }
    pollTimer = window.setTimeout(function () {
      const query = '?client_secret=' + encodeURIComponent(data.client_secret);
      api(intentPath + query, {}).then(function (result) {
        const intent = result.body || {};
        if (result.ok && intent.status && intent.status !== 'requires_action') {
          handleIntent(intent);
        } else {
          poll(attempt + 1);
        }
      }, function () { poll(attempt + 1); });
    }, POLL_INTERVAL_MS);
  }

  function formatDate(unixSeconds) {
    try {
      return new Intl.DateTimeFormat(data.locale, { dateStyle: 'long' }).format(new Date(unixSeconds * 1000));
    } catch (error) {
      return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
    }
  }

  function showVoucher(voucher) {
    document.getElementById('voucher-number').textContent = voucher.number || '';
    const link = document.getElementById('voucher-link');
    link.href = voucher.hosted_voucher_url || '#';
    link.hidden = !voucher.hosted_voucher_url;
    const due = document.getElementById('voucher-due');
    due.hidden = !voucher.expires_at;
    if (voucher.expires_at) { due.textContent = text('voucher_due', { date: formatDate(voucher.expires_at) }); }
    showPanel('voucher-panel', true);
  }

  function showTransfer(transfer) {
    const account = transfer.bank_account || {};
    const set = function (id, content) { document.getElementById(id).textContent = content || '—'; };
    const remaining = typeof transfer.amount_remaining === 'number' ? transfer.amount_remaining : data.amount_minor;
    set('transfer-amount', formatMinor(remaining));
    set('transfer-reference', transfer.reference);
    set('transfer-holder', account.account_holder_name);
    set('transfer-iban', account.iban);
    set('transfer-bic', account.bic);
    set('transfer-bank', account.bank_name);
    showPanel('transfer-panel', true);
  }

  // ---- Wiring ---------------------------------------------------------------------

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (payButton.disabled) { return; }
    clearErrors();
    const method = selectedMethod();
    if (!method) { showError(text('select_method')); return; }
    const collected = collect(method);
    if (collected.error) { showError(collected.error, collected.field); return; }
    setBusy(true);
    confirm(method, collected).then(function (result) {
      if (result.ok) { handleIntent(result.body); return; }
      setBusy(false);
      const error = (result.body && result.body.error) || {};
      const known = CODE_MESSAGES[error.decline_code] || CODE_MESSAGES[error.code];
      showError(known ? text(known) : (error.message || text('error_generic')), fieldForParam(error.param, method));
    }, function () {
      setBusy(false);
      showError(text('error_network'));
    });
  });

  doneButton.addEventListener('click', finish);
  document.getElementById('change-method').addEventListener('click', function () { showForm(); clearErrors(); });

  const copyButton = document.getElementById('copy-voucher');
  copyButton.addEventListener('click', function () {
    const number = document.getElementById('voucher-number').textContent;
    if (!navigator.clipboard) { return; }
    navigator.clipboard.writeText(number).then(function () {
      const label = copyButton.textContent;
      copyButton.textContent = copyButton.getAttribute('data-copied');
      window.setTimeout(function () { copyButton.textContent = label; }, 2000);
    }, function () { /* Clipboard refused: the number is selectable on the page. */ });
  });

  // Coming back from a provider page through the back/forward cache: the page is
  // restored as it was left, busy; make it usable again.
  window.addEventListener('pageshow', function (event) { if (event.persisted) { showForm(); } });

  showMethod(selectedMethod());
  if (data.error_code) { showError(messageFor({ code: data.error_code })); }
})();
