"""Reminders: the office finds the units behind pace and copies a message for each one's chat group."""
import pytest

from portal.models import Task, Unit, set_check

from conftest import ROLE_USERS, soup, user


@pytest.mark.parametrize("role", ROLE_USERS)
def test_only_the_office_finds_the_reminders_in_its_menu(actor, role):
    actor.login(ROLE_USERS[role])
    menu = soup(actor.client.get("/", follow_redirects=True)).select_one("nav a[href='/reminders']")
    assert (menu and menu.text) == ("Nhắc việc" if role == "office" else None)


def tasks_of(code):
    unit = Unit.get(Unit.code == code)
    return unit, [t for t in Task.select().order_by(Task.id) if t.applies_to(unit)]


def tick(unit, tasks, state="done"):
    campaign = unit.parent.campaigns.get()
    for task in tasks:
        set_check(unit, task, state, "", 0, user(unit.code), campaign)


def test_the_lagging_units_of_the_board_are_the_ones_to_remind(actor):
    ahead, tasks = tasks_of("ban-na-bo")
    tick(ahead, tasks)
    actor.login("vanhoa")
    flagged = {a.text for a in soup(actor.client.get("/board")).select("tr.lagging th a")}
    page = soup(actor.client.get("/reminders"))
    listed = [a.text for a in page.select(".reminder-list tbody th a")]
    assert set(listed) == flagged and len(listed) == 23 and "Bản Nà Bỏ" not in listed
    assert f"{len(listed)} đơn vị chậm tiến độ" in page.select_one(".summary").text
    assert len(page.select("textarea[readonly]")) == len(listed)


def test_each_message_names_the_unit_its_percent_what_is_left_and_the_deadline(actor):
    unit, tasks = tasks_of("ban-na-it")
    tick(unit, tasks[:1])
    tick(unit, tasks[1:2], "na")
    actor.login("vanhoa")
    page = soup(actor.client.get("/reminders"))
    percent = round(100 / (len(tasks) - 1))
    row = page.select_one(f"tr#unit-{unit.id}")
    assert [c.text for c in row.select("td")][1:] == [f"{percent}% 1/{len(tasks) - 1}", str(len(tasks) - 2),
                                                      "Tao Văn Hặc", "0912 345 017"]
    text = page.select_one(f"#message-{unit.id} textarea").text
    assert text.startswith("Kính gửi Bản Nà Ít,")
    assert f"đã hoàn thành {percent}% (1/{len(tasks) - 1} việc)" in text
    assert "mức cần đạt hôm nay là 36%" in text
    listed = [line.removeprefix("- ") for line in text.splitlines() if line.startswith("- ")]
    assert listed == [t.title for t in tasks[2:]]  # neither the done task nor the one that does not apply
    assert "trước ngày 18/02/2026 (còn 8 ngày)" in text


def test_a_unit_on_pace_gets_no_reminder(actor):
    actor.login("vanhoa")
    for code in [u.code for u in Unit.select().where(Unit.kind != "commune")]:
        unit, tasks = tasks_of(code)
        tick(unit, tasks)
    page = soup(actor.client.get("/reminders"))
    assert not page.select("textarea") and "Không có đơn vị nào chậm tiến độ." in page.select_one("main").text

