"""The documents a clerk prints and signs, as LibreOffice (Debian's, headless) lays them out on paper."""
import csv
import json
import re
import shutil
import subprocess

import pytest

from portal.demo import load_demo
from portal.models import Area, Campaign, Report, Unit

from conftest import FAST_HASH, csrf_token, PLAN_START, empty_tables, soup, switch
from flows import after_the_window, nomination, propose, publish_with, vote

pytestmark = pytest.mark.usefixtures("files")  # evidence and attachments in the test's directory

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


class Paper:
    """A .docx converted to PDF: its pages as pdftotext -layout reads them."""

    def __init__(self, data: bytes, tmp_path, name: str):
        if not shutil.which("soffice") or not shutil.which("pdftotext"):
            pytest.fail("LibreOffice or poppler-utils is missing: `make test` installs them")
        source = tmp_path / name
        source.write_bytes(data)
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/libreoffice", "--headless",
                        "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                       check=True, capture_output=True, timeout=180)
        self.pdf = source.with_suffix(".pdf")
        text = subprocess.run(["pdftotext", "-layout", str(self.pdf), "-"], check=True, capture_output=True,
                              text=True).stdout
        self.pages = text.rstrip("\f").split("\f")

    def page_of(self, text: str) -> int:
        """The first page showing `text` on one line (words spaced as the layout spaced them)."""
        pattern = re.compile(r"\s+".join(map(re.escape, text.split())))
        return next(i for i, page in enumerate(self.pages) if any(pattern.search(line) for line in page.splitlines()))

    def assert_headed_and_signed(self, title: str, signer: str):
        head = self.pages[0].splitlines()
        assert any(QUOC_HIEU in line for line in head), "the Quốc hiệu breaks over two lines"
        last = self.pages[-1]
        assert signer in last, "the signer's name is not on the last page"
        above = last[:last.rindex(signer)]
        assert title in above, "the signer's title is on another page than the name"
        assert above[above.rindex(title):].count("\n") >= 4, "no room to sign between the title and the name"


