"""Fixtures: an app on a real database (SQLite, or PostgreSQL when PORTAL_TEST_DATABASE_URL is set),
loaded with the Bình Lư demo campaign, and helpers that act as its users."""
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import sync_playwright

from portal import create_app
from portal.cli import upgrade
from portal.db import database, is_sqlite
from portal.demo import DEMO_PASSWORD, load_demo
from portal.models import MODELS, Task, Unit, User

FAST_HASH = "pbkdf2:sha256:1000"  # tests log in hundreds of times; production keeps scrypt
TODAY = "2026-02-10"  # day 10 of 28: a unit on pace has done 36% of its tasks
PLAN_START = dt.date(2026, 2, 1)  # the Bình Lư plan's own dates: 01/02–28/02/2026, sơ kết due 18/02


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture(scope="session")
def db_url(tmp_path_factory):
    return os.environ.get("PORTAL_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def make_app(db_url, **extra):
    return create_app({
        "TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": "test-secret", "TODAY": TODAY,
        "PASSWORD_HASH_METHOD": FAST_HASH, **extra,
    })


def drop_everything():
    tables = [m._meta.table_name for m in MODELS] + ["migratehistory"]
    cascade = "" if is_sqlite() else " CASCADE"
    for table in reversed(tables):
        database.execute_sql(f'DROP TABLE IF EXISTS "{table}"{cascade}')


@pytest.fixture(scope="session")
def schema(db_url):
    """Migrations run once from an empty database, as on a new server."""
    app = make_app(db_url)
    with app.app_context():
        drop_everything()
        upgrade()
        database.close()
    return db_url


def empty_tables():
    tables = [m._meta.table_name for m in MODELS]
    if is_sqlite():
        database.execute_sql("PRAGMA foreign_keys = OFF")  # the unit tree refers to itself
        for table in reversed(tables):
            database.execute_sql(f'DELETE FROM "{table}"')
        database.execute_sql("PRAGMA foreign_keys = ON")
    else:
        database.execute_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


@pytest.fixture
def app(schema):
    app = make_app(schema)
    with app.app_context():
        empty_tables()
        load_demo(FAST_HASH, progress=False, starts_on=PLAN_START)
        database.close()
        yield app
        stop_hub(app)
        if not database.is_closed():
            database.close()


def stop_hub(app):
    """Stops the live hub a test's streams started. Left running, its next read goes through the proxy to the next
    test's database, and a read that began on this one ends on that one's pool without giving its connection back
    (a test that takes every connection of the pool then waits for ever for the last one)."""
    hub = app.extensions.get("live")
    if hub is None or not hub.running:
        return
    with hub.lock:
        hub.queues.clear()  # the streams the test left open, which no one reads any more
    if not is_sqlite():
        database.execute_sql("SELECT pg_notify('event', '')")  # wakes it now rather than after LISTEN_SECONDS
    for thread in threading.enumerate():
        if thread.name == "live-hub":
            thread.join(10)
    assert not hub.running, "the live hub did not stop"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Actor:
    """A person at a browser: logs in through the form and submits the forms the pages show."""

    def __init__(self, client):
        self.client = client

    def login(self, username, password=DEMO_PASSWORD):
        token = soup(self.client.get("/login")).select_one("input[name=csrf_token]")["value"]
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    def row_form(self, task_id, path="/checklist") -> dict:
        """The hidden fields of a task row, as the page rendered them."""
        row = soup(self.client.get(path)).select_one(f"#task-{task_id} form")
        return {i["name"]: i["value"] for i in row.select("input[type=hidden]")}

    def tick(self, unit_id, task_id, state, note="", htmx=False, **override):
        data = {**self.row_form(task_id), "state": state, "note": note, **override}
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(f"/checks/{unit_id}/{task_id}", data=data, headers=headers)

    def submit(self, path, selector, **fields):
        """Fills in the form `selector` on the page at `path` as a browser would (what the page shows, with
        `fields` typed over it; a list value ticks those checkboxes), and posts it to its action."""
        form = soup(self.client.get(path)).select_one(selector)
        return self.client.post(form.get("action") or path, data={**form_data(form), **fields})


@pytest.fixture
def actor(client):
    return Actor(client)


@pytest.fixture
def village(app):
    """Bản Nà Bỏ and the first task that applies to villages."""
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = next(t for t in Task.select().order_by(Task.id) if t.applies_to(unit))
    return unit, task


ROLE_USERS = {"unit": "ban-na-bo", "office": "vanhoa", "council": "hoidong", "leader": "chutich", "supervisor": "mttq"}


def user(username) -> User:
    return User.get(User.username == username)


ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server_env():
    """Extra environment for the `server` fixture; a test module may override it."""
    return {}


class Gunicorn:
    """gunicorn with the project's own config on one port; `proc` is the master (its children are the workers)."""

    def __init__(self, db_url, env, log):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PORT": str(self.port), "PORTAL_DATABASE_URL": db_url,
                    "PORTAL_SECRET_KEY": "browser-test", "PORTAL_TODAY": TODAY, **env}
        self.log = log  # the server's stderr (its error log), across restarts
        self.start()

    def start(self):
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                         cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        self.proc.kill()
        pytest.fail("gunicorn did not start: " + self.log.read_text())

    def stop(self):
        self.proc.send_signal(signal.SIGINT)  # quick shutdown: open event streams need not drain
        self.proc.wait(10)


