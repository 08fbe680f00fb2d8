"""Live push from the event log: the SSE streams of the board and the checklist."""
import http.client
import re
import threading
import time
import urllib.parse

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from portal.db import database
from portal.models import Event, Task, Unit

from conftest import log_in, soup, switch
from flows import Phone, messages, photo, session_cookie, tick


def test_the_board_stream_sends_each_missed_event_once_with_its_log_id(short_streams, actor):
    ids = tick("ban-na-bo", 3) + tick("ban-na-it", 2)
    actor.login("vanhoa")
    response = actor.client.get("/board/events?since=0")
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert body.startswith("retry: ")
    got = messages(body)
    assert [int(m["id"]) for m in got] == ids
    assert {m["event"] for m in got} == {"change"}
    unit = Unit.get(Unit.code == "ban-na-it")
    last = soup_of(got[-1]["data"])
    row = last.select_one(f"tr#unit-{unit.id}[hx-swap-oob]")
    assert row is not None and row.select("td")[2].text == f"{round(100 * 2 / area_total(unit, 1))}%"
    assert last.select_one("#summary[hx-swap-oob]")


def test_a_board_stream_scores_the_units_ticked_while_it_is_open_as_the_board_would(short_streams, actor):
    """The stream reads the board once and then re-scores only the units each batch touched."""
    short_streams.config.update(LIVE_STREAM_SECONDS=1.5)
    actor.login("vanhoa")

    def ticks_meanwhile():
        time.sleep(0.4)
        with short_streams.app_context(), database.connection_context():  # the clock reads the app's config
            tick("ban-na-bo", 2)
            tick("ban-na-it", 3, state="doing")
            tick("ban-binh-lu", 1, state="na")

    thread = threading.Thread(target=ticks_meanwhile)
    thread.start()
    got = messages(actor.client.get("/board/events").get_data(as_text=True))
    thread.join()
    assert len(got) == 6
    board = soup(actor.client.get("/board"))
    assert soup_of(got[-1]["data"]).select_one("#summary").text == board.select_one("#summary").text
    for code in ("ban-na-bo", "ban-na-it", "ban-binh-lu"):
        unit = Unit.get(Unit.code == code)
        streamed = [soup_of(m["data"]).select_one(f"tr#unit-{unit.id}") for m in got]
        last = [row for row in streamed if row][-1]
        assert last.get_text() == board.select_one(f"tr#unit-{unit.id}").get_text()


def soup_of(html):
    """A live message parsed, with its <template> wrappers opened (CSS selectors do not enter them)."""
    return BeautifulSoup(html.replace("<template>", "").replace("</template>", ""), "html.parser")


def area_total(unit, position):
    return sum(1 for t in Task.select() if t.applies_to(unit) and t.area.position == position)


def test_a_reconnecting_board_gets_only_what_it_missed(short_streams, actor):
    first = tick("ban-na-bo", 2)
    later = tick("ban-na-it", 2)
    actor.login("vanhoa")
    by_header = actor.client.get("/board/events?since=0", headers={"Last-Event-ID": str(first[-1])})
    assert [int(m["id"]) for m in messages(by_header.get_data(as_text=True))] == later
    by_query = actor.client.get(f"/board/events?since={first[-1]}")
    assert [int(m["id"]) for m in messages(by_query.get_data(as_text=True))] == later


def test_a_stream_without_a_cursor_starts_from_now_and_beats_while_idle(short_streams, actor):
    tick("ban-na-bo", 2)
    actor.login("vanhoa")
    body = actor.client.get("/board/events").get_data(as_text=True)
    assert messages(body) == []
    assert ": heartbeat" in body


def test_the_board_stream_follows_the_kind_filter(short_streams, actor):
    tick("ban-na-bo", 1)
    school = tick("th-binh-lu", 1)
    actor.login("vanhoa")
    got = messages(actor.client.get("/board/events?since=0&kind=school").get_data(as_text=True))
    assert [int(m["id"]) for m in got] == school


def test_a_unit_stream_carries_only_its_own_ticks(short_streams, actor):
    mine = tick("ban-na-bo", 2)
    tick("ban-na-it", 2)
    actor.login("ban-na-bo")
    got = messages(actor.client.get("/checklist/events?since=0").get_data(as_text=True))
    assert [int(m["id"]) for m in got] == mine
    row = soup_of(got[0]["data"]).select_one("div.check.done[hx-swap-oob]")
    assert row.select_one("input[name=version]")["value"] == "1"
    assert soup_of(got[0]["data"]).select_one("#overall[hx-swap-oob]")


