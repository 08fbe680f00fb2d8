/* The unit's phone with no signal. Every tick, note, photo, report or proposal goes into an outbox in IndexedDB
   (it survives a reload, a closed browser, a restart) and is sent from there, in order, under its own id: the
   server saves an id once, so a resend after a lost answer is harmless. The first part is shared with the
   service worker (Background Sync); the rest is the page: pending rows, the counter, photos shrunk before upload. */
(function (root) {
  "use strict";
  var kv = root.idbKeyval, store = kv.createStore("cong-thi-dua", "outbox"), seq = 0;

  function body(entry) {
    var data = new FormData(), token = root.document && document.querySelector("input[name=csrf_token]");
    entry.fields.forEach(function (f) {
      if (token && f[0] === "csrf_token") f = [f[0], token.value];  // logged in again since: this session's token
      if (f[2]) data.append(f[0], f[1], f[2]); else data.append(f[0], f[1]);
    });
    data.append("client_id", entry.id);
    return data;
  }

  function send(entry, progress) {
    var headers = entry.page ? {} : { "HX-Request": "true" };
    if (!root.XMLHttpRequest) {  // the service worker: no page takes its answer, so the pages' streams bring it
      headers["X-Outbox"] = "worker";
      return fetch(entry.url, { method: "POST", body: body(entry), headers: headers, credentials: "same-origin" })
        .then(function (r) { return r.text().then(function (t) { return { status: r.status, text: t, url: r.url }; }); });
    }
    return new Promise(function (resolve, reject) {
      var x = new XMLHttpRequest();
      x.open("POST", entry.url);
      Object.keys(headers).forEach(function (h) { x.setRequestHeader(h, headers[h]); });
      x.upload.onprogress = function (e) { if (progress && e.lengthComputable) progress(e.loaded / e.total); };
      x.onload = function () { resolve({ status: x.status, text: x.responseText, url: x.responseURL }); };
      x.onerror = x.ontimeout = reject;
      x.send(body(entry));
    });
  }

  var sending = null;
  /* The entries still to send: a refused one (below) waits only to be shown. */
  function waiting() {
    return kv.values(store).then(function (list) { return list.filter(function (e) { return !e.refused; }); });
  }

  /* Sends every entry, oldest first; stops at the first that cannot be sent now (no network, server error).
     A tick saved moves its row's version on: later ticks of the same row queued with the old one are updated. */
  function flush(hooks) {
    if (sending) return sending;
    hooks = hooks || {};
    function next() {
      return waiting().then(function (list) {
        if (!list.length) return;
        var entry = list[0];
        if (hooks.sending) hooks.sending(entry);
        return send(entry, hooks.progress && function (p) { hooks.progress(entry, p); }).then(function (res) {
          // The session ended (a restarted phone): kept until the user logs in again.
          if (res.status >= 500 || res.status === 429 || /\/login$/.test(res.url)) throw res;
          var version = /name="version" value="(\d+)"/.exec(res.text);
          var later = list.slice(1).filter(function (e) { return e.url === entry.url && version && res.status < 300; });
          later.forEach(function (e) {
            e.fields.forEach(function (f) { if (f[0] === "version") f[1] = version[1]; });
          });
          // Refused (a deadline passed while it waited, or it was changed elsewhere) with no page to show the
          // answer (Background Sync): kept with the answer, which holds what was typed and why, for the page.
          var refused = res.status === 409 && !hooks.settled;
          if (refused) entry.refused = res.text;
          return Promise.all(later.map(function (e) { return kv.set(e.id, e, store); }))
            .then(function () { return refused ? kv.set(entry.id, entry, store) : kv.del(entry.id, store); })
            .then(function () { if (hooks.settled) hooks.settled(entry, res); })
            .then(next);
        });
      });
    }
    // One sender at a time across the pages and the worker (Background Sync), where the browser can tell.
    var locks = self.navigator && navigator.locks;
    sending = (locks ? locks.request("outbox", next) : next()).catch(function () { if (hooks.failed) hooks.failed(); })
      .then(function () { sending = null; if (hooks.done) return hooks.done(); });
    return sending;
  }

  root.outbox = {
    add: function (entry) {
      // Keys sort by time, so IndexedDB hands the entries back in the order they were made.
      entry.id = Date.now().toString(36).padStart(9, "0") + (seq++).toString(36) + Math.random().toString(36).slice(2, 10);
      return kv.set(entry.id, entry, store).then(function () { return entry; });
    },
    all: waiting,
    refused: function () {
      return kv.values(store).then(function (list) { return list.filter(function (e) { return e.refused; }); });
    },
    drop: function (entry) { return kv.del(entry.id, store); },
    flush: flush
  };
})(self);

