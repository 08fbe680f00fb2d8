"""The unit's phone works offline: the service worker and manifest that keep the portal on it, and the client-made
ids that make a change sent again from its outbox (after a lost answer, a reload, a restart) saved once."""
import gzip
import hashlib
import json
import re
from contextlib import contextmanager
from functools import wraps
from pathlib import Path

import brotli
from flask import Blueprint, Response, abort, current_app, make_response, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from peewee import IntegrityError

from . import clock
from .access import current_commune
from .db import database
from .models import Campaign, ClientWrite, Event

bp = Blueprint("outbox", __name__)

SW = Path(__file__).resolve().parent.parent / "static" / "sw.js"
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,40}")
# What a phone keeps to open the unit's pages with no network: the app shell, then each page as last seen.
SHELL = ["app.css", "vendor/htmx.min.js", "vendor/sse.min.js", "vendor/idb-keyval.js", "offline.js", "app.js",
         "icon.svg"]


@contextmanager
def once(unit, kind):
    """The write, in one transaction with the request's `client_id` (sent by the page's outbox): yields the
    claim, which is None when the id was already saved, so the caller answers with what is saved instead of
    writing again. The unique key decides, not a lookup: two copies of one request racing cannot both write.
    Without a client id (a plain form, JavaScript off) the write goes ahead as before."""
    client_id = request.form.get("client_id")
    if client_id is not None and not CLIENT_ID.fullmatch(client_id):
        abort(400)
    if client_id is None:
        # No transaction of its own here: the write keeps its own, and a tick still reads its row before taking
        # SQLite's write lock.
        yield ClientWrite(unit=unit, kind=kind)
        return
    with database.atomic():
        try:
            with database.atomic():  # a savepoint: PostgreSQL's transaction goes on after the duplicate
                claim = ClientWrite.create(unit=unit, client_id=client_id, kind=kind)
        except IntegrityError:
            claim = None
        yield claim
        if claim is not None and claim.ref is not None:
            claim.save(only=[ClientWrite.ref])


def saved(unit, client_id=None) -> ClientWrite | None:
    """The earlier write behind the request's client id (a resend)."""
    return ClientWrite.get_or_none(ClientWrite.unit == unit,
                                   ClientWrite.client_id == (client_id or request.form.get("client_id")))


def revalidated(view):
    """A unit page the phone keeps: its ETag names what it shows (the unit's last event, the plan's revision,
    the day, the session), so the service worker's revalidation costs a 304 when nothing changed."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        campaign = Campaign.current(current_commune())
        last = Event.select(Event.id).where(Event.unit == current_user.unit_id).order_by(Event.id.desc()).scalar()
        generate_csrf()  # the session's token, made now if this is the first page since the login
        seen = [current_user.id, session["csrf_token"], last, campaign and (campaign.id, campaign.revision),
                clock.today().isoformat()]
        tag = hashlib.sha256(json.dumps(seen, default=str).encode()).hexdigest()[:20]
        if tag in request.if_none_match and not session.get("_flashes"):
            return Response(status=304, headers={"ETag": f'"{tag}"'})
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200:
            response.set_etag(tag)
            response.headers["Cache-Control"] = "private, no-cache"
        return response
    return wrapper


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
