"""Script typed into every free-text field comes back as text on every page that shows it, never as markup."""
import pytest

from portal.models import Campaign, Comment, Nomination, Opinion, Report, Task, Unit

from conftest import csrf_token, form_data, soup, switch
from flows import ACCESS, PUBLIC, routes

ATTACK = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
NOT_TEXT = {"phone", "number", "signed_on", "version", "position", "starts_on", "ends_on", "report_due_on"}


def typed(form, **fields) -> dict:
    """What a browser sends after the attacker typed ATTACK into every free-text box of `form`."""
    data = form_data(form)
    for box in form.select("textarea[name], input[name]"):
        name = box["name"]
        if box.name == "textarea" or box.get("type", "text") == "text":
            if name.rsplit("-", 1)[-1] not in NOT_TEXT:
                data[name] = ATTACK
    return {**data, **fields}


def fill(client, path, selector, **fields):
    form = soup(client.get(path)).select_one(selector)
    return client.post(form.get("action") or path, data=typed(form, **fields))


def injected(page) -> list:
    """Elements the attack would have added, had it not been escaped."""
    return ([s for s in page.select("script") if "alert" in s.text]
            + [e for e in page.find_all(True) if any(a.startswith("on") for a in e.attrs)]
            + page.select("img[src=x]"))


def pages_seen_by(app, role):
    return [rule.rule for endpoint, method, rule in routes(app)
            if method == "GET" and not rule.arguments and endpoint not in ("static", "pages.healthz")
            and not endpoint.endswith("events") and "." not in rule.rule.rsplit("/", 1)[-1]
            and (ACCESS[endpoint] == PUBLIC or role in ACCESS[endpoint])]


@pytest.fixture(autouse=True)
def files(app, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"


def test_script_in_every_free_text_field_is_shown_as_text(app, actor, village):
    unit, task = village
    client = actor.client
    # A village head: a note on a task, the report, a commendation proposal.
    actor.login("ban-na-bo")
    assert actor.tick(unit.id, task.id, "done", note=ATTACK).status_code == 303
    assert fill(client, "/report", "form.report", action="submit").status_code == 303
    assert fill(client, "/nominations/new", "main form", kind="individual", award="giay-khen").status_code == 303
    nomination = Nomination.get(Nomination.name == ATTACK)
    assert (nomination.achievement, Report.get(Report.unit == unit).highlights) == (ATTACK, ATTACK)

    # The office: the unit's name and contact, the campaign, an area and a task, a review, then sends the list.
    switch(actor, "vanhoa")
    assert fill(client, f"/units/{unit.id}/edit", "main form").status_code == 303
    campaign = Campaign.current(Unit.root())
    edit = soup(client.get(f"/campaigns/{campaign.id}"))
    actions = [form["action"] for form in edit.select("main form[action]")
               if any(f.get("type", "text") == "text" or f.name == "textarea" for f in form.select("input[name], textarea"))]
    for action in actions:  # each from the page as it is after the last save: an older plan's form is refused
        form = soup(client.get(f"/campaigns/{campaign.id}")).select_one(f"main form[action='{action}']")
        assert client.post(action, data=typed(form)).status_code == 303
    assert Unit.get_by_id(unit.id).contact == ATTACK
    assert Campaign.get_by_id(campaign.id).title == ATTACK
    assert Task.get_by_id(task.id).title == ATTACK
    fill(client, f"/reports/{unit.id}", "form#review")
    assert client.post("/nominations/send", data={"csrf_token": csrf_token(client)}).status_code == 303

    # The supervisor comments, the council votes with a remark, the office answers and publishes.
    switch(actor, "mttq")
    assert fill(client, f"/nominations/{nomination.id}", "form#comment-form").status_code == 303
    switch(actor, "hoidong")
    fill(client, f"/nominations/{nomination.id}", "form#vote", agree="1")
    switch(actor, "vanhoa")
    comment = Comment.get(Comment.nomination == nomination)
    fill(client, f"/nominations/{nomination.id}", f"form[action$='/comments/{comment.id}/answer']")
    assert Comment.get_by_id(comment.id).answer == ATTACK
    app.config["TODAY"] = "2026-02-19"  # past the filing deadline: the list may be published
    fill(client, "/awards", "form#publish")

    # A citizen's opinion on the public page.
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert fill(client, "/cong-khai/xa-binh-lu", "form#opinion").status_code == 303
    assert Opinion.get().text == ATTACK

    shown = {}
    for role, username in (("office", "vanhoa"), ("unit", "ban-na-bo"), ("council", "hoidong"),
                           ("supervisor", "mttq"), ("leader", "chutich")):
        switch(actor, username) if role != "office" else actor.login(username)
        for path in pages_seen_by(app, role) + ([f"/board/units/{unit.id}", f"/reports/{unit.id}",
                                                 f"/nominations/{nomination.id}"] if role != "unit" else []):
            response = client.get(path)
            if response.mimetype != "text/html":  # JSON and files are not run by the browser as a page
                continue
            page = soup(response)
            shown[(role, path)] = page.get_text().count(ATTACK)
            assert injected(page) == [], (role, path)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert injected(soup(client.get("/cong-khai/xa-binh-lu"))) == []
    # The attack was shown (as text) on the pages that show what users typed, so the check above meant something.
    seen = {path for (role, path), count in shown.items() if count}
    assert {"/checklist", "/report", "/units", "/audit", "/opinions", f"/nominations/{nomination.id}"} <= seen, seen
