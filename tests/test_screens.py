"""The screens lead to the next step: the unit's short checklist, the council's votes from the list, the office's
"việc cần làm" on its board."""
import pytest

from portal.models import Report, Vote

from conftest import form_data, soup, switch
from flows import file_report, nomination, propose, sent, tick


def rows(page, selector):
    return [li["id"] for li in page.select(selector)]


def test_finished_tasks_fold_under_done_and_the_count_says_what_is_left(actor, village):
    unit, first = village
    tick("ban-na-bo", 3)
    actor.login("ban-na-bo")
    actor.tick(unit.id, first.id, "na")  # the first of them turns out not to apply
    page = soup(actor.client.get("/checklist"))
    total = len(page.select("li.task"))
    folded = page.select("details.finished")
    assert sum(int(d.summary.text.removeprefix("Đã xong (").rstrip(")")) for d in folded) == 3
    assert all(not d.has_attr("open") for d in folded)  # open on demand, without JavaScript
    finished = rows(page, "details.finished li.task")
    assert len(finished) == 3 and set(finished).isdisjoint(rows(page, "section.area > ol > li.task"))
    assert page.select_one("details.finished .task-no").text == "Việc 1"  # a task keeps its number when folded
    # "na" leaves the count of tasks: 2 done out of total - 1
    assert page.select_one("#left").text == f"Còn {total - 1 - 2} việc"

    left = page.select_one("section.area > ol > li.task")
    task_id = int(left["id"].removeprefix("task-"))
    answer = soup(actor.tick(unit.id, task_id, "done", htmx=True))
    assert answer.select_one("#overall[hx-swap-oob] #left").text == f"Còn {total - 1 - 3} việc"


