"""Real gunicorn, real Chromium: a village head ticks a task and the office board shows it."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from portal.models import Task, Unit

from conftest import TODAY

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app):
    """gunicorn with the project's own config, on the test database that `app` just filled."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
           "PORTAL_SECRET_KEY": "browser-test", "PORTAL_TODAY": TODAY, "PORTAL_BOARD_POLL_SECONDS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("gunicorn did not start: " + proc.stderr.read().decode())
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: `make test` installs it")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


def log_in(browser, base, username, **context):
    page = browser.new_context(viewport={"width": 360, "height": 740}, **context).new_page()
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", "demo2026")
    page.click("button.primary")
    return page


def test_a_village_head_ticks_a_task_and_the_office_board_shows_it(server, browser):
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = next(t for t in Task.select().order_by(Task.id) if t.applies_to(unit))

    office = log_in(browser, server, "vanhoa")
    expect(office).to_have_url(server + "/board")
    cell = office.locator(f"#unit-{unit.id} td").first
    expect(cell).to_have_text("0%")

    head = log_in(browser, server, "ban-na-bo")
    expect(head).to_have_url(server + "/checklist")
    expect(head.locator("#overall strong")).to_have_text("0%")
    requests = []
    head.on("request", lambda r: requests.append(r))
    head.locator(f"#task-{task.id} button[value=done]").first.click()
    expect(head.locator(f"#task-{task.id}")).to_have_class("task done")
    expect(head.locator(f"#task-{task.id} button[aria-pressed=true]")).to_have_text("Hoàn thành")
    expect(head.locator("#overall strong")).not_to_have_text("0%")
    expect(head.locator(f"#area-{task.area_id}-score")).to_contain_text("1/")
    assert [r.resource_type for r in requests] == ["xhr"]  # a fragment, not a page load

    # The board polls with its ETag and picks up the change by itself.
    total_area1 = sum(1 for t in Task.select() if t.applies_to(unit) and t.area_id == task.area_id)
    expect(cell).to_have_text(f"{round(100 / total_area1)}%", timeout=10000)


def test_with_javascript_off_the_same_tick_works_by_plain_form(server, browser):
    unit = Unit.get(Unit.code == "ban-na-it")
    task = next(t for t in Task.select().order_by(Task.id) if t.applies_to(unit))
    head = log_in(browser, server, "ban-na-it", java_script_enabled=False)
    expect(head).to_have_url(server + "/checklist")
    head.locator(f"#task-{task.id} details summary").click()
    head.fill(f"#task-{task.id} textarea", "Đã họp dân ngày 05/02")
    head.locator(f"#task-{task.id} button[value=doing]").first.click()
    expect(head).to_have_url(f"{server}/checklist#task-{task.id}")
    expect(head.locator(f"#task-{task.id}")).to_have_class("task doing")
    expect(head.locator(f"#task-{task.id} textarea")).to_have_value("Đã họp dân ngày 05/02")
