"""Page-weight budgets for a village head on 2G, measured over real gunicorn responses."""
import gzip
import http.client
import re
import urllib.parse

import brotli
from bs4 import BeautifulSoup
import pytest

from portal.models import Task, Unit, User, set_check

from conftest import FAST_HASH

KB = 1024
ACCEPT = {"Accept-Encoding": "br, gzip"}


class Wire:
    """An HTTP/1.1 client that counts every byte a response puts on the wire, headers included."""

    def __init__(self, base):
        self.conn = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=10)
        self.cookie = ""

    def request(self, method, path, body=None, headers=None):
        headers = {**ACCEPT, **({"Cookie": self.cookie} if self.cookie else {}), **(headers or {})}
        self.conn.request(method, path, body, headers)
        response = self.conn.getresponse()
        content = response.read()
        if response.getheader("Set-Cookie"):
            self.cookie = response.getheader("Set-Cookie").split(";")[0]
        head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + 2
        head += sum(len(k) + len(v) + 4 for k, v in response.getheaders())
        return response, content, head + len(content)

    def login(self, username):
        response, content, _ = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', decoded(response, content)).group(1)
        form = urllib.parse.urlencode({"username": username, "password": "demo2026", "csrf_token": token})
        response, _, _ = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status == 303


def decoded(response, content) -> str:
    encoding = response.getheader("Content-Encoding")
    raw = brotli.decompress(content) if encoding == "br" else gzip.decompress(content) if encoding == "gzip" else content
    return raw.decode()


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_first_visit_to_the_checklist_fits_the_budget(server):
    wire = Wire(server)
    wire.login("ban-na-bo")
    response, content, page = wire.request("GET", "/checklist")
    assert response.status == 200 and response.getheader("Content-Encoding") == "br"
    assert page <= 14 * KB, f"checklist HTML {page} B on the wire"
    statics = 0
    for url in static_urls(decoded(response, content)):
        r, _, size = wire.request("GET", url)
        assert r.status == 200 and r.getheader("Content-Encoding") == "br"
        assert r.getheader("Cache-Control") == "public, max-age=31536000, immutable"
        statics += size
    assert page + statics <= 30 * KB, f"first visit {page} + {statics} B"


def test_a_repeat_visit_costs_only_the_page(server):
    wire = Wire(server)
    wire.login("ban-na-bo")
    wire.request("GET", "/checklist")
    # Static files have content-hashed names and are immutable: a returning browser asks for none of them.
    _, _, page = wire.request("GET", "/checklist")
    assert page <= 8 * KB, f"repeat visit {page} B"


def test_one_tick_costs_less_than_one_and_a_half_kilobytes(server):
    wire = Wire(server)
    wire.login("ban-na-bo")
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = next(t for t in Task.select().order_by(Task.id) if t.applies_to(unit))
    r, content, _ = wire.request("GET", "/checklist")
    token = re.search(r'name="csrf_token" value="([^"]+)"', decoded(r, content)).group(1)
    form = urllib.parse.urlencode({"state": "done", "note": "", "version": "0", "csrf_token": token})
    response, _, size = wire.request("POST", f"/checks/{unit.id}/{task.id}", form, {
        "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"})
    assert response.status == 200
    assert size <= 1.5 * KB, f"tick response {size} B"


@pytest.fixture
def forty_units(app):
    commune = Unit.get(Unit.code == "xa-binh-lu")
    for i in range(40 - Unit.select().where(Unit.parent == commune).count()):
        unit = Unit.add(f"ban-moi-{i:02}", f"Bản Mới {i + 1:02}", "village", commune)
        head = User(username=unit.code, role="unit", unit=unit)
        head.set_password("demo2026", FAST_HASH)
        head.save()
        for task in Task.select().order_by(Task.id).limit(i % 7):
            if task.applies_to(unit):
                set_check(unit, task, "done", "", 0, head, commune.campaigns.get())
    assert Unit.select().where(Unit.parent == commune).count() == 40


def test_the_board_for_forty_units_fits_twenty_kilobytes(forty_units, server):
    wire = Wire(server)
    wire.login("vanhoa")
    response, content, size = wire.request("GET", "/board")
    assert response.status == 200 and decoded(response, content).count('<tr id="unit-') == 40
    assert size <= 20 * KB, f"board {size} B"


def test_the_offline_part_loads_after_the_page_and_the_service_worker_stays_small(server):
    """The outbox script and its IndexedDB wrapper are fetched once the page is usable, and the worker is
    registered from them; neither is on the first visit's critical path."""
    wire = Wire(server)
    wire.login("ban-na-bo")
    response, content, _ = wire.request("GET", "/checklist")
    later = BeautifulSoup(decoded(response, content), "html.parser").select_one("script[data-offline]")["data-offline"]
    sizes = [wire.request("GET", url)[2] for url in later.split()]
    assert sum(sizes) <= 8 * KB, f"offline scripts {sizes} B"
    worker, _, size = wire.request("GET", "/sw.js")
    assert worker.status == 200 and worker.getheader("Content-Encoding") == "br"
    assert size <= 4 * KB, f"service worker {size} B with headers"


def test_the_phone_revalidates_its_kept_checklist_with_a_304_until_the_unit_changes_something(server):
    wire = Wire(server)
    wire.login("ban-na-bo")
    response, content, _ = wire.request("GET", "/checklist")
    tag = response.getheader("ETag")
    again, _, size = wire.request("GET", "/checklist", headers={"If-None-Match": tag})
    assert again.status == 304 and size <= 1 * KB
    row = BeautifulSoup(decoded(response, content), "html.parser").select_one(".check form")
    fields = {i["name"]: i["value"] for i in row.select("input[type=hidden]")}
    wire.request("POST", row["action"], urllib.parse.urlencode({**fields, "state": "done"}),
                 {"Content-Type": "application/x-www-form-urlencoded"})
    changed, _, _ = wire.request("GET", "/checklist", headers={"If-None-Match": tag})
    assert changed.status == 200
