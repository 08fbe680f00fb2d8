"""Commendation proposals: a unit proposes, the office merges and sends, the council votes with the
supervisors' comments before it, the office answers and publishes, the leader approves the decision."""
import datetime as dt
import json

import pytest

from portal.models import Campaign, Comment, Event, Nomination, Opinion, Publication, Unit, User, Vote

from conftest import FAST_HASH, csrf_token, form_data, soup, switch
from flows import PDF, after_filing, after_the_window, approve, nomination, post, propose, publish_with, sent, vote

pytestmark = pytest.mark.usefixtures("files")  # evidence and attachments in the test's directory


def add_council_members(count):
    for i in range(count):
        member = User(username=f"hd{i}", role="council", full_name=f"Thành viên {i}", unit=Unit.root())
        member.set_password("demo2026", FAST_HASH)
        member.save()


def test_a_unit_proposes_an_individual_with_a_pdf_and_sees_it_listed(actor, tmp_path):
    import io

    actor.login("ban-na-bo")
    response = propose(actor, attachment=(io.BytesIO(PDF), "bien-ban.pdf"))
    assert response.status_code == 303
    n = nomination()
    unit = Unit.get(Unit.code == "ban-na-bo")
    assert (n.unit_id, n.state, n.award, n.attachment_name, n.attachment_type) == (
        unit.id, "proposed", "giay-khen", "bien-ban.pdf", "pdf")
    event = Event.get(Event.kind == "nomination.add")
    assert event.unit_id == unit.id and json.loads(event.after)["name"] == "Lò Văn Sáng"
    listed = soup(actor.client.get("/report")).select("#my-nominations li")
    assert len(listed) == 1 and "Giấy khen của Chủ tịch UBND xã" in listed[0].text
    download = actor.client.get(listed[0].select_one("a")["href"])
    assert download.status_code == 200 and download.data == PDF

    switch(actor, "vanhoa")
    assert actor.client.get(f"/nominations/{n.id}/attachment").data == PDF


def test_a_retried_proposal_is_saved_once(actor):
    actor.login("ban-na-bo")
    data = {**form_data(soup(actor.client.get("/nominations/new")).select_one("main form")),
            "name": "Lò Văn Sáng", "workplace": "Bản Nà Bỏ", "achievement": "Giữ bình yên bản", "award": "giay-khen"}
    assert [actor.client.post("/nominations", data=data).status_code for _ in range(2)] == [303, 303]
    assert Nomination.select().count() == 1
    assert Event.select().where(Event.kind == "nomination.add").count() == 1


def edit_form(actor, n) -> dict:
    return form_data(soup(actor.client.get(f"/nominations/{n.id}/edit")).select_one(f"form[action$='/{n.id}/edit']"))


def test_a_unit_corrects_its_proposal_while_the_office_has_not_taken_it_up(actor):
    import io

    actor.login("ban-na-bo")
    propose(actor, name="Lò Văn Sang", attachment=(io.BytesIO(PDF), "bien-ban.pdf"))
    n = nomination("Lò Văn Sang")
    link = soup(actor.client.get("/report")).select_one("#my-nominations a[href$='/edit']")
    assert link["href"] == f"/nominations/{n.id}/edit"
    form = edit_form(actor, n)
    assert (form["name"], form["award"], form["version"]) == ("Lò Văn Sang", "giay-khen", "0")
    response = actor.client.post(f"/nominations/{n.id}/edit", data={**form, "name": "Lò Văn Sáng", "award": "lao-dong-tien-tien"},
                                 content_type="multipart/form-data")
    assert response.status_code == 303
    n = Nomination.get_by_id(n.id)
    assert (n.name, n.award, n.version, n.nominee_key) == ("Lò Văn Sáng", "lao-dong-tien-tien", 1, "lò văn sáng|bản nà bỏ")
    assert (n.attachment_name, n.attachment_type) == ("bien-ban.pdf", "pdf")  # no new file: the old one stays
    event = Event.get(Event.kind == "nomination.update")
    assert (json.loads(event.before)["name"], json.loads(event.after)["name"]) == ("Lò Văn Sang", "Lò Văn Sáng")
    # Another phone of the unit saves from the copy it had: refused, its text kept, nothing overwritten.
    stale = actor.client.post(f"/nominations/{n.id}/edit", data={**form, "name": "Tên gõ ở máy kia"})
    assert stale.status_code == 409
    page = soup(stale)
    assert "vừa được sửa ở một máy khác" in page.select_one("[role=alert]").text
    assert page.select_one("input[name=name]")["value"] == "Tên gõ ở máy kia"
    assert page.select_one("input[name=version]")["value"] == "1"
    assert Nomination.get_by_id(n.id).name == "Lò Văn Sáng"


