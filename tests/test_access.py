"""Who may use which route: every rule of the URL map, as every role and as a stranger, against one table.

A new route fails `test_every_route_is_in_the_table` until someone decides here who may use it."""
from urllib.parse import urlsplit

import pytest

from portal import evidence
from portal.models import Area, Campaign, Comment, Event, Nomination, Report, Unit

from conftest import ROLE_USERS, csrf_token, soup, switch, user
from test_nominations import PDF

ALL = ("office", "unit", "council", "leader", "supervisor")
WATCHERS = ("office", "council", "leader", "supervisor")
PUBLIC = "public"  # anyone, signed in or not

# endpoint → the roles that may use it (every method of the rule), or PUBLIC.
# A stranger is sent to the login page for everything that is not PUBLIC.
ACCESS = {
    "static": PUBLIC,
    "pages.healthz": PUBLIC,
    "outbox.service_worker": PUBLIC,
    "outbox.manifest": PUBLIC,
    "auth.login": PUBLIC,
    "public.page": PUBLIC,
    "public.opinion": PUBLIC,
    "pages.index": ALL,
    "auth.logout": ALL,
    "accounts.password": ALL,
    "board.page": WATCHERS,
    "board.events": WATCHERS,
    "board.unit": WATCHERS,
    "board.api_progress": WATCHERS,
    "exports.board_xlsx": WATCHERS,
    "exports.report_docx": WATCHERS,
    "exports.decision_docx": WATCHERS,
    "exports.dossier": WATCHERS,
    "public.opinions": WATCHERS,
    "reports.index": WATCHERS,
    "reports.show": WATCHERS,
    "nominations.index": WATCHERS,
    "nominations.show": WATCHERS,
    "nominations.decision": WATCHERS,
    # a unit's own files: the watchers and the unit itself, never another unit
    "evidence.download": ALL,
    "evidence.thumbnail": ALL,
    "nominations.attachment": ALL,
    "checklist.page": ("unit",),
    "checklist.events": ("unit",),
    "checklist.set_state": ("unit",),
    "evidence.upload": ("unit",),
    "evidence.remove": ("unit",),
    "reports.page": ("unit",),
    "reports.save": ("unit",),
    "nominations.new": ("unit",),
    "nominations.create": ("unit",),
    "nominations.edit": ("unit",),
    "nominations.withdraw": ("unit",),
    "nominations.vote": ("council",),
    "nominations.comment": ("supervisor",),
    "audit.page": ("office",),
    "audit.export_csv": ("office",),
    "audit.export_xlsx": ("office",),
    "reminders.page": ("office",),
    "reminders.sms_POST": ("office",),
    "reminders.sms_refresh_POST": ("office",),
    "campaigns.index": ("office",),
    "campaigns.new": ("office",),
    "campaigns.import_plan": ("office",),
    "campaigns.edit": ("office",),
    "campaigns.update": ("office",),
    "campaigns.set_status": ("office",),
    "campaigns.clone": ("office",),
    "campaigns.add_area": ("office",),
    "campaigns.update_area": ("office",),
    "campaigns.remove_area": ("office",),
    "campaigns.add_task": ("office",),
    "campaigns.update_task": ("office",),
    "campaigns.remove_task": ("office",),
    "units.page": ("office",),
    "units.new": ("office",),
    "units.edit": ("office",),
    "units.set_active": ("office",),
    "units.import_file": ("office",),
    "accounts.bulk": ("office",),
    "accounts.reset": ("office",),
    "accounts.set_active": ("office",),
    "nominations.merge": ("office",),
    "nominations.send": ("office",),
    "nominations.answer": ("office",),
    "nominations.publish": ("office",),
    "meetings.page": WATCHERS,
    "meetings.minutes_docx": WATCHERS,
    "meetings.submission_docx": WATCHERS,
    "meetings.certificates_docx": WATCHERS,
    "meetings.statistics_xlsx": WATCHERS,
    "lookup.page": WATCHERS,
    "lookup.export_xlsx": WATCHERS,
    "lookup.hints": ALL,
    "meetings.save": ("office",),
    "meetings.rule": ("office",),
    "meetings.return_nomination": ("office",),
    "reports.review": ("office",),
    "reports.reopen": ("office",),
}
# Routes whose object belongs to one unit (Bản Nà Bỏ here): another unit gets 403.
OWNED = {"checklist.set_state", "evidence.upload", "evidence.remove", "evidence.download", "evidence.thumbnail",
         "nominations.attachment"}
# Last in a walk: it ends the session the walk runs in.
LAST = {"auth.logout"}


def routes(app):
    """(endpoint, method, rule) for every rule, reading pages before changing anything."""
    found = [(rule.endpoint, method, rule) for rule in app.url_map.iter_rules()
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(found, key=lambda r: (r[0] in LAST, r[1] != "GET", r[2].rule))


@pytest.fixture
def objects(app, tmp_path):
    """One of each thing a URL can name, all belonging to Bản Nà Bỏ's side of the current campaign."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    campaign = Campaign.current()
    unit = Unit.get(Unit.code == "ban-na-bo")
    area = Area.select().where(Area.campaign == campaign).order_by(Area.id).first()
    task = next(t for a in campaign.areas_with_tasks() for t in a.tasks if t.applies_to(unit))
    upload = evidence.accept(PDF)
    proof = evidence.attach(unit, task, campaign, user("ban-na-bo"), upload, "bien-ban.pdf")
    photo = evidence.attach(unit, task, campaign, user("ban-na-bo"), evidence.accept(png()), "anh.png")
    Report.create(campaign=campaign, unit=unit, highlights="Mô hình hay")
    nomination = Nomination(campaign=campaign, unit=unit, name="Lò Văn Sáng", achievement="Vận động 42 hộ",
                            award="giay-khen", attachment=upload.sha256, attachment_name="ho-so.pdf",
                            attachment_type="pdf", created_by=user("ban-na-bo"))
    nomination.fill_keys()
    nomination.save()
    comment = Comment.create(nomination=nomination, user=user("mttq"), text="Đồng ý")
    with app.test_request_context():
        stylesheet = app.jinja_env.globals["asset"]("app.css").removeprefix("/static/")
    return {"unit_id": unit.id, "task_id": task.id, "campaign_id": campaign.id, "area_id": area.id,
            "user_id": user("ban-na-bo").id, "nomination_id": nomination.id, "comment_id": comment.id,
            "evidence_id": {"evidence.thumbnail": photo.id}, "filename": stylesheet, "award": "giay-khen",
            "default": proof.id}


def png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, "PNG")
    return out.getvalue()


def url(app, endpoint, method, rule, objects) -> str:
    values = {}
    for name in rule.arguments:
        value = objects[name]
        values[name] = value.get(endpoint, objects["default"]) if isinstance(value, dict) else value
    return app.url_map.bind("localhost").build(endpoint, values, method=method)


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
        status, location = send(actor.client, method, url(app, endpoint, method, rule, objects), token)
        if allowed:
            ok = status < 500 and status not in (401, 403) and (endpoint in LAST or not to_login(status, location))
            if method == "GET":
                ok = ok and status in (200, 302, 303)
        else:
            ok = status == 403
        if not ok:
            wrong.append((method, rule.rule, status))
    assert wrong == []


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
