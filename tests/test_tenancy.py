"""One deployment for a province: its communes each see their own, the province reads them all, launches a campaign
every commune receives, and changes no commune's data; the API at both levels; `demo --province`; accounts at both
levels from the command line; the public page per commune."""
import sqlite3

import pytest

from portal.cli import router, upgrade
from portal.db import database, is_sqlite
from portal.models import Area, AwardRule, Campaign, Event, Task, Unit, User

from conftest import csrf_token, empty_tables, form_data, soup, switch, user
from flows import HEADER, import_units, messages, problems, tick, xlsx

PLAN = """II. NỘI DUNG THI ĐUA
Nội dung 1: Thi đua phát triển kinh tế
Mỗi bản có một mô hình sản xuất mới.
Hỗ trợ giống cây trồng cho 100% hộ nghèo.

Nội dung 2: Thi đua xây dựng đời sống văn hóa
Các bản tổ chức ngày hội văn hóa các dân tộc.
"""


def launch(actor, **fields):
    form = form_data(soup(actor.client.get("/tinh/dot-thi-dua")).select_one("#launch"))
    return actor.client.post("/tinh/dot-thi-dua", data={
        **form, "title": "Thi đua chào mừng Đại hội Đảng bộ tỉnh", "starts_on": "2026-03-01",
        "ends_on": "2026-05-31", "report_due_on": "2026-05-15", "plan": PLAN, **fields})


def test_the_province_lands_on_its_communes_and_reads_a_commune_board(actor, commune_b):
    response = actor.login("tinh")
    assert response.headers["Location"].endswith("/tinh")  # the roll-up board; its campaigns page lists them too
    page = soup(actor.client.get("/tinh/dot-thi-dua"))
    links = {a.text: a["href"] for a in page.select("#communes a")}
    assert links == {"UBND xã Bình Lư": "/board?xa=xa-binh-lu", "UBND xã Tân Phong": "/board?xa=tan-phong"}
    board = soup(actor.client.get(links["UBND xã Tân Phong"]))
    rows = board.select("table.board tbody tr")
    assert len(rows) == 24 and "Bản Nà Bỏ" not in board.text
    # Every link of that board stays in Tân Phong: a unit's checklist, read-only.
    unit_link = rows[0].select_one("th a")["href"]
    assert "xa=tan-phong" in unit_link
    checklist = soup(actor.client.get(unit_link))
    assert checklist.select("div.check") and not checklist.select("div.check form button[name=state]")


def test_a_launched_campaign_reaches_every_commune_and_each_office_adds_its_own_task(actor, commune_b):
    binh_lu = Unit.get(Unit.code == "xa-binh-lu")
    Campaign.update(status="closed").where(Campaign.unit == commune_b).execute()  # Tân Phong runs nothing now
    actor.login("tinh")
    events = Event.select().count()
    response = launch(actor)
    assert response.status_code == 303
    source = Campaign.get(Campaign.unit == Unit.get(Unit.code == "tinh-lai-chau"))
    copies = {c.unit_id: c for c in Campaign.select().where(Campaign.origin == source)}
    assert set(copies) == {binh_lu.id, commune_b.id}
    # Bình Lư is still running its own campaign: it receives a draft to launch after it; Tân Phong runs it at once.
    assert copies[binh_lu.id].status == "draft" and copies[commune_b.id].status == "active"
    for copy in copies.values():
        areas = copy.areas_with_tasks()
        assert [a.title for a in areas] == ["Thi đua phát triển kinh tế", "Thi đua xây dựng đời sống văn hóa"]
        assert [len(a.task_list) for a in areas] == [2, 1]
    assert "Đã phát động" in soup(actor.client.get("/tinh/dot-thi-dua")).select_one(".flash").text
    assert Event.select().count() > events
    # Bình Lư's office adds a task of its own to its copy; Tân Phong's copy and the province's stay as they were.
    switch(actor, "vanhoa")
    listed = soup(actor.client.get("/campaigns")).select_one(f"#campaign-{copies[binh_lu.id].id}")
    assert "Tỉnh phát động" in listed.text
    area = copies[binh_lu.id].areas_with_tasks()[0]
    form = form_data(soup(actor.client.get(f"/campaigns/{copies[binh_lu.id].id}")).select_one(
        f"form[action='/areas/{area.id}/tasks']"))
    prefix = f"new-task-{area.id}-"
    added = actor.client.post(f"/areas/{area.id}/tasks", data={**form, prefix + "title": "Làm đường bê tông bản Nà Bỏ"})
    assert added.status_code == 303
    titles = {c: [t.title for t in Task.select().join(Area).where(Area.campaign == c)] for c in
              (copies[binh_lu.id], copies[commune_b.id], source)}
    assert "Làm đường bê tông bản Nà Bỏ" in titles[copies[binh_lu.id]]
    assert "Làm đường bê tông bản Nà Bỏ" not in titles[copies[commune_b.id]] + titles[source]
    # Tân Phong's office cannot open Bình Lư's copy at all.
    switch(actor, "vanhoa-tan-phong")
    assert actor.client.get(f"/campaigns/{copies[binh_lu.id].id}").status_code == 404


