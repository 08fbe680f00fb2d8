"""Who may use which route: every rule of the URL map, as every role and as a stranger, against one table.

The table is ACCESS in flows.py (the fuzzer and the XSS walk read it too); a new route fails
`test_every_route_is_in_the_table` until someone decides there who may use it."""
import io
import zipfile
from urllib.parse import urlsplit

import pytest

from portal.models import Event, Unit, User

from conftest import ROLE_USERS, csrf_token, soup, switch
from flows import ACCESS, ALL, LAST, OWNED, PUBLIC, b_names, objects_of, routes, tick, url

NOT_IDS = {"filename", "award", "line", "code"}  # URL arguments that name no row of a commune


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
        if ACCESS[endpoint] == PUBLIC:  # /cong-khai leads on to the commune's page
            ok = status < 500 and (method != "GET" or status == 200 or endpoint == "public.single" and status == 302)
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


def test_every_state_changing_route_refuses_a_request_without_a_csrf_token(app, actor, objects, commune_b):
    """As someone allowed to use it, so only the missing token stops the request; nothing is recorded."""
    users = {**ROLE_USERS, "province": "tinh"}
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
                switch(actor, users[who]) if who else actor.client.post(
                    "/logout", data={"csrf_token": csrf_token(actor.client)})
            else:
                actor.login(users[who])
            signed_in = who
        response = actor.client.open(url(app, endpoint, method, rule, objects), method=method, data={"x": "1"})
        page = soup(response)
        if response.status_code != 400 or "Phiên làm việc đã hết hạn" not in page.select_one(".flash.error").text:
            wrong.append((who, method, rule.rule, response.status_code))
    assert wrong == []
    assert Event.select().count() == events


def readable(response) -> str:
    """What a response shows: its text, or for a .docx/.xlsx (zipped) the text of the XML inside."""
    body = response.get_data()
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return body.decode("utf-8", "replace")


@pytest.mark.parametrize("role", ALL)
def test_commune_a_gets_nothing_of_commune_b(app, actor, short_streams, commune_b, role):
    """Every route that names a row of commune B answers 403 or 404 to commune A's roles, recording nothing; and
    every page, list, stream, export and API A may read shows none of B's names."""
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    b_unit = next(u for u in Unit.under(commune_b) if u.kind == "village")
    theirs = objects_of(app, b_unit)
    tick(b_unit.code, 3)  # B's log has ticks: the audit and the streams could leak them
    names = b_names(commune_b)
    assert len(names) > 10 and "UBND xã Tân Phong" in names
    actor.login(ROLE_USERS[role])
    wrong, leaks, read = [], [], 0
    for endpoint, method, rule in routes(app):
        if ACCESS[endpoint] == PUBLIC or endpoint in LAST:
            continue
        ids = set(rule.arguments) - NOT_IDS
        if ids:
            before = Event.last_id()
            status, _ = send(actor.client, method, url(app, endpoint, method, rule, theirs),
                             csrf_token(actor.client) if method != "GET" else None)
            if status not in (403, 404) or Event.last_id() != before:
                wrong.append((method, rule.rule, status))
        elif method == "GET" and not rule.arguments and role in ACCESS[endpoint]:
            path = rule.rule + ("?since=0" if endpoint.endswith(".events") else "")
            response = actor.client.get(path)
            text = readable(response)
            read += response.status_code == 200
            leaks += [(rule.rule, name) for name in names if name in text]
    assert wrong == []
    assert leaks == []
    assert read >= 3  # the walk did read pages


def test_commune_b_sees_its_own_names(app, actor, commune_b):
    """The other side of the walk above: B's office reads B's units where A's reads none of them."""
    actor.login("vanhoa-tan-phong")
    board = actor.client.get("/board").get_data(as_text=True)
    assert [n for n in b_names(commune_b) if n in board and n != "UBND xã Tân Phong"]
    assert "Bản Nà Bỏ" not in board  # A's village


def test_the_province_reads_every_commune_and_changes_nothing(app, actor, objects, commune_b):
    """The province reads what ACCESS gives it, on commune A by ?xa=; every other route is 403 and records nothing."""
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    actor.login("tinh")
    wrong = []
    for endpoint, method, rule in routes(app):
        if ACCESS[endpoint] == PUBLIC:
            continue  # the stranger's test walks them; /cong-khai names no commune once there are two
        allowed = "province" in ACCESS[endpoint]
        token = csrf_token(actor.client) if method != "GET" else None
        before = Event.last_id()
        path = url(app, endpoint, method, rule, objects)
        path += ("&" if "?" in path else "?") + "xa=xa-binh-lu"
        status, location = send(actor.client, method, path, token)
        if allowed:
            ok = status < 500 and status not in (401, 403) and (endpoint in LAST or not to_login(status, location))
            if method == "GET":
                ok = ok and status in (200, 302, 303)
        else:
            ok = status == 403 and Event.last_id() == before
        if not ok:
            wrong.append((method, rule.rule, status))
    assert wrong == []


@pytest.mark.parametrize("path", ["/board", "/api/progress?xa=nope", "/board?xa=xa-binh-lu"])
def test_the_province_names_a_commune_of_its_own(actor, commune_b, path):
    """Without ?xa=, or naming no commune of the province, a commune page is not found; Bình Lư's is."""
    actor.login("tinh")
    assert actor.client.get(path).status_code == (200 if "xa-binh-lu" in path else 404)


def test_a_commune_account_cannot_read_another_commune_by_naming_it(actor, commune_b):
    actor.login("vanhoa")
    board = actor.client.get("/board?xa=tan-phong").get_data(as_text=True)
    assert "UBND xã Tân Phong" not in board and "Bản Nà Bỏ" in board
