// Portfolio's own script: small, optional, no inline handlers (the CSP forbids them).
(function () {
  "use strict";

  // A destructive action asks once: forms carry data-confirm="question".
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
