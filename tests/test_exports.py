"""Exports opened with the libraries that wrote them: the board workbook and the administrative documents."""
import io

import pytest
from docx import Document
from openpyxl import load_workbook

from portal.models import Campaign, Unit

from conftest import csrf_token, form_data, soup, switch
from flows import PDF, after_the_window, all_text, nomination, post, propose, publish_with, vote

pytestmark = pytest.mark.usefixtures("files")  # evidence and attachments in the test's directory


def docx(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    return Document(io.BytesIO(response.data))


def assert_administrative(doc, symbol, day="10"):
    text = all_text(doc)
    for line in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "UBND XÃ BÌNH LƯ",
                 f"Bình Lư, ngày {day} tháng 02 năm 2026", "Nơi nhận:"):
        assert line in text
    assert f"/{symbol}" in text or "Số: " in text
    assert doc.styles["Normal"].font.name == "Times New Roman"
    assert 13 <= doc.styles["Normal"].font.size.pt <= 14
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.left_margin.cm) == 3


def test_the_board_workbook_has_every_unit_and_every_check(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    actor.tick(unit.id, task.id, "done", note="Đã họp 42 hộ")
    switch(actor, "vanhoa")
    response = actor.client.get("/exports/board.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Bảng theo dõi", "Chi tiết"]
    board = book["Bảng theo dõi"]
    units = Campaign.current(Unit.root()).units()
    assert board.max_row == 1 + len(units)
    row = next(r for r in board.iter_rows(min_row=2, values_only=True) if r[0] == "Bản Nà Bỏ")
    assert row[-2] == 1  # one task done
    detail = [r for r in book["Chi tiết"].iter_rows(min_row=2, values_only=True)]
    assert ("Bản Nà Bỏ", task.title, "Hoàn thành", "Đã họp 42 hộ") in [(r[0], r[2], r[4], r[5]) for r in detail]
    applicable = sum(1 for u in units for a in Campaign.current(Unit.root()).areas_with_tasks() for t in a.task_list
                     if t.applies_to(u))
    assert len(detail) == applicable


def test_the_aggregate_report_is_an_administrative_document_with_each_units_words(actor):
    actor.login("ban-na-bo")
    form = form_data(soup(actor.client.get("/report")).select_one("form.report"))
    actor.client.post("/report", data={**form, "highlights": "Mô hình “Bản không ma túy”", "action": "submit"})
    switch(actor, "vanhoa")
    doc = docx(actor.client, "/exports/report.docx")
    assert_administrative(doc, "BC-UBND")
    text = all_text(doc)
    assert "BÁO CÁO" in text
    assert f"có 1/{len(Campaign.current(Unit.root()).units())} cơ quan, đơn vị, bản gửi báo cáo sơ kết" in text
    assert "Bản Nà Bỏ: Mô hình “Bản không ma túy”" in text


def test_the_draft_decision_lists_the_nominees_and_then_carries_the_approved_number(actor):
    publish_with(actor, {"Lò Văn Sáng": "1", "Tao Văn Nọi": "1"})
    doc = docx(actor.client, "/exports/decision.docx")
    assert_administrative(doc, "QĐ-UBND", day="19")  # published after the filing deadline
    awards = doc.tables[1]
    assert [row.cells[1].text for row in awards.rows[1:]] == ["Lò Văn Sáng, Trưởng bản", "Tao Văn Nọi, Trưởng bản"]
    assert "QUYẾT ĐỊNH:" in all_text(doc) and "Nguyễn Thị Nhàn" in all_text(doc)

    after_the_window()
    switch(actor, "chutich")
    form = form_data(soup(actor.client.get("/decision")).select_one("#decision"))
    actor.client.post("/decision", data={**form, "number": "25/QĐ-UBND", "awards": [str(nomination().id)]})
    doc = docx(actor.client, "/exports/decision.docx")
    assert "Số: 25/QĐ-UBND" in all_text(doc)
    assert [row.cells[1].text for row in doc.tables[1].rows[1:]] == ["Lò Văn Sáng, Trưởng bản"]


def test_the_dossier_of_a_nominee_is_filled_from_the_checklist_and_the_council_meeting(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    actor.tick(unit.id, task.id, "done", note="Đã họp 42 hộ")
    actor.client.post(f"/evidence/{unit.id}/{task.id}", content_type="multipart/form-data",
                      data={"csrf_token": csrf_token(actor.client), "file": (io.BytesIO(PDF), "bien-ban-hop.pdf")})
    propose(actor)
    switch(actor, "vanhoa")
    post(actor, "/nominations/send")
    switch(actor, "hoidong")
    vote(actor, nomination(), "1", "Xứng đáng")
    doc = docx(actor.client, f"/exports/nominations/{nomination().id}/dossier.docx")
    assert_administrative(doc, "BC-TĐKT")
    text = all_text(doc)
    for title in ("BÁO CÁO THÀNH TÍCH", "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG", "BIÊN BẢN HỌP XÉT"):
        assert title in text
    assert f"- {task.title} (Đã họp 42 hộ); minh chứng: bien-ban-hop.pdf." in text
    assert "Lò Văn Thắng: đồng ý (Xứng đáng)." in text
    assert "được 1 phiếu đồng ý" in text


def test_a_dossier_of_another_campaign_is_not_found(actor):
    actor.login("vanhoa")
    assert actor.client.get("/exports/nominations/999/dossier.docx").status_code == 404
