"""The commendation round cuts nobody out and decides nothing twice: the list is published only when no unit may
still file, the leader approves only after the public had its say, nothing moves once the decision is made, a
campaign past its end takes no more ticks until the office extends it, and a finished campaign is read-only."""
import datetime as dt
import io

import pytest

from portal.models import Campaign, Comment, Event, Evidence, Opinion, Publication, Report, Unit

from conftest import csrf_token, form_data, soup, switch
from flows import PDF, nomination, post, propose, sent, vote

pytestmark = pytest.mark.usefixtures("files")  # evidence and attachments in the test's directory

ENDED = ("Đợt thi đua đã kết thúc ngày 28/02/2026; không thể cập nhật thêm. "
         "Liên hệ Phòng Văn hóa – Xã hội nếu cần gia hạn.")
DECIDED = "Quyết định khen thưởng số 25/QĐ-UBND đã được phê duyệt"
FILING = "Các đơn vị còn được gửi sơ kết và đề nghị khen thưởng đến 23:59 ngày 18/02/2026"


def at(app, moment):
    """The commune's clock reads `moment` (ISO; without an offset, commune time)."""
    app.config["NOW"] = moment


def refusal(response) -> str:
    return soup(response).select_one(".flash.error").text


def unit_of(code="ban-na-bo") -> Unit:
    return Unit.get(Unit.code == code)


def voted(actor):
    """A proposal sent to the council and passed by it, the office signed in."""
    sent(actor)
    switch(actor, "hoidong")
    vote(actor, nomination(), "1")
    switch(actor, "vanhoa")


@pytest.mark.parametrize("moment", ["2026-02-10T09:00:00", "2026-02-18T23:59:00"])
def test_publishing_while_units_may_still_file_is_refused_with_the_deadline(actor, app, moment):
    voted(actor)
    at(app, moment)
    page = soup(actor.client.get("/awards"))
    assert page.select_one("#publish") is None
    assert page.select_one("#publish-wait").text.startswith(FILING)
    refused = post(actor, "/publication")
    assert refused.status_code == 409 and refusal(refused).startswith(FILING)
    assert not Publication.select().exists() and nomination().state == "sent"


def test_after_the_deadline_the_list_is_published_and_the_comment_window_ends_after_it(actor, app):
    voted(actor)
    switch(actor, "ban-na-it")
    propose(actor, name="Lò Thị Xuân", workplace="Bản Nà Ít")  # in time, but the office has not sent it yet
    switch(actor, "vanhoa")
    at(app, "2026-02-18T17:00:00+00:00")  # 00:00 on 19/02 in the commune
    waiting = post(actor, "/publication")
    assert waiting.status_code == 409 and refusal(waiting).startswith("Còn 1 đề nghị chưa gửi Hội đồng")
    post(actor, "/nominations/send")
    publish = form_data(soup(actor.client.get("/awards")).select_one("#publish"))
    assert actor.client.post("/publication", data=publish).status_code == 303
    publication = Publication.get()
    assert publication.closes_on == dt.date(2026, 2, 24)
    assert publication.closes_on > Campaign.current(Unit.root()).report_due_on
    assert nomination("Lò Thị Xuân").state == "rejected"  # on the list the council saw, though it did not pass
    # The deadline stays where the units were told it was: moving it now would open filing after the posting.
    campaign = Campaign.current(Unit.root())
    edited = actor.submit(f"/campaigns/{campaign.id}", f"form[action$='/campaigns/{campaign.id}']",
                          **{"campaign-report_due_on": "2026-02-25"})
    assert edited.status_code == 400
    assert "đã công khai" in soup(edited).select_one("#campaign-report_due_on ~ .field-error").text
    assert Campaign.current(Unit.root()).report_due_on == dt.date(2026, 2, 18)


