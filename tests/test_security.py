"""Browser-side defences: the session cookie, the security headers on every response, the login throttle,
and pages that a Content-Security-Policy with no inline script or style lets run as they are."""
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.models import Task, Unit
from portal.security import CSP

from conftest import ROOT, make_app, soup

HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
           "X-Frame-Options": "DENY"}


def session_cookie(response):
    cookie = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        cookie.load(header)
    return cookie["session"]


@pytest.mark.parametrize("secure", [False, True])
def test_the_session_cookie_is_http_only_same_site_and_secure_behind_https(actor, app, secure):
    app.config["SESSION_COOKIE_SECURE"] = secure
    response = actor.login("ban-na-bo")
    assert response.status_code == 303
    cookie = session_cookie(response)
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) is secure


def test_secure_cookies_follow_the_environment(monkeypatch, db_url):
    monkeypatch.setenv("PORTAL_SECURE_COOKIES", "1")
    assert make_app(db_url).config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("path", ["/login", "/healthz", "/cong-khai/xa-binh-lu", "/checklist", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert {name: response.headers.get(name) for name in HEADERS} == HEADERS


def test_a_signed_in_page_and_a_stylesheet_carry_them_too(actor):
    actor.login("vanhoa")
    page = actor.client.get("/units")
    stylesheet = actor.client.get(soup(page).select_one("link[rel=stylesheet]")["href"])
    for response in (page, stylesheet):
        assert response.status_code == 200
        assert {name: response.headers.get(name) for name in HEADERS} == HEADERS


def test_the_templates_need_no_inline_script_style_or_eval():
    """What the CSP would block, or what would make htmx evaluate code (hx-on, hx-vars, js: values,
    trigger filters in [...]), is absent from every template."""
    from bs4 import BeautifulSoup

    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        html = BeautifulSoup(path.read_text(), "html.parser")
        for tag in html.find_all(True):
            for name, value in tag.attrs.items():
                value = " ".join(value) if isinstance(value, list) else value
                if (name == "style" or name.startswith("on") or name.startswith(("hx-on", "hx-vars"))
                        or value.strip().startswith(("js:", "javascript:"))
                        or (name == "hx-trigger" and "[" in value)):
                    found.append((str(Path(path).relative_to(ROOT)), tag.name, name))
        found += [(str(path.relative_to(ROOT)), tag.name, "inline") for tag in html.find_all(["script", "style"])
                  if tag.name == "style" or not tag.get("src")]
    assert found == []


def test_the_twenty_first_login_in_a_minute_from_one_address_waits(client, app):
    token = soup(client.get("/login")).select_one("input[name=csrf_token]")["value"]
    statuses = [client.post("/login", data={"username": f"khach{i}", "password": "sai", "csrf_token": token}).status_code
                for i in range(21)]
    assert statuses == [400] * 20 + [429]
    page = soup(client.post("/login", data={"username": "vanhoa", "password": "demo2026", "csrf_token": token}))
    assert page.select_one(".flash.error").text.strip() == (
        "Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng đợi vài phút rồi thử lại.")
    assert client.get("/login").status_code == 200  # reading the form is not counted
    other = client.post("/login", data={"username": "vanhoa", "password": "demo2026", "csrf_token": token},
                        environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 303  # another address is not held back


def test_pages_run_without_any_policy_violation_in_a_real_browser(server, browser):
    """A village head ticks a task, the office watches the board update live and opens its pages: the browser
    reports no blocked script, style or connection, and no console error."""
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = next(t for t in Task.select().order_by(Task.id) if t.applies_to(unit))
    problems = []

    def watched(username):
        context = browser.new_context(viewport={"width": 360, "height": 740})
        # Chromium also prints each blocked resource as a console error; the event names the directive.
        context.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                                "console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI))")
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"{username} {m.type}: {m.text} {m.location}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(f"{username} page error: {e}"))
        page.on("response", lambda r: problems.append(f"{username} {r.status} {r.url}") if r.status >= 400 else None)
        page.goto(server + "/login")
        page.fill("#username", username)
        page.fill("#password", "demo2026")
        page.click("button.primary")
        return page

    office = watched("vanhoa")
    expect(office).to_have_url(server + "/board")
    cell = office.locator(f"#unit-{unit.id} td").nth(2)  # after the total and the gap: area 1
    expect(cell).to_have_text("0%")
    head = watched("ban-na-bo")
    head.locator(f"#task-{task.id} button[value=done]").first.click()
    expect(head.locator(f"#check-{task.id}")).to_have_class("check done")
    expect(cell).not_to_have_text("0%", timeout=10000)  # through the live stream
    for path in ("/units", "/campaigns", "/awards", "/reports", "/audit", "/reminders"):
        office.goto(server + path)
        expect(office.locator("main")).to_be_visible()
    assert problems == []