def test_a_launch_without_tasks_comes_back_with_the_reason_and_what_was_typed(actor, commune_b):
    actor.login("tinh")
    response = launch(actor, plan="Chỉ có một đoạn văn, không có nội dung nào.")
    assert response.status_code == 400
    page = soup(response)
    assert page.select_one("#plan-error").text.strip()
    assert page.select_one("#title")["value"] == "Thi đua chào mừng Đại hội Đảng bộ tỉnh"
    assert not Campaign.select().where(Campaign.origin.is_null(False)).exists()


def test_the_province_api_lists_its_communes_and_a_commune_api_only_its_units(actor, commune_b):
    tick("ban-na-bo", 3)
    actor.login("vanhoa")
    mine = actor.client.get("/api/progress").get_json()
    assert {u["id"] for u in mine["units"]} == {u.id for u in Unit.under(Unit.get(Unit.code == "xa-binh-lu"))}
    switch(actor, "tinh")
    answer = actor.client.get("/api/progress").get_json()
    assert list(answer) == ["communes"]
    by_code = {c["code"]: c for c in answer["communes"]}
    assert set(by_code) == {"xa-binh-lu", "tan-phong"}
    binh_lu = by_code["xa-binh-lu"]
    assert set(binh_lu) == {"id", "code", "name", "done", "total", "percent"}
    assert binh_lu["name"] == "UBND xã Bình Lư"
    assert binh_lu["done"] == sum(u["done"] for u in mine["units"]) == 3
    assert binh_lu["total"] == sum(u["total"] for u in mine["units"])
    assert binh_lu["percent"] == round(100 * binh_lu["done"] / binh_lu["total"])
    assert by_code["tan-phong"]["done"] == 0
    # Naming a commune, the province reads that commune's answer, as its office does.
    assert actor.client.get("/api/progress?xa=xa-binh-lu").get_json()["units"] == mine["units"]


def test_the_public_page_is_per_commune_and_the_old_address_leads_to_the_only_one(client):
    assert client.get("/cong-khai").headers["Location"].endswith("/cong-khai/xa-binh-lu")
    assert client.get("/cong-khai/no-such-commune").status_code == 404


def test_with_two_communes_the_public_address_lists_them_and_each_page_shows_its_own(client, commune_b):
    links = {a.text: a["href"] for a in soup(client.get("/cong-khai")).select("main ul.communes a")}
    assert links == {"UBND xã Bình Lư": "/cong-khai/xa-binh-lu", commune_b.name: f"/cong-khai/{commune_b.code}"}
    page = soup(client.get("/cong-khai/tan-phong"))
    assert page.select_one("#opinion") is None and "Bình Lư" not in page.text


def test_demo_province_loads_communes_on_the_pattern_and_prints_their_accounts(app, runner):
    empty_tables()
    result = runner.invoke(args=["demo", "--province", "3"])
    assert result.exit_code == 0, result.output
    printed = result.output.split()
    for username in ("tinh", "vanhoa-binh-lu", "vanhoa-tan-phong", "vanhoa-muong-so", "hoidong-muong-so",
                     "ban-na-bo-binh-lu"):
        assert username in printed
    province = Unit.get(Unit.kind == "province")
    communes = Unit.communes(province)
    assert [c.name for c in communes] == ["UBND xã Bình Lư", "UBND xã Mường So", "UBND xã Tân Phong"]
    source = Campaign.get(Campaign.unit == province)
    for commune in communes:
        campaign = Campaign.current(commune)
        assert campaign.origin_id == source.id
        assert len(Unit.under(commune)) == 24
        assert User.get(User.username == f"vanhoa-{commune.code}").unit_id == commune.id
    names = [u.name for c in communes for u in Unit.under(c)]
    assert len(set(names)) > 60  # each commune's own villages, schools and agencies
    percents = {}
    with app.test_client() as client:
        token = soup(client.get("/login")).select_one("input[name=csrf_token]")["value"]
        client.post("/login", data={"username": "tinh", "password": "demo2026", "csrf_token": token})
        percents = [c["percent"] for c in client.get("/api/progress").get_json()["communes"]]
    assert len(set(percents)) == 3 and all(p > 0 for p in percents)  # progress varies from commune to commune


def test_plain_demo_stays_one_commune(app, runner):
    empty_tables()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert Unit.root().kind == "commune" and not Unit.select().where(Unit.kind == "province").exists()
    assert user("vanhoa").unit_id == Unit.root().id