def test_a_unit_withdraws_a_proposal_once_and_it_no_longer_counts(actor):
    actor.login("ban-na-bo")
    propose(actor)
    n = nomination()
    assert [post(actor, f"/nominations/{n.id}/withdraw").status_code for _ in range(2)] == [303, 303]
    assert Nomination.get_by_id(n.id).state == "withdrawn"
    assert Event.select().where(Event.kind == "nomination.withdraw").count() == 1
    assert "Đơn vị đã rút" in soup(actor.client.get("/report")).select_one("#my-nominations").text
    assert propose(actor).status_code == 303  # proposing the same person again is a new proposal
    assert Nomination.select().where(Nomination.state == "proposed").count() == 1
    switch(actor, "vanhoa")
    post(actor, "/nominations/send")
    assert Nomination.get_by_id(n.id).state == "withdrawn"


def test_a_proposal_the_office_has_sent_can_no_longer_be_changed_by_the_unit(actor):
    actor.login("ban-na-bo")
    propose(actor)
    n = nomination()
    form = edit_form(actor, n)
    switch(actor, "vanhoa")
    post(actor, "/nominations/send")
    switch(actor, "ban-na-bo")
    page = soup(actor.client.get(f"/nominations/{n.id}/edit"))
    assert "đã xử lý đề nghị này" in page.select_one("[role=alert]").text and not page.select("main form")
    assert actor.client.post(f"/nominations/{n.id}/edit", data={**form, "name": "Tên khác",
                                                                "csrf_token": csrf_token(actor.client)}).status_code == 409
    assert post(actor, f"/nominations/{n.id}/withdraw").status_code == 409
    assert (Nomination.get_by_id(n.id).name, Nomination.get_by_id(n.id).state) == ("Lò Văn Sáng", "sent")
    assert not soup(actor.client.get("/report")).select("#my-nominations a[href$='/edit']")


def test_a_proposal_with_missing_fields_comes_back_with_each_error_and_the_typed_text(actor):
    actor.login("ban-na-bo")
    response = propose(actor, name="", award="", achievement="Giữ gìn an ninh")
    assert response.status_code == 400
    page = soup(response)
    assert page.select_one("#name ~ .field-error").text == "Nhập tên tập thể hoặc họ tên cá nhân."
    assert page.select_one("#award ~ .field-error").text == "Chọn hình thức khen thưởng."
    assert page.select_one("#achievement").text.strip() == "Giữ gìn an ninh"
    assert not Nomination.select().exists()


def test_a_file_that_is_neither_pdf_nor_image_is_refused(actor):
    import io

    actor.login("ban-na-bo")
    response = propose(actor, attachment=(io.BytesIO(b"MZ\x90\x00 not a document"), "virus.pdf"))
    assert response.status_code == 400
    assert "Chỉ nhận ảnh" in soup(response).select_one("#attachment ~ .field-error").text
    assert not Nomination.select().exists()