@pytest.fixture
def gunicorn(app, server_env, tmp_path):
    """gunicorn on the test database that `app` just filled, for tests that signal or restart it."""
    server = Gunicorn(app.config["DATABASE_URL"], server_env, tmp_path / "gunicorn.log")
    yield server
    server.stop()


@pytest.fixture
def server(gunicorn):
    """The base URL of gunicorn on the test database."""
    return gunicorn.base


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium(playwright):
    """One chromium for the whole run (starting it costs more than most tests); each test gets its own contexts."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: `make test` installs it")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser(chromium):
    yield chromium
    for context in chromium.contexts:  # cookies, storage and pages never carry over to the next test
        context.close()


def log_in(browser, base, username, **context):
    """A new browser (its own cookies) at 360 px, logged in through the form, on the page the login leads to."""
    page = browser.new_context(viewport={"width": 360, "height": 740}, **context).new_page()
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", "demo2026")
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def form_data(form) -> dict:
    """What a browser sends for `form` (parsed HTML) if the user changes nothing; buttons left out."""
    data = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        name, kind = field["name"], field.get("type", "text")
        if field.name == "textarea":
            data[name] = field.text.removeprefix("\r\n").removeprefix("\n")
        elif field.name == "select":
            option = field.select_one("option[selected]") or field.select_one("option")
            data[name] = option.get("value", option.text) if option else ""
        elif kind in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data.setdefault(name, []).append(field.get("value", "on"))
        elif kind not in ("submit", "button", "file"):
            data[name] = field.get("value", "")
    if form.select_one("button[data-confirm]"):
        data["confirmed"] = "1"  # the user says yes to the question the button asks first
    return data


def csrf_token(client) -> str:
    """A valid token for the logged-in session, from the logout form on the user's landing page."""
    page = soup(client.get("/", follow_redirects=True))
    return page.select_one("form.logout input[name=csrf_token]")["value"]


def switch(actor, username):
    """Logs out and in as someone else, on the same client: the test's app context holds the current user,
    so a second client would see the first one's."""
    actor.client.post("/logout", data={"csrf_token": csrf_token(actor.client)})
    return actor.login(username)


# The shared flows' fixtures, imported last: flows.py uses the helpers above.
from flows import commune_b, files, objects, prefix, published, short_streams  # noqa: E402,F401 - fixtures
