"""Server-Sent Events read from the event log.

The log is the only fan-out: every stream reads it with its own cursor, so a write in
any worker or on any host reaches every viewer, and a viewer that reconnects with
Last-Event-ID (or ?since=) gets exactly what it missed.
"""
import time

from flask import Response, current_app, request, stream_with_context

from .db import database
from .forms import MAX_INT
from .models import Event


def cursor() -> int:
    """Where a stream starts: after the last event the client has, else from now. A cursor that no event
    can have (not a number, negative, beyond the database's INTEGER) starts from now too, rather than
    failing every poll of the stream."""
    raw = (request.headers.get("Last-Event-ID") or request.args.get("since") or "").strip()
    if raw.isascii() and raw.isdigit() and int(raw) <= MAX_INT:
        return int(raw)
    return Event.last_id()


def message(event_id: int, name: str, html: str) -> str:
    data = "".join(f"data: {line}\n" for line in html.splitlines() if line.strip())
    return f"id: {event_id}\nevent: {name}\n{data}\n"


def stream(start: int, render, unit_id: int | None = None) -> Response:
    """Streams `render(events)` (a list of SSE messages) for each batch of new events (of one unit only,
    given `unit_id`: a unit's page needs no other, and reading the others for every open phone costs).

    The stream ends after LIVE_STREAM_SECONDS; the browser reconnects with Last-Event-ID,
    which lets workers recycle without anyone missing an event.
    """
    poll = current_app.config["LIVE_POLL_SECONDS"]
    lifetime = current_app.config["LIVE_STREAM_SECONDS"]
    heartbeat = current_app.config["LIVE_HEARTBEAT_SECONDS"]  # keeps proxies from cutting an idle stream
    database.close()  # hold no connection while waiting; each poll takes one briefly

    def generate():
        position = start
        yield "retry: 2000\n\n"
        began = quiet_since = time.monotonic()
        while time.monotonic() - began < lifetime:
            with database.connection_context():
                events = Event.newer_than(position, unit_id=unit_id)
                messages = render(events) if events else []
            if events:
                position = events[-1].id
                quiet_since = time.monotonic()
                yield from messages
                continue
            if time.monotonic() - quiet_since >= heartbeat:
                quiet_since = time.monotonic()
                yield ": heartbeat\n\n"
            time.sleep(poll)

    return Response(stream_with_context(generate()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
