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
  // The unit's page was shown from the phone's cache and has changed since: the worker kept the new copy.
  if (later && navigator.serviceWorker) navigator.serviceWorker.addEventListener("message", function (e) {
    if (e.data !== "fresh") return;
    caches.match(location.pathname).then(function (r) { return r && r.text(); }).then(function (html) {
      if (html) htmx.swap("main", html, { swapStyle: "outerHTML" }, { select: "main" });
      document.dispatchEvent(new Event("page:fresh"));
    });
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
})();
