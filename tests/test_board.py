"""The office's board and the progress API: who sees them, what they show, and what an unchanged board costs."""
import pytest

from portal.models import Task, Unit, set_check

from conftest import ROLE_USERS, soup, user

WATCHERS = ["office", "council", "leader", "supervisor"]

# Every GET route and the roles that may open it; anyone else gets 403, anonymous users go to login.
ROUTES = {
    "/checklist": ["unit"],
    "/board": WATCHERS,
    "/board/units/{unit_id}": WATCHERS,
    "/api/progress": WATCHERS,
}


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("role", [None, *ROLE_USERS])
def test_every_page_as_every_role(actor, path, role):
    url = path.format(unit_id=Unit.get(Unit.code == "ban-na-it").id)
    if role:
        actor.login(ROLE_USERS[role])
    response = actor.client.get(url)
    if role is None:
        assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    elif role in ROUTES[path]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "không có quyền" in response.get_data(as_text=True)


def test_open_pages_need_no_login(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/login").status_code == 200
    assert client.get("/").headers["Location"] == "/login"


def tick_all(code, state="done", kinds_only=None):
    unit = Unit.get(Unit.code == code)
    head = user(code)
    campaign = unit.parent.campaigns.get()
    for task in Task.select():
        if task.applies_to(unit) and (kinds_only is None or task.area.position == kinds_only):
            set_check(unit, task, state, "", 0, head, campaign)
    return unit


def board_row(page, unit):
    return page.select_one(f"tr#unit-{unit.id}")


def test_the_board_shows_percent_per_area_and_overall(actor):
    unit = tick_all("ban-na-bo", kinds_only=1)
    actor.login("vanhoa")
    page = soup(actor.client.get("/board"))
    row = board_row(page, unit)
    cells = [td.text.strip() for td in row.select("td")]
    assert cells[0] == "100%"  # area 1 done
    assert cells[1] == "–"  # no "nhiệm vụ chuyên môn" task applies to a village
    area1 = sum(1 for t in Task.select() if t.applies_to(unit) and t.area.position == 1)
    total = sum(1 for t in Task.select() if t.applies_to(unit))
    assert cells[4].startswith(f"{round(100 * area1 / total)}%")
    assert len(page.select("tbody tr")) == 24


def test_not_applicable_is_left_out_of_the_total(actor):
    unit = tick_all("ban-na-bo", state="na")
    actor.login("vanhoa")
    row = board_row(soup(actor.client.get("/board")), unit)
    assert row.select("td")[4].text.strip() == "–"


def test_lagging_units_are_flagged_against_todays_pace(actor):
    ahead = tick_all("ban-na-bo")
    actor.login("vanhoa")
    page = soup(actor.client.get("/board"))
    assert "mức cần đạt hôm nay 36%" in page.select_one(".summary").text  # 10 of 28 days
    assert "lagging" not in board_row(page, ahead).get("class", [])
    behind = Unit.get(Unit.code == "ban-na-it")
    assert "lagging" in board_row(page, behind)["class"]
    assert board_row(page, behind).select_one(".badge.lag").text == "Chậm"


def test_the_board_filters_by_unit_kind(actor):
    actor.login("vanhoa")
    page = soup(actor.client.get("/board?kind=school"))
    names = [a.text for a in page.select("tbody th a")]
    assert names == ["Trường Mầm non Bình Lư", "Trường THCS Bình Lư", "Trường Tiểu học Bình Lư"]
    assert page.select_one("#kind option[selected]")["value"] == "school"


def test_the_board_shows_the_last_activity_of_each_unit(actor):
    unit = tick_all("ban-na-bo", kinds_only=1)
    actor.login("vanhoa")
    row = board_row(soup(actor.client.get("/board")), unit)
    assert row.select("td")[-1].text.strip() != "chưa có"
    idle = board_row(soup(actor.client.get("/board")), Unit.get(Unit.code == "ban-na-it"))
    assert idle.select("td")[-1].text.strip() == "chưa có"


def test_an_unchanged_board_costs_a_304_and_a_change_refreshes_it(actor):
    actor.login("vanhoa")
    first = actor.client.get("/board", headers={"HX-Request": "true"})
    etag = first.headers["ETag"]
    assert soup(first).select_one("h1") is None and soup(first).select_one("#board")
    again = actor.client.get("/board", headers={"HX-Request": "true", "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    tick_all("ban-na-bo", kinds_only=1)
    changed = actor.client.get("/board", headers={"HX-Request": "true", "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_page_and_the_fragment_have_different_etags(actor):
    actor.login("vanhoa")
    page = actor.client.get("/board")
    fragment = actor.client.get("/board", headers={"HX-Request": "true"})
    assert page.headers["ETag"] != fragment.headers["ETag"]
    assert "HX-Request" in page.headers["Vary"]


def test_a_units_checklist_opens_read_only_from_the_board(actor):
    unit = tick_all("ban-na-bo", kinds_only=1)
    actor.login("mttq")
    board = soup(actor.client.get("/board"))
    link = board_row(board, unit).select_one("a")["href"]
    page = soup(actor.client.get(link))
    assert page.h1.text == "Bản Nà Bỏ"
    assert page.select("li.task") and not page.select("li.task form")
    assert page.select_one("li.task .badge.done").text == "Hoàn thành"


def test_the_supervisor_cannot_tick(actor, village):
    unit, task = village
    actor.login("mttq")
    token = soup(actor.client.get("/board")).select_one("input[name=csrf_token]")["value"]
    response = actor.client.post(f"/checks/{unit.id}/{task.id}", data={"state": "done", "version": "0", "csrf_token": token})
    assert response.status_code == 403


def test_the_progress_api_reports_every_unit_and_area(actor):
    unit = tick_all("ban-na-bo", kinds_only=1)
    actor.login("vanhoa")
    data = actor.client.get("/api/progress").get_json()
    assert data["campaign"]["report_due_on"] == "2026-02-18"
    assert data["campaign"]["theme"] == "Mừng Đảng, mừng xuân, quyết tâm giành 4 nhất"
    assert len(data["units"]) == 24
    row = next(u for u in data["units"] if u["code"] == "ban-na-bo")
    assert set(row) == {"id", "code", "name", "kind", "done", "total", "percent", "areas", "points", "max_points", "grade",
                        "rank"}  # the score fields are null in a campaign without points
    assert row["id"] == unit.id and row["kind"] == "village"
    assert row["areas"][0]["percent"] == 100 and row["areas"][0]["done"] == row["areas"][0]["total"]
    assert set(row["areas"][0]) == {"id", "title", "done", "total", "percent"}
    assert row["done"] == row["areas"][0]["done"] and row["percent"] == round(100 * row["done"] / row["total"])