def test_a_unit_the_office_reopened_holds_the_list_until_it_files(actor, app):
    voted(actor)
    at(app, "2026-02-19T08:00:00")
    police = unit_of("cong-an")
    reopen = form_data(soup(actor.client.get(f"/reports/{police.id}")).select_one("#reopen"))
    assert actor.client.post(f"/reports/{police.id}/reopen", data=reopen).status_code == 303
    refused = post(actor, "/publication")
    assert refused.status_code == 409 and "Công an xã" in refusal(refused)
    assert "Công an xã" in soup(actor.client.get("/awards")).select_one("#publish-wait").text

    switch(actor, "cong-an")
    form = form_data(soup(actor.client.get("/report")).select_one("form.report"))
    assert actor.client.post("/report", data={**form, "action": "submit"}).status_code == 303
    assert soup(actor.client.get("/report")).select_one("a[href='/nominations/new']") is None  # filed: closed again
    switch(actor, "vanhoa")
    assert post(actor, "/publication").status_code == 303
    # Once the list is posted, reopening would let a unit file what the list leaves out.
    village = unit_of("ban-na-it")
    assert soup(actor.client.get(f"/reports/{village.id}")).select_one("#reopen") is None
    late = post(actor, f"/reports/{village.id}/reopen")
    assert late.status_code == 409 and "đã công khai" in refusal(late)
    assert not Report.select().where(Report.unit == village, Report.reopened == True).exists()  # noqa: E712


@pytest.fixture
def published(actor, app):
    """The list posted at 00:00 on 19/02; the public may comment through 24/02."""
    voted(actor)
    at(app, "2026-02-18T17:00:00+00:00")
    post(actor, "/publication")
    return actor


def test_the_leader_approves_only_after_the_comment_window_and_the_public_comments_until_its_last_minute(
        published, app):
    actor = published
    at(app, "2026-02-24T23:59:00")  # the last minute of the last promised day
    # The office cannot end the campaign under the public's feet either.
    campaign = Campaign.current(Unit.root())
    actor.submit(f"/campaigns/{campaign.id}", "form:has(input[name=status][value=closed])")
    assert Campaign.get_by_id(campaign.id).status == "active"
    switch(actor, "chutich")
    page = soup(actor.client.get("/decision"))
    assert page.select_one("#decision") is None
    assert "đến hết ngày 24/02/2026" in page.select_one("#window").text
    refused = post(actor, "/decision", number="25/QĐ-UBND", signed_on="2026-02-24", signer="Nguyễn Thị Nhàn",
                   awards=str(nomination().id))
    assert refused.status_code == 409 and "đến hết ngày 24/02/2026" in refusal(refused)
    assert Publication.get().approved_at is None

    actor.client.post("/logout", data={"csrf_token": csrf_token(actor.client)})
    form = form_data(soup(actor.client.get("/cong-khai/xa-binh-lu")).select_one("#opinion"))
    assert actor.client.post("/cong-khai/xa-binh-lu/y-kien", data={**form, "text": "Xứng đáng"}).status_code == 303
    assert Opinion.select().count() == 1

    at(app, "2026-02-24T17:00:00+00:00")  # 00:00 on 25/02
    assert soup(actor.client.get("/cong-khai/xa-binh-lu")).select_one("#opinion") is None
    actor.client.post("/cong-khai/xa-binh-lu/y-kien", data={**form, "text": "Muộn"})
    assert Opinion.select().count() == 1
    actor.login("chutich")
    form = form_data(soup(actor.client.get("/decision")).select_one("#decision"))
    assert actor.client.post("/decision", data={**form, "number": "25/QĐ-UBND"}).status_code == 303
    assert Publication.get().approved_at is not None


