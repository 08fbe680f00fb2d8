"""Benchmarks of Cổng thi đua: page weight, emulated 2G/3G links in Chromium, live-board latency,
and server throughput under gunicorn. Prints a table and writes bench/results/<time>.json.

    make bench            # everything (about two minutes)
    make bench ARGS=--quick
    make bench ARGS=--offline  # only the unit phone's offline rows
"""
import argparse
import datetime as dt
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402

from conftest import Gunicorn  # noqa: E402  (the same server start as the tests)
from test_weight import Wire, decoded, static_urls  # noqa: E402  (the same byte counting as the budget tests)
from test_offline import photo  # noqa: E402  (the same 12 MP photo as the upload test)

LINKS = {  # name: (download kbit/s, upload kbit/s, round trip ms)
    "Slow 3G (DevTools)": (400, 400, 400),
    "2G Edge (WebPageTest)": (240, 200, 840),
}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

def flask(db_url, *args, stdin=None):
    env = {**os.environ, "PORTAL_DATABASE_URL": db_url, "PORTAL_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, input=stdin, text=True)


def big_database(url: str, units: int, tasks: int) -> str:
    """The demo commune grown to `units` villages and `tasks` tasks, in the empty database at `url`."""
    flask(url, "db", "upgrade")
    script = f"""
import itertools
from portal import create_app
from portal.db import database
from portal.demo import load_demo
from portal.models import Area, Task, Unit, User
app = create_app({{"DATABASE_URL": "{url}", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}})
with app.app_context():
    load_demo("pbkdf2:sha256:1000", progress=False)
    with database.atomic():
        commune = Unit.get(Unit.code == "xa-binh-lu")
        areas = list(Area.select().order_by(Area.position))
        for i in range({tasks} - Task.select().count()):
            Task.create(area=areas[i % 4], position=100 + i, title=f"Việc bổ sung số {{i + 1}} của đợt thi đua", target="100%")
        head = User.get(User.username == "ban-na-bo")
        for i in range({units} - Unit.select().where(Unit.parent == commune).count()):
            unit = Unit.add(f"bench-{{i:03}}", f"Bản thử {{i + 1:03}}", "village", commune)
            User.create(username=unit.code, role="unit", unit=unit, password_hash=head.password_hash)
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True)
    return url


class Server(Gunicorn):
    def __init__(self, db_url, workers=2, **env):
        super().__init__(db_url, {"PORTAL_SECRET_KEY": "bench", "WEB_CONCURRENCY": str(workers), **env},
                         log=Path(os.devnull))

    def workers(self) -> list[str]:
        return subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split()

    def rss_mb(self):
        return sum(int(Path(f"/proc/{p}/statm").read_text().split()[1]) * 4096 for p in self.workers()) / 2 ** 20

    def cpu_seconds(self) -> float:
        """User and system time of the workers so far."""
        fields = [Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split() for p in self.workers()]
        return sum(int(f[11]) + int(f[12]) for f in fields) / os.sysconf("SC_CLK_TCK")


def next_tick(html, token):
    """(path, form, headers) of an htmx tick that changes the first task's state, at its current version."""
    state, action, version = re.search(
        r'class="check (\w+)".*?action="(/checks/\d+/\d+)".*?name="version" value="(\d+)"', html, re.S).groups()
    form = urllib.parse.urlencode({"state": "doing" if state != "doing" else "done", "version": version,
                                   "note": "", "csrf_token": token})
    return action, form, {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}


def weights(base):
    wire = Wire(base)
    wire.login("ban-na-bo")
    r, content, page = wire.request("GET", "/checklist")
    html = decoded(r, content)
    statics = sum(wire.request("GET", url)[2] for url in static_urls(html))
    _, _, repeat = wire.request("GET", "/checklist")
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response, _, tick = wire.request("POST", *next_tick(html, token))
    assert response.status == 200
    office = Wire(base)
    office.login("vanhoa")
    _, _, board = office.request("GET", "/board")
    return {"checklist HTML": page, "checklist first visit": page + statics, "checklist repeat visit": repeat,
            "one tick": tick, "board (24 units)": board}


def log_in(browser, base, username):
    # bypass_csp: the bench's probes (wait_for_function) evaluate strings, which the portal's CSP refuses.
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", "demo2026")
    page.click("button.primary")
    page.wait_for_load_state("load")
    return page


def emulated(browser, base, link):
    down, up, rtt = LINKS[link]
    results = {}
    for username, path in (("ban-na-it", "/checklist"), ("vanhoa", "/board")):
        page = log_in(browser, base, username)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.clearBrowserCache")
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": rtt,
                                                      "downloadThroughput": down * 1000 / 8,
                                                      "uploadThroughput": up * 1000 / 8})
        received = []
        cdp.on("Network.loadingFinished", lambda e: received.append(e["encodedDataLength"]))
        for visit in ("first", "repeat"):
            received.clear()
            began = time.perf_counter()
            page.goto(base + path, wait_until="load")
            results[f"{path} {visit} load"] = (time.perf_counter() - began, sum(received))
        if path == "/checklist":
            page.wait_for_timeout(1000)  # as a person would: the page settles, the live stream connects
            row = page.locator("div.check.todo").first
            # Timed by the page's own clock, from the click to the tick's answer swapped in. Not by the row
            # turning "done": the page's own live stream may show that first, as emulation delays a
            # stream's start but not the events that follow.
            page.evaluate("""() => {
                document.addEventListener('click', () => { window.clicked = performance.now(); }, {capture: true, once: true});
                document.addEventListener('htmx:afterSettle', (e) => {
                    if (e.detail.requestConfig && e.detail.requestConfig.verb === 'post') window.saved = performance.now();
                }); }""")
            row.locator(".states button[value=done]").click()
            page.wait_for_function("window.saved > 0")
            results["tick click to saved"] = (page.evaluate("window.saved - window.clicked") / 1000, None)
        page.context.close()
    return results


