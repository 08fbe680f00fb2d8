"""Load test: 300 unit accounts ticking at human pace and 10 office boards on SSE, for a set time,
against gunicorn on this machine (locust, headless, as a library). Prints latency per kind of request,
errors, ticks acknowledged against ticks the database holds, and the events each board received;
exits non-zero on an error, a lost tick, or a board event missed or received twice.

    make bench-load                    # 60 seconds, SQLite
    make bench-load ARGS="--seconds 20"
    make bench-load ARGS="--database-url postgresql://postgres@127.0.0.1:5432/portal_bench"
                                       # PostgreSQL: an existing database, whose tables are dropped first
"""
from locust import HttpUser, between, constant, task  # noqa: I001  (first: locust patches the standard library for gevent)
from locust.env import Environment

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

import gevent
from bs4 import BeautifulSoup
from playhouse.db_url import connect
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, Server, big_database  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from test_faults import checklist  # noqa: E402  (the same reading of the checklist as the fault tests)

UNITS, VIEWERS = 300, 10
KINDS = (("login", "POST"), ("checklist", "GET"), ("tick", "POST"))


class Run:
    """What the simulated users share: the accounts to take, the phase, and what they counted."""
    usernames = iter(())
    start_event = 0
    ticking = True
    acknowledged: list = []  # (action, version) of each tick answered 200
    received: list = []  # per viewer, the event ids its streams delivered


def log_in(client, username):
    # gunicorn closes a connection idle for 2 s, and a phone waits longer between ticks: like a browser,
    # send again a request whose reused connection closed before any answer (a tick is idempotent).
    client.mount("http://", HTTPAdapter(max_retries=Retry(total=1, connect=1, read=1, status=0, allowed_methods=None)))
    form = BeautifulSoup(client.get("/login", name="login form").text, "html.parser")
    token = form.select_one("input[name=csrf_token]")["value"]
    client.post("/login", name="login", allow_redirects=False,
                data={"username": username, "password": "demo2026", "csrf_token": token})


class UnitUser(HttpUser):
    """One unit's head on a phone: logs in once, then ticks a task every few seconds as htmx does."""
    wait_time = between(2, 6)

    def on_start(self):
        log_in(self.client, next(Run.usernames))
        self.read()

    def read(self):
        self.token, self.rows = checklist(self.client.get("/checklist", name="checklist").text)

    @task(6)
    def tick(self):
        if not Run.ticking:
            return
        action = random.choice(list(self.rows))
        state, version = self.rows[action]
        new = random.choice([s for s in ("todo", "doing", "done") if s != state])
        r = self.client.post(action, name="tick", headers={"HX-Request": "true"},
                             data={"state": new, "note": "", "version": version, "csrf_token": self.token})
        if r.status_code == 200:
            self.rows[action] = (new, version + 1)
            Run.acknowledged.append((action, version + 1))
        else:
            self.read()

    @task(1)
    def look(self):
        if Run.ticking:
            self.read()


class BoardViewer(HttpUser):
    """The office's board open for the whole run; a cut stream resumes from the last event it got."""
    fixed_count = VIEWERS
    wait_time = constant(1)

    def on_start(self):
        log_in(self.client, "vanhoa")
        self.ids = []
        Run.received.append(self.ids)

    @task
    def watch(self):
        last = self.ids[-1] if self.ids else Run.start_event
        # Timed to its headers (with catch_response locust would time the whole stream).
        r = self.client.get("/board/events", name="board stream", stream=True, timeout=30,
                            headers={"Last-Event-ID": str(last)})
        try:
            event_id = None
            for line in r.iter_lines(decode_unicode=True):
                if line.startswith("id: "):
                    event_id = int(line[4:])
                elif line == "event: change":
                    self.ids.append(event_id)
        finally:
            r.close()


def query(url: str, sql: str, *params) -> list:
    """Rows of `sql` (`?` marks a parameter) read straight from the database the server uses."""
    database = connect(url)
    try:
        return database.execute_sql(sql.replace("?", database.param), params).fetchall()
    finally:
        database.close()


