"""What a unit's phone installs to work offline: the service worker, which keeps the app shell and the unit's pages
as last seen, and the manifest that puts the portal on the home screen. (The outbox's saved-once ids: `outbox`.)"""
import gzip
import hashlib
import json
from pathlib import Path

import brotli
from flask import Blueprint, Response, current_app, request, url_for

bp = Blueprint("offline", __name__)

SW = Path(__file__).resolve().parent.parent / "static" / "sw.js"
# What a phone keeps to open the unit's pages with no network: the app shell, then each page as last seen.
SHELL = ["app.css", "vendor/htmx.min.js", "vendor/sse.min.js", "vendor/idb-keyval.js", "offline.js", "app.js",
         "icon.svg"]


def _worker() -> dict:
    """The service worker script with the shell's hashed URLs in it, compressed once: a new deploy changes its
    bytes, so browsers install the new worker, which drops the old shell."""
    cached = current_app.extensions.get("service_worker")
    if cached is None:
        asset = current_app.jinja_env.globals["asset"]
        shell = [asset(name) for name in SHELL]
        body = f"var SHELL={json.dumps(shell)};\n".encode() + SW.read_bytes()
        cached = {"br": brotli.compress(body, quality=11), "gzip": gzip.compress(body, 9, mtime=0), None: body,
                  "etag": hashlib.sha256(body).hexdigest()[:16]}
        current_app.extensions["service_worker"] = cached
    return cached


@bp.get("/sw.js")
def service_worker():
    """At the root, so its scope is the whole site; revalidated on every check (a 304 when unchanged)."""
    worker = _worker()
    encoding = next((e for e in ("br", "gzip") if e in request.accept_encodings), None)
    response = Response(worker[encoding], content_type="text/javascript; charset=utf-8")
    if encoding:
        response.content_encoding = encoding
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(worker["etag"] + (encoding or ""))
    return response.make_conditional(request)


@bp.get("/manifest.webmanifest")
def manifest():
    asset = current_app.jinja_env.globals["asset"]
    body = {
        "name": "Cổng thi đua", "short_name": "Thi đua", "lang": "vi", "start_url": url_for("checklist.page"),
        "scope": "/", "display": "standalone", "background_color": "#ffffff", "theme_color": "#9b1c1c",
        "icons": [{"src": asset("icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
                  {"src": asset("icon-192.png"), "sizes": "192x192", "type": "image/png"},
                  {"src": asset("icon-512.png"), "sizes": "512x512", "type": "image/png"}],
    }
    response = Response(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def init_app(app):
    app.register_blueprint(bp)