def test_the_same_nominee_proposed_by_two_units_is_flagged_and_the_office_merges_them(actor):
    actor.login("ban-na-bo")
    propose(actor)
    switch(actor, "cong-an")
    propose(actor, name="  lò văn   SÁNG ", workplace="bản nà bỏ")
    propose(actor, name="Vàng A Sử", workplace="Công an xã")
    switch(actor, "vanhoa")
    page = soup(actor.client.get("/awards"))
    flagged = {int(tr["id"].removeprefix("nomination-")) for tr in page.select("#nominations tr")
               if tr.select_one(".duplicate")}
    first, second = Nomination.select().order_by(Nomination.id)[:2]
    assert flagged == {first.id, second.id}

    detail = soup(actor.client.get(f"/nominations/{second.id}"))
    merge = form_data(detail.select_one("#duplicates form"))
    assert actor.client.post(f"/nominations/{second.id}/merge", data=merge).status_code == 303
    second = Nomination.get_by_id(second.id)
    assert (second.state, second.merged_into_id) == ("merged", first.id)
    assert Event.get(Event.kind == "nomination.merge").unit_id == second.unit_id
    page = soup(actor.client.get("/awards"))
    assert not page.select("#nominations .duplicate")


def test_the_same_achievement_rewarded_in_an_earlier_campaign_is_flagged(actor):
    current = Campaign.current(Unit.root())
    earlier = Campaign.create(unit=current.unit, title="Đợt thi đua năm 2025", starts_on=dt.date(2025, 2, 1),
                              ends_on=dt.date(2025, 2, 28), report_due_on=dt.date(2025, 2, 18), status="closed")
    unit = Unit.get(Unit.code == "ban-na-bo")
    Nomination.create(campaign=earlier, unit=unit, name="Lò Văn Sáng", workplace="Bản Nà Bỏ", award="giay-khen",
                      achievement="Vận động 100% hộ  đăng ký bản không ma túy", state="approved", awarded=True)
    Nomination.create(campaign=earlier, unit=unit, name="Tao Văn Nọi", workplace="Bản Nà Bỏ", award="giay-khen",
                      achievement="Trồng 2 ha rừng", state="approved", awarded=True)
    actor.login("ban-na-bo")
    propose(actor)
    propose(actor, name="Tao Văn Nọi")  # a new achievement: not the one rewarded last year
    switch(actor, "vanhoa")
    sang, noi = nomination(), nomination("Tao Văn Nọi")
    page = soup(actor.client.get("/awards"))
    assert page.select_one(f"#nomination-{sang.id} .duplicate")
    assert not page.select_one(f"#nomination-{noi.id} .duplicate")
    assert "Đợt thi đua năm 2025" in soup(actor.client.get(f"/nominations/{sang.id}")).select_one("#duplicates").text


def test_the_office_sends_the_proposals_to_the_council(actor):
    actor.login("ban-na-bo")
    propose(actor)
    switch(actor, "vanhoa")
    send = form_data(soup(actor.client.get("/awards")).select_one("#send"))
    assert actor.client.post("/nominations/send", data=send).status_code == 303
    assert nomination().state == "sent"
    assert Event.get(Event.kind == "nomination.send").unit_id == nomination().unit_id
    assert soup(actor.client.get("/awards")).select_one("#send") is None