def test_once_the_decision_is_approved_nothing_on_the_proposals_moves(published, app):
    actor = published
    at(app, "2026-02-25T08:00:00")
    switch(actor, "chutich")
    form = form_data(soup(actor.client.get("/decision")).select_one("#decision"))
    actor.client.post("/decision", data={**form, "number": "25/QĐ-UBND"})
    approved, events = nomination(), Event.select().count()
    assert Publication.get().approved_at is not None

    switch(actor, "vanhoa")
    assert soup(actor.client.get("/awards")).select_one("#send") is None
    assert soup(actor.client.get(f"/nominations/{approved.id}")).select_one("#settled").text.startswith(DECIDED)
    switch(actor, "hoidong")
    assert soup(actor.client.get(f"/nominations/{approved.id}")).select_one("#vote") is None
    switch(actor, "mttq")
    assert soup(actor.client.get(f"/nominations/{approved.id}")).select_one("#comment-form") is None
    switch(actor, "ban-na-bo")
    assert soup(actor.client.get(f"/nominations/{approved.id}/edit")).select_one("main form") is None

    for username, path, data in [
            ("vanhoa", "/nominations/send", {}),
            ("hoidong", f"/nominations/{approved.id}/vote", {"agree": "0"}),
            ("mttq", f"/nominations/{approved.id}/comments", {"text": "Xem lại"}),
            ("ban-na-bo", f"/nominations/{approved.id}/edit", {"name": "Lò Văn Sáng (sửa)", "version": "0"}),
            ("ban-na-bo", f"/nominations/{approved.id}/withdraw", {})]:
        switch(actor, username)
        refused = post(actor, path, **data)
        assert (refused.status_code, refusal(refused)[:len(DECIDED)]) == (409, DECIDED), path
    assert Event.select().count() == events
    assert (nomination().name, nomination().state) == ("Lò Văn Sáng", "approved")
    assert not Comment.select().exists()


def test_after_its_end_date_a_campaign_takes_no_tick_or_evidence_until_the_office_extends_it(actor, app, village):
    unit, task = village
    actor.login("ban-na-bo")
    at(app, "2026-02-28T23:59:00")
    assert actor.tick(unit.id, task.id, "doing").status_code == 303  # the last minute of the last day
    row = actor.row_form(task.id)

    def upload():  # the token of the session signed in now: each login starts a new one
        return actor.client.post(f"/evidence/{unit.id}/{task.id}", content_type="multipart/form-data",
                                 data={"csrf_token": csrf_token(actor.client), "file": (io.BytesIO(PDF), "bien-ban.pdf")})

    assert upload().status_code == 303
    proof = Evidence.get()

    at(app, "2026-02-28T17:00:00+00:00")  # 00:00 on 01/03
    page = soup(actor.client.get("/checklist"))
    assert page.select_one("#ended").text == ENDED
    assert not page.select("form[action^='/checks/'], form.upload, form[action$='/remove']")
    refused = actor.client.post(f"/checks/{unit.id}/{task.id}", data={**row, "state": "done"})
    assert refused.status_code == 409 and refusal(refused) == ENDED
    with_htmx = actor.client.post(f"/checks/{unit.id}/{task.id}", data={**row, "state": "done"},
                                  headers={"HX-Request": "true"})
    assert with_htmx.status_code == 409 and refusal(with_htmx) == ENDED  # shown in the page's message area
    refused = upload()
    assert refused.status_code == 409 and refusal(refused) == ENDED
    assert post(actor, f"/evidence/{proof.id}/remove").status_code == 409
    assert Evidence.select().count() == 1 and not Evidence.get().removed

    switch(actor, "vanhoa")
    campaign = Campaign.current(Unit.root())
    extended = actor.submit(f"/campaigns/{campaign.id}", f"form[action$='/campaigns/{campaign.id}']",
                            **{"campaign-ends_on": "2026-03-15"})
    assert extended.status_code == 303
    switch(actor, "ban-na-bo")
    assert soup(actor.client.get("/checklist")).select_one("#ended") is None
    assert actor.tick(unit.id, task.id, "done").status_code == 303
    assert post(actor, f"/evidence/{proof.id}/remove").status_code == 303
    assert upload().status_code == 303 and Evidence.select().where(Evidence.removed == False).count() == 1  # noqa: E712


