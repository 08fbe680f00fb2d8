"""Server-Sent Events read from the event log.

The log is the only fan-out: a write in any worker or on any host reaches every viewer, and a viewer that
reconnects with Last-Event-ID (or ?since=) gets exactly what it missed. Within a worker one reader, the hub,
follows the log for every open stream: woken by PostgreSQL's NOTIFY at each commit (SQLite has none, so there
it polls, once for the whole worker), it reads each batch once and hands it to all of them. An idle stream
costs no query: a thousand phones left on their checklist cost what one does.
"""
import logging
import queue
import select
import threading
import time

import psycopg2
from flask import Response, current_app, request, stream_with_context

from .db import GATHER_SECONDS, database, is_sqlite
from .forms import MAX_INT
from .models import Event, UnitTotal

log = logging.getLogger(__name__)
# PostgreSQL wakes the hub at each commit; it also reads this often in case a notification was lost with its
# connection (a restarted server, a cut link).
LISTEN_SECONDS = 5


def cursor() -> int:
    """Where a stream starts: after the last event the client has, else from now. A cursor that no event
    can have (not a number, negative, beyond the database's INTEGER) starts from now too, rather than
    failing every poll of the stream."""
    raw = (request.headers.get("Last-Event-ID") or request.args.get("since") or "").strip()
    if raw.isascii() and raw.isdigit() and int(raw) <= MAX_INT:
        return int(raw)
    return Event.settled_id()


def message(event_id: int, name: str, html: str) -> str:
    data = "".join(f"data: {line}\n" for line in html.splitlines() if line.strip())
    return f"id: {event_id}\nevent: {name}\n{data}\n"


class View:
    """What streams of one kind show (a board with its filter), kept up to date from the log and drawn once
    per batch for all of them. `render(events, fresh)` returns the messages for `events`, after taking
    `fresh` into its state (the events it has not seen yet)."""

    def __init__(self, render, position: int, shared: bool = True):
        self.render, self.position, self.shared = render, position, shared
        self.lock = threading.Lock()
        self.drawn = {}  # (first id, last id) -> messages, since the state last changed
        self.born = time.monotonic()

    def messages(self, after: int, events: list) -> list[str]:
        """The messages for `events`, which are every event in (after, events[-1].id]."""
        with self.lock:
            # A stream's own view is only ever given its own batches in order: nothing can come before them.
            missed = self.missed(after) if self.shared else []
            fresh = missed + [e for e in events if e.id > max(self.position, after)]
            if fresh:
                self.position, self.drawn = fresh[-1].id, {}
            key = (events[0].id, events[-1].id)
            if key not in self.drawn:
                self.drawn[key] = self.render(events, fresh)
            return self.drawn[key]

    def missed(self, after: int) -> list:
        """Events this view has not seen that come before a batch it is given: a stream that joined the hub
        after it was built can bring it a batch ahead of the streams that came before."""
        events = []
        while self.position < after:
            batch = Event.newer_than(self.position, after)
            if not batch:
                break
            events += batch
            self.position = batch[-1].id
        return events


