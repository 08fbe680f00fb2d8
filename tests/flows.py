"""The flows many test modules share (propose, vote, publish, a photo, a PDF, an import, the access table…),
kept out of the test modules so that none imports another. conftest.py imports the fixtures among them."""
import datetime as dt
import http.client
import io
import urllib.parse
import uuid

import openpyxl
import pytest
import redis
import requests
from bs4 import BeautifulSoup
from flask import current_app
from PIL import Image

from portal import evidence, store
from portal.demo import add_commune
from portal.plan import create_campaign, proposal_of
from portal.models import (Area, Campaign, Comment, Criterion, Event, Nomination, Publication, Report, Task, TaskPoints,
                           Unit, User, set_check)

from conftest import FAST_HASH, csrf_token, form_data, soup, switch, user


# Proposals, votes, the published list, the decision

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def files(app, tmp_path):
    """Evidence and attachments are stored in the test's own directory."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")


def propose(actor, name="Lò Văn Sáng", workplace="Bản Nà Bỏ", award="giay-khen", attachment=None, **fields):
    data = {**form_data(soup(actor.client.get("/nominations/new")).select_one("main form")),
            "kind": "individual", "name": name, "position": "Trưởng bản", "workplace": workplace,
            "achievement": "Vận động 100% hộ đăng ký bản không ma túy", "award": award, **fields}
    if attachment:
        data["attachment"] = attachment
    return actor.client.post("/nominations", data=data, content_type="multipart/form-data")


def post(actor, path, **data):
    """A form posted by someone who answers yes when the page asks to confirm."""
    return actor.client.post(path, data={"csrf_token": csrf_token(actor.client), "confirmed": "1", **data})


def nomination(name="Lò Văn Sáng") -> Nomination:
    return Nomination.get(Nomination.name == name, Nomination.campaign == Campaign.current(Unit.root()))


def after_filing():
    """The clock moves past the filing deadline (23:59 on 18/02), when the list may be published; a pinned
    moment keeps its time of day."""
    config = current_app.config
    config["TODAY"] = "2026-02-19"
    if config.get("NOW"):
        config["NOW"] = "2026-02-19" + config["NOW"][10:]


def after_the_window():
    """The clock moves past the last day the public comments on the published list, when the leader may decide."""
    current_app.config["TODAY"] = (Publication.get().closes_on + dt.timedelta(days=1)).isoformat()


def sent(actor, *names):
    actor.login("ban-na-bo")
    for name in names or ("Lò Văn Sáng",):
        propose(actor, name=name)
    switch(actor, "vanhoa")
    post(actor, "/nominations/send")


def vote(actor, n, agree, comment=""):
    form = form_data(soup(actor.client.get(f"/nominations/{n.id}")).select_one("#vote"))
    return actor.client.post(f"/nominations/{n.id}/vote", data={**form, "agree": agree, "comment": comment})


def publish_with(actor, votes: dict):
    """Proposals for each name sent; the council votes as given ("1" agree, "0" disagree); after the filing deadline
    the office publishes."""
    sent(actor, *votes)
    switch(actor, "hoidong")
    for name, agree in votes.items():
        vote(actor, nomination(name), agree)
    switch(actor, "vanhoa")
    after_filing()
    post(actor, "/publication")


def approve(actor, **changes):
    form = form_data(soup(actor.client.get("/decision")).select_one("#decision"))
    return actor.client.post("/decision", data={**form, "number": "25/QĐ-UBND", **changes})


# The public posting

@pytest.fixture
def published(actor):
    """Two proposals sent; the council passes one; the office publishes; everyone logged out."""
    publish_with(actor, {"Lò Văn Sáng": "1", "Tao Văn Nọi": "0"})
    actor.client.post("/logout", data={"csrf_token": csrf_token(actor.client)})
    return actor


def opinion_form(client):
    return form_data(soup(client.get("/cong-khai/xa-binh-lu")).select_one("#opinion"))


# Evidence

def photo(size=(4000, 3000), fmt="JPEG", mode="RGB", **save) -> bytes:
    """A smooth picture, as a phone photo of a meeting room is, not noise."""
    w, h = size
    image = Image.merge("RGB", [Image.linear_gradient("L").resize(size), Image.radial_gradient("L").resize(size),
                                Image.linear_gradient("L").rotate(90).resize(size)])
    if mode != "RGB":
        image = image.convert(mode)
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def upload(actor, unit, task, data: bytes, name="IMG_0001.jpg", mimetype="image/jpeg", htmx=False):
    form = soup(actor.client.get("/checklist")).select_one(f"#evidence-{task.id} form.upload")
    token = form.select_one("input[name=csrf_token]")["value"]
    headers = {"HX-Request": "true"} if htmx else {}
    return actor.client.post(form["action"], headers=headers, content_type="multipart/form-data",
                             data={"csrf_token": token, "file": (io.BytesIO(data), name, mimetype)})


# Documents

def all_text(doc) -> str:
    """Paragraphs and table cells: the header block and the award list are tables."""
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


# Live streams

def messages(body: str) -> list[dict]:
    """Parses an SSE body into its messages (comments dropped)."""
    out = []
    for block in body.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if line.startswith(":") or ":" not in line:
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            fields[name] = fields[name] + "\n" + value if name in fields else value
        if "id" in fields:
            out.append(fields)
    return out


def tick(code, n=1, state="done"):
    """The unit `code` sets its first `n` tasks; returns the ids of the events written."""
    unit = Unit.get(Unit.code == code)
    campaign = Campaign.current(unit.commune())
    tasks = [t for t in Task.select().join(Area).where(Area.campaign == campaign).order_by(Task.id)
             if t.applies_to(unit)][:n]
    for task in tasks:
        set_check(unit, task, state, "", 0, user(code), campaign)
    return [e.id for e in Event.select().where(Event.unit == unit).order_by(Event.id)][-n:]


@pytest.fixture
def short_streams(app):
    app.config.update(LIVE_STREAM_SECONDS=0.6, LIVE_POLL_SECONDS=0.05, LIVE_HEARTBEAT_SECONDS=0.2)
    return app


# The sơ kết

def report_form(client):
    return form_data(soup(client.get("/report")).select_one("form.report"))


def file_report(client, action="submit", **changes):
    return client.post("/report", data={**report_form(client), **changes, "action": action})


# Importing units

HEADER = ["Tên đơn vị", "Loại", "Đơn vị cấp trên", "Người liên hệ", "Số điện thoại"]


def xlsx(rows) -> io.BytesIO:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def import_units(actor, data, name):
    return actor.submit("/units", "#import form", file=(data, name))


def problems(response):
    return [(tr.select("td")[0].text, tr.select("td")[1].text) for tr in soup(response).select(".problems tbody tr")]


# Who may use which route: the table test_access.py checks, and the walks of test_fuzz.py and test_xss.py

ALL = ("office", "unit", "council", "leader", "supervisor")


WATCHERS = ("office", "council", "leader", "supervisor")


READERS = WATCHERS + ("province",)  # the province reads a commune's board (?xa=<code>), changes nothing


EVERYONE = ALL + ("province",)


PUBLIC = "public"  # anyone, signed in or not


# endpoint → the roles that may use it (every method of the rule), or PUBLIC.
# A stranger is sent to the login page for everything that is not PUBLIC.
ACCESS = {
    "static": PUBLIC,
    "pages.healthz": PUBLIC,
    "offline.service_worker": PUBLIC,
    "offline.manifest": PUBLIC,
    "auth.login": PUBLIC,
    "public.page": PUBLIC,
    "public.single": PUBLIC,
    "public.opinion": PUBLIC,
    "pages.index": EVERYONE,
    "auth.logout": EVERYONE,
    "accounts.password": EVERYONE,
    "board.page": READERS,
    "board.events": READERS,
    "board.unit": READERS,
    "board.api_progress": READERS,
    "campaigns.province": ("province",),
    "campaigns.province_launch": ("province",),
    "province.page": ("province",),
    "province.events": ("province",),
    "exports.board_xlsx": WATCHERS,
    "exports.report_docx": WATCHERS,
    "exports.decision_docx": WATCHERS,
    "exports.dossier": WATCHERS,
    "public.opinions": WATCHERS,
    "reports.index": WATCHERS,
    "reports.show": WATCHERS,
    "review.index": WATCHERS,
    "review.show": WATCHERS,
    "public.decision": WATCHERS,
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
    "registration.page": ("unit",),
    "registration.save": ("unit",),
    "registration.summary": WATCHERS,
    "registration.export_xlsx": WATCHERS,
    "registration.review": ("office",),
    "points.own": ("unit",),
    "points.claim": ("unit",),
    "points.review": READERS,
    "points.change": ("office",),
    "points.scheme": ("office",),
    "points.save_scheme": ("office",),
    "points.claim_file": ("unit",),
    "points.claim_file_remove": ("unit",),
    # a unit's own files: the watchers (and the province) and the unit itself, never another unit
    "evidence.download": EVERYONE,
    "evidence.thumbnail": EVERYONE,
    "nominations.attachment": ALL,
    "points.claim_file_download": EVERYONE,
    "points.claim_file_thumbnail": EVERYONE,
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
    "review.vote": ("council",),
    "review.comment": ("supervisor",),
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
    "structure.add_area": ("office",),
    "structure.update_area": ("office",),
    "structure.remove_area": ("office",),
    "structure.add_task": ("office",),
    "structure.update_task": ("office",),
    "structure.remove_task": ("office",),
    "units.page": ("office",),
    "units.new": ("office",),
    "units.edit": ("office",),
    "units.set_active": ("office",),
    "units.import_file": ("office",),
    "accounts.bulk": ("office",),
    "accounts.reset": ("office",),
    "accounts.set_active": ("office",),
    "review.merge": ("office",),
    "review.send": ("office",),
    "review.answer": ("office",),
    "public.publish": ("office",),
    "reports.review": ("office",),
    "reports.reopen": ("office",),
}


# Routes whose object belongs to one unit (Bản Nà Bỏ here): another unit gets 403.
OWNED = {"checklist.set_state", "evidence.upload", "evidence.remove", "evidence.download", "evidence.thumbnail",
         "nominations.attachment", "nominations.edit", "points.claim_file_download", "points.claim_file_thumbnail",
         "points.claim_file_remove"}


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
    return objects_of(app, Unit.get(Unit.code == "ban-na-bo"))


def objects_of(app, unit) -> dict:
    """One of each thing a URL can name, on `unit`'s side of its commune's current campaign."""
    commune = unit.commune()
    campaign = Campaign.current(commune)
    head = User.get(User.unit == unit, User.role == "unit")
    supervisor = User.get(User.unit == commune, User.role == "supervisor")
    area = Area.select().where(Area.campaign == campaign).order_by(Area.id).first()
    task = next(t for a in campaign.areas_with_tasks() for t in a.tasks if t.applies_to(unit))
    upload = evidence.accept(PDF)
    proof = evidence.attach(unit, task, campaign, head, upload, "bien-ban.pdf")
    photo = evidence.attach(unit, task, campaign, head, evidence.accept(png()), "anh.png")
    Report.create(campaign=campaign, unit=unit, highlights="Mô hình hay")
    nomination = Nomination(campaign=campaign, unit=unit, name="Lò Văn Sáng", achievement="Vận động 42 hộ",
                            award="giay-khen", attachment=upload.sha256, attachment_name="ho-so.pdf",
                            attachment_type="pdf", created_by=head)
    nomination.fill_keys()
    nomination.save()
    comment = Comment.create(nomination=nomination, user=supervisor, text="Đồng ý")
    TaskPoints.create(task=task, points=10)
    criterion = Criterion.create(campaign=campaign, title="Mô hình hay được nhân rộng", points=5)
    claim_photo = store.attach_to_claim(unit, criterion, head, evidence.accept(png()), "mo-hinh.png")
    with app.test_request_context():
        stylesheet = app.jinja_env.globals["asset"]("app.css").removeprefix("/static/")
    return {"unit_id": unit.id, "task_id": task.id, "campaign_id": campaign.id, "area_id": area.id,
            "user_id": head.id, "nomination_id": nomination.id, "comment_id": comment.id,
            "evidence_id": {"evidence.thumbnail": photo.id}, "filename": stylesheet, "award": "giay-khen",
            "default": proof.id, "criterion_id": criterion.id, "file_id": claim_photo.id, "line": f"task-{task.id}",
            "code": commune.code}


# Two communes under a province: the demo's Bình Lư (commune A) and Tân Phong (B), on its pattern

@pytest.fixture
def commune_b(app, tmp_path):
    """Bình Lư moved under a province (with its account `tinh`), and a second commune, Tân Phong, running a copy of
    Bình Lư's campaign with its own staff and units; returns Tân Phong."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    province = Unit.add("tinh-lai-chau", "UBND tỉnh Lai Châu", "province")
    for unit in Unit.select().where(Unit.id != province.id):
        Unit.update(path=province.path + unit.path[1:]).where(Unit.id == unit.id).execute()
    Unit.update(parent=province).where(Unit.kind == "commune").execute()
    tinh = User(username="tinh", role="province", unit=province, full_name="Ban Thi đua – Khen thưởng tỉnh")
    tinh.set_password("demo2026", FAST_HASH)
    tinh.save()
    commune, _, _ = add_commune(province, 1, FAST_HASH)
    source = Campaign.current(Unit.get(Unit.code == "xa-binh-lu"))
    create_campaign(proposal_of(source), commune, status="active")
    return commune