(function () {
  "use strict";
  if (typeof document === "undefined") return;
  var MAX_SIDE = 1280, outbox = self.outbox;
  document.documentElement.classList.add("js");

  function status(box, text, kind) {
    var p = box.querySelector(".sync");
    if (!p) {
      p = document.createElement("p");
      p.className = "sync";
      p.setAttribute("role", "status");
      box.appendChild(p);
    }
    p.textContent = text;
    p.dataset.kind = kind || "";
  }

  function mark(entry, text) {
    var box = entry.box && document.getElementById(entry.box);
    if (!box) return;
    box.classList.add("pending");
    if (entry.state) {
      box.querySelectorAll(".states button").forEach(function (b) {
        b.setAttribute("aria-pressed", b.value === entry.state ? "true" : "false");
      });
    }
    status(box, text, "pending");
  }

  function count() {
    return outbox.all().then(function (list) {
      var el = document.getElementById("outbox-count");
      if (!el) {
        el = document.createElement("span");
        el.id = "outbox-count";
        el.setAttribute("role", "status");
        (document.querySelector("header.top") || document.body).appendChild(el);
      }
      el.textContent = list.length ? "Chờ gửi: " + list.length : "";
      el.hidden = !list.length;
      return list;
    });
  }

  function seen() { localStorage.setItem("seen-at", String(Date.now())); banner(); }

  function banner() {
    var el = document.getElementById("offline");
    if (!el) {
      el = document.createElement("p");
      el.id = "offline";
      el.setAttribute("role", "status");
      var main = document.querySelector("main");
      if (main) main.insertBefore(el, main.firstChild);
    }
    var at = new Date(Number(localStorage.getItem("seen-at")) || Date.now());
    function two(n) { return String(n).padStart(2, "0"); }
    el.textContent = "Đang ngoại tuyến · dữ liệu lúc " + two(at.getHours()) + ":" + two(at.getMinutes()) + " " +
      two(at.getDate()) + "/" + two(at.getMonth() + 1);
    el.hidden = navigator.onLine;
  }

  /* The server's answer where the change was made. */
  function settled(entry, res) {
    seen();
    document.dispatchEvent(new Event("outbox:settled"));
    if (entry.page) {
      caches.delete("pages");  // the phone's copies of the pages predate this change
      // The answer (the page saved, or the form again with what was typed and why) where it was made; a
      // refusal is shown wherever the user is now.
      if (entry.from === location.pathname || res.status >= 300) {
        htmx.swap("main", res.text, { swapStyle: "outerHTML" }, { select: "main" });
        if (res.url !== location.href) history.pushState(null, "", res.url);
        banner();
      }
      return;
    }
    row(entry, res);
    if (res.status < 300) share(entry.box, res.text);
  }

  /* The live stream leaves out what this browser changed (its answer carries it): its other tabs get the answer
     here, for a row or a task's photos. */
  var tabs = self.BroadcastChannel && new BroadcastChannel("rows");
  function share(id, html) { if (tabs) tabs.postMessage({ box: id, html: html }); }
  // What htmx sends itself (removing a photo); the rest goes through the outbox.
  document.addEventListener("htmx:afterRequest", function (e) {
    var target = e.detail.target;
    if (e.detail.successful && e.detail.requestConfig.verb === "post" && target && /^(check|evidence)-/.test(target.id)) {
      share(target.id, e.detail.xhr.responseText);
    }
  });
  if (tabs) tabs.onmessage = function (e) {
    // Out of band, as a change from another phone comes: a row being edited or waiting to be sent keeps its own.
    var doc = new DOMParser().parseFromString(e.data.html, "text/html"), box = doc.getElementById(e.data.box);
    if (!box || !document.getElementById(e.data.box)) return;
    box.setAttribute("hx-swap-oob", "true");
    htmx.swap(document.body, doc.body.innerHTML, { swapStyle: "none" });
  };

  /* A row's answer takes its place; a change refused as stale keeps both values on it, and the choice. */
  function row(entry, res) {
    var box = document.getElementById(entry.box);
    if (!box) return;
    htmx.swap(box, res.text, { swapStyle: "outerHTML" });
    box = document.getElementById(entry.box);
    if (res.status === 409 && entry.state && box) {
      var mine = box.querySelector('.states button[value="' + entry.state + '"]');
      var note = document.createElement("p");
      note.className = "conflict";
      note.textContent = "Bạn đã chọn “" + (mine ? mine.textContent : entry.state) + "” (chưa lưu). Đã lưu: “" +
        (box.querySelector('.states button[aria-pressed="true"]') || {}).textContent + "”. ";
      var keep = document.createElement("button");
      keep.name = "state";
      keep.value = entry.state;
      keep.textContent = "Giữ lựa chọn của tôi";
      var theirs = document.createElement("button");
      theirs.type = "button";
      theirs.textContent = "Giữ bản đã lưu";
      theirs.onclick = function () { note.remove(); };
      note.append(keep, " ", theirs);
      box.querySelector("form").insertBefore(note, box.querySelector("details"));
    }
  }

  var hooks = {
    sending: function (entry) { mark(entry, "Đang gửi…"); },
    progress: function (entry, p) { mark(entry, "Đang gửi… " + Math.round(p * 100) + "%"); },
    settled: function (entry, res) { settled(entry, res); count(); },
    // Then what the worker sent meanwhile and the server refused is shown here, not only when a page opens.
    done: function () { return reconcile().then(refusals); },
    // Not sent (no answer, a server error): tried again in a while even if the link never drops.
    failed: function () { show(); if (navigator.onLine) setTimeout(flush, 20000); }
  };

  function show() {
    return count().then(function (list) { list.forEach(function (e) { mark(e, "Chờ gửi"); }); });
  }

  /* What the worker sent and the server refused: shown where it was made (the form with what was typed and
     why, or the row with both values), and only then forgotten; elsewhere a line says where to look. */
  var shownHere = [];  // shown again over a newer copy of this page (page:fresh), which would hide them
  function refusals() {
    return outbox.refused().then(function (list) {
      list.forEach(function (entry) {
        if (entry.from !== location.pathname) {
          if (document.getElementById("refused-elsewhere")) return;
          var p = document.createElement("p"), a = document.createElement("a");
          p.id = "refused-elsewhere";
          p.className = "flash error";
          p.setAttribute("role", "alert");
          a.href = entry.from;
          a.textContent = "Mở lại để xem và chép lại nội dung";
          p.append("Một nội dung soạn khi mất kết nối chưa được lưu. ", a);
          var main = document.querySelector("main");
          if (main) main.insertBefore(p, main.firstChild);
          return;
        }
        refusal(entry);
        shownHere.push(entry);
        outbox.drop(entry);
      });
    });
  }

  function refusal(entry) {
    if (entry.page) {
      htmx.swap("main", entry.refused, { swapStyle: "outerHTML" }, { select: "main" });
      banner();
      return;
    }
    // The row as refused, without the totals of that moment (the page has newer ones).
    var refused = new DOMParser().parseFromString(entry.refused, "text/html").getElementById(entry.box);
    if (refused) row(entry, { status: 409, text: refused.outerHTML });
  }

  function flush() { return outbox.flush(hooks).then(count); }

  /* A row still marked as waiting whose change the worker sent meanwhile (Background Sync, before this page
     opened): the live stream's update of it was held back, so the page's part is fetched as saved now. */
  function reconcile() {
    return outbox.all().then(function (list) {
      var waiting = list.map(function (e) { return e.box; });
      var sent = Array.prototype.some.call(document.querySelectorAll(".pending"), function (box) {
        return waiting.indexOf(box.id) < 0;
      });
      if (sent) return htmx.ajax("GET", location.pathname, { target: "main", select: "main", swap: "outerHTML" }).then(banner);
    });
  }

  /* A phone photo (3–5 MB) becomes a JPEG of at most 1280 px: upright (EXIF orientation), without metadata. */
  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !self.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height)), canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob && blob.size < file.size ? blob : file); }, "image/jpeg", 0.8);
      });
    }).catch(function () { return file; });
  }

  function entryFor(form, submitter) {
    var data = new FormData(form), fields = [], file = null;
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    data.forEach(function (value, name) {
      if (typeof value === "string") fields.push([name, value]);
      else if (value.size) file = [name, value];
    });
    var check = form.closest(".check"), evidence = form.closest(".evidence");
    var entry = { url: form.getAttribute("action"), fields: fields, page: !check && !evidence, from: location.pathname,
                  box: (check || evidence || {}).id, state: check && submitter ? submitter.value : null };
    if (!file) return Promise.resolve(entry);
    return shrink(file[1]).then(function (blob) {
      var name = file[1].name || "anh";
      entry.fields.push([file[0], blob, blob === file[1] ? name : name.replace(/\.\w+$/, "") + ".jpg"]);
      return entry;
    });
  }

  var OUTBOX_FORMS = ".check form, form.upload, form.report, form[action='/nominations'], form[action='/dang-ky']";
  // Capture phase: the outbox takes the form before htmx does.
  document.addEventListener("submit", function (e) {
    if (!e.target.matches(OUTBOX_FORMS)) return;
    e.preventDefault();
    e.stopPropagation();
    take(e.target, e.submitter);
  }, true);

  function take(form, submitter) {
    return entryFor(form, submitter).then(outbox.add).then(function (entry) {
      mark(entry, "Chờ gửi");
      count();
      flush();
      navigator.serviceWorker && navigator.serviceWorker.ready.then(function (reg) {
        if (reg.sync) reg.sync.register("outbox");
      });
    });
  }

  // A chosen photo is sent at once: no second tap on "Tải lên".
  document.addEventListener("change", function (e) {
    if (e.target.matches("form.upload input[type=file]") && e.target.files.length) e.target.form.requestSubmit();
  });

  window.addEventListener("online", function () { banner(); flush(); });
  document.addEventListener("page:fresh", function () { banner(); show(); shownHere.forEach(refusal); });
  window.addEventListener("offline", banner);
  document.addEventListener("htmx:sseOpen", seen);
  // Loaded after the page (app.js): the outbox, the worker and the shell it keeps never slow the first visit.
  banner();
  // Ticks pressed before this script loaded (static/app.js held them), in the order they were pressed.
  (self.early || []).splice(0).reduce(function (done, t) {
    return done.then(function () { return take(t.form, t.submitter); });
  }, Promise.resolve()).then(show).then(flush).then(refusals);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (e) { if (e.data === "flush") flush(); });
    navigator.serviceWorker.register("/sw.js");
  }
})();
