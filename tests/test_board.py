"""The office's board and the progress API: what they show, and what an unchanged board costs (who sees them:
test_access.py)."""
from portal.models import Campaign, Event, Task, Unit, set_check

from conftest import csrf_token, soup, user


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
    cells = [td.text.strip() for td in row.select("td")][2:]  # after the total and the gap
    assert cells[0] == "100%"  # area 1 done
    assert cells[1] == "–"  # no "nhiệm vụ chuyên môn" task applies to a village
    area1 = sum(1 for t in Task.select() if t.applies_to(unit) and t.area.position == 1)
    total = sum(1 for t in Task.select() if t.applies_to(unit))
    assert row.select_one("td.total").text.strip() == f"{round(100 * area1 / total)}% {area1}/{total}"
    assert len(page.select("tbody tr")) == 24


def test_not_applicable_is_left_out_of_the_total(actor):
    unit = tick_all("ban-na-bo", state="na")
    actor.login("vanhoa")
    row = board_row(soup(actor.client.get("/board")), unit)
    assert row.select_one("td.total").text.strip() == "–"


def test_lagging_units_are_flagged_against_todays_pace(actor):
    ahead = tick_all("ban-na-bo")
    actor.login("vanhoa")
    page = soup(actor.client.get("/board"))
    assert "mức cần đạt hôm nay 36%" in page.select_one(".summary").text  # 10 of 28 days
    assert "lagging" not in board_row(page, ahead).get("class", [])
    behind = Unit.get(Unit.code == "ban-na-it")
    assert "lagging" in board_row(page, behind)["class"]
    assert board_row(page, behind).select_one(".badge.lag").text == "Chậm nhiều"  # nothing done, 36% due


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


def test_the_poll_gets_a_304_while_only_other_things_happen_and_a_tick_of_its_campaign_refreshes_it(actor):
    actor.login("vanhoa")
    demo = Campaign.current(Unit.root())
    etag = actor.client.get("/board", headers={"HX-Request": "true"}).headers["ETag"]
    actor.client.post(f"/campaigns/{demo.id}/clone", data={"csrf_token": csrf_token(actor.client)})
    actor.client.post("/logout", data={"csrf_token": csrf_token(actor.client)})
    actor.login("ban-na-bo", "sai-mat-khau")
    actor.login("vanhoa")
    assert {"campaign.clone", "login.fail"} <= {e.kind for e in Event.select()}  # another campaign's, nobody's
    unchanged = actor.client.get("/board", headers={"HX-Request": "true", "If-None-Match": etag})
    assert unchanged.status_code == 304
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


def tick_first(code, n):
    """Marks the unit's first `n` tasks done; returns the unit and how many tasks apply to it."""
    unit = Unit.get(Unit.code == code)
    mine = [t for t in Task.select().order_by(Task.id) if t.applies_to(unit)]
    for task in mine[:n]:
        set_check(unit, task, "done", "", 0, user(code), unit.parent.campaigns.get())
    return unit, len(mine)


def names(page):
    return [a.text for a in page.select("tbody th a")]