def b_names(commune) -> list[str]:
    """What only commune B calls itself and its units: none of it may show to commune A."""
    return [commune.name] + [u.name for u in Unit.under(commune)
                             if not Unit.select().where(Unit.name == u.name, Unit.id != u.id).exists()]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, "PNG")
    return out.getvalue()


def url(app, endpoint, method, rule, objects) -> str:
    values = {}
    for name in rule.arguments:
        value = objects[name]
        values[name] = value.get(endpoint, objects["default"]) if isinstance(value, dict) else value
    return app.url_map.bind("localhost").build(endpoint, values, method=method)


# Phones and boards on a real server (gunicorn), over plain HTTP

HTMX = {"HX-Request": "true"}


def checklist(html):
    """The CSRF token and, per task row, its form's action -> (state, version), as the checklist shows them."""
    page = BeautifulSoup(html, "html.parser")
    rows = {}
    for row in page.select("div.check"):
        form = row.select_one("form")
        state = next(c for c in row["class"] if c != "check")
        rows[form["action"]] = (state, int(form.select_one("input[name=version]")["value"]))
    return page.select_one("input[name=csrf_token]")["value"], rows


def signed_in(base, username) -> requests.Session:
    http = requests.Session()
    token = BeautifulSoup(http.get(base + "/login", timeout=10).text, "html.parser").select_one(
        "input[name=csrf_token]")["value"]
    r = http.post(base + "/login", data={"username": username, "password": "demo2026", "csrf_token": token},
                  allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text
    return http


class Phone:
    """A unit's phone on the real server: its own cookies, ticking its checklist as htmx does."""

    def __init__(self, base, username):
        self.base, self.http = base, signed_in(base, username)
        self.reload()

    def reload(self):
        self.token, self.rows = checklist(self.http.get(self.base + "/checklist", timeout=10).text)

    def tick(self, action, note=""):
        """Moves the task at `action` to another state; returns the (action, version) saved, or None."""
        state, version = self.rows[action]
        new = "done" if state != "done" else "doing"
        r = self.http.post(self.base + action, headers=HTMX, timeout=10,
                           data={"state": new, "note": note, "version": version, "csrf_token": self.token})
        if r.status_code != 200:
            return None, r
        self.rows[action] = (new, version + 1)
        return (action, version + 1), r


def session_cookie(base, username):
    host = urllib.parse.urlsplit(base).netloc
    conn = http.client.HTTPConnection(host, timeout=5)
    conn.request("GET", "/login")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = BeautifulSoup(html, "html.parser").select_one("input[name=csrf_token]")["value"]
    form = urllib.parse.urlencode({"username": username, "password": "demo2026", "csrf_token": token})
    conn.request("POST", "/login", form, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    assert response.status == 303
    return response.getheader("Set-Cookie").split(";")[0]


# Redis, as production counts rate limits

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix():
    """A Redis key prefix of this test's own, so parallel runs never share counts; its keys go at the end, and
    the test must have counted something there."""
    store = redis.Redis.from_url(REDIS)
    try:
        store.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379: `make test` starts it")
    name = f"test-{uuid.uuid4().hex}"
    yield name
    keys = list(store.scan_iter(match=f"*{name}*"))
    assert keys, "nothing was counted in Redis"
    store.delete(*keys)