@pytest.mark.parametrize("role,unit,error", [
    ("province", "tinh-lai-chau", None),
    ("office", "tan-phong", None),
    ("council", "tan-phong", None),
    ("unit", "ban-na-bo", None),
    ("province", "tan-phong", "phải thuộc một tỉnh"),
    ("office", "tinh-lai-chau", "phải thuộc một xã"),
    ("supervisor", "ban-na-bo", "phải thuộc một xã"),
    ("unit", "tan-phong", "phải thuộc một đơn vị trong xã"),
    ("office", None, "cần --unit"),
])
def test_user_create_puts_each_role_at_its_level(runner, commune_b, role, unit, error):
    args = ["user", "create", "moi", "--role", role, "--password-stdin"] + (["--unit", unit] if unit else [])
    result = runner.invoke(args=args, input="lò-thị-mai-2026\n")
    if error:
        assert result.exit_code != 0 and error in result.output
        assert User.get_or_none(User.username == "moi") is None
    else:
        assert result.exit_code == 0, result.output
        assert user("moi").unit.code == unit and user("moi").role == role


def test_user_create_without_a_unit_in_a_single_commune_install_gives_the_commune(runner):
    result = runner.invoke(args=["user", "create", "vanhoa2", "--role", "office", "--password-stdin"],
                           input="lò-thị-mai-2026\n")
    assert result.exit_code == 0, result.output
    assert user("vanhoa2").unit.code == "xa-binh-lu"


def test_each_commune_sets_its_own_councils_voting_rules(actor, commune_b):
    actor.login("vanhoa")
    form = form_data(soup(actor.client.get("/hop-xet")).select_one("form#rule-cap-tren"))
    assert actor.client.post("/hop-xet/quy-tac/cap-tren", data={**form, "cap-tren-threshold": "2/3"}).status_code == 303
    assert [(r.unit.code, r.award) for r in AwardRule.select()] == [("xa-binh-lu", "cap-tren")]
    switch(actor, "vanhoa-tan-phong")
    shown = soup(actor.client.get("/hop-xet")).select_one("form#rule-cap-tren input[name='cap-tren-threshold']")
    assert shown["value"] != "66,7%" and "2/3" not in shown["value"]


def test_migration_015_gives_a_single_communes_staff_their_commune(app):
    """An install from before: its office, council, leader and MTTQ accounts had no unit; after 015 they belong
    to the one commune, and a voting rule the office had set is kept for it."""
    done = router().done
    while "015_tenancy" in router().done:  # 015 and those after it
        router().rollback()
    database.execute_sql('UPDATE "user" SET unit_id = NULL WHERE role <> %s' % ("?" if is_sqlite() else "%s"),
                         ("unit",))
    database.execute_sql("INSERT INTO awardrule (award, threshold, base, secret) VALUES ('cap-tren', 0.75, 'members', %s)"
                         % ("0" if is_sqlite() else "false"))
    assert upgrade()[0] == "015_tenancy" and router().done == done
    commune = Unit.get(Unit.code == "xa-binh-lu")
    assert {u.username: u.unit_id for u in User.select().where(User.role != "unit")} == {
        "vanhoa": commune.id, "hoidong": commune.id, "chutich": commune.id, "mttq": commune.id}
    assert [(r.unit_id, r.threshold) for r in AwardRule.select()] == [(commune.id, 0.75)]


def test_the_province_page_escapes_what_communes_typed(actor, commune_b):
    Unit.update(name='<script>alert("x")</script> Tân Phong').where(Unit.id == commune_b.id).execute()
    actor.login("tinh")
    page = soup(actor.client.get("/tinh/dot-thi-dua"))
    assert not [s for s in page.select("script") if "alert" in s.text]
    assert '<script>alert("x")</script> Tân Phong' in page.select_one("#communes").text


def test_a_board_stream_carries_only_its_own_communes_ticks(short_streams, actor, commune_b):
    mine = tick("ban-na-bo", 2)
    b_village = next(u for u in Unit.under(commune_b) if u.kind == "village")
    theirs = tick(b_village.code, 2)
    actor.login("vanhoa")
    got = [int(m["id"]) for m in messages(actor.client.get("/board/events?since=0").get_data(as_text=True))]
    assert got == mine
    switch(actor, "tinh")
    read = [int(m["id"]) for m in messages(actor.client.get("/board/events?since=0&xa=tan-phong")
                                           .get_data(as_text=True))]
    assert read == theirs


def test_an_office_imports_units_into_its_own_commune_only(actor, commune_b):
    """A parent named after another commune's unit is not found, and no unit of the file may be a province."""
    actor.login("vanhoa")
    response = import_units(actor, xlsx([HEADER, ["Bản Mới", "Bản", "Trường Tiểu học Tân Phong", "", ""],
                                         ["Tỉnh Mới", "Tỉnh", "", "", ""]]), "don-vi.xlsx")
    assert response.status_code == 400
    assert [line for line, _ in problems(response)] == ["2", "3"]
    assert not Unit.select().where(Unit.name.in_(["Bản Mới", "Tỉnh Mới"])).exists()
    ok = import_units(actor, xlsx([HEADER, ["Bản Mới", "Bản", "", "", ""]]), "don-vi.xlsx")
    assert ok.status_code == 303
    assert Unit.get(Unit.name == "Bản Mới").parent.code == "xa-binh-lu"