def test_the_note_and_the_evidence_open_on_demand_and_after_an_error(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    actor.tick(unit.id, task.id, "doing", note="Đã họp bản")
    row = soup(actor.client.get("/checklist")).select_one(f"#task-{task.id}")
    note = row.select_one(f"#check-{task.id} details")
    assert not note.has_attr("open") and note.summary.text == "Ghi chú (đã có)"
    assert note.textarea.text.strip() == "Đã họp bản"
    assert not row.select_one("details.add-evidence").has_attr("open")

    refused = soup(actor.tick(unit.id, task.id, "maybe", note="ghi dở"))
    assert refused.select_one(f"#check-{task.id} details").has_attr("open")  # what was typed stays in sight


@pytest.mark.parametrize("today, shown", [("2026-02-14", False), ("2026-02-15", True), ("2026-02-18", True),
                                          ("2026-02-19", False)])
def test_a_banner_warns_three_days_before_the_report_is_due(actor, app, today, shown):
    app.config["TODAY"] = today  # the sơ kết is due at the end of 18/02
    actor.login("ban-na-bo")
    banner = soup(actor.client.get("/checklist")).select_one("#banner-due")
    assert bool(banner) == shown
    if shown:
        assert "18/02/2026" in banner.text and banner.select_one("a")["href"] == "/report"


def test_no_deadline_banner_once_the_report_is_sent(actor, app):
    app.config["TODAY"] = "2026-02-16"
    actor.login("ban-na-bo")
    file_report(actor.client)
    assert soup(actor.client.get("/checklist")).select_one("#banner-due") is None


def test_a_returned_report_shows_on_the_checklist_with_the_offices_comment(actor):
    actor.login("ban-na-bo")
    file_report(actor.client)
    unit_id = Report.get().unit_id
    switch(actor, "vanhoa")
    review = form_data(soup(actor.client.get(f"/reports/{unit_id}")).select_one("#review"))
    actor.client.post(f"/reports/{unit_id}/review", data={**review, "action": "return", "comment": "Thiếu số liệu"})
    switch(actor, "ban-na-bo")
    banner = soup(actor.client.get("/checklist")).select_one("#banner-returned")
    assert "bị trả lại" in banner.text and "“Thiếu số liệu”" in banner.text
    file_report(actor.client)
    assert soup(actor.client.get("/checklist")).select_one("#banner-returned") is None


def test_the_checklist_ends_with_the_way_to_the_report(actor):
    actor.login("ban-na-bo")
    page = soup(actor.client.get("/checklist"))
    link = page.select("main a")[-1]
    assert link["id"] == "to-report" and link.text == "Xong? Gửi báo cáo sơ kết →" and link["href"] == "/report"
    assert actor.client.get(link["href"]).status_code == 200


def test_the_council_votes_from_the_list_and_sees_the_tally(actor):
    sent(actor, "Lò Văn Sáng", "Cầm Thị Hoa")
    n = nomination()
    switch(actor, "hoidong")
    page = soup(actor.client.get("/awards"))
    row = page.select_one(f"#nomination-{n.id}")
    assert "Bạn chưa bỏ phiếu" in row.text and "0 đồng ý · 0 không" in row.select_one(".tally").text
    form = row.select_one("form.vote-row")
    response = actor.client.post(form["action"], data={**form_data(form), "agree": "1"})
    assert response.status_code == 303 and response.location.endswith(f"/awards#nomination-{n.id}")
    row = soup(actor.client.get("/awards")).select_one(f"#nomination-{n.id}")
    assert "1 đồng ý · 0 không" in row.select_one(".tally").text
    assert row.select_one("button[aria-pressed=true]").text == "Đồng ý"
    assert "Bạn chưa bỏ phiếu" not in row.text
    assert "Bạn chưa bỏ phiếu" in soup(actor.client.get("/awards")).select_one(
        f"#nomination-{nomination('Cầm Thị Hoa').id}").text

    # a comment written on the proposal's page stays when the vote is changed from the list
    vote_form = form_data(soup(actor.client.get(f"/nominations/{n.id}")).select_one("#vote"))
    actor.client.post(f"/nominations/{n.id}/vote", data={**vote_form, "agree": "1", "comment": "Xứng đáng"})
    actor.client.post(form["action"], data={**form_data(form), "agree": "0"})
    cast = Vote.get(Vote.nomination == n)
    assert (cast.agree, cast.comment) == (False, "Xứng đáng")


@pytest.mark.parametrize("username", ["vanhoa", "mttq", "chutich"])
def test_only_the_council_has_vote_buttons_on_the_list(actor, username):
    sent(actor)
    switch(actor, username)
    assert soup(actor.client.get("/awards")).select_one("form.vote-row") is None


def test_the_offices_board_lists_what_waits_for_it(actor):
    sent(actor)  # a proposal sent to the council: nothing waits for the office
    todo = soup(actor.client.get("/board")).select_one("#todo")
    assert todo.select_one("#todo-none").text == "Không có việc nào đang chờ."

    n = nomination()
    switch(actor, "ban-na-bo")
    file_report(actor.client)
    propose(actor, name="Cầm Thị Hoa")
    switch(actor, "mttq")
    comment = form_data(soup(actor.client.get(f"/nominations/{n.id}")).select_one("#comment-form"))
    actor.client.post(f"/nominations/{n.id}/comments", data={**comment, "text": "Cần xác minh số hộ"})
    switch(actor, "vanhoa")
    todo = soup(actor.client.get("/board")).select_one("#todo")
    assert todo.select_one("#todo-reports").text == "1 sơ kết đã gửi, chờ xem xét"
    assert todo.select_one("#todo-reports a")["href"] == "/reports"
    assert todo.select_one("#todo-comments").text == "1 ý kiến MTTQ chưa trả lời"
    assert todo.select_one("#todo-proposals").text == "1 đề nghị khen thưởng chờ gửi Hội đồng"
    assert todo.select_one("#todo-proposals a")["href"] == "/awards#send"


@pytest.mark.parametrize("username", ["hoidong", "chutich", "mttq"])
def test_only_the_office_has_the_todo_list(actor, username):
    actor.login(username)
    assert soup(actor.client.get("/board")).select_one("#todo") is None