class Hub:
    """The one reader of the log in this worker, running while any stream is open."""

    def __init__(self, url: str, poll: float):
        self.url, self.poll = url, poll
        self.lock = threading.Lock()
        self.queues = {}  # queue -> the unit whose events alone it wants, or None for every event
        self.views = {}
        self.position = 0
        self.running = False
        self.listener = None  # PostgreSQL: a connection of its own that LISTENs
        self.batch = (0, frozenset())  # the newest batch handed out: its last id, the units it touched
        self.kept = (-1, frozenset(), {})  # the totals last read for the boards: as of which id, of which units
        self.kept_lock = threading.Lock()
        self.reads = 0  # statements the hub has sent, for the tests and the bench
        self.failures = 0  # reads that failed (and were tried again)

    def join(self, unit_id: int | None = None):
        """A queue that gets every batch after the returned position (given `unit_id`, only the batches holding
        an event of that unit: a phone's stream is not woken by the other thousand phones' ticks)."""
        line = queue.SimpleQueue()
        with self.lock:
            if not self.running:
                self.position, self.running = Event.settled_id(), True
                threading.Thread(target=self.run, name="live-hub", daemon=True).start()
            self.queues[line] = unit_id
            return line, self.position

    def leave(self, line):
        with self.lock:
            self.queues.pop(line, None)

    def view(self, key, build, lifetime: float) -> View:
        """The shared view `key`, built by `build()` at the hub's position; rebuilt after `lifetime`, as a
        stream would be, so that a board open for days picks up a changed campaign."""
        with self.lock:
            now = time.monotonic()
            self.views = {k: v for k, v in self.views.items() if now - v.born < lifetime}
            if key not in self.views:
                self.views[key] = View(build(), self.position)
            return self.views[key]

    def totals(self, position: int, units: set) -> dict:
        """The kept totals (UnitTotal.of_units) of `units`, read after every event up to `position` committed.
        Read once per batch for every board of the worker, for all the units the batch touched: each board
        reading its own cost a statement per board per batch, twenty boards of a worker twenty statements."""
        with self.kept_lock:
            read_at, read_units, found = self.kept
            if read_at < position or not units <= read_units:
                # Every event the hub has handed out has committed: a read begun now covers them all.
                newest, touched = self.batch
                read_at, read_units = max(newest, position), frozenset(units | touched)
                found = UnitTotal.of_units(read_units)
                self.kept = (read_at, read_units, found)
            return found

    def run(self):
        started = True
        while True:
            self.listen()
            after, failed = self.position, False
            try:
                events = self.read()
            except Exception:  # noqa: BLE001 - every stream of the worker hangs on this thread: it must go on
                # Every pooled connection taken by a burst of ticks, a restarted database: read again shortly.
                log.exception("live: reading the event log failed; trying again")
                events, failed = [], True
                self.failures += 1
            with self.lock:
                if events:
                    self.position = events[-1].id
                    units = {e.unit_id for e in events}
                    self.batch = (self.position, frozenset(units - {None}))
                    for line, unit_id in self.queues.items():
                        if unit_id is None or unit_id in units:
                            line.put((after, events))
                if not self.queues:
                    self.running = False
                    self.close()
                    return
            if failed:
                time.sleep(max(self.poll, 0.5))
                continue
            if started:  # a commit whose notification was one sent before this hub listened (see wait)
                started = False
                time.sleep(GATHER_SECONDS)
                continue
            self.wait()

    def read(self) -> list:
        events = []
        with database.connection_context():
            self.reads += 1
            horizon = Event.settled_id()
            while True:
                self.reads += 1
                batch = Event.newer_than(events[-1].id if events else self.position, horizon)
                events += batch
                if len(batch) < 500:
                    return events

    def listen(self):
        """On PostgreSQL: LISTENs before the log is read, so no commit after the read goes unnoticed."""
        if is_sqlite() or self.listener is not None:
            return
        try:
            self.listener = psycopg2.connect(self.url)
            self.listener.autocommit = True
            self.listener.cursor().execute("LISTEN event")
        except psycopg2.Error:
            self.close()

    def wait(self):
        if self.listener is None:
            time.sleep(self.poll)
            return
        try:
            if select.select([self.listener], [], [], LISTEN_SECONDS)[0]:
                # Taken before the wait, so that one arriving during it wakes another read: every notification
                # is followed by a read begun at least GATHER_SECONDS after it (what db.notify_after_commit
                # counts on when it lets a worker's recent notification stand for a commit of its own).
                self.listener.poll()
                self.listener.notifies.clear()
                time.sleep(GATHER_SECONDS)
        except (psycopg2.Error, OSError):
            self.close()
            time.sleep(self.poll)

    def close(self):
        if self.listener is not None:
            self.listener.close()
            self.listener = None


def hub() -> Hub:
    """This worker's hub (one per app, so that each test's app follows its own log)."""
    config = current_app.config
    return current_app.extensions.setdefault("live", Hub(config["DATABASE_URL"], config["LIVE_POLL_SECONDS"]))


def stream(start: int, build, key=None, unit_id: int | None = None) -> Response:
    """Streams, from `start`, the messages of the view `build()` returns (a `render(events, fresh)`, see View)
    for each batch of new events (of one unit only, given `unit_id`). Streams with the same `key` in a worker
    share one view, built once and drawn once per batch; without a key the view is the stream's own.

    The stream ends after LIVE_STREAM_SECONDS; the browser reconnects with Last-Event-ID,
    which lets workers recycle without anyone missing an event.
    """
    config = current_app.config
    lifetime = config["LIVE_STREAM_SECONDS"]
    heartbeat = config["LIVE_HEARTBEAT_SECONDS"]  # keeps proxies from cutting an idle stream
    here = hub()
    database.close()  # hold no connection while waiting

    def generate():
        with database.connection_context():
            line, joined = here.join(unit_id)
        try:
            with database.connection_context():
                view = here.view(key, build, lifetime) if key is not None else View(build(), start, shared=False)
            yield "retry: 2000\n\n"
            position = start
            while position < joined:  # what the stream missed, before the hub's cursor: read here, once
                with database.connection_context():
                    events = Event.newer_than(position, joined, unit_id=unit_id)
                    messages = view.messages(position, events) if events else []
                if not events:
                    break
                position = events[-1].id
                yield from messages
            began = sent = time.monotonic()
            while (left := lifetime - (time.monotonic() - began)) > 0:
                # The heartbeat counts from the last bytes sent: a stream woken by batches with nothing for it
                # must still say something before a proxy's idle timeout.
                quiet = time.monotonic() - sent
                if quiet >= heartbeat:
                    yield ": heartbeat\n\n"
                    sent = time.monotonic()
                    continue
                try:
                    after, batch = line.get(timeout=min(heartbeat - quiet, left))
                except queue.Empty:
                    continue
                events = [e for e in batch if e.id > position and unit_id in (None, e.unit_id)]
                if events:
                    with database.connection_context():
                        messages = view.messages(max(after, position), events)
                    position = events[-1].id
                    if messages:
                        sent = time.monotonic()
                    yield from messages
        finally:
            here.leave(line)

    return Response(stream_with_context(generate()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