def test_the_council_sees_the_supervisors_comment_before_voting_and_the_office_answers_it(actor):
    sent(actor)
    n = nomination()
    switch(actor, "mttq")
    form = form_data(soup(actor.client.get(f"/nominations/{n.id}")).select_one("#comment-form"))
    assert actor.client.post(f"/nominations/{n.id}/comments", data={**form, "text": ""}).status_code == 400
    response = actor.client.post(f"/nominations/{n.id}/comments", data={**form, "text": "Cần xác minh số hộ"})
    assert response.status_code == 303
    actor.client.post(f"/nominations/{n.id}/comments", data={**form, "text": "Cần xác minh số hộ"})
    assert Comment.select().count() == 1  # a replay adds nothing
    assert soup(actor.client.get(f"/nominations/{n.id}")).select_one("#vote") is None  # supervisors do not vote

    switch(actor, "hoidong")
    page = soup(actor.client.get(f"/nominations/{n.id}"))
    remark = page.select_one(".comment")
    assert "Cần xác minh số hộ" in remark.text
    assert remark.sourceline < page.select_one("#vote").sourceline

    switch(actor, "vanhoa")
    answer = form_data(soup(actor.client.get(f"/nominations/{n.id}")).select_one(".comment form"))
    key = next(k for k in answer if k.endswith("answer"))
    assert actor.client.post(f"/comments/{Comment.get().id}/answer", data={**answer, key: "Đã xác minh: 42/42 hộ"}
                             ).status_code == 303
    assert Comment.get().answer == "Đã xác minh: 42/42 hộ"
    assert [e.kind for e in Event.select().where(Event.kind.in_(["comment.add", "answer.add"])).order_by(Event.id)] \
        == ["comment.add", "answer.add"]
    assert "Đã xác minh" in soup(actor.client.get(f"/nominations/{n.id}")).select_one(".comment .answer").text


def test_votes_are_tallied_against_more_than_half_of_the_council(actor):
    add_council_members(2)  # three members: two votes in favour are needed
    sent(actor)
    n = nomination()
    switch(actor, "hoidong")
    assert vote(actor, n, "1", "Xứng đáng").status_code == 303
    assert vote(actor, n, "1", "Xứng đáng").status_code == 303  # a replay adds nothing
    assert Event.select().where(Event.kind == "vote.cast").count() == 1
    tally = soup(actor.client.get(f"/nominations/{n.id}")).select_one("#tally").text
    assert "1 đồng ý" in tally and "cần 2 phiếu" in tally and "Chưa đạt" in tally
    switch(actor, "hd0")
    vote(actor, n, "0")
    switch(actor, "hd1")
    vote(actor, n, "1")
    tally = soup(actor.client.get(f"/nominations/{n.id}")).select_one("#tally").text
    assert "2 đồng ý · 1 không đồng ý" in tally and "Đạt" in tally.split("·")[-1]
    assert Vote.select().count() == 3


def test_the_majority_rule_is_configurable(actor, app):
    app.config["VOTE_MAJORITY"] = 2 / 3
    add_council_members(2)
    sent(actor)
    n = nomination()
    for member in ("hoidong", "hd0"):
        switch(actor, member)
        vote(actor, n, "1")
    assert "cần 3 phiếu" in soup(actor.client.get(f"/nominations/{n.id}")).select_one("#tally").text


def test_a_vote_needs_a_choice_and_a_nomination_not_yet_sent_cannot_be_voted(actor):
    actor.login("ban-na-bo")
    propose(actor)
    n = nomination()
    switch(actor, "hoidong")
    refused = post(actor, f"/nominations/{n.id}/vote", agree="1")
    assert refused.status_code == 409
    assert soup(refused).select_one("#voting [role=alert]").text == "Đề nghị này không nằm trong thời gian bình xét."
    switch(actor, "vanhoa")
    post(actor, "/nominations/send")
    switch(actor, "hoidong")
    response = post(actor, f"/nominations/{n.id}/vote", comment="chưa chọn")
    assert response.status_code == 400
    assert soup(response).select_one("#vote .field-error").text == "Chọn đồng ý hoặc không đồng ý."
    assert not Vote.select().exists()