def test_by_default_the_units_furthest_behind_come_first_with_their_gap(actor):
    ahead, total = tick_first("ban-na-bo", 28)
    due = -(-10 * total // 28)  # on day 10 of 28, 10/28 of the tasks are due, rounded up
    slightly, _ = tick_first("ban-na-it", due - 1)
    actor.login("vanhoa")
    page = soup(actor.client.get("/board"))
    order = names(page)
    assert order[-1] == ahead.name and order[-2] == slightly.name  # everyone else has done nothing
    assert page.select_one("th[aria-sort=descending]").text.startswith("So với tiến độ")
    assert board_row(page, slightly).select_one("td.gap").text == "thiếu 1 việc"
    assert board_row(page, Unit.get(Unit.code == "ban-na-it")).select_one(".badge").text == "Chậm"
    assert board_row(page, ahead).select_one("td.gap").text == "đạt"


def test_the_lag_rule_is_written_on_the_page_with_its_two_levels(actor):
    _, total = tick_first("ban-na-it", 0)
    slightly, _ = tick_first("ban-na-it", -(-10 * total // 28) - 1)
    actor.login("vanhoa")
    page = soup(actor.client.get("/board"))
    rule = page.select_one("#lag-rule").text
    assert "dù chỉ một việc" in rule and "Chậm nhiều" in rule and "15 điểm phần trăm" in rule
    assert board_row(page, slightly)["class"] == ["lagging", "slight"]
    assert board_row(page, slightly).select_one(".badge.lag").text == "Chậm"
    idle = board_row(page, Unit.get(Unit.code == "ban-na-bo"))
    assert idle["class"] == ["lagging", "serious"] and idle.select_one(".badge.lag").text == "Chậm nhiều"
    assert "24 đơn vị chậm tiến độ, trong đó 23 chậm nhiều" in page.select_one("#summary").text.replace("\n", " ")


def test_every_column_sorts_by_plain_links_and_again_the_other_way(actor):
    tick_first("ban-na-it", 20)
    actor.login("vanhoa")
    page = soup(actor.client.get("/board"))
    headers = page.select("thead th a")
    assert [a.text.split(" ▼")[0] for a in headers][:3] == ["Đơn vị", "Tổng", "So với tiến độ"]
    assert len(headers) == 3 + len(page.select("thead th[title]")) + 2  # the areas, the report, the activity
    by_name = soup(actor.client.get(headers[0]["href"]))
    assert by_name.select_one("th[aria-sort=ascending]").text.startswith("Đơn vị")
    order = names(by_name)
    back = by_name.select_one("th[aria-sort] a")["href"]
    assert names(soup(actor.client.get(back))) == list(reversed(order))
    by_total = soup(actor.client.get(page.select("thead th a")[1]["href"]))
    assert names(by_total)[-1] == "Bản Nà Ít"  # lowest first


def test_a_sort_asked_by_htmx_answers_the_board_fragment_in_that_order(actor):
    tick_first("ban-na-it", 20)
    actor.login("vanhoa")
    href = soup(actor.client.get("/board")).select("thead th a")[1]["href"]
    fragment = soup(actor.client.get(href, headers={"HX-Request": "true"}))
    assert fragment.select_one("div#board") and not fragment.select_one("header")
    assert names(fragment)[-1] == "Bản Nà Ít"
    assert "sort=total" in fragment.select_one("div#board")["hx-get"]  # the poll keeps the order


def test_each_percent_cell_is_shaded_by_its_value(actor):
    unit, total = tick_first("ban-na-it", 28)
    actor.login("vanhoa")
    row = board_row(soup(actor.client.get("/board")), unit)
    for cell in row.select("td"):
        text = cell.text.strip()
        if text.endswith("%") or cell.select_one("b"):
            percent = int(text.split("%")[0])
            assert f"s{min(percent // 20, 4)}" in cell["class"], (text, cell["class"])


def test_a_small_chart_shows_the_communes_days_against_the_pace_line(actor):
    tick_first("ban-na-it", 10)
    actor.login("vanhoa")
    response = actor.client.get("/board")
    page = soup(response)
    svg = page.select_one("#board figure.chart svg[role=img]")
    assert len(svg.select_one("polyline.done")["points"].split()) == 1 + 10  # the eve of day 1, then days 1–10
    assert len(svg.select_one("polyline.pace")["points"].split()) == 2
    overall = page.select_one("#summary strong").text
    assert f"đạt {overall}" in svg["aria-label"] and "mức cần đạt 36%" in svg["aria-label"]
    assert len(str(page.select_one("figure.chart"))) < 1024  # inline, not a library


def test_a_units_read_only_page_has_its_own_chart(actor):
    unit, total = tick_first("ban-na-it", 10)
    actor.login("vanhoa")
    page = soup(actor.client.get(f"/board/units/{unit.id}"))
    assert f"đạt {round(100 * 10 / total)}%" in page.select_one("figure.chart svg")["aria-label"]
