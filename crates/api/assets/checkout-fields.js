// Checkout form fields: formatting as the buyer types (card number groups, "MM / YY",
// CPF/CNPJ punctuation), card brand detection, and the checksums that catch typos
// before anything is sent (Luhn for cards, mod 11 for Brazilian tax ids). Exposes
// `window.TradewindFields` for checkout.js.
(function () {
  'use strict';

  // ---- Input formatting -------------------------------------------------------

  function digitsOf(value) { return value.replace(/\D+/g, ''); }

  // Reformats a field and keeps the caret after the same number of digits.
  function reformat(input, format) {
    const caret = input.selectionStart === null ? input.value.length : input.selectionStart;
    const digitsBeforeCaret = digitsOf(input.value.slice(0, caret)).length;
    const formatted = format(input.value);
    if (formatted === input.value) { return; }
    input.value = formatted;
    let position = 0;
    let seen = 0;
    while (position < formatted.length && seen < digitsBeforeCaret) {
      if (/\d/.test(formatted[position])) { seen += 1; }
      position += 1;
    }
    if (document.activeElement === input) { input.setSelectionRange(position, position); }
  }

  function cardBrand(digits) {
    if (/^4/.test(digits)) { return 'visa'; }
    if (/^(5[1-5]|2(2[2-9][1-9]|2[3-9]|[3-6]|7[01]|720))/.test(digits)) { return 'mastercard'; }
    if (/^3[47]/.test(digits)) { return 'amex'; }
    if (/^(6011|65|64[4-9])/.test(digits)) { return 'discover'; }
    if (/^35(2[89]|[3-8])/.test(digits)) { return 'jcb'; }
    if (/^62/.test(digits)) { return 'unionpay'; }
    if (/^3(0[0-5]|[689])/.test(digits)) { return 'diners'; }
    return null;
  }

  const BRAND_LABELS = {
    visa: 'VISA', mastercard: 'MASTERCARD', amex: 'AMEX', discover: 'DISCOVER',
    jcb: 'JCB', unionpay: 'UNIONPAY', diners: 'DINERS',
  };

  function formatCardNumber(value) {
    const digits = digitsOf(value).slice(0, 19);
    if (cardBrand(digits) === 'amex') {
      return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10, 15)].filter(Boolean).join(' ');
    }
    return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
  }

  function formatExpiry(value, deleting) {
    let digits = digitsOf(value).slice(0, 4);
    if (digits.length === 1 && digits > '1') { digits = '0' + digits; }
    if (digits.length > 2) { return digits.slice(0, 2) + ' / ' + digits.slice(2); }
    if (digits.length === 2 && !deleting) { return digits + ' / '; }
    return digits;
  }

  function formatTaxId(value) {
    const digits = digitsOf(value).slice(0, 14);
    if (digits.length <= 11) {
      return digits
        .replace(/^(\d{3})(\d)/, '$1.$2')
        .replace(/^(\d{3})\.(\d{3})(\d)/, '$1.$2.$3')
        .replace(/^(\d{3})\.(\d{3})\.(\d{3})(\d)/, '$1.$2.$3-$4');
    }
    return digits
      .replace(/^(\d{2})(\d{3})(\d{3})(\d{4})(\d{0,2})$/, '$1.$2.$3/$4-$5');
  }

  function bindFormatter(id, format) {
    const input = document.getElementById(id);
    if (!input) { return; }
    input.addEventListener('input', function (event) {
      const deleting = event.inputType && event.inputType.indexOf('delete') === 0;
      reformat(input, function (value) { return format(value, deleting); });
      input.classList.remove('is-invalid');
      input.removeAttribute('aria-invalid');
    });
  }

  // Attaches the formatters to whichever fields the page has.
  function bind() {
    bindFormatter('card-number', formatCardNumber);
    bindFormatter('card-expiry', formatExpiry);
    bindFormatter('card-cvc', function (value) { return digitsOf(value).slice(0, 4); });
    bindFormatter('boleto-tax-id', formatTaxId);

    const cardNumberInput = document.getElementById('card-number');
    const cardBrandBadge = document.getElementById('card-brand');
    if (cardNumberInput && cardBrandBadge) {
      cardNumberInput.addEventListener('input', function () {
        const brand = cardBrand(digitsOf(cardNumberInput.value));
        cardBrandBadge.textContent = brand ? BRAND_LABELS[brand] : '';
      });
    }
  }

  // ---- Checksums ------------------------------------------------------------------

  function luhnValid(digits) {
    let sum = 0;
    for (let index = 0; index < digits.length; index += 1) {
      let value = Number(digits[digits.length - 1 - index]);
      if (index % 2 === 1) {
        value *= 2;
        if (value > 9) { value -= 9; }
      }
      sum += value;
    }
    return sum % 10 === 0;
  }

  function taxIdValid(digits) {
    if (!/^(\d{11}|\d{14})$/.test(digits) || /^(\d)\1+$/.test(digits)) { return false; }
    const check = function (length, weights) {
      let sum = 0;
      for (let index = 0; index < length; index += 1) { sum += Number(digits[index]) * weights[index]; }
      const remainder = sum % 11;
      return remainder < 2 ? 0 : 11 - remainder;
    };
    if (digits.length === 11) {
      return check(9, [10, 9, 8, 7, 6, 5, 4, 3, 2]) === Number(digits[9]) &&
        check(10, [11, 10, 9, 8, 7, 6, 5, 4, 3, 2]) === Number(digits[10]);
    }
    return check(12, [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) === Number(digits[12]) &&
      check(13, [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) === Number(digits[13]);
  }

  window.TradewindFields = { bind: bind, digitsOf: digitsOf, luhnValid: luhnValid, taxIdValid: taxIdValid };
})();
