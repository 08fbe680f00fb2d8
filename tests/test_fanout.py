"""One reader of the event log per worker, for all its open streams: idle streams cost the database nothing
each, and every stream still gets every event once, in order, resuming where it left off."""
import http.client
import logging
import socket
import threading
import time
import urllib.parse
from contextlib import contextmanager

import psycopg2
import pytest
from bs4 import BeautifulSoup
from playhouse.pool import MaxConnectionsExceeded

from portal import live
from portal.db import database, is_sqlite
from portal.models import Check, Event, Task, Unit, set_check

from conftest import user
from flows import Phone, messages, session_cookie, tick


class Statements(logging.Handler):
    """Counts the statements on one table the app sends (those that begin with `verb`, given one), as peewee
    logs each one."""

    def __init__(self, table, verb=""):
        super().__init__()
        self.table, self.verb, self.count = table, verb, 0

    def emit(self, record):
        sql = record.msg[0] if isinstance(record.msg, tuple) else str(record.msg)
        self.count += f" {self.table} " in f" {sql} ".replace('"', " ") and sql.startswith(self.verb)


@contextmanager
def counting(handler):
    logger = logging.getLogger("peewee")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def event_reads():
    with counting(Statements("event")) as handler:
        yield handler


def campaign_tasks(unit):
    return [t for t in Task.select().order_by(Task.id) if t.applies_to(unit)]