def test_with_htmx_a_vote_answers_with_the_voting_section_alone(actor):
    actor.login("ban-na-bo")
    propose(actor)
    n = nomination()
    switch(actor, "vanhoa")
    post(actor, "/nominations/send")
    switch(actor, "hoidong")
    response = actor.client.post(f"/nominations/{n.id}/vote", headers={"HX-Request": "true"},
                                 data={"csrf_token": csrf_token(actor.client), "agree": "1", "comment": "Xứng đáng"})
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    page = soup(response)
    assert page.select_one("h1") is None and page.select_one("section#voting")
    assert page.select_one("#tally").text.startswith("1 đồng ý")
    assert page.select_one("#vote [role=status]").text.startswith("Đã ghi phiếu bình xét lúc ")
    assert page.select_one("#vote input[name=agree][value='1']").has_attr("checked")
    assert not soup(actor.client.get(f"/nominations/{n.id}")).select("#flash .flash")


def test_publishing_approves_what_the_council_passed_and_opens_the_comment_window(actor):
    sent(actor, "Lò Văn Sáng", "Tao Văn Nọi")
    switch(actor, "hoidong")
    vote(actor, nomination(), "1")
    vote(actor, nomination("Tao Văn Nọi"), "0")
    switch(actor, "vanhoa")
    after_filing()
    publish = form_data(soup(actor.client.get("/awards")).select_one("#publish"))
    assert actor.client.post("/publication", data=publish).status_code == 303
    assert (nomination().state, nomination("Tao Văn Nọi").state) == ("approved", "rejected")
    assert Publication.get().closes_on == dt.date(2026, 2, 24)  # today 19/02 + 5 days
    assert Event.get(Event.kind == "publication.open")
    switch(actor, "hoidong")
    assert post(actor, f"/nominations/{nomination().id}/vote", agree="0").status_code == 409


def test_the_leader_approves_the_decision_with_the_awards_chosen(actor):
    publish_with(actor, {"Lò Văn Sáng": "1", "Tao Văn Nọi": "1"})
    after_the_window()
    assert post(actor, "/decision", number="1/QĐ").status_code == 403
    switch(actor, "chutich")
    form = soup(actor.client.get("/decision")).select_one("#decision")
    assert form.select_one("#signer")["value"] == "Nguyễn Thị Nhàn"
    assert len(form.select("input[name=awards][checked]")) == 2
    missing = approve(actor, number="", awards=[])
    assert missing.status_code == 400
    assert soup(missing).select_one("#number ~ .field-error")
    assert soup(approve(actor, signed_on="31/02/2026")).select_one("#signed_on ~ .field-error").text \
        == "Nhập ngày ký (ngày/tháng/năm)."
    assert approve(actor, awards=[str(nomination().id)], signed_on="10/02/2026").status_code == 303
    publication = Publication.get()
    assert (publication.decision_number, publication.decision_date, publication.signer) == (
        "25/QĐ-UBND", dt.date(2026, 2, 10), "Nguyễn Thị Nhàn")
    assert nomination().awarded and not nomination("Tao Văn Nọi").awarded
    assert json.loads(Event.get(Event.kind == "decision.approve").after)["awards"] == [nomination().id]
    assert "25/QĐ-UBND" in soup(actor.client.get("/decision")).select_one("#approved").text


def test_the_leader_is_told_while_the_comment_window_is_open_and_how_many_opinions_came(actor, app):
    publish_with(actor, {"Lò Văn Sáng": "1"})
    Opinion.create(campaign=Campaign.current(Unit.root()), text="Đồng ý với danh sách")
    switch(actor, "chutich")
    window = soup(actor.client.get("/decision")).select_one("#window")
    closes_on = Publication.get().closes_on
    assert f"đến hết ngày {closes_on:%d/%m/%Y}" in window.text and "1 ý kiến" in window.text
    assert window.select_one("a")["href"] == "/opinions"
    app.config["TODAY"] = (closes_on + dt.timedelta(days=1)).isoformat()
    assert soup(actor.client.get("/decision")).select_one("#window").text.startswith("Đã hết thời hạn lấy ý kiến")


def test_the_decision_waits_for_the_publication(actor):
    actor.login("chutich")
    assert actor.client.get("/decision").status_code == 303


