"""Who may use which route: every rule of the URL map, as every role and as a stranger, against one table.

The table is ACCESS in flows.py (the fuzzer and the XSS walk read it too); a new route fails
`test_every_route_is_in_the_table` until someone decides there who may use it."""
from urllib.parse import urlsplit

import pytest

from portal.models import Event

from conftest import ROLE_USERS, csrf_token, soup, switch
from flows import ACCESS, ALL, LAST, OWNED, PUBLIC, routes, url


def send(client, method, path, token=None):
    data = {"csrf_token": token} if token else {}
    # buffered=False: the live streams answer with their first bytes; nothing here reads them to the end
    response = client.open(path, method=method, data=data, buffered=False)
    status, location = response.status_code, response.headers.get("Location", "")
    response.close()
    return status, location


def to_login(status, location) -> bool:
    return status in (302, 303) and urlsplit(location).path == "/login"


def test_every_route_is_in_the_table(app):
    endpoints = {endpoint for endpoint, _, _ in routes(app)}
    assert sorted(endpoints - ACCESS.keys()) == [], "routes nobody has decided about: add them to ACCESS"
    assert sorted(ACCESS.keys() - endpoints) == [], "ACCESS names routes that no longer exist"


@pytest.mark.parametrize("role", ALL)
def test_each_role_reaches_exactly_its_routes(app, actor, objects, role):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    actor.login(ROLE_USERS[role])
    wrong = []
    for endpoint, method, rule in routes(app):
        allowed = ACCESS[endpoint] == PUBLIC or role in ACCESS[endpoint]
        token = csrf_token(actor.client) if method != "GET" else None
        before = Event.last_id()
        status, location = send(actor.client, method, url(app, endpoint, method, rule, objects), token)
        if allowed:
            ok = status < 500 and status not in (401, 403) and (endpoint in LAST or not to_login(status, location))
            if method == "GET":
                ok = ok and status in (200, 302, 303)
        else:
            ok = status == 403 and Event.last_id() == before  # refused, and nothing recorded
        if not ok:
            wrong.append((method, rule.rule, status))
    assert wrong == []


def test_a_refusal_says_why(actor):
    actor.login("vanhoa")
    response = actor.client.get("/checklist")
    assert response.status_code == 403
    assert "Bạn không có quyền xem hoặc thay đổi nội dung này." in soup(response).select_one("main").text


def test_a_stranger_is_sent_to_the_login_page_except_for_public_pages(app, client, objects):
    token = soup(client.get("/login")).select_one("input[name=csrf_token]")["value"]
    wrong = []
    for endpoint, method, rule in routes(app):
        status, location = send(client, method, url(app, endpoint, method, rule, objects),
                                token if method != "GET" else None)
        if ACCESS[endpoint] == PUBLIC:
            ok = status < 500 and (method != "GET" or status == 200)
        else:
            ok = to_login(status, location)
        if not ok:
            wrong.append((method, rule.rule, status, location))
    assert wrong == []


def test_another_unit_cannot_touch_bản_nà_bỏs_things(app, actor, objects):
    actor.login("th-binh-lu")
    wrong = []
    for endpoint, method, rule in routes(app):
        if endpoint in OWNED:
            status, _ = send(actor.client, method, url(app, endpoint, method, rule, objects),
                             csrf_token(actor.client) if method != "GET" else None)
            if status != 403:
                wrong.append((method, rule.rule, status))
    assert wrong == []
    assert len(OWNED) == len({e for e, _, _ in routes(app) if e in OWNED})


def test_every_state_changing_route_refuses_a_request_without_a_csrf_token(app, actor, objects):
    """As someone allowed to use it, so only the missing token stops the request; nothing is recorded."""
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    events = Event.select().count()
    signed_in = None
    changing = [(e, m, r) for e, m, r in routes(app) if m in ("POST", "PUT", "PATCH", "DELETE")]
    assert len(changing) > 30
    wrong = []
    for endpoint, method, rule in sorted(changing, key=lambda r: str(ACCESS[r[0]])):
        who = None if ACCESS[endpoint] == PUBLIC else ACCESS[endpoint][0]
        if who != signed_in:
            if signed_in:
                switch(actor, ROLE_USERS[who]) if who else actor.client.post(
                    "/logout", data={"csrf_token": csrf_token(actor.client)})
            else:
                actor.login(ROLE_USERS[who])
            signed_in = who
        response = actor.client.open(url(app, endpoint, method, rule, objects), method=method, data={"x": "1"})
        page = soup(response)
        if response.status_code != 400 or "Phiên làm việc đã hết hạn" not in page.select_one(".flash.error").text:
            wrong.append((who, method, rule.rule, response.status_code))
    assert wrong == []
    assert Event.select().count() == events
