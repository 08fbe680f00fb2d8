/* What htmx alone does not do for a village head on a weak link: resume the live stream where it stopped,
   and never overwrite a row being edited or waiting to be sent (the outbox, static/offline.js, keeps those). */
(function () {
  "use strict";
  var later = document.currentScript.getAttribute("data-offline");
  function load(urls) {
    if (!urls.length) return;
    var script = document.createElement("script");
    script.src = urls[0];
    script.onload = function () { load(urls.slice(1)); };
    document.head.appendChild(script);
  }
  if (later) window.addEventListener("load", function () { load(later.split(" ")); });
  // A tick pressed before the outbox has loaded (a page opened with no signal, tapped at once): held here and
  // shown as waiting; the outbox takes it when it loads. Only on a page the service worker controls, whose
  // copy of the outbox script is on the phone and so loads for sure.
  self.early = [];
  if (later && navigator.serviceWorker && navigator.serviceWorker.controller) {
    document.addEventListener("submit", function (e) {
      var form = e.target, box = form.closest(".check");
      if (self.outbox || !box || !e.submitter) return;
      e.preventDefault();
      e.stopPropagation();
      self.early.push({ form: form, submitter: e.submitter });
      box.classList.add("pending");
      box.querySelectorAll(".states button").forEach(function (b) {
        b.setAttribute("aria-pressed", b.value === e.submitter.value ? "true" : "false");
      });
      var sync = box.querySelector(".sync") || box.appendChild(document.createElement("p"));
      sync.className = "sync";
      sync.textContent = "Chờ gửi";
    }, true);
  }
  // The unit's page was shown from the phone's cache and has changed since: the worker kept the new copy. That
  // copy was asked for when the page opened, so once the outbox has sent a change from this page it may predate
  // it: the page is then asked for again instead.
  var sentHere = false;
  document.addEventListener("outbox:settled", function () { sentHere = true; });
  if (later && navigator.serviceWorker) navigator.serviceWorker.addEventListener("message", function (e) {
    if (e.data !== "fresh") return;
    var swapped = sentHere
      ? htmx.ajax("GET", location.pathname, { target: "main", select: "main", swap: "outerHTML" })
      : caches.match(location.pathname).then(function (r) { return r && r.text(); }).then(function (html) {
        if (html) htmx.swap("main", html, { swapStyle: "outerHTML" }, { select: "main" });
      });
    swapped.then(function () { document.dispatchEvent(new Event("page:fresh")); });
  });

  document.addEventListener("htmx:sseMessage", function (e) {
    var id = e.detail.lastEventId, elt = e.target, url = elt.getAttribute("sse-connect");
    if (id && url) elt.setAttribute("sse-connect", url.replace(/([?&]since=)\d*/, "$1" + id));
  });
  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    var target = e.detail.target, active = document.activeElement;
    if (target && (target.classList.contains("pending") || target.querySelector(".conflict") ||
                   (active && active.tagName === "TEXTAREA" && target.contains(active)))) {
      e.preventDefault();
    }
  });

  // Confirmation before what cannot be undone: the button's question in a dialog; yes adds confirmed=1, which
  // the server otherwise asks for with a page of its own (the same question, without JavaScript).
  var dialog;
  document.addEventListener("submit", function (e) {
    var button = e.submitter, form = e.target;
    if (!button || !button.hasAttribute("data-confirm") || form.querySelector("input[name=confirmed][value='1']")) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "confirm";
      dialog.setAttribute("aria-labelledby", "confirm-question");
      dialog.innerHTML = '<p id="confirm-question"></p><form method="dialog" class="actions">' +
        '<button value="no">Quay lại</button><button value="yes" class="primary">Đồng ý</button></form>';
      document.body.appendChild(dialog);
    }
    dialog.querySelector("p").textContent = button.getAttribute("data-confirm");
    dialog.onclose = function () {
      if (dialog.returnValue !== "yes") { button.focus(); return; }
      var yes = document.createElement("input");
      yes.type = "hidden"; yes.name = "confirmed"; yes.value = "1";
      form.appendChild(yes);
      form.requestSubmit(button);
      yes.remove();  // a later press of the same form asks again
    };
    dialog.returnValue = "";
    dialog.showModal();
  }, true);

  // The login's "show password": hidden in the page, since without JavaScript it could do nothing.
  document.querySelectorAll(".show-password").forEach(function (box) {
    var input = document.getElementById(box.getAttribute("data-for"));
    box.closest("label").hidden = false;
    box.addEventListener("change", function () { input.type = box.checked ? "text" : "password"; });
  });
})();
