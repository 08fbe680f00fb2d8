"""Faults on the real gunicorn: a worker killed mid-burst, a restart under a live board, writers racing on
one database. What a user was told was saved must be in the database; a board that reconnects misses nothing."""
import json
import os
import signal
import subprocess
import threading
import time
from contextlib import closing

import psycopg2
import pytest
import requests
from bs4 import BeautifulSoup

from portal.db import database, is_sqlite
from portal.models import Campaign, Check, Event, Task, Unit, User, set_check

from flows import HTMX, Phone

@pytest.fixture
def server_env():
    # Many logins from one address; a quiet stream still sends a line each second, so reads never wait long.
    return {"PORTAL_LOGIN_RATE_LIMIT": "10000 per minute", "PORTAL_LIVE_HEARTBEAT_SECONDS": "1"}


def unit_accounts(count):
    return [u.username for u in User.select().where(User.role == "unit").order_by(User.username).limit(count)]


def saved_versions():
    """(action, version) of every check.set event in the log."""
    saved = set()
    for e in Event.select().where(Event.kind == "check.set"):
        task_id = int(e.subject.removeprefix("task:"))
        saved.add((f"/checks/{e.unit_id}/{task_id}", json.loads(e.after)["version"]))
    return saved


def workers(gunicorn):
    out = subprocess.run(["pgrep", "-P", str(gunicorn.proc.pid)], capture_output=True, text=True).stdout
    return {int(pid) for pid in out.split()}


def healthy(base):
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_a_worker_killed_during_a_burst_of_ticks_loses_no_acknowledged_tick(gunicorn):
    phones = [Phone(gunicorn.base, name) for name in unit_accounts(6)]
    acknowledged, odd = [], []
    stop = time.monotonic() + 4

    def burst(phone):
        n = 0
        while time.monotonic() < stop:
            action = list(phone.rows)[n % len(phone.rows)]
            n += 1
            try:
                saved, r = phone.tick(action)
            except requests.RequestException:  # the worker died under this request: the phone reads again
                phone.reload()
                continue
            if saved:
                acknowledged.append(saved)
            else:  # 409: a request that failed had been saved after all
                odd.extend([r.status_code] if r.status_code != 409 else [])
                phone.reload()

    threads = [threading.Thread(target=burst, args=(p,)) for p in phones]
    [t.start() for t in threads]
    time.sleep(1)
    before = workers(gunicorn)
    os.kill(min(before), signal.SIGKILL)
    at_kill = len(acknowledged)
    [t.join() for t in threads]

    assert at_kill > 20 and len(acknowledged) > at_kill + 20, "the burst ticks on both sides of the kill"
    assert odd == []
    assert set(acknowledged) <= saved_versions()
    assert len(set(acknowledged)) == len(acknowledged)
    for _ in range(50):
        if len(workers(gunicorn)) == len(before) and healthy(gunicorn.base):
            break
        time.sleep(0.1)
    assert len(workers(gunicorn)) == len(before) and workers(gunicorn) != before, "the master starts a new worker"
    assert healthy(gunicorn.base)


def read_ids(stream, ids, want, seconds):
    """Appends the ids of "change" events from `stream` until `want` ids in all, the stream ends, or time's up."""
    deadline = time.monotonic() + seconds
    event_id = None
    try:
        for line in stream.iter_lines(decode_unicode=True):
            if line.startswith("id: "):
                event_id = int(line[4:])
            elif line == "event: change":
                ids.append(event_id)
            if len(ids) >= want or time.monotonic() > deadline:
                return
    except requests.RequestException:  # the server went away mid-stream
        return


def test_a_board_reconnecting_after_a_server_restart_misses_no_event(gunicorn, app):
    office = requests.Session()
    token = BeautifulSoup(office.get(gunicorn.base + "/login").text, "html.parser").select_one(
        "input[name=csrf_token]")["value"]
    office.post(gunicorn.base + "/login", data={"username": "vanhoa", "password": "demo2026", "csrf_token": token})
    start = Event.last_id()
    database.close()
    first = office.get(gunicorn.base + "/board/events", stream=True, timeout=5)
    assert first.status_code == 200
    phone = Phone(gunicorn.base, "ban-na-bo")
    actions = list(phone.rows)
    for action in actions[:3]:
        assert phone.tick(action)[0]
    ids = []
    read_ids(first, ids, 3, seconds=5)
    assert len(ids) == 3, "the board sees the ticks made while it watches"

    gunicorn.stop()
    first.close()
    with app.app_context():  # the database lives on while the web server is down: another host writes
        unit = Unit.get(Unit.code == "ban-na-it")
        user = User.get(User.username == "ban-na-it")
        campaign = Campaign.current(Unit.root())
        for task in [t for t in Task.select().order_by(Task.id) if t.applies_to(unit)][:2]:
            check = Check.get_or_none(Check.unit == unit, Check.task == task) or Check()
            set_check(unit, task, "doing" if check.state == "done" else "done", "", check.version, user, campaign)
        database.close()
    gunicorn.start()
    for action in actions[3:5]:
        assert phone.tick(action)[0]

    second = office.get(gunicorn.base + "/board/events", stream=True, timeout=5,
                        headers={"Last-Event-ID": str(ids[-1])})
    read_ids(second, ids, 7, seconds=5)
    second.close()
    logged = [e.id for e in Event.select().where(Event.kind == "check.set", Event.id > start).order_by(Event.id)]
    assert len(logged) == 7
    assert ids == logged


