/* What htmx alone does not do for a village head on a weak link:
   keep a tick made while the connection is down and send it again until it is saved,
   resume the live stream where it stopped, and never overwrite a row being edited. */
(function () {
  "use strict";
  var MAX_DELAY = 30000;

  function status(row, text) {
    var p = row.querySelector(".sync");
    if (!p) {
      p = document.createElement("p");
      p.className = "sync";
      p.setAttribute("role", "status");
      row.appendChild(p);
    }
    p.textContent = text;
  }

  function send(form) {
    var pending = form._pending;
    clearTimeout(pending.timer);
    htmx.ajax("POST", form.getAttribute("hx-post"), {
      source: form, target: form.closest(".check"), swap: "outerHTML", values: pending.values
    });
  }

  // A request that never reached the server: remember the latest values and retry with backoff.
  document.addEventListener("htmx:sendError", function (e) {
    var form = e.detail.elt.closest("form[hx-post]");
    if (!form) return;
    var row = form.closest(".check");
    var values = Object.fromEntries(e.detail.requestConfig.formData);
    var attempt = form._pending && form._pending.values.state === values.state ? form._pending.attempt + 1 : 0;
    form._pending = { values: values, attempt: attempt };
    row.classList.add("pending");
    status(row, "Chưa gửi được (mất kết nối). Sẽ tự gửi lại…");
    form._pending.timer = setTimeout(function () { send(form); }, Math.min(MAX_DELAY, 1000 * Math.pow(2, attempt)));
  });

  window.addEventListener("online", function () {
    document.querySelectorAll(".check.pending form[hx-post]").forEach(function (form) {
      if (form._pending) send(form);
    });
  });

  // Live updates: reconnect from the last event seen, and leave a row alone while its note is being typed.
  document.addEventListener("htmx:sseMessage", function (e) {
    var id = e.detail.lastEventId, elt = e.target, url = elt.getAttribute("sse-connect");
    if (id && url) elt.setAttribute("sse-connect", url.replace(/([?&]since=)\d*/, "$1" + id));
  });
  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    var target = e.detail.target, active = document.activeElement;
    if (target && (target.classList.contains("pending") || (active && active.tagName === "TEXTAREA" && target.contains(active)))) {
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