def emptied(url: str) -> str:
    """`url`, with nothing in it: a PostgreSQL database loses its tables (its schema is made anew)."""
    if url.startswith("postgres"):
        database = connect(url)
        database.execute_sql("DROP SCHEMA public CASCADE")
        database.execute_sql("CREATE SCHEMA public")
        database.close()
    return url


def stored(url: str, since: int) -> set:
    """(action, version) of every check.set event after `since`, as the database holds them."""
    rows = query(url, "SELECT unit_id, subject, after FROM event WHERE kind = 'check.set' AND id > ?", since)
    return {(f"/checks/{unit}/{subject.removeprefix('task:')}", json.loads(after)["version"])
            for unit, subject, after in rows}


def board_events(url: str, since: int) -> int:
    return query(url, "SELECT count(*) FROM event WHERE id > ? AND unit_id IS NOT NULL", since)[0][0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60, help="how long the units tick")
    parser.add_argument("--viewers", type=int, default=VIEWERS, help="boards open on SSE")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (its tables are dropped); "
                                               "default: a new SQLite file")
    args = parser.parse_args()
    BoardViewer.fixed_count = args.viewers
    with tempfile.TemporaryDirectory() as tmp:
        print(f"… the demo commune grown to {UNITS} villages", file=sys.stderr, flush=True)
        url = emptied(args.database_url or f"sqlite:///{tmp}/load.db")
        big_database(url, UNITS, 0)  # 0: the demo campaign's own tasks
        usernames = [u for (u,) in query(url, """SELECT username FROM "user" WHERE role = 'unit' ORDER BY username""")]
        Run.start_event = query(url, "SELECT coalesce(max(id), 0) FROM event")[0][0]
        Run.usernames = iter(usernames[:UNITS])
        # Every simulated phone logs in from 127.0.0.1: lift the per-address login limit for the run.
        server = Server(url, PORTAL_LOGIN_RATE_LIMIT="100000 per minute")
        try:
            env = Environment(user_classes=[UnitUser] + [BoardViewer] * bool(args.viewers), host=server.base)
            runner = env.create_local_runner()
            print(f"… {UNITS} units and {args.viewers} boards for {args.seconds} s", file=sys.stderr, flush=True)
            runner.start(UNITS + args.viewers, spawn_rate=50)
            gevent.sleep(args.seconds)
            Run.ticking = False
            gevent.sleep(3)  # the last ticks are answered
            for _ in range(60):  # the boards catch up, or 30 s pass
                if all(len(set(ids)) >= board_events(url, Run.start_event) for ids in Run.received):
                    break
                gevent.sleep(0.5)
            runner.quit()
        finally:
            server.stop()
        saved = stored(url, Run.start_event)
        expected = board_events(url, Run.start_event)

    print(f"\n{'kind':<10} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for name, method in KINDS:
        s = env.stats.get(name, method)
        p50, p95, p99 = (s.get_response_time_percentile(q) or 0 for q in (0.5, 0.95, 0.99))
        print(f"{name:<10} {s.num_requests:>8} {p50:>7.0f} {p95:>7.0f} {p99:>7.0f} {s.num_failures:>6}")
    print(f"errors, all requests: {env.stats.total.num_failures}")
    for error in list(env.stats.errors.values())[:5]:
        print(f"  {error.occurrences} × {error.method} {error.name}: {error.error}")
    acknowledged = set(Run.acknowledged)
    print(f"ticks acknowledged: {len(Run.acknowledged)}, in the database: {len(saved)}, "
          f"lost: {len(acknowledged - saved)}")
    counts = [len(ids) for ids in Run.received]
    twice = sum(len(ids) - len(set(ids)) for ids in Run.received)
    print(f"SSE events per viewer ({len(counts)} viewers, {expected} in the log): "
          f"{', '.join(map(str, counts))}; received twice: {twice}")
    ok = (env.stats.total.num_failures == 0 and not acknowledged - saved and len(acknowledged) == len(Run.acknowledged)
          and all(len(ids) == expected for ids in Run.received) and not twice)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