def test_concurrent_writers_never_see_database_is_locked(gunicorn):
    phones = [Phone(gunicorn.base, name) for name in unit_accounts(8)]
    answers = []
    stop = time.monotonic() + 3

    def write(i, phone):
        n = 0
        while time.monotonic() < stop:
            action = list(phone.rows)[n % len(phone.rows)]
            if n % 3 == 2:  # a note saved with the state unchanged, as "Lưu ghi chú" sends it
                state, version = phone.rows[action]
                r = phone.http.post(gunicorn.base + action, headers=HTMX, timeout=15, data={
                    "state": state, "note": f"Ghi chú {i}-{n}", "version": version, "csrf_token": phone.token})
                if r.status_code == 200:
                    phone.rows[action] = (state, version + 1)
            else:
                r = phone.tick(action)[1]
            answers.append((r.status_code, r.text))
            n += 1

    threads = [threading.Thread(target=write, args=(i, p)) for i, p in enumerate(phones)]
    [t.start() for t in threads]
    [t.join() for t in threads]

    assert len(answers) > 100
    assert [status for status, _ in answers if status != 200] == []
    assert not [body for _, body in answers if "locked" in body.lower()]
    assert "database is locked" not in gunicorn.log.read_text()




def activity(app, pid, sql="SELECT query, state FROM pg_stat_activity WHERE pid = %s"):
    """What PostgreSQL's backend `pid` ran last and its state, asked on a connection of its own. Autocommit, and
    not `with connection` (which opens a transaction even then): a transaction keeps its first look at the
    activity."""
    with closing(psycopg2.connect(app.config["DATABASE_URL"])) as other:
        other.autocommit = True
        cursor = other.cursor()
        cursor.execute(sql, (pid,))
        return cursor.fetchone()


def test_a_pooled_connection_given_back_a_moment_ago_is_handed_out_without_a_statement(app):
    """The pool hands a connection given back under a second ago out as it is (peewee sent `SELECT 1` first, under
    the pool's lock, every time); one that lay idle longer is checked, and one whose server went away meanwhile is
    replaced rather than failing the request that gets it."""
    pool = database.obj
    pool.connect()
    conn = database.connection()
    database.execute_sql("SELECT 42")
    pool.close()
    traced = []
    if is_sqlite():
        conn.set_trace_callback(traced.append)
    pool.connect()
    assert database.connection() is conn
    if is_sqlite():
        assert traced == []
        conn.set_trace_callback(None)
    else:
        assert activity(app, conn.get_backend_pid())[0] == "SELECT 42"
        pool.close()
        activity(app, conn.get_backend_pid(), "SELECT pg_terminate_backend(%s)")
        time.sleep(pool.FRESH_SECONDS + 0.1)
        pool.connect()
        assert database.connection() is not conn
    assert database.execute_sql("SELECT 1").fetchone() == (1,)
    pool.close()


def test_a_transaction_sends_its_begin_with_its_first_statement_and_a_failure_still_undoes_all_of_it(app):
    """On PostgreSQL BEGIN goes in the round trip of the transaction's first statement, and a transaction that
    sends nothing sends no BEGIN or COMMIT either; on both engines a failure undoes every write of it."""
    unit = Unit.get(Unit.code == "ban-na-bo")
    with pytest.raises(RuntimeError), database.atomic():
        Unit.update(name="Bản Đổi Tên").where(Unit.id == unit.id).execute()
        with database.atomic():  # a savepoint within it
            Unit.update(contact="Lò Văn A").where(Unit.id == unit.id).execute()
        raise RuntimeError
    assert Unit.get_by_id(unit.id).name == unit.name and Unit.get_by_id(unit.id).contact == unit.contact
    database.close()  # begun with no connection open, as the CLI and the SMS poll do
    with database.atomic():
        Unit.update(contact="Lò Văn B").where(Unit.id == unit.id).execute()
    assert Unit.get_by_id(unit.id).contact == "Lò Văn B"
    if is_sqlite():
        return
    database.connect(reuse_if_open=True)
    pid = database.connection().get_backend_pid()
    with database.atomic():
        database.execute_sql("SELECT 42")
        assert activity(app, pid) == ("BEGIN; SELECT 42", "idle in transaction")
    assert activity(app, pid) == ("COMMIT", "idle")
    database.execute_sql("SELECT 43")
    with database.atomic():
        pass
    assert activity(app, pid) == ("SELECT 43", "idle")
    database.close()


