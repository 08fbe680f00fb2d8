"""A unit's sơ kết: prefilled from its checklist, filed before 18/02 (commune time), reviewed by the office."""
import io
import json

import pytest

from portal.models import Event, Report, Unit

from conftest import csrf_token, form_data, soup, switch
from flows import PDF, file_report, report_form


def unit_of(code="ban-na-bo"):
    return Unit.get(Unit.code == code)


def test_the_report_starts_from_the_units_checklist_and_shows_the_deadline(actor, village, app, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path)
    unit, task = village
    actor.login("ban-na-bo")
    actor.tick(unit.id, task.id, "done", note="Đã họp 42 hộ")
    actor.client.post(f"/evidence/{unit.id}/{task.id}", content_type="multipart/form-data",
                      data={"csrf_token": csrf_token(actor.client), "file": (io.BytesIO(PDF), "bien-ban.pdf")})
    page = soup(actor.client.get("/report"))
    assert "23:59 ngày 18/02/2026" in page.select_one("#deadline").text
    assert "còn 8 ngày" in page.select_one("#deadline").text
    first = page.select_one(f"textarea[name=result_{task.area_id}]").text
    assert "Hoàn thành 1/" in first and f"{task.title}: Hoàn thành (Đã họp 42 hộ); 1 minh chứng" in first
    assert page.select_one("#nominations").text.startswith("Đề nghị khen thưởng (0)")


def test_a_unit_saves_a_draft_then_submits_and_each_step_is_logged(actor):
    actor.login("ban-na-bo")
    assert file_report(actor.client, "save", highlights="Mô hình “Bản không ma túy”").status_code == 303
    report = Report.get(Report.unit == unit_of())
    assert (report.state, report.highlights, report.version) == ("draft", "Mô hình “Bản không ma túy”", 1)
    assert report_form(actor.client)["highlights"] == "Mô hình “Bản không ma túy”"

    assert file_report(actor.client, difficulties="Đường trơn, khó đi").status_code == 303
    report = Report.get_by_id(report.id)
    assert (report.state, report.late, report.difficulties) == ("submitted", False, "Đường trơn, khó đi")
    kinds = [(e.kind, e.unit_id) for e in Event.select().where(Event.kind.startswith("report.")).order_by(Event.id)]
    assert kinds == [("report.save", report.unit_id), ("report.submit", report.unit_id)]
    page = soup(actor.client.get("/report"))
    assert page.select_one(".badge.report-submitted").text == "Đã gửi"
    assert not page.select("form.report button")  # waiting for the office: nothing to edit


def test_the_office_returns_a_report_with_a_reason_and_the_unit_files_it_again(actor):
    actor.login("ban-na-bo")
    file_report(actor.client)
    unit = unit_of()
    office = actor.client
    switch(actor, "vanhoa")
    review = form_data(soup(office.get(f"/reports/{unit.id}")).select_one("#review"))
    empty = office.post(f"/reports/{unit.id}/review", data={**review, "action": "return"})
    assert empty.status_code == 400
    assert soup(empty).select_one("#review .field-error").text.startswith("Hãy ghi lý do")
    assert Report.get(Report.unit == unit).state == "submitted"

    back = office.post(f"/reports/{unit.id}/review", data={**review, "action": "return", "comment": "Thiếu số liệu"})
    assert back.status_code == 303
    switch(actor, "ban-na-bo")
    page = soup(actor.client.get("/report"))
    assert "Thiếu số liệu" in page.select_one("#office-comment").text
    assert file_report(actor.client, proposals="Bổ sung số liệu").status_code == 303

    switch(actor, "vanhoa")
    review = form_data(soup(office.get(f"/reports/{unit.id}")).select_one("#review"))
    assert office.post(f"/reports/{unit.id}/review", data={**review, "action": "accept"}).status_code == 303
    report = Report.get(Report.unit == unit)
    assert report.state == "accepted"
    assert [e.kind for e in Event.select().where(Event.kind.startswith("report.")).order_by(Event.id)] == [
        "report.submit", "report.return", "report.submit", "report.accept"]
    switch(actor, "ban-na-bo")
    assert file_report(actor.client, proposals="sửa sau khi tiếp nhận").status_code == 400
    assert Report.get_by_id(report.id).proposals == "Bổ sung số liệu"


@pytest.mark.parametrize("moment, late", [("2026-02-18T16:59:59+00:00", False), ("2026-02-18T23:59:00", False)])
def test_a_report_filed_at_23_59_on_18_02_commune_time_is_on_time(actor, app, moment, late):
    app.config["NOW"] = moment
    actor.login("ban-na-bo")
    assert "hôm nay là hạn cuối" in soup(actor.client.get("/report")).select_one("#deadline").text
    assert file_report(actor.client).status_code == 303
    assert Report.get(Report.unit == unit_of()).late is late


