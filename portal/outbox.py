"""The unit's phone works offline: the client-made ids that make a change sent again from its outbox (after a lost
answer, a reload, a restart) saved once, and pages revalidated from the copy the phone keeps. (The service worker
and the manifest that keep the portal on the phone are served by `offline`.)"""
import hashlib
import json
import re
from contextlib import contextmanager
from functools import wraps

from flask import Response, abort, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from . import clock
from .access import current_commune
from .db import database
from .models import Campaign, ClientWrite, Event

CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,40}")


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
        # Refused by the unique key without a savepoint (two round trips on PostgreSQL): the insert does nothing.
        inserted = (ClientWrite.insert(unit=unit, client_id=client_id, kind=kind).on_conflict_ignore()
                    .as_rowcount().execute())
        claim = ClientWrite(unit=unit, client_id=client_id, kind=kind) if inserted else None
        yield claim
        if claim is not None and claim.ref is not None:
            ClientWrite.update(ref=claim.ref).where(ClientWrite.unit == unit,
                                                    ClientWrite.client_id == client_id).execute()


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
