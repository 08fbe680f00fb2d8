/* The unit's pages with no signal (served as /sw.js; SHELL, the hashed static files, is put above by the server).
   The shell comes from the cache; a unit page is shown from the cache at once and revalidated behind it with
   If-None-Match (a 304 when nothing changed; the page's live stream brings what did); the outbox is sent by
   Background Sync when no page is open to send it. The office's pages are never kept. */
importScripts(SHELL[3], SHELL[4]);
var PAGES = /^\/(checklist|report|nominations\/new|dang-ky)$/;

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open("shell").then(function (c) { return c.addAll(SHELL); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.open("shell").then(function (c) {
    return c.keys().then(function (old) {
      return Promise.all(old.filter(function (r) { return SHELL.indexOf(new URL(r.url).pathname) < 0; })
        .map(function (r) { return c.delete(r); }));
    });
  }).then(function () { return self.clients.claim(); }));
});

function page(e, path) {
  return caches.open("pages").then(function (cache) {
    return cache.match(path).then(function (hit) {
      var tag = hit && hit.headers.get("ETag"), kept;
      var fresh = fetch(path, { headers: tag ? { "If-None-Match": tag } : {}, credentials: "same-origin",
                                redirect: "manual" })
        .then(function (res) {
          if (res.status === 304) return hit;
          // logged out: the page is no longer this phone's to show
          kept = res.status === 200 ? cache.put(path, res.clone()) : cache.delete(path);
          return res;
        });
      if (!hit) return fresh;
      // Changed since the copy shown: the page takes the new copy from the cache (no second download), once it
      // is in the cache; told sooner, the page read the old copy again (and lost a photo the outbox had shown).
      e.waitUntil(fresh.then(function (res) {
        if (res !== hit && res.status === 200) {
          return kept.then(function () { return self.clients.get(e.resultingClientId); })
            .then(function (c) { if (c) c.postMessage("fresh"); });
        }
      }).catch(function () {}));
      return hit;
    });
  });
}

self.addEventListener("fetch", function (e) {
  var req = e.request, url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    e.respondWith(caches.match(req).then(function (hit) { return hit || fetch(req); }));
  } else if (req.mode === "navigate" && PAGES.test(url.pathname)) {
    e.respondWith(page(e, url.pathname));
  } else if (req.mode === "navigate" && url.pathname === "/login") {
    e.waitUntil(caches.delete("pages"));  // another person may log in on this phone
  }
});

self.addEventListener("sync", function (e) {
  if (e.tag !== "outbox") return;
  // A page not yet taken over by this worker (it opened before the worker was installed) counts too: the page
  // sends, and shows what is refused; sent from here, a change refused as stale waits for a page to show it.
  e.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (open) {
    if (!open.length) return self.outbox.flush();
    open.forEach(function (c) { c.postMessage("flush"); });
  }));
});
