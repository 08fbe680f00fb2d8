"""A unit's checklist: ticking tasks with and without JavaScript, conflicts, and who may tick what."""
from portal.models import Check, Event, Task

from conftest import soup


def login_village(actor, village):
    actor.login("ban-na-bo")
    return village


def test_the_checklist_lists_only_the_units_tasks_by_area(actor, village):
    unit, _ = login_village(actor, village)
    page = soup(actor.client.get("/checklist"))
    assert page.h1.text == "Bản Nà Bỏ"
    areas = page.select("section.area")
    assert len(areas) == 3  # no task of "nhiệm vụ chuyên môn" applies to a village
    shown = {int(li["id"].removeprefix("task-")) for li in page.select("li.task")}
    expected = {t.id for t in Task.select() if t.applies_to(unit)}
    assert shown == expected and len(shown) < Task.select().count()
    assert "Hạn gửi sơ kết 18/02/2026" in page.select_one("#overall").text
    assert "còn 8 ngày" in page.select_one("#overall").text  # today is pinned to 10/02/2026
    assert "còn 18 ngày" in page.select_one("#overall").text


def test_without_javascript_a_tick_posts_and_redirects_back(actor, village):
    unit, task = login_village(actor, village)
    response = actor.tick(unit.id, task.id, "done", note="Đã họp  dân bản")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/checklist#task-{task.id}"
    check = Check.get(Check.unit == unit, Check.task == task)
    assert (check.state, check.note, check.version) == ("done", "Đã họp  dân bản", 1)
    row = soup(actor.client.get("/checklist")).select_one(f"#check-{task.id}")
    assert "done" in row["class"]
    assert row.select_one("button[aria-pressed=true]")["value"] == "done"


def test_with_htmx_a_tick_returns_the_row_and_the_totals_only(actor, village):
    unit, task = login_village(actor, village)
    response = actor.tick(unit.id, task.id, "done", htmx=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    page = soup(response)
    assert page.select_one("html") is None and page.select_one("h1") is None
    assert page.select_one(f"#check-{task.id}.done")
    overall = page.select_one("#overall[hx-swap-oob]")
    assert overall.select_one("strong").text == f"{round(100 / overall_total(unit))}%"
    assert page.select_one(f"#area-{task.area_id}-score[hx-swap-oob]").text.startswith("1/")


def overall_total(unit):
    return sum(1 for t in Task.select() if t.applies_to(unit))


def test_a_stale_version_gets_409_with_the_current_row_and_keeps_the_typed_note(actor, village):
    unit, task = login_village(actor, village)
    stale = actor.row_form(task.id)
    actor.tick(unit.id, task.id, "doing")
    response = actor.client.post(f"/checks/{unit.id}/{task.id}", headers={"HX-Request": "true"},
                                 data={**stale, "state": "done", "note": "ghi chú của tôi"})
    assert response.status_code == 409
    row = soup(response).select_one(f"#check-{task.id}")
    assert "doing" in row["class"]
    assert row.select_one("input[name=version]")["value"] == "1"
    assert row.select_one("textarea").text == "ghi chú của tôi"
    assert "vừa được" in row.select_one("[role=alert]").text
    assert Check.get(Check.unit == unit, Check.task == task).state == "doing"


def test_a_stale_version_without_javascript_shows_the_page_with_409(actor, village):
    unit, task = login_village(actor, village)
    stale = actor.row_form(task.id)
    actor.tick(unit.id, task.id, "doing")
    response = actor.client.post(f"/checks/{unit.id}/{task.id}", data={**stale, "state": "done"})
    assert response.status_code == 409
    assert soup(response).select_one(f"#task-{task.id} [role=alert]")


def test_replaying_the_same_request_changes_nothing(actor, village):
    unit, task = login_village(actor, village)
    data = {**actor.row_form(task.id), "state": "done", "note": "x"}
    first = actor.client.post(f"/checks/{unit.id}/{task.id}", data=data)
    again = actor.client.post(f"/checks/{unit.id}/{task.id}", data=data)
    assert first.status_code == again.status_code == 303
    assert Check.get(Check.unit == unit, Check.task == task).version == 1
    assert Event.select().where(Event.kind == "check.set").count() == 1


def test_a_task_that_does_not_apply_to_the_unit_is_refused(actor, village):
    unit, task = login_village(actor, village)
    foreign = next(t for t in Task.select() if not t.applies_to(unit))
    form = actor.row_form(task.id)
    assert actor.client.post(f"/checks/{unit.id}/{foreign.id}", data={**form, "state": "done"}).status_code == 403
    assert actor.client.post(f"/checks/{unit.id}/99999", data={**form, "state": "done"}).status_code == 404


def test_a_tick_without_csrf_token_is_refused(actor, village):
    unit, task = login_village(actor, village)
    response = actor.client.post(f"/checks/{unit.id}/{task.id}", data={"state": "done", "version": "0"})
    assert response.status_code == 400
    assert not Check.select().exists()


def test_a_tick_without_csrf_token_under_htmx_shows_the_message_in_the_flash_area(actor, village):
    unit, task = login_village(actor, village)
    response = actor.client.post(f"/checks/{unit.id}/{task.id}", data={"state": "done", "version": "0"},
                                 headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#flash"
    assert "Phiên làm việc đã hết hạn" in soup(response).text


def test_an_unknown_state_is_refused_with_a_message_and_nothing_saved(actor, village):
    unit, task = login_village(actor, village)
    response = actor.tick(unit.id, task.id, "finished", note="giữ lại", htmx=True)
    assert response.status_code == 400
    row = soup(response).select_one(f"#check-{task.id}")
    assert row.select_one("[role=alert]").text == "Trạng thái không hợp lệ."
    assert row.select_one("textarea").text == "giữ lại"
    assert not Check.select().exists()


def test_notes_are_stored_in_nfc(actor, village):
    unit, task = login_village(actor, village)
    actor.tick(unit.id, task.id, "doing", note="Ba\u0309n ho\u0323p")
    assert Check.get(Check.unit == unit, Check.task == task).note == "Bản họp"


def test_an_anonymous_tick_is_sent_to_login(client, village):
    unit, task = village
    response = client.post(f"/checks/{unit.id}/{task.id}", data={"state": "done", "version": "0"})
    assert response.status_code in (303, 400)
    assert not Check.select().exists()


def test_an_anonymous_htmx_request_is_told_to_navigate_to_login(client):
    response = client.get("/checklist", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