def test_at_midnight_commune_time_filing_closes_until_the_office_reopens_it(actor, app):
    app.config["NOW"] = "2026-02-18T17:00:00+00:00"  # 00:00 on 19/02 in Asia/Ho_Chi_Minh
    actor.login("ban-na-bo")
    page = soup(actor.client.get("/report"))
    assert "đã quá hạn 1 ngày" in page.select_one("#deadline").text
    assert not page.select("form.report button")
    refused = file_report(actor.client, highlights="muộn")
    assert refused.status_code == 400
    assert "quá hạn" in soup(refused).select_one("[role=alert]").text
    assert soup(refused).select_one("textarea[name=highlights]").text.strip() == "muộn"  # nothing typed is lost
    assert not Report.select().exists()
    assert actor.client.get("/nominations/new").status_code == 200
    assert soup(actor.client.get("/nominations/new")).select_one("main form") is None

    switch(actor, "vanhoa")
    unit = unit_of()
    reopen = form_data(soup(actor.client.get(f"/reports/{unit.id}")).select_one("#reopen"))
    assert actor.client.post(f"/reports/{unit.id}/reopen", data=reopen).status_code == 303
    assert Event.get(Event.kind == "report.reopen").unit_id == unit.id

    switch(actor, "ban-na-bo")
    assert file_report(actor.client, highlights="muộn").status_code == 303
    report = Report.get(Report.unit == unit)
    assert (report.state, report.late, report.reopened) == ("submitted", True, True)
    switch(actor, "vanhoa")
    row = soup(actor.client.get("/reports")).select_one(f"#report-{unit.id}")
    assert row.select_one(".badge.lag").text == "Nộp muộn"
    assert json.loads(Event.get(Event.kind == "report.submit").after)["late"] is True


def test_with_htmx_saving_answers_with_the_report_alone_in_one_round_trip(actor):
    actor.login("ban-na-bo")
    form = report_form(actor.client)
    response = actor.client.post("/report", headers={"HX-Request": "true"},
                                 data={**form, "highlights": "Mô hình hay", "action": "save"})
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    page = soup(response)
    assert page.select_one("html") is None and page.select_one("h1") is None
    assert page.select_one("section#report form.report input[name=version]")["value"] == "1"
    assert page.select_one("#report [role=status]").text.startswith("Đã lưu bản nháp lúc ")
    assert page.select_one("textarea[name=highlights]").text.strip() == "Mô hình hay"
    assert Report.get(Report.unit == unit_of()).highlights == "Mô hình hay"
    # Nothing is left in the session to pop up on the next page.
    assert not soup(actor.client.get("/report")).select("#flash .flash")
    response = actor.client.post("/report", headers={"HX-Request": "true"},
                                 data={**form, "version": "1", "action": "submit"})
    assert soup(response).select_one(".badge.report-submitted").text == "Đã gửi"
    assert not soup(response).select("button[value=submit]")


def test_a_stale_report_is_refused_with_409_and_the_typed_text_kept(actor):
    actor.login("ban-na-bo")
    stale = report_form(actor.client)
    file_report(actor.client, "save", highlights="bản đầu")
    response = actor.client.post("/report", data={**stale, "highlights": "bản của tôi", "action": "save"})
    assert response.status_code == 409
    assert soup(response).select_one("textarea[name=highlights]").text.strip() == "bản của tôi"
    assert Report.get(Report.unit == unit_of()).highlights == "bản đầu"


def test_a_report_without_csrf_token_is_refused(actor):
    actor.login("ban-na-bo")
    assert actor.client.post("/report", data={"highlights": "x", "version": "0", "action": "save"}).status_code == 400
    assert not Report.select().exists()


def test_anonymous_visitors_are_sent_to_login(client):
    assert client.get("/report").status_code in (302, 303)
    assert client.get("/reports").status_code in (302, 303)


def test_the_board_shows_each_units_report_and_its_number_of_proposals(actor):
    actor.login("ban-na-bo")
    file_report(actor.client)
    for name in ("Lò Văn Sáng", "Tổ an ninh bản Nà Bỏ"):
        form = form_data(soup(actor.client.get("/nominations/new")).select_one("main form"))
        actor.client.post("/nominations", data={**form, "name": name, "achievement": "Giữ bình yên bản",
                                                "award": "giay-khen"})
    switch(actor, "vanhoa")
    board = soup(actor.client.get("/board"))
    assert [th.text for th in board.select("table.board thead th")][-2] == "Sơ kết"
    filed = board.select_one(f"#unit-{unit_of().id} td.filing")
    assert filed.contents[0].strip() == "Đã gửi" and filed.small.text == "2 đề nghị"
    assert board.select_one(f"#unit-{unit_of('cong-an').id} td.filing").text.startswith("–")
