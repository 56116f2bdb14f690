// Tradewind chat widget. A merchant embeds it with one tag:
//
//   <script src="https://HOST/widget.js" data-key="pk_test_…" async></script>
//
// Optional attributes: data-language ("es"; default: the browser's languages),
// data-time-zone ("America/New_York"; default: the browser's), data-identity-email and
// data-identity-hash (the shop's HMAC-SHA256 of the email, so a logged-in buyer is
// verified without typing anything), data-identity-name, data-open="true".
//
// The widget lives in an OPEN shadow root, so the shop's styles cannot reach it and
// tests can: `document.querySelector('#tradewind-widget').shadowRoot` holds every
// element, each interactive one with a stable `data-testid` (tw-launcher, tw-panel,
// tw-input, tw-send, tw-message[data-sender][data-message], tw-verify-order, …). The
// host element's `data-state` is loading | ready | unavailable and `data-connection`
// is the realtime state. `window.TradewindWidget` has open(), close() and `ready`.
//
// This file is a classic script (no build step, no dependency): it reads its tag and
// imports the widget itself (widget/widget-app.js, an ES module, which imports its
// logic, its view and the realtime SDK) from the server it came from.
(function () {
  'use strict';

  const script = document.currentScript;
  if (!script || !script.src || document.getElementById('tradewind-widget')) return;
  const origin = new URL(script.src, location.href).origin;
  const config = {
    origin,
    key: script.dataset.key || '',
    language: script.dataset.language || null,
    timeZone: script.dataset.timeZone || null,
    identityEmail: script.dataset.identityEmail || null,
    identityHash: script.dataset.identityHash || null,
    identityName: script.dataset.identityName || null,
    openAtStart: script.dataset.open === 'true',
  };
  if (!/^pk_(test|live)_\w+$/.test(config.key)) {
    console.warn('Tradewind widget: data-key must be a publishable key (pk_…)');
    return;
  }
  const ready = import(`${origin}/widget/widget-app.js`).then((app) => app.mount(config));
  ready.catch((error) => console.error('Tradewind widget failed to start', error));
  window.TradewindWidget = { ready };
})();