def tick_to_board(browser, base, ticks):
    """Milliseconds from a click on one phone to the change on the office board, by the same clock."""
    board = log_in(browser, base, "vanhoa")
    head = log_in(browser, base, "ban-na-bo")
    head.wait_for_timeout(500)
    board.evaluate("""() => { window.changes = [];
        new MutationObserver(() => window.changes.push(Date.now()))
          .observe(document.querySelector('#board tbody'), {subtree: true, childList: true, characterData: true}); }""")
    rows = head.locator("div.check")
    delays = []
    for i in range(ticks):
        row = rows.nth(i % rows.count())
        state = "done" if "done" not in (row.get_attribute("class") or "") else "doing"
        seen = board.evaluate("window.changes.length")
        clicked = head.evaluate("Date.now()")
        row.locator(f".states button[value={state}]").click()
        board.wait_for_function(f"window.changes.length > {seen}", timeout=10000)
        delays.append(board.evaluate(f"window.changes[{seen}]") - clicked)
        board.wait_for_timeout(150)
    return delays


def throughput(base, seconds, clients, usernames):
    """Ticks/s with `clients` keep-alive connections, each a different unit flipping its own tasks."""
    counts, errors = [0] * clients, [0] * clients
    stop = time.monotonic() + seconds

    def run(i):
        wire = Wire(base)
        wire.login(usernames[i])
        r, content, _ = wire.request("GET", "/checklist")
        html = decoded(r, content)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        versions = {action: int(version) for action, version in
                    re.findall(r'action="(/checks/\d+/\d+)".*?name="version" value="(\d+)"', html, re.S)}
        actions = list(versions)
        n = 0
        while time.monotonic() < stop:
            action = actions[n % len(actions)]
            state = ("done", "doing")[(n // len(actions)) % 2]
            form = urllib.parse.urlencode({"state": state, "note": "", "version": versions[action], "csrf_token": token})
            r, content, _ = wire.request("POST", action, form, {"Content-Type": "application/x-www-form-urlencoded",
                                                                "HX-Request": "true"})
            if r.status == 200:
                # As the page would: the next tick of this task carries the version the answer shows.
                versions[action] = int(re.search(r'name="version" value="(\d+)"', decoded(r, content)).group(1))
                counts[i] += 1
            else:
                errors[i] += 1
            n += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return sum(counts) / seconds, sum(errors)


def open_checklists(base, usernames) -> list:
    """One live checklist stream per unit, as phones left on the checklist page hold them."""
    host, port = "127.0.0.1", int(base.rsplit(":", 1)[1])
    streams = []
    for username in usernames:
        wire = Wire(base)
        wire.login(username)
        s = socket.create_connection((host, port))
        s.sendall(f"GET /checklist/events HTTP/1.1\r\nHost: x\r\nCookie: {wire.cookie}\r\n\r\n".encode())
        streams.append(s)
    return streams


def board_renders(base, seconds, clients, kind=""):
    done = [0] * clients
    stop = time.monotonic() + seconds

    def run(i):
        wire = Wire(base)
        wire.login("vanhoa")
        while time.monotonic() < stop:
            r, _, _ = wire.request("GET", f"/board{kind}", headers={"HX-Request": "true"})
            done[i] += r.status == 200

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return sum(done) / seconds


def viewers(base, count, server):
    """Opens `count` board streams, appends one tick, and counts the streams that delivered it."""
    office = Wire(base)
    office.login("vanhoa")
    host, port = "127.0.0.1", int(base.rsplit(":", 1)[1])
    streams = []
    for _ in range(count):
        s = socket.create_connection((host, port))
        s.sendall(f"GET /board/events HTTP/1.1\r\nHost: x\r\nCookie: {office.cookie}\r\n\r\n".encode())
        streams.append(s)
    time.sleep(2)
    rss = server.rss_mb()
    unit = Wire(base)
    unit.login("ban-na-it")
    r, content, _ = unit.request("GET", "/checklist")
    html = decoded(r, content)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    unit.request("POST", *next_tick(html, token))
    deadline = time.monotonic() + 15
    delivered = 0
    for s in streams:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        data = b""
        try:
            while b"event: change" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        delivered += b"event: change" in data
        s.close()
    return delivered, rss


def throttle(page, link):
    down, up, rtt = LINKS[link]
    page.context.new_cdp_session(page).send("Network.emulateNetworkConditions", {
        "offline": False, "latency": rtt, "downloadThroughput": down * 1000 / 8, "uploadThroughput": up * 1000 / 8})


def upload(page, picture) -> tuple[float, int]:
    """Seconds from choosing the photo to its thumbnail shown, and the upload's bytes on the wire."""
    sent = []
    page.on("requestfinished", lambda r: r.method == "POST" and "/evidence/" in r.url and sent.append(r))
    field = page.locator("input[type=file]").first
    # That task's photos only: a page-wide count also counted photos folded away under "Đã xong", so the wait
    # was for a thumbnail nobody can see (the 2G row, after the Slow 3G row's tick had folded a task, never ended).
    photos = page.locator(f"#evidence-{field.get_attribute('id').removeprefix('file-')} img")
    shown = photos.count()
    began = time.perf_counter()
    field.set_input_files(picture)
    if not page.evaluate("() => document.documentElement.classList.contains('js')"):
        # The plain form, as before. Its button is folded under "Thêm minh chứng" (evidence opens on demand):
        # unfolded first, or the click waits for a button nobody can see, and the row never finished.
        page.locator("details.add-evidence summary").first.click()
        page.locator("form.upload button").first.click(timeout=900_000)
    photos.nth(shown).wait_for(timeout=900_000)
    secs = time.perf_counter() - began
    page.wait_for_timeout(200)
    return secs, int(sent[0].all_headers()["content-length"])


def offline_rows(browser, base, link, picture):
    """The unit phone's offline part: a repeat visit shown from the service worker's cache (time to the task
    list painted), a 12 MP photo's upload without and with shrinking on the phone, and a tap to "Chờ gửi"."""
    results = {}
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True, java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", "ban-na-it")
    page.fill("#password", "demo2026")
    page.click("button.primary")
    throttle(page, link)
    step(f"{link}: plain form upload")
    results["12 MP photo, plain form (before)"] = upload(page, picture)
    context.close()

    step(f"{link}: with the service worker")
    page = log_in(browser, base, "ban-na-it")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()
    page.wait_for_function("caches.open('pages').then(c => c.match('/checklist')).then(Boolean)")
    throttle(page, link)
    page.goto(base + "/checklist", wait_until="load")
    # Headless chromium may paint after the load event: the entry is waited for, not read at once.
    page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0")
    painted = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime")
    results["repeat visit: task list painted (cache)"] = (painted / 1000, None)
    page.wait_for_function("window.outbox !== undefined")
    results["12 MP photo, shrunk on the phone (after)"] = upload(page, picture)
    page.evaluate("""() => {
        document.addEventListener('click', () => { window.clicked = performance.now(); }, {capture: true, once: true});
        new MutationObserver((changes, observer) => {
            if ([...document.querySelectorAll('.check .sync')].some(p => p.textContent === 'Chờ gửi')) {
                window.pending = performance.now(); observer.disconnect(); }
        }).observe(document.body, {subtree: true, childList: true, characterData: true}); }""")
    page.locator("div.check.todo .states button[value=done]").first.click()
    page.wait_for_function("window.pending > 0")
    results["tap to “Chờ gửi”"] = (page.evaluate("window.pending - window.clicked") / 1000, None)
    page.context.close()
    return results


def step(text):
    print(f"… {text}", file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter runs, fewer ticks")
    parser.add_argument("--offline", action="store_true", help="only the unit phone's offline rows")
    args = parser.parse_args()
    seconds = 3 if args.quick else 8
    results = {"date": dt.datetime.now().isoformat(timespec="seconds"), "machine": f"{os.cpu_count()} cores"}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        demo = f"sqlite:///{tmp}/demo.db"
        flask(demo, "db", "upgrade")
        flask(demo, "demo")
        server = Server(demo)
        try:
            step("offline phone")
            picture = Path(tmp) / "IMG_0001.jpg"
            picture.write_bytes(photo())
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                for link in LINKS:
                    for name, (secs, size) in offline_rows(browser, server.base, link, str(picture)).items():
                        shown = f"{secs * 1000:.0f} ms" + (f", {size / 1024:.1f} KB" if size is not None else "")
                        rows.append((link, name, shown))
                        results[f"{link}: {name}"] = {"seconds": secs, "bytes": size}
                        step(f"{link}: {name}: {shown}")
                browser.close()
            if args.offline:
                return report(rows, results)
            step("page weight")
            for name, size in weights(server.base).items():
                rows.append(("bytes on the wire", name, f"{size / 1024:.1f} KB"))
                results[f"weight: {name}"] = size
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                for link in LINKS:
                    step(link)
                    for name, (secs, size) in emulated(browser, server.base, link).items():
                        shown = f"{secs * 1000:.0f} ms" + (f", {size / 1024:.1f} KB" if size is not None else "")
                        rows.append((link, name, shown))
                        results[f"{link}: {name}"] = {"seconds": secs, "bytes": size}
                step("tick to board")
                delays = tick_to_board(browser, server.base, 8 if args.quick else 20)
                q = statistics.quantiles(delays, n=20)
                rows.append(("loopback", f"tick to board, {len(delays)} ticks", f"p50 {statistics.median(delays):.0f} ms, p95 {q[18]:.0f} ms"))
                results["tick to board ms"] = delays
                browser.close()
            step("200 viewers")
            delivered, rss = viewers(server.base, 200, server)
            rows.append(("loopback", "200 board streams open, one tick", f"{delivered}/200 delivered, workers {rss:.0f} MB RSS"))
            results["viewers"] = {"open": 200, "delivered": delivered, "rss_mb": rss}
        finally:
            server.stop()

        step("200 units × 40 tasks")
        big = big_database(f"sqlite:///{tmp}/big.db", 200, 40)
        server = Server(big, PORTAL_LOGIN_RATE_LIMIT="100000 per minute")  # 150 phones log in from here
        try:
            usernames = [f"bench-{i:03}" for i in range(16)]
            rate, errors = throughput(server.base, seconds, 16, usernames)
            rows.append(("gunicorn, 200 units × 40 tasks", "ticks/s (16 clients)", f"{rate:.0f}/s, {errors} errors"))
            results["ticks per second"] = {"rate": rate, "errors": errors}
            renders = board_renders(server.base, seconds, 4)
            rows.append(("gunicorn, 200 units × 40 tasks", "board renders/s (4 clients)", f"{renders:.1f}/s"))
            results["board renders per second"] = renders
            step("checklists open")
            streams = open_checklists(server.base, [f"bench-{i:03}" for i in range(16, 166)])
            time.sleep(2)
            began = server.cpu_seconds()
            time.sleep(seconds)
            idle = (server.cpu_seconds() - began) / seconds
            rate, errors = throughput(server.base, seconds, 16, usernames)
            [s.close() for s in streams]
            rows.append(("… with 150 checklists open", "workers' CPU, nobody ticking", f"{100 * idle:.0f}% of a core"))
            rows.append(("… with 150 checklists open", "ticks/s (16 clients)", f"{rate:.0f}/s, {errors} errors"))
            results["150 checklists open"] = {"idle cpu": idle, "ticks per second": rate, "errors": errors}
        finally:
            server.stop()

    report(rows, results)


def report(rows, results):
    width = max(len(r[0]) for r in rows), max(len(r[1]) for r in rows)
    print(f"{'setting':<{width[0]}}  {'measure':<{width[1]}}  result")
    print(f"{'-' * width[0]}  {'-' * width[1]}  {'-' * 24}")
    for a, b, c in rows:
        print(f"{a:<{width[0]}}  {b:<{width[1]}}  {c}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
