// Portfolio's own script: small, optional, no inline handlers (the CSP forbids them).
(function () {
  "use strict";

  // A destructive action asks once: forms carry data-confirm="question".
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (!question) { return; }
    if (!window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    // Asked here: the server need not ask again on a page of its own.
    if (!form.querySelector("input[name=confirmed]")) {
      var confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirmed";
      confirmed.value = "1";
      form.appendChild(confirmed);
    }
  }, true);

  // On a phone the main menu folds behind a "Menu" button (aria-expanded); without the
  // script every link shows, stacked.
  var nav = document.getElementById("site-nav");
  if (nav) {
    var row = nav.parentElement;
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "button menu-button";
    toggle.textContent = nav.getAttribute("data-menu");
    toggle.setAttribute("aria-controls", "site-nav");
    toggle.setAttribute("aria-expanded", "false");
    nav.classList.add("closed");
    row.classList.add("has-menu");
    nav.insertAdjacentElement("beforebegin", toggle);
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("closed") === false;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) { var first = nav.querySelector("a"); if (first) { first.focus(); } }
    });
  }

  // A field to copy (a share link shown once) gets a "Copier" button; without JavaScript the
  // field stays, read-only and selectable.
  document.querySelectorAll("input[data-copy]").forEach(function (field) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = field.getAttribute("data-copy");
    field.insertAdjacentElement("afterend", button);
    button.addEventListener("click", function () {
      var status = document.getElementById(field.id + "-status");
      var done = function () { if (status) { status.textContent = field.getAttribute("data-copied"); } };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
      } else {
        field.select();
      }
    });
  });

  // Enter in the compétence search looks for compétences; it must not save the entry.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-picker]")) {
      event.preventDefault();
    }
  });

  // After an htmx swap the focus must not fall to <body>: a saved level focuses its status (or
  // the field in error), a posted comment the new comment; the live region announces it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    if (!target || !target.matches) { return; }
    var focus = null;
    if (target.matches(".competency-row")) {
      focus = target.querySelector("[aria-invalid=true]") || target.querySelector(".saved");
    } else if (target.id === "thread") {
      focus = target.querySelector("[aria-invalid=true]") ||
        target.querySelector(".comment:last-of-type") || target.querySelector("textarea");
    }
    if (focus) {
      if (!focus.hasAttribute("tabindex") && !focus.matches("textarea, input, button, a")) {
        focus.setAttribute("tabindex", "-1");
      }
      focus.focus();
    }
  });

  // After the picker adds a tag row: clear the search, move the focus into the new row.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id !== "tag-rows") { return; }
    var search = document.getElementById("picker-q");
    var results = document.getElementById("picker-results");
    if (search) { search.value = ""; }
    if (results) { results.textContent = ""; }
    var rows = event.target.querySelectorAll(".tag-row");
    var last = rows[rows.length - 1];
    var input = last && last.querySelector("input[type=text]");
    if (input) { input.focus(); }
  });

  // A page left open across a new login holds a stale CSRF token: fetch a fresh one (same
  // origin only) and put it where forms and htmx look for it. The text on the page stays.
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || xhr.getResponseHeader("X-CSRF-Expired") !== "1") { return; }
    fetch("/csrf-token", {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.token) { return; }
        document.body.setAttribute("hx-headers", JSON.stringify({"X-CSRFToken": data.token}));
        document.querySelectorAll("input[name=csrf_token]").forEach(function (input) {
          input.value = data.token;
        });
      });
  });
})();