def until(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def open_boards(client, n, bodies, headers=None):
    """Opens `n` board streams, each read to its end in a thread into `bodies`."""
    def read():
        bodies.append(client.get("/board/events", headers=headers or {}).get_data(as_text=True))

    threads = [threading.Thread(target=read) for _ in range(n)]
    [t.start() for t in threads]
    return threads


def open_streams(app) -> int:
    """How many streams this app's worker has open."""
    hub = app.extensions.get("live")
    return len(hub.queues) if hub else 0


def idle_reads(app, event_reads, seconds=1.0) -> tuple[int, int]:
    """Statements on the event log over `seconds` with nobody ticking, and how many of them the worker's one
    reader sent (none on PostgreSQL, where it waits for a NOTIFY). Counted against the reader's own reads, not the clock, so a busy machine that slows the reader
    cannot pass or fail the test."""
    hub = app.extensions["live"]
    before, hub_before = event_reads.count, hub.reads
    time.sleep(seconds)
    return event_reads.count - before, hub.reads - hub_before


def test_fifty_idle_boards_read_the_log_no_more_than_one_and_each_gets_every_tick_once(app, actor, event_reads):
    app.config.update(LIVE_STREAM_SECONDS=8, LIVE_POLL_SECONDS=0.05, LIVE_HEARTBEAT_SECONDS=1)
    actor.login("vanhoa")
    bodies = []
    threads = open_boards(actor.client, 1, bodies)
    assert until(lambda: open_streams(app) == 1)
    time.sleep(0.3)
    statements, by_reader = idle_reads(app, event_reads)
    assert statements <= by_reader + 3
    threads += open_boards(actor.client, 49, bodies)
    assert until(lambda: open_streams(app) == 50)
    time.sleep(0.3)
    statements, by_reader = idle_reads(app, event_reads)
    assert statements <= by_reader + 3  # each stream polling on its own read 50 times as often
    with app.app_context(), database.connection_context():
        ids = tick("ban-na-bo", 2) + tick("cong-an", 1)
    [t.join() for t in threads]
    assert len(bodies) == 50
    for body in bodies:
        assert [int(m["id"]) for m in messages(body)] == ids


def test_boards_of_several_filters_on_one_worker_read_the_kept_totals_once_for_a_batch_and_score_as_the_board(
        app, actor):
    """Each filter is a view of its own, drawn for its own boards; the totals of the units a batch touched are
    read once for all of them."""
    app.config.update(LIVE_STREAM_SECONDS=2, LIVE_POLL_SECONDS=0.05, LIVE_HEARTBEAT_SECONDS=1)
    actor.login("vanhoa")
    filters = ("", "?kind=village", "?sort=name")
    bodies = {}

    def read(query):
        bodies[query] = actor.client.get(f"/board/events{query}").get_data(as_text=True)

    threads = [threading.Thread(target=read, args=(query,)) for query in filters]
    [t.start() for t in threads]
    assert until(lambda: open_streams(app) == len(filters))
    assert until(lambda: len(app.extensions["live"].views) == 2)  # the sort is drawn on the page, not the stream
    with counting(Statements("unit_total", "SELECT")) as reads, app.app_context(), database.connection_context():
        ids = tick("ban-na-bo", 1)
        assert until(lambda: app.extensions["live"].position >= ids[-1])
        [t.join() for t in threads]
    assert reads.count == 1  # a board each: one statement each
    unit = Unit.get(Unit.code == "ban-na-bo")
    board = BeautifulSoup(actor.client.get("/board").get_data(as_text=True), "html.parser")
    for query in filters:
        got = messages(bodies[query])
        assert [int(m["id"]) for m in got] == ids
        row = BeautifulSoup(got[0]["data"].replace("<template>", "").replace("</template>", ""), "html.parser")
        assert row.select_one(f"tr#unit-{unit.id}").get_text() == board.select_one(f"tr#unit-{unit.id}").get_text()


def test_a_board_resuming_behind_the_worker_gets_exactly_what_it_missed_then_what_follows(app, actor):
    app.config.update(LIVE_STREAM_SECONDS=3, LIVE_POLL_SECONDS=0.05, LIVE_HEARTBEAT_SECONDS=1)
    actor.login("vanhoa")
    watching = []
    threads = open_boards(actor.client, 1, watching)
    assert until(lambda: open_streams(app) == 1)
    with app.app_context(), database.connection_context():
        seen = tick("ban-na-bo", 2)
        assert until(lambda: app.extensions["live"].position >= seen[-1])
        missed = tick("ban-na-it", 2)
        assert until(lambda: app.extensions["live"].position >= missed[-1])
    resumed = []
    threads += open_boards(actor.client, 1, resumed, headers={"Last-Event-ID": str(seen[-1])})
    assert until(lambda: open_streams(app) == 2)
    with app.app_context(), database.connection_context():
        later = tick("cong-an", 1)
    [t.join() for t in threads]
    assert [int(m["id"]) for m in messages(watching[0])] == seen + missed + later
    assert [int(m["id"]) for m in messages(resumed[0])] == missed + later


def test_a_board_woken_only_by_events_it_does_not_show_still_sends_its_heartbeat(app, actor):
    """The schools' board while villages tick more often than the heartbeat: the heartbeat counts from the last
    bytes sent, not from the last batch, so a proxy never sees the stream idle."""
    app.config.update(LIVE_STREAM_SECONDS=2, LIVE_POLL_SECONDS=0.05, LIVE_HEARTBEAT_SECONDS=0.5)
    actor.login("vanhoa")
    bodies = []
    reader = threading.Thread(target=lambda: bodies.append(
        actor.client.get("/board/events?kind=school").get_data(as_text=True)))
    reader.start()
    assert until(lambda: open_streams(app) == 1)
    unit = Unit.get(Unit.code == "ban-na-bo")
    with app.app_context(), database.connection_context():
        tasks = [t for t in campaign_tasks(unit)][:4]
        deadline = time.monotonic() + 1.6
        state = "done"
        while time.monotonic() < deadline:  # a batch about every 0.1 s, each only a village's
            for task in tasks:
                check = Check.of(unit, task)
                set_check(unit, task, state, "", check.version, user("ban-na-bo"), task.area.campaign)
            state = "doing" if state == "done" else "done"
            time.sleep(0.1)
    reader.join()
    assert messages(bodies[0]) == []  # nothing it shows changed
    assert bodies[0].count(": heartbeat") >= 2


def test_a_phone_stream_is_woken_only_by_a_batch_with_its_own_units_events(app):
    """A thousand phones on their checklists: one unit's tick wakes that unit's streams, not the others'."""
    app.config.update(LIVE_POLL_SECONDS=0.05)
    with app.app_context():
        hub = live.hub()
        with database.connection_context():
            mine, _ = hub.join(Unit.get(Unit.code == "ban-na-bo").id)
            other, _ = hub.join(Unit.get(Unit.code == "cong-an").id)
            board, _ = hub.join()
            ids = tick("ban-na-bo", 1)
        assert until(lambda: hub.position >= ids[-1])
        assert [e.id for e in board.get(timeout=5)[1]] == ids
        assert [e.id for e in mine.get(timeout=5)[1]] == ids
        assert other.empty()
        for line in (mine, other, board):
            hub.leave(line)


@contextmanager
def every_connection_taken():
    """Holds every connection of the app's pool, each in a thread; meanwhile the pool's wait for a free one is
    0.3 s. It is shortened first, so that no read of the hub can be waiting with the usual 10 s; a thread that
    finds the last connections taken (the hub reading) tries again until it has one."""
    pool = database.obj
    held, release = [], threading.Event()

    def hold():
        while True:
            try:
                pool.connect()
                break
            except MaxConnectionsExceeded:
                time.sleep(0.01)
        held.append(1)
        release.wait(60)
        pool.close()

    threads = [threading.Thread(target=hold) for _ in range(pool._max_connections)]
    pool._wait_timeout = 0.3
    try:
        [t.start() for t in threads]
        assert until(lambda: len(held) == pool._max_connections)
        yield
    finally:
        release.set()
        [t.join() for t in threads]
        pool._wait_timeout = 10


def test_a_hub_that_finds_every_connection_taken_reads_again_and_its_streams_miss_nothing(app):
    """A burst of ticks can hold every pooled connection when the hub wakes: it reads again once one is free,
    rather than leaving every stream of the worker without events until the worker restarts."""
    app.config.update(LIVE_POLL_SECONDS=0.05)
    with app.app_context():
        hub = live.hub()
        with database.connection_context():
            board, _ = hub.join()
        try:
            with every_connection_taken():
                if not is_sqlite():  # wakes the hub, which on PostgreSQL waits for a notification
                    wake = psycopg2.connect(app.config["DATABASE_URL"])
                    wake.autocommit = True
                    wake.cursor().execute("SELECT pg_notify('event', '')")
                    wake.close()
                assert until(lambda: hub.failures >= 1)
            with database.connection_context():
                ids = tick("ban-na-bo", 1)
            assert [e.id for e in board.get(timeout=5)[1]] == ids
        finally:
            hub.leave(board)


def test_with_every_database_connection_taken_a_request_gets_503_and_when_to_retry(app, client):
    """The pool waits for a free connection, then answers 503 with Retry-After rather than leaving the phone
    hanging; its outbox keeps the tick and sends it again."""
    with every_connection_taken():
        response = client.get("/login")
        assert response.status_code == 503 and response.headers["Retry-After"] == "2"
        assert "Máy chủ đang bận" in response.get_data(as_text=True)
    assert client.get("/login").status_code == 200


# --- on the real gunicorn ----------------------------------------------------------------

@pytest.fixture
def server_env():
    return {"WEB_CONCURRENCY": "1", "PORTAL_LIVE_HEARTBEAT_SECONDS": "1"}


class Board:
    """A board stream on the server, read in a thread until closed."""

    def __init__(self, base, cookie):
        self.conn = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=30)
        self.conn.request("GET", "/board/events", headers={"Cookie": cookie})
        self.sock = self.conn.sock
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        self.body = ""
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        try:
            while line := self.response.fp.readline():
                self.body += line.decode()
        except (OSError, ValueError, AttributeError):  # closed by the test
            pass

    def ids(self):
        return [int(m["id"]) for m in messages(self.body)]

    def close(self):
        # Ends the reader's readline at once; closing alone waits for the reader, until the next heartbeat.
        self.sock.shutdown(socket.SHUT_RDWR)
        self.conn.close()