def fetch(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response


def file_report(unit, campaign, highlights, difficulties=""):
    """A sơ kết as a unit would have typed it: the box's line breaks as the browser sent them (CR LF)."""
    areas = Area.select().where(Area.campaign == campaign)
    Report.create(campaign=campaign, unit=unit, state="submitted", highlights=highlights, difficulties=difficulties,
                  results=json.dumps({a.id: "Hoàn thành.\r\nĐã báo cáo." for a in areas}), submitted_at=campaign.starts_on)


def test_the_aggregate_report_fits_a_few_pages_names_units_and_is_signed_on_one_page(app, actor, tmp_path):
    empty_tables()
    load_demo(FAST_HASH, progress=True, starts_on=PLAN_START)  # four units ahead have filed already
    campaign = Campaign.current(Unit.root())
    filed = {r.unit_id for r in Report.select()}
    for unit in Unit.select().where(Unit.kind == "village", Unit.id.not_in(filed)).limit(5):
        file_report(unit, campaign, f"Mô hình “Bản sạch” của {unit.name}.\r\n\r\nDuy trì hằng tuần.\r\n",
                    "Đường vào bản sạt lở.\rChưa có kinh phí.")
    actor.login("vanhoa")
    paper = Paper(fetch(actor.client, "/exports/report.docx").data, tmp_path, "bao-cao.docx")
    assert 2 <= len(paper.pages) <= 5
    paper.assert_headed_and_signed("CHỦ TỊCH", "Nguyễn Thị Nhàn")
    text = "\n".join(paper.pages)
    words = " ".join(text.split())
    assert words.count("Đơn vị làm tốt:") >= 3 and words.count("Đơn vị còn chậm:") >= 3
    assert "Chưa gửi báo cáo (15 đơn vị):" in words
    assert "Mô hình “Camera an ninh bản”" in words  # a notable model the police wrote
    assert "Duy trì hằng tuần." in words and "\r" not in text
    assert "Hoàn thành.\nĐã báo cáo." not in text  # a summary, not the units' texts pasted one after another


def test_the_decision_is_offered_once_the_council_passed_someone_and_then_named_after_its_number(actor, tmp_path):
    actor.login("vanhoa")
    assert actor.client.get("/exports/decision.docx").status_code == 303  # nothing approved: no empty decision
    actor.client.post("/logout", data={"csrf_token": csrf_token(actor.client)})
    publish_with(actor, {"Lò Văn Sáng": "1", "Tao Văn Nọi": "0"})
    page = soup(actor.client.get("/decision"))
    assert page.select_one("#decision-docx").text == "Tải dự thảo quyết định (.docx)"
    draft = fetch(actor.client, "/exports/decision.docx")
    assert "du-thao-quyet-dinh.docx" in draft.headers["Content-Disposition"]

    after_the_window()
    switch(actor, "chutich")
    form = soup(actor.client.get("/decision")).select_one("#decision")
    data = {i["name"]: i.get("value", "") for i in form.select("input[name]") if i.get("type") != "checkbox"}
    actor.client.post("/decision", data={**data, "confirmed": "1", "number": "25/QĐ-UBND", "awards": [str(nomination().id)]})
    link = soup(actor.client.get("/decision")).select_one("#decision-docx")
    assert link.text == "Tải Quyết định số 25/QĐ-UBND (.docx)"
    approved = fetch(actor.client, link["href"])
    assert "quyet-dinh-25-qd-ubnd.docx" in approved.headers["Content-Disposition"]
    paper = Paper(approved.data, tmp_path, "quyet-dinh.docx")
    assert 1 <= len(paper.pages) <= 2
    paper.assert_headed_and_signed("CHỦ TỊCH", "Nguyễn Thị Nhàn")
    assert "Số: 25/QĐ-UBND" in paper.pages[0]


def test_a_decision_naming_nobody_is_not_offered(actor):
    publish_with(actor, {"Lò Văn Sáng": "0"})  # the council passed no one
    assert soup(actor.client.get("/decision")).select_one("#decision-docx") is None
    refused = actor.client.get("/exports/decision.docx", follow_redirects=True)
    assert "chưa có quyết định khen thưởng" in soup(refused).select_one(".flash.error").text


def test_the_dossier_prints_as_report_list_and_minutes_with_the_signer_block_whole(actor, tmp_path):
    actor.login("ban-na-bo")
    propose(actor, achievement="Vận động 42 hộ ký cam kết.\r\nTổ chức 3 buổi tuần tra.")
    switch(actor, "vanhoa")
    actor.client.post("/nominations/send", data={"csrf_token": csrf_token(actor.client)})
    switch(actor, "hoidong")
    vote(actor, nomination(), "1", "Xứng đáng")
    paper = Paper(fetch(actor.client, f"/exports/nominations/{nomination().id}/dossier.docx").data, tmp_path,
                  "ho-so.docx")
    assert 3 <= len(paper.pages) <= 5
    paper.assert_headed_and_signed("CHỦ TỊCH HỘI ĐỒNG", "Nguyễn Thị Nhàn")
    assert paper.page_of("Tổ chức 3 buổi tuần tra.") == 0


def sheets(data: bytes, tmp_path, name: str) -> dict:
    """A workbook as LibreOffice reads it: each sheet's rows as it shows them (its CSV export of every sheet)."""
    source = tmp_path / name
    source.write_bytes(data)
    # UTF-8, comma, quote; "-1" at the end: every sheet, each to <name>-<sheet>.csv.
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/libreoffice", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    found = {}
    for path in tmp_path.glob(f"{source.stem}-*.csv"):
        with path.open(encoding="utf-8", newline="") as f:
            found[path.stem.removeprefix(f"{source.stem}-")] = list(csv.reader(f))
    return found


def test_the_board_workbook_opens_in_libreoffice_with_its_dates_numbers_and_formula_like_text(actor, village,
                                                                                               tmp_path):
    unit, task = village
    actor.login("ban-na-bo")
    assert actor.tick(unit.id, task.id, "done", note="=1+1 đã họp dân").status_code in (200, 303)
    switch(actor, "vanhoa")
    book = sheets(fetch(actor.client, "/exports/board.xlsx").data, tmp_path, "bang-theo-doi.xlsx")
    assert sorted(book) == ["Bảng theo dõi", "Chi tiết"]
    board = book["Bảng theo dõi"]
    assert board[0][:2] == ["Đơn vị", "Loại"]
    row = next(r for r in board if r[0] == "Bản Nà Bỏ")
    done, total = int(row[board[0].index("Hoàn thành")]), int(row[board[0].index("Số việc")])
    assert done == 1 and total > 1
    line = next(r for r in book["Chi tiết"] if r[0] == "Bản Nà Bỏ" and r[2] == task.title)
    assert line[4:6] == ["Hoàn thành", "=1+1 đã họp dân"]  # the note as typed, not its sum
    assert re.fullmatch(r"\d\d/\d\d/2026 \d\d:\d\d:\d\d", line[6]), line[6]
