"""A province on one deployment, on PostgreSQL: 40 communes × 30 units × 40 tasks, a phone per unit with its
checklist stream open ticking every 2–6 s, 50 office boards on their commune's live stream, two gunicorn
instances (gevent, as gunicorn.conf.py) with the phones and boards shared between them. The clock starts once
every phone and board is connected. Prints, for each number of phones: tick latency as the phone saw it and
as gunicorn logged it, tick-to-board, errors, lost ticks (answered 200 but not in the log, or in the log but
missed by a board of its commune), the database's transactions per second, the servers' CPU; then the server
time of the province board and of a commune board.

    make bench-province ARGS="--url postgresql://postgres@127.0.0.1:5432/bench"   # the database is emptied
    make bench-province ARGS="--url … --phones 300,500,1000 --seconds 60"

The load comes from this process, on the same machine: its CPU is taken from the servers' two cores. Each
account works in its own commune (the commune scoping of issue #16: a unit ticks its commune's campaign, an
office watches its commune's board). A phone sends each tick as its page's outbox does (static/offline.js),
under an id of its own (`client_id`), which the server saves with the tick in one transaction.
"""
import sys

if "--fill" not in sys.argv and "--render" not in sys.argv:
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "demo2026"
FAST_HASH = "pbkdf2:sha256:1000"  # the bench's 1 000 accounts only: production keeps scrypt
TODAY = "2026-02-10"  # day 10 of 28, as the tests' demo
ROW = re.compile(r'class="check (\w+)".*?action="(/checks/(\d+)/(\d+))".*?name="version" value="(\d+)"', re.S)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def fill(url, communes, units, tasks):
    """The province: communes each with its campaign in progress, units with varied progress, and accounts:
    `tinh`, `vanhoa-<commune>` and one per unit (its code), all with a fast hash of the demo password."""
    import datetime as dt

    from werkzeug.security import generate_password_hash

    from portal import create_app
    from portal.db import database
    from portal.models import Area, Campaign, Check, Task, TotalsStamp, Unit, User

    app = create_app({"DATABASE_URL": url, "PASSWORD_HASH_METHOD": FAST_HASH, "TODAY": TODAY})
    rng = random.Random(16)
    start = dt.date(2026, 2, 1)
    with app.app_context(), database.atomic():
        password = generate_password_hash(PASSWORD, FAST_HASH)
        province = Unit.add("tinh-thu", "Tỉnh Thử", "province")
        accounts = [dict(username="tinh", role="province", unit=province.id, password_hash=password)]
        campaigns = []
        for c in range(communes):
            commune = Unit.add(f"xa-{c:02}", f"Xã Thử {c:02}", "commune", province)
            accounts.append(dict(username=f"vanhoa-xa-{c:02}", role="office", unit=commune.id, password_hash=password))
            campaign = Campaign.create(unit=commune, title=f"Thi đua xã {c:02}", starts_on=start,
                                       ends_on=start + dt.timedelta(days=27),
                                       report_due_on=start + dt.timedelta(days=17))
            campaigns.append(campaign)
            areas = [Area.create(campaign=campaign, title=f"Nội dung {a + 1}", position=a) for a in range(4)]
            Task.insert_many([dict(area=areas[t % 4].id, position=t, title=f"Việc số {t + 1} của đợt thi đua",
                                   target="100%") for t in range(tasks)]).execute()
            task_ids = [t.id for t in Task.select(Task.id).join(Area).where(Area.campaign == campaign)
                        .order_by(Task.id)]
            checks = []
            for u in range(units):
                unit = Unit.add(f"xa-{c:02}-ban-{u:02}", f"Bản {u:02} xã {c:02}", "village", commune)
                accounts.append(dict(username=unit.code, role="unit", unit=unit.id, password_hash=password))
                done = rng.randint(0, tasks * 2 // 3)
                checks += [dict(unit=unit.id, task=task_id, state="done" if i < done else "doing", version=1)
                           for i, task_id in enumerate(task_ids[:done + rng.randint(0, 3)])]
            Check.insert_many(checks).execute()
        for start_at in range(0, len(accounts), 500):
            User.insert_many(accounts[start_at:start_at + 500]).execute()
        TotalsStamp.keep(campaigns)


def render_times(url, runs=30):
    """Server time (ms, median and 95th percentile) of the province board and of a commune board, as the Flask
    app renders them in this process with nothing else running (no ETag sent: every request renders)."""
    from portal import create_app

    app = create_app({"DATABASE_URL": url, "TODAY": TODAY, "WTF_CSRF_ENABLED": True, "SECRET_KEY": "bench"})
    out = {}
    for name, username, path in (("province board (40 communes)", "tinh", "/tinh"),
                                 ("commune board (30 units)", "vanhoa-xa-00", "/board")):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": TOKEN.search(page).group(1)})
        times = []
        for _ in range(runs + 3):
            began = time.perf_counter()
            response = client.get(path)
            times.append(1000 * (time.perf_counter() - began))
            assert response.status_code == 200, (path, response.status_code)
        times = sorted(times[3:])
        out[name] = (statistics.median(times), times[int(0.95 * len(times)) - 1])
    print(json.dumps(out))


# --- the load, from this (gevent) process ----------------------------------------------------------------


class Run:
    def __init__(self):
        self.ticking = False
        self.ticks = []  # (unit id, task id, version after, sent, answered)
        self.errors = {}
        self.board_seen = []  # per board: {event id: time received}
        self.reconnects = 0  # streams the server ended while the bench ran (a browser resumes them)
        self.board_heard = 0.0  # when a board last received something

    def error(self, what):
        self.errors[what] = self.errors.get(what, 0) + 1


def connection(port):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def answered(port, method, path, body=None, headers=None, tries=10):
    """The response to a request on a connection of its own (as a phone on 2G makes them), sent again after a
    503's Retry-After as a browser would (the connect phase)."""
    for _ in range(tries):
        conn = connection(port)
        conn.request(method, path, body, headers or {})
        response = conn.getresponse()
        content = response.read()
        conn.close()
        if response.status != 503:
            return response, content
        time.sleep(int(response.getheader("Retry-After", "2")))
    return response, content


def signed_in(port, username) -> str:
    """The session cookie of `username`, through the login form (its 303 is the success)."""
    response, page = answered(port, "GET", "/login")
    page = page.decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                   "csrf_token": TOKEN.search(page).group(1)})
    response, _ = answered(port, "POST", "/login", form, {"Cookie": cookie,
                                                          "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 303, (username, response.status)
    return response.getheader("Set-Cookie").split(";")[0]


def open_stream(port, path, cookie, last_id=None, tries=10):
    """A live stream, read until its first line came (it is then waiting on the hub); opened again after a 503's
    Retry-After, as htmx's SSE extension does after an error."""
    for _ in range(tries):
        s = socket.create_connection(("127.0.0.1", port))
        resume = f"Last-Event-ID: {last_id}\r\n" if last_id else ""
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n"
                  f"{resume}\r\n".encode())
        data = b""
        while b"retry:" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        if b"retry:" in data:
            return s
        s.close()
        busy = re.match(rb"HTTP/1.1 503.*?Retry-After: (\d+)", data, re.S | re.I)
        if not busy:
            raise ConnectionError(data[:40])
        time.sleep(int(busy.group(1)))
    raise ConnectionError(f"{path}: 503 {tries} times")


def phone(run, port, username, ready, go, stop):
    import gevent

    try:
        cookie = signed_in(port, username)
        response, page = answered(port, "GET", "/checklist", headers={"Cookie": cookie})
        page = page.decode()
        if response.getheader("Set-Cookie"):  # the session now holds the CSRF secret of the page's token
            cookie = response.getheader("Set-Cookie").split(";")[0]
        token = TOKEN.search(page).group(1)
        rows = {int(task): [state, int(version), action] for state, action, _, task, version in ROW.findall(page)}
        stream = open_stream(port, "/checklist/events", cookie)
    except Exception as error:  # counted, and the phone stays out
        run.error(f"phone connect: {type(error).__name__} {str(error)[:40]}")
        ready.append(False)
        return
    ready.append(True)
    conn = connection(port)  # kept from tick to tick, as nginx keeps its connections to gunicorn (docs/)
    reader = gevent.spawn(drain, run, stream, None)
    go.wait()
    gevent.sleep(random.uniform(0, 4))
    while not stop.is_set():
        task = random.choice(list(rows))
        state, version, action = rows[task]
        new = "doing" if state == "done" else "done"
        form = urllib.parse.urlencode({"state": new, "version": version, "note": "", "csrf_token": token,
                                       "client_id": uuid.uuid4().hex})
        sent = time.monotonic()
        try:
            response = ticked(conn, action, form, cookie)
        except Exception as error:
            run.error(f"tick: {type(error).__name__}")
            conn.close()
        else:
            if response.status == 200:
                rows[task] = [new, version + 1, action]
                run.ticks.append((int(action.split("/")[2]), task, version + 1, sent, time.monotonic()))
            else:
                run.error(f"tick: HTTP {response.status}")
        stop.wait(random.uniform(2, 6))
    reader.kill()
    stream.close()
    conn.close()


def ticked(conn, action, form, cookie):
    """The answer to a tick sent on the phone's kept connection. http.client opens it again if it was closed;
    sent again once if the server had closed it unseen (it then never read the tick)."""
    for attempt in (1, 2):
        try:
            conn.request("POST", action, form, {"Cookie": cookie, "HX-Request": "true",
                                                "Content-Type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            response.read()
            return response
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            conn.close()
            if attempt == 2:
                raise


def drain(run, stream, seen):
    """Reads a stream to its end; a board's keeps the time each event id arrived."""
    buffer = b""
    while True:
        try:
            chunk = stream.recv(65536)
        except OSError:
            return
        if not chunk:
            if run.ticking:
                run.reconnects += 1
            return
        if seen is None:
            continue
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        now = run.board_heard = time.monotonic()
        for line in lines:
            if line.startswith(b"id: "):
                seen.setdefault(int(line[4:]), now)


def board(run, port, username, ready, stop):
    import gevent

    try:
        cookie = signed_in(port, username)
        stream = open_stream(port, "/board/events", cookie)
    except Exception as error:
        run.error(f"board connect: {type(error).__name__}")
        ready.append(False)
        return
    seen = {}
    run.board_seen.append((username.removeprefix("vanhoa-"), seen))
    ready.append(True)

    def follow(stream):
        """As htmx's SSE extension does: a stream that ends is opened again from the last id it gave."""
        while True:
            drain(run, stream, seen)
            stream.close()
            gevent.sleep(2)  # the stream's `retry:`
            try:
                stream = open_stream(port, "/board/events", cookie, max(seen, default=None))
            except Exception as error:
                run.error(f"board reconnect: {type(error).__name__}")

    reader = gevent.spawn(follow, stream)
    stop.wait()
    # What was ticked last still reaches the boards: a late event is late, not lost (up to a minute).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and time.monotonic() - run.board_heard < 5:
        gevent.sleep(0.5)
    reader.kill()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")


def cpu_seconds(servers) -> float:
    return sum(s.cpu_seconds() for s in servers)


def machine_cpu() -> tuple[float, float, float]:
    """Seconds of CPU so far: the machine's busy time (all cores, steal included), PostgreSQL's processes',
    and the time the hypervisor took (steal)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    postgres = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except OSError:
            continue
        if name == "postgres":
            postgres += int(rest.split()[11]) + int(rest.split()[12])
    busy = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
    return busy / tick, postgres / tick, fields[7] / tick


def commits(db) -> int:
    db.execute_sql("SELECT pg_stat_clear_snapshot()")
    return db.execute_sql("SELECT xact_commit + xact_rollback FROM pg_stat_database "
                          "WHERE datname = current_database()").fetchone()[0]


def one_run(url, phones, boards, seconds, instances, workers, pool, tmp):
    import gevent
    from gevent.event import Event as Flag
    from playhouse.db_url import connect

    from run import Server  # puts tests/ on the path

    from conftest import Gunicorn

    class Instance(Server):
        """One gunicorn instance, its error log kept (a worker killed for a timeout shows there)."""

        def __init__(self, access, errors):
            Gunicorn.__init__(self, url, {
                "PORTAL_SECRET_KEY": "bench", "WEB_CONCURRENCY": str(workers), "PORTAL_TODAY": TODAY,
                "PORTAL_LOGIN_RATE_LIMIT": "100000 per minute", "PORTAL_WORKER_CONNECTIONS": "5000", "PORTAL_DB_POOL_SIZE": str(pool),
                "GUNICORN_CMD_ARGS": f"--access-logfile {access}"}, log=errors)

    logs = [tmp / f"access-{phones}-{i}.log" for i in range(instances)]
    error_logs = [tmp / f"errors-{phones}-{i}.log" for i in range(instances)]
    servers = [Instance(log, errors) for log, errors in zip(logs, error_logs)]
    db = connect(url)
    run, go, stop = Run(), Flag(), Flag()
    try:
        units = [r[0] for r in db.execute_sql(
            "SELECT username FROM \"user\" WHERE role = 'unit' ORDER BY username")][:phones]
        communes = [r[0] for r in db.execute_sql(
            "SELECT username FROM \"user\" WHERE role = 'office' ORDER BY username")]
        ready, greenlets = [], []
        for i, username in enumerate(units):
            greenlets.append(gevent.spawn(phone, run, servers[i % instances].port, username, ready, go, stop))
            if i % 50 == 49:
                gevent.sleep(0.2)  # phones arrive over a few seconds, not in one instant
        for i in range(boards):
            greenlets.append(gevent.spawn(board, run, servers[i % instances].port, communes[i % len(communes)],
                                          ready, stop))
        while len(ready) < len(units) + boards:
            gevent.sleep(0.2)
        gevent.sleep(3)
        connected = sum(ready)
        cpu, idle_at = cpu_seconds(servers), time.monotonic()
        gevent.sleep(10)  # everyone connected, nobody ticking: what the open streams cost
        idle_cpu = (cpu_seconds(servers) - cpu) / (time.monotonic() - idle_at)
        lines = [len(log.read_text().splitlines()) for log in logs]
        first_event = db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM event").fetchone()[0]
        commits_before, cpu, began = commits(db), cpu_seconds(servers), time.monotonic()
        own_cpu, machine = time.process_time(), machine_cpu()
        run.ticking = True
        go.set()
        gevent.sleep(seconds)
        stop.set()
        elapsed = time.monotonic() - began
        busy_cpu = (cpu_seconds(servers) - cpu) / elapsed
        load_cpu = (time.process_time() - own_cpu) / elapsed
        machine_busy, postgres_cpu, steal = ((b - a) / elapsed for a, b in zip(machine, machine_cpu()))
        machine_load = os.getloadavg()[0]
        transactions = (commits(db) - commits_before) / elapsed
        run.ticking = False
        gevent.joinall(greenlets, timeout=90)
        server_times = []
        for log, since in zip(logs, lines):
            server_times += [int(line.rsplit(" ", 1)[1].removesuffix("ms")) for line in
                             log.read_text().splitlines()[since:] if '"POST /checks/' in line]
        events = {}
        for event_id, unit_id, subject, after, commune in db.execute_sql(
                "SELECT e.id, e.unit_id, e.subject, e.after, c.code FROM event e JOIN campaign k ON k.id = "
                "e.campaign_id JOIN unit c ON c.id = k.unit_id WHERE e.id > %s AND e.kind = 'check.set'",
                (first_event,)):
            events[(unit_id, int(subject.removeprefix("task:")), json.loads(after)["version"])] = (event_id, commune)
    finally:
        db.close()
        for server in servers:
            server.stop()
    timeouts = sum(log.read_text().count("WORKER TIMEOUT") for log in error_logs)
    tracebacks = {}  # the exception each traceback in the servers' error logs ends with, counted
    for log in error_logs:
        for name in re.findall(r"^([\w.]+(?:Error|Exception|Exceeded|Exit))\b", log.read_text(), re.M):
            tracebacks[name] = tracebacks.get(name, 0) + 1
    acknowledged = run.ticks
    lost_log = sum(1 for unit, task, version, *_ in acknowledged if (unit, task, version) not in events)
    to_board, lost_board = [], 0
    by_event = {event_id: (commune, sent) for (unit, task, version, sent, _) in acknowledged
                for event_id, commune in [events.get((unit, task, version), (None, None))] if event_id}
    for commune, seen in run.board_seen:
        for event_id, (its_commune, sent) in by_event.items():
            if its_commune != commune:
                continue
            if event_id in seen:
                to_board.append(seen[event_id] - sent)
            else:
                lost_board += 1
    latencies = [1000 * (answered - sent) for *_, sent, answered in acknowledged]
    streams = connected  # each phone and board holds one stream
    return {
        "phones": phones, "connected": connected, "ticks": len(acknowledged), "ticks/s": len(acknowledged) / elapsed,
        "tick p50": percentile(latencies, 50), "tick p95": percentile(latencies, 95),
        "tick p99": percentile(latencies, 99),
        "server p50": percentile(server_times, 50), "server p95": percentile(server_times, 95),
        "server p99": percentile(server_times, 99),
        "to board p95": 1000 * percentile(to_board, 95), "board deliveries": len(to_board),
        "errors": sum(run.errors.values()), "error kinds": run.errors, "reconnects": run.reconnects,
        "lost (log)": lost_log, "lost (board)": lost_board,
        "transactions/s": transactions, "cpu busy %": 100 * busy_cpu, "cpu idle %": 100 * idle_cpu,
        "cpu per stream": 1e6 * idle_cpu / streams if streams else float("nan"),  # µs of CPU per second
        "load cpu %": 100 * load_cpu, "load average": machine_load, "machine busy %": 100 * machine_busy,
        "postgres cpu %": 100 * postgres_cpu, "steal %": 100 * steal,
        "worker timeouts": timeouts, "tracebacks": tracebacks,
    }


def table(results, renders):
    rows = [
        ("phones connected (of)", lambda r: f"{r['connected'] - BOARDS}/{r['phones']}"),
        ("ticks answered 200, per s", lambda r: f"{r['ticks']}, {r['ticks/s']:.0f}/s"),
        ("tick p50/p95/p99 (phone), ms", lambda r: f"{r['tick p50']:.0f}/{r['tick p95']:.0f}/{r['tick p99']:.0f}"),
        ("tick p50/p95/p99 (gunicorn), ms",
         lambda r: f"{r['server p50']:.0f}/{r['server p95']:.0f}/{r['server p99']:.0f}"),
        ("tick-to-board p95, ms", lambda r: f"{r['to board p95']:.0f}"),
        ("errors", lambda r: f"{r['errors']}" + (f" {r['error kinds']}" if r["errors"] else "")),
        ("lost: not in the log / not on a board", lambda r: f"{r['lost (log)']} / {r['lost (board)']}"),
        ("streams ended by the server (resumed)", lambda r: f"{r['reconnects']}"),
        ("workers killed for a timeout, tracebacks",
         lambda r: f"{r['worker timeouts']}, {sum(r['tracebacks'].values())}"
         + (f" {r['tracebacks']}" if r["tracebacks"] else "")),
        ("database transactions/s", lambda r: f"{r['transactions/s']:.0f}"),
        ("server CPU ticking / idle, % of a core", lambda r: f"{r['cpu busy %']:.0f} / {r['cpu idle %']:.1f}"),
        ("CPU per open stream, µs/s", lambda r: f"{r['cpu per stream']:.1f}"),
        ("the bench's own CPU, % of a core", lambda r: f"{r['load cpu %']:.0f}"),
        ("machine load average (1 min, 2 cores)", lambda r: f"{r['load average']:.1f}"),
        ("machine busy / PostgreSQL / steal, % of a core",
         lambda r: f"{r['machine busy %']:.0f} / {r['postgres cpu %']:.0f} / {r['steal %']:.0f}"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'':<{width}}  " + "  ".join(f"{r['phones']:>7} phones" for r in results))
    for name, cell in rows:
        print(f"{name:<{width}}  " + "  ".join(f"{cell(r):>14}" for r in results))
    for name, (median, p95) in renders.items():
        print(f"{name + ', server ms (median / p95)':<{width}}  {median:.1f} / {p95:.1f}")


BOARDS = 50


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="a PostgreSQL database the bench may empty")
    parser.add_argument("--phones", default="1000", help="comma-separated: one run for each")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--communes", type=int, default=40)
    parser.add_argument("--units", type=int, default=30)
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--instances", type=int, default=2, help="gunicorn instances, phones and boards shared")
    parser.add_argument("--workers", type=int, default=1, help="workers per instance")
    # A request holds its connection from its first statement to its answer: with 20 a worker's ticks waited
    # longer for a connection (p50 0.8 s at 1 000 phones) than they took. 2 × 45 stays under PostgreSQL's 100.
    parser.add_argument("--pool", type=int, default=45, help="database connections per worker")
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--render", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        return fill(args.url, args.communes, args.units, args.tasks)
    if args.render:
        return render_times(args.url)

    sys.path.insert(0, str(ROOT / "bench"))
    from playhouse.db_url import connect

    db = connect(args.url)
    db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    db.close()
    env = {**os.environ, "PORTAL_DATABASE_URL": args.url}
    subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    this = [sys.executable, __file__, "--url", args.url]
    subprocess.run(this + ["--fill", "--communes", str(args.communes), "--units", str(args.units), "--tasks",
                           str(args.tasks)], cwd=ROOT, env=env, check=True)
    renders = json.loads(subprocess.run(this + ["--render"], cwd=ROOT, env=env, check=True, capture_output=True,
                                        text=True).stdout)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for phones in [int(n) for n in args.phones.split(",")]:
            results.append(one_run(args.url, phones, BOARDS, args.seconds, args.instances, args.workers, args.pool,
                                   Path(tmp)))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    table(results, renders)


if __name__ == "__main__":
    main()
