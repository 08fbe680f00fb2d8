"""Real gunicorn, real Chromium: a village head ticks a task and the office board shows it."""
from playwright.sync_api import expect

from portal.models import Task, Unit

from conftest import log_in


def test_a_village_head_ticks_a_task_and_the_office_board_shows_it(server, browser):
    unit = Unit.get(Unit.code == "ban-na-bo")
    task = next(t for t in Task.select().order_by(Task.id) if t.applies_to(unit))

    office = log_in(browser, server, "vanhoa")
    expect(office).to_have_url(server + "/board")
    cell = office.locator(f"#unit-{unit.id} td").nth(2)  # after the total and the gap: area 1
    expect(cell).to_have_text("0%")

    head = log_in(browser, server, "ban-na-bo")
    expect(head).to_have_url(server + "/checklist")
    expect(head.locator("#overall strong")).to_have_text("0%")
    requests = []
    head.on("request", lambda r: requests.append(r))
    head.locator(f"#task-{task.id} button[value=done]").first.click()
    expect(head.locator(f"#check-{task.id}")).to_have_class("check done")
    expect(head.locator(f"#task-{task.id} button[aria-pressed=true]")).to_have_text("Hoàn thành")
    expect(head.locator("#overall strong")).not_to_have_text("0%")
    expect(head.locator(f"#area-{task.area_id}-score")).to_contain_text("1/")
    assert [r.resource_type for r in requests] == ["xhr"]  # a fragment, not a page load

    # The board's live stream brings the change without a reload.
    total_area1 = sum(1 for t in Task.select() if t.applies_to(unit) and t.area_id == task.area_id)
    expect(cell).to_have_text(f"{round(100 / total_area1)}%", timeout=10000)


def test_with_javascript_off_the_same_tick_works_by_plain_form(server, browser):
    unit = Unit.get(Unit.code == "ban-na-it")
    task = next(t for t in Task.select().order_by(Task.id) if t.applies_to(unit))
    head = log_in(browser, server, "ban-na-it", java_script_enabled=False)
    expect(head).to_have_url(server + "/checklist")
    head.locator(f"#check-{task.id} details summary").click()
    head.fill(f"#task-{task.id} textarea", "Đã họp dân ngày 05/02")
    head.locator(f"#task-{task.id} button[value=doing]").first.click()
    expect(head).to_have_url(f"{server}/checklist#task-{task.id}")
    expect(head.locator(f"#check-{task.id}")).to_have_class("check doing")
    expect(head.locator(f"#task-{task.id} textarea")).to_have_value("Đã họp dân ngày 05/02")