def test_the_page_tells_its_stream_where_to_start(actor):
    tick("ban-na-bo", 2)
    actor.login("vanhoa")
    connect = soup(actor.client.get("/board?kind=village")).select_one("[sse-connect]")["sse-connect"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(connect).query)
    assert query == {"kind": ["village"], "since": [str(Event.last_id())]}


# --- across gunicorn workers -------------------------------------------------------------

@pytest.fixture
def server_env():
    return {"WEB_CONCURRENCY": "2", "PORTAL_LIVE_HEARTBEAT_SECONDS": "1"}


def read_stream(base, cookie, since, until_ids, headers=None, seconds=8):
    """Reads a board stream until the events `until_ids` arrived; returns every id seen."""
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=seconds)
    conn.request("GET", f"/board/events?since={since}", headers={"Cookie": cookie, **(headers or {})})
    response = conn.getresponse()
    assert response.status == 200
    seen, buffer, deadline = [], "", time.monotonic() + seconds
    while not set(until_ids) <= set(seen) and time.monotonic() < deadline:
        buffer += response.fp.readline().decode()
        seen = [int(m["id"]) for m in messages(buffer)]
    conn.close()
    return seen


def test_ticks_reach_a_board_stream_whichever_worker_served_them(server, app):
    cookie = session_cookie(server, "vanhoa")
    start = Event.last_id()
    ids = tick("ban-na-bo", 3) + tick("cong-an", 2)  # written by this process: the log is the only channel
    assert read_stream(server, cookie, start, ids) == ids
    assert read_stream(server, cookie, start, ids[2:], headers={"Last-Event-ID": str(ids[1])}) == ids[2:]


def checklist_stream(phone, since):
    """The phone's checklist stream, once open (its first line has come), and a reader of its message ids."""
    response = phone.http.get(f"{phone.base}/checklist/events?since={since}", stream=True, timeout=10)
    lines = response.iter_lines(decode_unicode=True)
    assert next(lines).startswith("retry:")

    def ids_until(last):
        seen = []
        for line in lines:
            if line.startswith("id: "):
                seen.append(int(line.removeprefix("id: ")))
            if seen and seen[-1] == last:
                return seen
    return ids_until


def test_a_phone_gets_back_only_its_changes_from_before_its_stream_opened_and_all_of_its_other_phones(server):
    """A tick's answer carries its row: on the stream of the browser that made it while the stream is open, it would
    be a second copy on 2G. One made before the stream opened may have had its answer lost to a reload, so it is
    sent; so is everything from the unit's other phones."""
    mine, other = Phone(server, "ban-na-bo"), Phone(server, "ban-na-bo")
    first, second, third = list(mine.rows)[:3]
    start = Event.last_id()
    assert mine.tick(first)[0]
    before = Event.last_id()
    ids_until = checklist_stream(mine, start)
    assert ids_until(before) == [before]
    assert mine.tick(second)[0]
    assert other.tick(third)[0]
    assert ids_until(Event.last_id()) == [Event.last_id()]  # the second tick, its own, did not come


def test_two_phones_of_one_unit_see_each_others_ticks(server, browser):
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = next(t for t in Task.select().order_by(Task.id) if t.applies_to(unit))
    first = log_in(browser, server, "ban-na-bo")
    second = log_in(browser, server, "ban-na-bo")
    expect(second.locator(f"#check-{task.id}")).to_have_class("check todo")
    second.wait_for_function("document.querySelector('[sse-connect]') && htmx")
    first.locator(f"#task-{task.id} button[value=done]").click()
    expect(first.locator(f"#check-{task.id}")).to_have_class("check done")
    expect(second.locator(f"#check-{task.id}")).to_have_class("check done", timeout=5000)
    expect(second.locator("#overall strong")).not_to_have_text("0%")
    # The second phone now holds the new version, so its own tick is accepted, not refused as stale.
    second.locator(f"#task-{task.id} button[value=doing]").click()
    expect(second.locator(f"#check-{task.id}")).to_have_class("check doing")
    expect(second.locator(f"#task-{task.id} [role=alert]")).to_have_count(0)
    expect(first.locator(f"#check-{task.id}")).to_have_class("check doing", timeout=5000)