def event_scans() -> int:
    """How many times PostgreSQL has read the event table, by its own statistics."""
    database.execute_sql("SELECT pg_stat_clear_snapshot()")
    return database.execute_sql(
        "SELECT seq_scan + COALESCE(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'event'").fetchone()[0]


def idle_scans(seconds=3.0) -> int:
    # A backend reports its statistics when it goes idle, but when many report at once the ones that find the
    # statistics locked try again 10 s later: without the wait, the opening of the streams would count.
    time.sleep(11)
    before = event_scans()
    time.sleep(seconds)
    return event_scans() - before


def test_fifty_idle_boards_on_one_worker_cost_the_database_what_one_does(server, app):
    cookie = session_cookie(server, "vanhoa")
    boards = [Board(server, cookie)]
    database.close()
    if not is_sqlite():  # SQLite keeps no statistics: the test above counts the app's own statements
        one = idle_scans()
    boards += [Board(server, cookie) for _ in range(49)]
    if not is_sqlite():
        fifty = idle_scans()
        assert fifty <= one + 3  # each stream polling on its own: ~600 more
    ids = tick("ban-na-bo", 2)
    assert until(lambda: all(board.ids() == ids for board in boards))
    [board.close() for board in boards]


@pytest.mark.parametrize("server_env", [{"WEB_CONCURRENCY": "2", "PORTAL_LIVE_HEARTBEAT_SECONDS": "1"}])
def test_a_tick_served_by_one_worker_reaches_the_boards_on_every_worker(server, app, server_env):
    cookie = session_cookie(server, "vanhoa")
    boards = [Board(server, cookie) for _ in range(8)]  # spread over both workers
    phone = Phone(server, "ban-na-bo")
    saved = [phone.tick(action)[0] for action in list(phone.rows)[:2]]
    assert all(saved)
    database.close()
    ids = [e.id for e in Event.select().where(Event.user == user("ban-na-bo")).order_by(Event.id)]
    assert len(ids) == 2
    assert until(lambda: all(board.ids() == ids for board in boards))
    [board.close() for board in boards]


def test_a_burst_of_ticks_on_one_worker_reaches_a_board_at_once_though_it_notifies_the_hubs_once(server, app):
    """Ticks within 0.1 s of the worker's last notification send none of their own (db._notify): the hubs'
    read after that one must still bring them, well before the hub's 5 s fallback read; a tick after that
    notifies again."""
    board = Board(server, session_cookie(server, "vanhoa"))
    phones = [Phone(server, code) for code in ("ban-na-bo", "ban-na-it", "ban-binh-lu")]
    database.close()

    def ticked(actions):
        start = Event.last_id()
        threads = [threading.Thread(target=phone.tick, args=(action,)) for phone, action in actions]
        [t.start() for t in threads]
        [t.join() for t in threads]
        ids = [e.id for e in Event.select().where(Event.id > start).order_by(Event.id)]
        database.close()
        assert len(ids) == len(actions)
        return ids

    burst = ticked([(phone, list(phone.rows)[0]) for phone in phones])
    assert until(lambda: board.ids() == burst, seconds=live.LISTEN_SECONDS / 2)
    time.sleep(0.2)
    later = ticked([(phones[0], list(phones[0].rows)[1])])
    assert until(lambda: board.ids() == burst + later, seconds=live.LISTEN_SECONDS / 2)
    board.close()
