"""Confirmation before what cannot be undone: a page without JavaScript, a dialog with it; nothing happens on no."""
import pytest
from playwright.sync_api import expect

from portal.models import Campaign, Event, Report, Task, Unit, User

from conftest import log_in, soup


def first_post(actor, path, selector):
    """Presses the button of form `selector` on `path` with JavaScript off: the form as rendered, no confirmed."""
    form = soup(actor.client.get(path)).select_one(selector)
    data = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    button = form.select_one("button[data-confirm]")
    if button.get("name"):
        data[button["name"]] = button["value"]
    return form, button, actor.client.post(form["action"], data=data)


def task_of_demo():
    return Task.select().order_by(Task.id).first()


CASES = {
    "unit": ("vanhoa", "/units", lambda: f"form[action='/units/{Unit.get(Unit.code == 'ban-na-bo').id}/active']",
             lambda: Unit.get(Unit.code == "ban-na-bo").active, "Ngừng hoạt động đơn vị “Bản Nà Bỏ”"),
    "account": ("vanhoa", "/units", lambda: f"form[action='/accounts/{User.get(User.username == 'ban-na-bo').id}/active']",
                lambda: User.get(User.username == "ban-na-bo").active, "Khóa tài khoản ban-na-bo"),
    "task": ("vanhoa", lambda: f"/campaigns/{Campaign.current(Unit.root()).id}",
             lambda: f"form[action='/tasks/{task_of_demo().id}/remove']",
             lambda: not Event.select().where(Event.kind.startswith("task.")).exists(), "Bỏ việc “"),
    "campaign": ("vanhoa", lambda: f"/campaigns/{Campaign.current(Unit.root()).id}", lambda: "form:has(input[value=closed])",
                 lambda: Campaign.current(Unit.root()) is not None, "Kết thúc đợt thi đua “"),
    "report": ("ban-na-bo", "/report", lambda: "form.report",
               lambda: Report.get_or_none(Report.state == "submitted") is None, "Gửi báo cáo sơ kết"),
}


@pytest.mark.parametrize("case", CASES)
def test_without_javascript_a_page_asks_first_and_only_yes_does_it(actor, case):
    username, path, selector, untouched, question = CASES[case]
    path = path() if callable(path) else path
    actor.login(username)
    _, button, response = first_post(actor, path, selector())
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("#question").text.startswith(question)
    assert page.select_one("#question").text == button["data-confirm"]  # one question, however it is asked
    assert untouched()
    assert page.select_one("a.button")["href"].split("#")[0] == path.split("#")[0] or case in ("unit", "account")
    form = page.select_one("form.confirm")
    data = {i["name"]: i["value"] for i in form.select("input[name]")}
    assert data["confirmed"] == "1"
    assert actor.client.post(form["action"], data=data).status_code == 303
    assert not untouched()


def test_the_confirmation_page_keeps_every_field_typed(actor):
    actor.login("ban-na-bo")
    form = soup(actor.client.get("/report")).select_one("form.report")
    data = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    data.update({t["name"]: t.text for t in form.select("textarea")}, highlights="Dòng một\nDòng “hai”", action="submit")
    page = soup(actor.client.post("/report", data=data))
    kept = {i["name"]: i["value"] for i in page.select("form.confirm input[type=hidden]")}
    assert kept["highlights"] == "Dòng một\nDòng “hai”" and kept["action"] == "submit"


def test_with_javascript_a_dialog_asks_and_no_changes_nothing(server, browser):
    office = log_in(browser, server, "vanhoa")
    unit = Unit.get(Unit.code == "ban-na-bo")
    office.goto(server + "/units")
    button = office.locator(f"form[action='/units/{unit.id}/active'] button")
    button.click()
    dialog = office.locator("dialog.confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Ngừng hoạt động đơn vị “Bản Nà Bỏ”")
    dialog.locator("button[value=no]").click()
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    assert Unit.get_by_id(unit.id).active
    button.click()
    dialog.locator("button[value=yes]").click()
    expect(office.locator(f"#unit-{unit.id} .badge.lag").first).to_have_text("Ngừng hoạt động")
    assert office.url.startswith(server + "/units")  # no confirmation page on the way
    assert not Unit.get_by_id(unit.id).active


def test_with_javascript_off_the_browser_shows_the_confirmation_page(server, browser):
    head = log_in(browser, server, "ban-na-bo", java_script_enabled=False)
    head.goto(server + "/report")
    head.click("button[value=submit]")
    expect(head.locator("#question")).to_contain_text("Gửi báo cáo sơ kết")
    assert Report.get_or_none(Report.state == "submitted") is None
    head.click("form.confirm button.primary")
    expect(head).to_have_url(server + "/report")
    assert Report.get(Report.state == "submitted")