def test_a_photo_added_on_one_phone_shows_on_the_other(server, browser, tmp_path):
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = next(t for t in Task.select().order_by(Task.id) if t.applies_to(unit))
    (tmp_path / "anh.jpg").write_bytes(photo((800, 600)))
    first = log_in(browser, server, "ban-na-bo")
    second = log_in(browser, server, "ban-na-bo")
    second.wait_for_function("document.querySelector('[sse-connect]') && htmx")
    expect(first.locator("html")).to_have_class(re.compile(r"\bjs\b"))  # the outbox (offline.js) has loaded
    first.set_input_files(f"#file-{task.id}", str(tmp_path / "anh.jpg"))
    expect(first.locator(f"#evidence-{task.id} img")).to_have_count(1)
    expect(second.locator(f"#evidence-{task.id} img")).to_have_count(1, timeout=5000)
    first.on("dialog", lambda dialog: dialog.accept())
    first.locator(f"#evidence-{task.id} button.remove").click()
    expect(first.locator(f"#evidence-{task.id} img")).to_have_count(0)
    expect(second.locator(f"#evidence-{task.id} img")).to_have_count(0, timeout=5000)


def test_two_tabs_of_one_login_see_each_others_ticks_and_photos(server, browser, tmp_path):
    """One login's streams leave out its own changes (their answers carry them): its other tabs get them from the
    tab that made them, not from the server."""
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = next(t for t in Task.select().order_by(Task.id) if t.applies_to(unit))
    (tmp_path / "anh.jpg").write_bytes(photo((800, 600)))
    first = log_in(browser, server, "ban-na-bo")
    second = first.context.new_page()
    second.goto(server + "/checklist")
    for page in (first, second):
        expect(page.locator("html")).to_have_class(re.compile(r"\bjs\b"))  # the outbox (offline.js) has loaded
    first.locator(f"#task-{task.id} button[value=done]").click()
    expect(first.locator(f"#check-{task.id}")).to_have_class("check done")
    expect(second.locator(f"#check-{task.id}")).to_have_class("check done")
    expect(second.locator("#overall strong")).not_to_have_text("0%")
    # The second tab now holds the new version, so its own tick is accepted, not refused as stale.
    second.locator(f"#task-{task.id} button[value=doing]").click()
    expect(second.locator(f"#check-{task.id}")).to_have_class("check doing")
    expect(second.locator(f"#task-{task.id} [role=alert]")).to_have_count(0)
    expect(first.locator(f"#check-{task.id}")).to_have_class("check doing")

    first.set_input_files(f"#file-{task.id}", str(tmp_path / "anh.jpg"))
    expect(first.locator(f"#evidence-{task.id} img")).to_have_count(1)
    expect(second.locator(f"#evidence-{task.id} img")).to_have_count(1)
    second.on("dialog", lambda dialog: dialog.accept())
    second.locator(f"#evidence-{task.id} button.remove").click()
    expect(second.locator(f"#evidence-{task.id} img")).to_have_count(0)
    expect(first.locator(f"#evidence-{task.id} img")).to_have_count(0)
    assert Event.select().where(Event.unit == unit).count() == 4


def test_a_tick_made_offline_is_kept_retried_and_saved_once(server, browser):
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = next(t for t in Task.select().order_by(Task.id) if t.applies_to(unit))
    page = log_in(browser, server, "ban-na-bo")
    expect(page.locator(f"#check-{task.id}")).to_have_class("check todo")
    expect(page.locator("html")).to_have_class(re.compile(r"\bjs\b"))  # the outbox (offline.js) has loaded
    page.context.set_offline(True)
    page.locator(f"#task-{task.id} button[value=done]").click()
    row = page.locator(f"#check-{task.id}")
    expect(row).to_have_class("check todo pending")
    expect(row.locator(".sync")).to_contain_text("Chờ gửi")  # kept in the outbox until the link returns
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(row).to_have_class("check done", timeout=10000)
    expect(row.locator(".sync")).to_contain_text("Đã lưu")
    events = Event.select().where(Event.unit == unit, Event.kind == "check.set", Event.subject == f"task:{task.id}")
    assert events.count() == 1
