// The Boleto voucher's two buttons: print, and copy the digitable line.
(function () {
  'use strict';

  const printButton = document.getElementById('print');
  if (printButton) {
    printButton.addEventListener('click', function () { window.print(); });
  }

  const copyButton = document.getElementById('copy-line');
  if (copyButton && navigator.clipboard) {
    copyButton.addEventListener('click', function () {
      const label = copyButton.textContent;
      navigator.clipboard.writeText(copyButton.dataset.copy || '').then(function () {
        copyButton.textContent = copyButton.dataset.copied || label;
        window.setTimeout(function () { copyButton.textContent = label; }, 2000);
      }, function () { /* Clipboard refused (insecure context): the line is on the page. */ });
    });
  }
})();