@pytest.mark.parametrize("status, reason", [("closed", "đã kết thúc"), ("archived", "đã lưu trữ")])
def test_a_closed_or_archived_campaign_is_read_only_everywhere(actor, village, status, reason):
    unit, task = village
    actor.login("ban-na-bo")
    actor.tick(unit.id, task.id, "doing")
    row = actor.row_form(task.id)
    propose(actor)
    report = form_data(soup(actor.client.get("/report")).select_one("form.report"))
    switch(actor, "mttq")
    n = nomination()
    post(actor, f"/nominations/{n.id}/comments", text="Cần xác minh")
    switch(actor, "vanhoa")
    campaign = Campaign.current(Unit.root())
    area = campaign.areas_with_tasks()[0]
    for to in ("closed", "archived")[:1 + (status == "archived")]:
        actor.submit(f"/campaigns/{campaign.id}", f"form:has(input[name=status][value={to}])")
    assert Campaign.get_by_id(campaign.id).status == status
    events = Event.select().count()

    writes = {
        "ban-na-bo": [f"/checks/{unit.id}/{task.id}", f"/evidence/{unit.id}/{task.id}", "/report", "/nominations",
                      f"/nominations/{n.id}/edit", f"/nominations/{n.id}/withdraw"],
        "vanhoa": ["/nominations/send", f"/nominations/{n.id}/merge", f"/comments/{Comment.get().id}/answer",
                   "/publication", f"/reports/{unit.id}/review", f"/reports/{unit.id}/reopen",
                   f"/campaigns/{campaign.id}", f"/campaigns/{campaign.id}/areas", f"/areas/{area.id}",
                   f"/areas/{area.id}/tasks", f"/areas/{area.id}/remove", f"/tasks/{task.id}",
                   f"/tasks/{task.id}/remove"],
        "hoidong": [f"/nominations/{n.id}/vote"],
        "mttq": [f"/nominations/{n.id}/comments"],
    }
    for username, paths in writes.items():
        switch(actor, username)
        token = csrf_token(actor.client)
        data = {**row, **report, "csrf_token": token, "state": "done", "agree": "1", "text": "x", "action": "accept",
                "revision": str(Campaign.get_by_id(campaign.id).revision)}
        for path in paths:
            refused = actor.client.post(path, data=data)
            assert (refused.status_code, reason in refusal(refused)) == (409, True), path
    assert Event.select().count() == events

    # The pages say so and offer no form that would be refused.
    switch(actor, "ban-na-bo")
    page = soup(actor.client.get("/checklist"))
    assert reason in page.select_one("#ended").text and not page.select("main form")
    page = soup(actor.client.get("/report"))
    assert not page.select("main button") and all(t.has_attr("readonly") for t in page.select("textarea"))
    assert page.select_one("a[href='/nominations/new']") is None
    switch(actor, "vanhoa")
    page = soup(actor.client.get(f"/campaigns/{campaign.id}"))
    assert reason in page.select_one("#frozen").text
    assert all(f.has_attr("disabled") for f in page.select("fieldset.plain")) and not page.select("#new-area")
    page = soup(actor.client.get("/awards"))
    assert page.select_one("#send") is None
    assert not soup(actor.client.get(f"/nominations/{n.id}")).select(".comment form")


@pytest.mark.parametrize("review", [None, "accept"])
def test_a_filed_or_accepted_report_reads_without_a_box_that_saves_nothing(actor, review):
    actor.login("ban-na-bo")
    page = soup(actor.client.get("/report"))
    assert page.select("form.report textarea") and page.select("form.report button[value=submit]")
    form = form_data(page.select_one("form.report"))
    assert actor.client.post("/report", data={**form, "highlights": "Bản không ma túy", "action": "submit"}
                             ).status_code == 303
    if review:
        switch(actor, "vanhoa")
        actor.submit(f"/reports/{unit_of().id}", "#review", action=review)
        switch(actor, "ban-na-bo")
    page = soup(actor.client.get("/report"))
    boxes = page.select("textarea")
    assert boxes and not page.select("main form button")
    assert all(box.has_attr("readonly") for box in boxes)
    assert page.select_one("textarea[name=highlights]").text.strip() == "Bản không ma túy"
