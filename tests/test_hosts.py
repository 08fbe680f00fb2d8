"""Several hosts: two gunicorn instances behind Debian's nginx, configured as docs/ says, share the database and
Redis. One host dies mid-run: its boards reconnect through nginx to the other and miss no event, see none twice;
no tick a phone was told was saved is lost or saved twice."""
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from types import SimpleNamespace

import pytest
import requests
from bs4 import BeautifulSoup

from portal.db import database
from portal.models import Check, Event, User

from conftest import ROOT, Gunicorn, free_port
from flows import REDIS

HTMX = {"HX-Request": "true"}
PHONES = 4
BOARDS = 4
TICKS = 15  # acknowledged ticks wanted before the kill, and again after it


def blocks(text):
    """The top-level `heading { body }` blocks of an nginx file, comments left out, as (heading, body)."""
    text = re.sub(r"#[^\n]*", "", text)
    found, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "{":
            if depth == 0:
                heading, opened = text[start:i].strip(), i + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                found.append((heading, text[opened:i]))
                start = i + 1
    return found


def nginx_conf(tmp, port, addresses):
    """docs/'s site and upstream, on loopback over HTTP: the upstream's servers become `addresses`, the HTTPS
    server loses its certificate and listens on `port`; pid, logs and temp files stay in `tmp`."""
    (upstream,) = [body for heading, body in blocks((ROOT / "docs/nginx-cong-thi-dua-upstream.conf").read_text())
                   if heading == "upstream cong_thi_dua"]
    assert len(re.findall(r"\bserver ", upstream)) >= 2, "the upstream has several hosts"
    hosts = iter(addresses)
    upstream = re.sub(r"\bserver \S+", lambda _: f"server {next(hosts)}", upstream)
    (site,) = [body for heading, body in blocks((ROOT / "docs/nginx-cong-thi-dua.conf").read_text())
               if heading == "server" and "ssl_certificate" in body]
    site = re.sub(r"^\s*(listen|server_name|ssl_\w+)\b[^\n]*\n", "", site, flags=re.M)
    # nginx run by root hands its workers to "nobody", who may not write in the test's folder
    user = "user root;" if os.geteuid() == 0 else ""
    temp = "\n".join(f"{kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}
worker_processes 1;
pid {tmp}/nginx.pid;
events {{ worker_connections 512; }}
http {{
    access_log {tmp}/access.log;
    {temp}
    upstream cong_thi_dua {{ {upstream} }}
    server {{
        listen 127.0.0.1:{port};
        add_header X-Upstream $upstream_addr always;  # which host answered
        {site}
    }}
}}
"""


@pytest.fixture
def hosts(app, prefix, tmp_path):
    """Two instances on the test database and one nginx in front of them; `base` is nginx's address."""
    env = {"PORTAL_RATELIMIT_STORAGE_URL": REDIS, "PORTAL_RATELIMIT_KEY_PREFIX": prefix,
           "PORTAL_LOGIN_RATE_LIMIT": "10000 per minute", "PORTAL_PROXY_FIX": "1",
           "PORTAL_EVIDENCE_DIR": str(tmp_path / "evidence"),  # the shared storage of production
           "PORTAL_LIVE_HEARTBEAT_SECONDS": "1"}  # a quiet stream still sends a line each second
    instances = [Gunicorn(app.config["DATABASE_URL"], env, tmp_path / f"gunicorn-{n}.log") for n in (1, 2)]
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf(tmp_path, port, [f"127.0.0.1:{i.port}" for i in instances]))
    nginx = subprocess.Popen(["/usr/sbin/nginx", "-p", str(tmp_path), "-c", str(conf), "-e",
                              str(tmp_path / "error.log"), "-g", "daemon off;"], stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert nginx.poll() is None, nginx.stderr.read()
        time.sleep(0.1)
    else:
        pytest.fail("nginx did not answer: " + (tmp_path / "error.log").read_text())
    yield SimpleNamespace(base=base, instances=instances)
    nginx.terminate()
    nginx.wait(10)
    for instance in instances:
        if instance.proc.poll() is None:
            instance.stop()


def signed_in(base, username) -> requests.Session:
    http = requests.Session()
    page = BeautifulSoup(http.get(base + "/login", timeout=10).text, "html.parser")
    r = http.post(base + "/login", allow_redirects=False, timeout=10, data={
        "username": username, "password": "demo2026", "csrf_token": page.select_one("input[name=csrf_token]")["value"]})
    assert r.status_code == 303, r.text
    return http


def upstream(response):
    """The host that answered (after any retry by nginx, the last one it tried)."""
    return response.headers["X-Upstream"].split(",")[-1].strip()


class Phone:
    """A unit's phone: ticks its checklist as htmx does, each tick with a note of its own. When no answer comes
    back (the host died under the request), the user taps again: the same tick, from the same version."""

    def __init__(self, base, username):
        self.base, self.name, self.http = base, username, signed_in(base, username)
        page = BeautifulSoup(self.http.get(base + "/checklist", timeout=10).text, "html.parser")
        self.token = page.select_one("input[name=csrf_token]")["value"]
        self.rows = {}  # a task row's form action -> (state, version) as the phone shows it
        for row in page.select("div.check"):
            form = row.select_one("form")
            state = next(c for c in row["class"] if c != "check")
            self.rows[form["action"]] = (state, int(form.select_one("input[name=version]")["value"]))
        self.saved = []  # (action, version, note) of every tick answered 200
        self.answers = []  # (sent at, status, host), None for a request that got no HTTP answer

    def run(self, stop):
        actions = list(self.rows)
        for n in range(10_000):
            if stop.is_set():
                return
            action = actions[n % len(actions)]
            state, version = self.rows[action]
            data = {"state": "done" if state != "done" else "doing", "note": f"{self.name} lần {n}",
                    "version": version, "csrf_token": self.token}
            for _ in range(5):
                sent = time.monotonic()
                try:
                    r = self.http.post(self.base + action, data=data, headers=HTMX, timeout=10)
                    self.answers.append((sent, r.status_code, upstream(r)))
                except requests.RequestException:
                    self.answers.append((sent, None, None))
                    continue
                if r.status_code < 500:
                    break
            if r.status_code != 200:
                return
            self.rows[action] = (data["state"], version + 1)
            self.saved.append((action, version + 1, data["note"]))


class Board:
    """The office's live board, read as the browser's EventSource reads it: a stream that breaks is opened again
    through nginx with Last-Event-ID."""

    def __init__(self, base, since):
        self.base, self.http, self.last = base, signed_in(base, "vanhoa"), since
        self.ids = []  # the id of every "change" event, as it came
        self.streams = []  # per stream: [host, whether it broke]
        self.answers = []  # (sent at, status)
        self.connected = threading.Event()

    def watch(self, done):
        while not done(self):
            sent = time.monotonic()
            try:
                with self.http.get(self.base + "/board/events", stream=True, timeout=5,
                                   headers={"Last-Event-ID": str(self.last)}) as r:
                    self.answers.append((sent, r.status_code))
                    if r.status_code != 200:  # EventSource gives up on an error answer
                        return
                    self.streams.append([upstream(r), False])
                    self.connected.set()
                    event_id = None
                    for line in r.iter_lines(decode_unicode=True):
                        if line.startswith("id: "):
                            event_id = int(line[4:])
                        elif line == "event: change":
                            self.ids.append(event_id)
                            self.last = event_id
                        if done(self):
                            return
            except requests.RequestException:
                if self.streams:
                    self.streams[-1][1] = True
                else:
                    self.answers.append((sent, None))


def kill(instance):
    """Kills the host at once, as a power cut would: its master and every worker, with no time to finish.
    Returns once its port refuses connections: until then the kernel still accepts them. A worker can show as a
    zombie while other threads of it (gevent's thread pool) still hold the listening socket."""
    workers = subprocess.run(["pgrep", "-P", str(instance.proc.pid)], capture_output=True, text=True).stdout.split()
    instance.proc.send_signal(signal.SIGKILL)
    for pid in workers:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    instance.proc.wait(10)
    assert wait_until(lambda: not any(running(pid) for pid in workers), 10)
    assert wait_until(lambda: refused(instance.port), 10)


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except ConnectionRefusedError:
        return True
    return False


def running(pid):
    """Whether the process runs (a zombie, dead but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_until(condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_a_host_dies_mid_run_and_its_boards_resume_on_the_other_missing_nothing(hosts):
    doomed, survivor = (f"127.0.0.1:{i.port}" for i in hosts.instances)
    start = Event.last_id()
    database.close()
    boards = [Board(hosts.base, start) for _ in range(BOARDS)]
    target = {}  # the last check.set id, once the phones have stopped
    deadline = time.monotonic() + 40

    def done(board):
        return time.monotonic() > deadline or ("id" in target and board.last >= target["id"])

    watchers = [threading.Thread(target=b.watch, args=(done,)) for b in boards]
    for board, watcher in zip(boards, watchers):  # one after the other: nginx deals them out in turn
        watcher.start()
        assert board.connected.wait(15)
    units = [u.username for u in User.select().where(User.role == "unit").order_by(User.username).limit(PHONES)]
    database.close()
    phones = [Phone(hosts.base, name) for name in units]
    stop = threading.Event()
    tickers = [threading.Thread(target=p.run, args=(stop,)) for p in phones]
    [t.start() for t in tickers]

    def saved():
        return sum(len(p.saved) for p in phones)

    assert wait_until(lambda: saved() >= TICKS and all(b.ids for b in boards), 20), "ticks reach every board"
    before = saved()
    kill(hosts.instances[0])
    killed_at = time.monotonic()
    assert wait_until(lambda: saved() >= before + TICKS, 20), "the phones go on ticking on the other host"
    stop.set()
    [t.join(30) for t in tickers]
    logged = list(Event.select().where(Event.kind == "check.set", Event.id > start).order_by(Event.id))
    database.close()
    target["id"] = logged[-1].id
    [w.join(45) for w in watchers]

    # before the kill both hosts served boards and phones
    assert {b.streams[0][0] for b in boards} == {doomed, survivor}
    assert {host for p in phones for sent, status, host in p.answers if status == 200 and sent < killed_at} == {
        doomed, survivor}
    # the boards on the dead host lost their stream and went on from the other
    cut = [b for b in boards if b.streams[0][0] == doomed]
    assert cut and all(b.streams[0][1] and b.streams[-1][0] == survivor for b in cut)
    assert all(not broke for b in boards for host, broke in b.streams if host == survivor)
    # no error answered but to a request under way when the host died
    assert [(sent, status) for b in boards for sent, status in b.answers if status != 200 and sent >= killed_at] == []
    assert [(sent, status) for p in phones for sent, status, _ in p.answers
            if status != 200 and (sent >= killed_at or status not in (None, 502))] == []
    # every acknowledged tick is in the log once, and nothing else is; the checklist holds the last of each
    acknowledged = [tick for p in phones for tick in p.saved]
    in_log = [(f"/checks/{e.unit_id}/{e.subject.removeprefix('task:')}", json.loads(e.after)["version"],
               json.loads(e.after)["note"]) for e in logged]
    assert Counter(in_log) == Counter(acknowledged)
    last = {action: (version, note) for action, version, note in acknowledged}
    for phone in phones:
        for action, (state, version) in phone.rows.items():
            if action in last:
                unit_id, task_id = map(int, action.split("/")[2:])
                check = Check.get(Check.unit == unit_id, Check.task == task_id)
                assert (check.state, check.version, check.note) == (state, *last[action])
    database.close()
    # every board got every tick's event, once, in order
    ids = [e.id for e in logged]
    for board in boards:
        assert board.ids == sorted(set(board.ids))
        assert [i for i in board.ids if i in set(ids)] == ids