def slow_append(app, seen, inside, go):
    """Appends an event (its id in seen["slow"]) in a transaction that stays open until `go`."""
    with app.app_context(), database.connection_context(), database.atomic():
        seen["slow"] = Event.record("test.slow")
        inside.set()
        go.wait(10)


def test_a_reader_of_the_log_never_passes_an_event_a_slower_transaction_commits_later(app):
    """A live reader reads up to `Event.settled_id()`. An event appended by a transaction still open when a later
    one has committed is never skipped: on PostgreSQL the reader waits for it, on SQLite (one writer at a time)
    it sees neither yet. Read or not, every event up to the reader's horizon is in what it read."""
    from portal.forms import MAX_INT

    start, seen = Event.settled_id(), {}
    slow_in, go = threading.Event(), threading.Event()

    def quick():
        with app.app_context(), database.connection_context(), database.atomic():
            seen["quick"] = Event.record("test.quick")

    def reader():
        with app.app_context(), database.connection_context():
            seen["horizon"] = Event.settled_id()
            seen["read"] = [e.id for e in Event.newer_than(start, seen["horizon"])]

    slow = threading.Thread(target=slow_append, args=(app, seen, slow_in, go))
    threads = [slow, threading.Thread(target=quick), threading.Thread(target=reader)]
    threads[0].start()
    assert slow_in.wait(10)
    threads[1].start()
    time.sleep(0.3)  # the quick one has committed (PostgreSQL) or waits for the write lock (SQLite)
    threads[2].start()
    time.sleep(0.3)
    if not is_sqlite():
        assert "read" not in seen  # waiting for the slow one
    go.set()
    [t.join(10) for t in threads]
    committed = [e.id for e in Event.newer_than(start, MAX_INT)]
    assert committed == sorted([seen["slow"], seen["quick"]])
    assert seen["read"] == [i for i in committed if i <= seen["horizon"]]


def test_a_reader_waiting_for_a_slower_append_holds_up_no_other_append(app, monkeypatch):
    """While a reader of the log waits for an append in flight, other appends go on and commit. PostgreSQL queues
    every lock request behind one that waits: a reader that waited for the log's lock alone held every new append
    of every host until the slow one committed. SQLite has one writer at a time: there the reader does not wait
    at all, and sees only what has committed."""
    from portal.models import events

    monkeypatch.setattr(events, "SETTLE_TRIES", 10**6)  # it asks without waiting for as long as the test takes
    start, seen = Event.settled_id(), {}
    slow_in, go, quick_done = threading.Event(), threading.Event(), threading.Event()

    def reader():
        with app.app_context(), database.connection_context():
            seen["horizon"] = Event.settled_id()

    def quick():
        with app.app_context(), database.connection_context():
            with database.atomic():
                seen["quick"] = Event.record("test.quick")
            quick_done.set()

    slow = threading.Thread(target=slow_append, args=(app, seen, slow_in, go))
    threads = [slow, threading.Thread(target=reader), threading.Thread(target=quick)]
    threads[0].start()
    assert slow_in.wait(10)
    threads[1].start()
    time.sleep(0.3)  # the reader is asking (PostgreSQL) or has read (SQLite)
    threads[2].start()
    if is_sqlite():
        threads[1].join(5)
        assert not threads[1].is_alive() and seen["horizon"] == start
    else:
        assert quick_done.wait(5), "the quick append waited behind the reader"
        assert "horizon" not in seen  # still waiting for the slow one
    go.set()
    [t.join(10) for t in threads]
    assert quick_done.is_set()
    if not is_sqlite():
        assert seen["horizon"] >= max(seen["slow"], seen["quick"])


def test_a_statement_built_once_reads_as_peewee_would_and_is_planned_once_per_connection(app):
    """`db.rows` reads the models peewee's own query would (each field converted, any other column an attribute,
    nothing marked changed); on PostgreSQL the statement is PREPAREd once on the pooled connection, then run by
    EXECUTE, so the server no longer plans it on each request."""
    from portal.db import Slot, prepared, rows

    unit = Unit.get(Unit.code == "ban-na-bo")

    def build():
        return Unit.select(Unit, Unit.code.alias("label")).where(Unit.id == Slot("id"))

    found = rows(Unit, "test.unit", build, id=unit.id)
    assert [(u.id, u.name, u.parent_id, u.active, u.label) for u in found] == [
        (unit.id, unit.name, unit.parent_id, True, unit.code)]
    assert not found[0]._dirty
    if is_sqlite():
        return
    name = prepared("test.unit", build).name
    database.connect(reuse_if_open=True)
    pid = database.connection().get_backend_pid()
    for _ in range(3):
        assert rows(Unit, "test.unit", build, id=unit.id)[0].name == unit.name
    assert activity(app, pid)[0] == f"EXECUTE {name}({unit.id})"
    assert database.execute_sql("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", (name,)).fetchone() == (1,)
