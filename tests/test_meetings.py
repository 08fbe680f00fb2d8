"""The council meets: a quorum, a threshold per award form, a secret ballot; the office returns a proposal; the
papers that follow (biên bản, tờ trình, giấy khen) and the golden book across campaigns."""
import datetime as dt
import io
import shutil
import subprocess

import pytest
from docx import Document
from flask import current_app
from openpyxl import load_workbook

from portal.models import Campaign, Event, Nomination, NominationReturn, Publication, Unit, User, Vote

from conftest import FAST_HASH, csrf_token, form_data, soup, switch


@pytest.fixture(autouse=True)
def files(app, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")


def council(count):
    """`count` more council members besides the demo's hoidong."""
    for i in range(count):
        member = User(username=f"hd{i}", role="council", full_name=f"Thành viên {i}", unit=Unit.root())
        member.set_password("demo2026", FAST_HASH)
        member.save()


def propose(actor, name, award="giay-khen", kind="individual", workplace="Bản Nà Bỏ"):
    form = form_data(soup(actor.client.get("/nominations/new")).select_one("main form"))
    return actor.client.post("/nominations", data={
        **form, "kind": kind, "name": name, "position": "", "workplace": workplace, "award": award,
        "achievement": "Vận động 100% hộ đăng ký bản không ma túy"}, content_type="multipart/form-data")


def nomination(name) -> Nomination:
    return Nomination.get(Nomination.name == name, Nomination.campaign == Campaign.current(Unit.root()))


def post(actor, path, **data):
    """A form posted by someone who answers yes when the page asks to confirm."""
    return actor.client.post(path, data={"csrf_token": csrf_token(actor.client), "confirmed": "1", **data})


def sent(actor, *proposals):
    """Bản Nà Bỏ proposes each (name, award, kind); the office sends them to the council."""
    actor.login("ban-na-bo")
    for name, award, kind in proposals:
        assert propose(actor, name, award, kind).status_code == 303
    switch(actor, "vanhoa")
    post(actor, "/nominations/send")


def hold_meeting(actor, present, in_writing=(), chair="chutich", secretary="hoidong"):
    ids = lambda names: [str(User.get(User.username == n).id) for n in names]  # noqa: E731
    form = form_data(soup(actor.client.get("/hop-xet")).select_one("#meeting-form"))
    return actor.client.post("/hop-xet", data={
        **form, "held_on": "2026-02-20", "place": "Hội trường UBND xã", "chair": ids([chair])[0],
        "secretary": ids([secretary])[0], "present": ids(present), "in_writing": ids(in_writing)})


def vote(actor, name, agree):
    n = nomination(name)
    form = form_data(soup(actor.client.get(f"/nominations/{n.id}")).select_one("#vote"))
    return actor.client.post(f"/nominations/{n.id}/vote", data={**form, "agree": agree})


def votes(actor, name, ballots: dict):
    for member, agree in ballots.items():
        switch(actor, member)
        vote(actor, name, agree)


def tally(actor, name):
    page = soup(actor.client.get(f"/nominations/{nomination(name).id}"))
    return page.select_one("#tally").text, page.select_one("#rule").text, page


def set_rule(actor, award, threshold, base, secret=False):
    data = {f"{award}-threshold": threshold, f"{award}-base": base,
            "csrf_token": csrf_token(actor.client), **({f"{award}-secret": "y"} if secret else {})}
    return actor.client.post(f"/hop-xet/quy-tac/{award}", data=data)


def test_without_a_quorum_the_tally_says_so_and_nothing_passes(actor):
    council(5)  # six members: four must attend
    sent(actor, ("Lò Văn Sáng", "giay-khen", "individual"))
    assert hold_meeting(actor, present=["hoidong", "hd0", "hd1"]).status_code == 303
    votes(actor, "Lò Văn Sáng", {"hoidong": "1", "hd0": "1", "hd1": "1"})
    text, rule, _ = tally(actor, "Lò Văn Sáng")
    assert "Không đủ số thành viên dự họp" in text and "dự họp 3/6 thành viên, cần ít nhất 4" in rule
    switch(actor, "vanhoa")
    assert "không đủ số thành viên dự họp" in soup(actor.client.get("/awards")).select_one(".tally").text


def test_with_a_quorum_the_vote_passes_and_an_absent_member_cannot_vote(actor):
    council(5)
    sent(actor, ("Lò Văn Sáng", "giay-khen", "individual"))
    hold_meeting(actor, present=["hoidong", "hd0", "hd1", "hd2"], in_writing=["hd3"])
    votes(actor, "Lò Văn Sáng", {"hoidong": "1", "hd0": "1", "hd1": "0", "hd3": "1"})
    switch(actor, "hd4")  # neither at the table nor in writing
    refused = vote(actor, "Lò Văn Sáng", "0")
    assert refused.status_code == 409 and "không có tên trong danh sách dự họp" in soup(refused).select_one(
        "#voting .flash.error").text
    text, rule, _ = tally(actor, "Lò Văn Sáng")
    # more than half of all six members: 4 needed; 3 in favour among those counted
    assert text.startswith("3 đồng ý · 1 không đồng ý") and "Chưa đạt" in text
    assert "cần trên 50% tổng số thành viên Hội đồng (4/6 phiếu đồng ý)" in rule
    assert Event.get(Event.kind == "meeting.save").after.count("present") == 1


def test_each_award_form_has_its_own_threshold_and_base(actor):
    council(5)
    sent(actor, ("Lò Văn Sáng", "giay-khen", "individual"), ("Nhà ông Giàng A Lử", "gia-dinh-van-hoa", "household"))
    assert set_rule(actor, "gia-dinh-van-hoa", "50%", "present").status_code == 303
    assert set_rule(actor, "giay-khen", "2/3", "members").status_code == 303
    hold_meeting(actor, present=["hoidong", "hd0", "hd1", "hd2"])
    ballots = {"hoidong": "1", "hd0": "1", "hd1": "1", "hd2": "0"}
    votes(actor, "Lò Văn Sáng", ballots)
    votes(actor, "Nhà ông Giàng A Lử", ballots)
    text, rule, _ = tally(actor, "Nhà ông Giàng A Lử")  # 3 of 4 present > 50% of those present
    assert "Đạt" in text.split("·")[-1] and "Chưa" not in text
    assert "cần trên 50% số thành viên dự họp (3/4 phiếu đồng ý)" in rule
    text, rule, _ = tally(actor, "Lò Văn Sáng")  # 3 of 6 members is not more than two thirds of them
    assert "Chưa đạt" in text and "cần trên 66,67% tổng số thành viên Hội đồng (5/6 phiếu đồng ý)" in rule
    switch(actor, "vanhoa")
    refused = set_rule(actor, "giay-khen", "150%", "members")
    assert refused.status_code == 400 and soup(refused).select_one("#rule-giay-khen input[name='giay-khen-threshold']")[
        "value"] == "150%"


def test_a_secret_ballot_shows_the_counts_and_hides_the_names_everywhere(actor, tmp_path):
    sent(actor, ("Lò Văn Sáng", "giay-khen", "individual"))
    set_rule(actor, "giay-khen", "50%", "members", secret=True)
    hold_meeting(actor, present=["hoidong"])
    votes(actor, "Lò Văn Sáng", {"hoidong": "1"})
    text, rule, page = tally(actor, "Lò Văn Sáng")
    assert text.startswith("1 đồng ý") and "bỏ phiếu kín" in rule
    name = User.get(User.username == "hoidong").full_name
    for role in ("vanhoa", "chutich", "mttq"):
        switch(actor, role)
        assert name not in soup(actor.client.get(f"/nominations/{nomination('Lò Văn Sáng').id}")).select_one(
            "#voting").text
    switch(actor, "vanhoa")
    n = nomination("Lò Văn Sáng")
    for path in (f"/exports/nominations/{n.id}/dossier.docx", "/exports/bien-ban.docx", "/exports/to-trinh.docx"):
        lines = docx_text(actor.client.get(path)).splitlines()
        assert any("đồng ý" in line.lower() for line in lines)  # the counts are there
        assert not any(name in line and "đồng ý" in line.lower() for line in lines), path  # never who voted how
    logged = Event.get(Event.kind == "vote.cast")
    assert "agree" not in logged.after and '"secret": true' in logged.after
    assert Vote.get().agree  # the count still comes from the real vote


def docx_text(response) -> str:
    assert response.status_code == 200, response.status_code
    doc = Document(io.BytesIO(response.data))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def pdf_pages(data: bytes, tmp_path, name) -> list[str]:
    """The .docx as LibreOffice lays it out on paper: its pages as pdftotext reads them."""
    if not shutil.which("soffice") or not shutil.which("pdftotext"):
        pytest.fail("LibreOffice or poppler-utils is missing: `make test` installs them")
    source = tmp_path / name
    source.write_bytes(data)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/libreoffice", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", "-layout", str(source.with_suffix(".pdf")), "-"], check=True,
                          capture_output=True, text=True).stdout
    return text.rstrip("\f").split("\f")


def decided(actor, *names):
    """The list published after the filing deadline, the comment window over, the leader's decision approved."""
    switch(actor, "vanhoa")
    current_app.config["TODAY"] = "2026-02-19"
    post(actor, "/publication")
    current_app.config["TODAY"] = (Publication.get().closes_on + dt.timedelta(days=1)).isoformat()
    switch(actor, "chutich")
    form = form_data(soup(actor.client.get("/decision")).select_one("#decision"))
    assert actor.client.post("/decision", data={**form, "number": "25/QĐ-UBND", "signed_on": "2026-02-26",
                                                "awards": [str(nomination(n).id) for n in names]}).status_code == 303


def test_minutes_submission_and_certificates_print_from_the_meeting(actor, tmp_path):
    sent(actor, ("Lò Văn Sáng", "giay-khen", "individual"), ("Tao Văn Nọi", "lao-dong-tien-tien", "individual"))
    hold_meeting(actor, present=["hoidong"])
    votes(actor, "Lò Văn Sáng", {"hoidong": "1"})
    votes(actor, "Tao Văn Nọi", {"hoidong": "0"})
    switch(actor, "vanhoa")
    chair = User.get(User.username == "chutich").full_name
    minutes = pdf_pages(actor.client.get("/exports/bien-ban.docx").data, tmp_path, "bien-ban.docx")
    words = " ".join(" ".join(minutes).split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in minutes[0] and "Hội trường UBND xã" in words
    assert "Lò Văn Sáng" in words and "Tao Văn Nọi" in words and "Đạt" in words and "Không đạt" in words
    assert "THƯ KÝ" in minutes[-1] and "CHỦ TRÌ" in minutes[-1] and chair in minutes[-1]
    response = actor.client.get("/exports/to-trinh.docx")
    submission = docx_text(response)
    assert "TỜ TRÌNH" in submission and "PHÒNG VĂN HÓA – XÃ HỘI" in submission
    assert "Lò Văn Sáng" in submission and "Tao Văn Nọi" not in submission  # only what the council passed
    assert "chưa được công khai" in submission
    printed = pdf_pages(response.data, tmp_path, "to-trinh.docx")  # as a clerk prints it
    assert 1 <= len(printed) <= 3
    assert any("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in line for line in printed[0].splitlines())  # on one line
    assert "TỜ TRÌNH" in printed[0] and "Lò Văn Sáng" in " ".join(" ".join(printed).split())

    decided(actor, "Lò Văn Sáng")
    switch(actor, "vanhoa")
    assert "không nhận được ý kiến nào" in docx_text(actor.client.get("/exports/to-trinh.docx"))
    form = soup(actor.client.get("/hop-xet")).select_one("#certificate-form")
    response = actor.client.get(form["action"], query_string={**form_data(form), "top": "4,5"})
    doc = Document(io.BytesIO(response.data))
    section = doc.sections[0]
    assert section.page_width > section.page_height and round(section.top_margin.cm, 1) == 4.5
    pages = pdf_pages(response.data, tmp_path, "giay-khen.docx")
    assert len(pages) == 1
    page = " ".join(pages[0].split())
    assert "GIẤY KHEN" in page and "Lò Văn Sáng" in page and "Quyết định số 25/QĐ-UBND" in page
    assert "26/02/2026" in page and chair in page
    stranger = actor.client.get("/exports/giay-khen.docx?ids=" + str(nomination("Tao Văn Nọi").id))
    assert stranger.status_code == 303  # not in the decision: no certificate


def test_the_golden_book_finds_a_name_typed_without_accents_across_two_campaigns(actor):
    sent(actor, ("Nguyễn Văn An", "giay-khen", "individual"))
    hold_meeting(actor, present=["hoidong"])
    votes(actor, "Nguyễn Văn An", {"hoidong": "1"})
    decided(actor, "Nguyễn Văn An")
    first = Campaign.current(Unit.root())
    # a later campaign, with the same man rewarded again
    later = Campaign.create(unit=first.unit, title="Thi đua quý II", theme="Quý II", starts_on=dt.date(2026, 4, 1),
                            ends_on=dt.date(2026, 6, 30), report_due_on=dt.date(2026, 6, 20))
    first.status = "closed"
    first.save()
    unit = Unit.get(Unit.code == "ban-na-bo")
    again = Nomination(campaign=later, unit=unit, name="Nguyễn Văn An", workplace="Bản Nà Bỏ", achievement="Khác",
                       award="lao-dong-tien-tien", state="approved", awarded=True)
    again.save()
    Publication.create(campaign=later, closes_on=dt.date(2026, 7, 5), decision_number="40/QĐ-UBND",
                       decision_date=dt.date(2026, 7, 10), signer="Nguyễn Thị Nhàn", approved_at=dt.datetime(2026, 7, 10))
    switch(actor, "vanhoa")
    rows = soup(actor.client.get("/tra-cuu?q=nguyen van an")).select("#awards tbody tr")
    assert [r.select("td")[2].text for r in rows] == ["Số 40/QĐ-UBND ngày 10/07/2026", "Số 25/QĐ-UBND ngày 26/02/2026"]
    assert soup(actor.client.get("/tra-cuu?q=NGUYỄN  văn")).select("#awards tbody tr td")[0].text == "Thi đua quý II"
    assert "Không tìm thấy" in soup(actor.client.get("/tra-cuu?q=tran")).select_one("#awards").text
    book = load_workbook(io.BytesIO(actor.client.get("/tra-cuu.xlsx?q=nguyen van an").data))
    assert [r[5] for r in book.active.iter_rows(min_row=2, values_only=True)] == ["40/QĐ-UBND", "25/QĐ-UBND"]
    switch(actor, "ban-na-bo")  # the proposal form's hint as the name is typed (htmx)
    hint = soup(actor.client.get("/tra-cuu/goi-y?name=nguyen van", headers={"HX-Request": "true"}))
    assert hint.select_one("#awarded").text.startswith("Đã được khen:") and len(hint.select("li")) == 2


def test_the_office_returns_a_proposal_with_a_reason_and_the_unit_resends_it(actor):
    actor.login("ban-na-bo")
    propose(actor, "Lò Văn Sáng")
    switch(actor, "vanhoa")
    n = nomination("Lò Văn Sáng")
    empty = actor.submit(f"/nominations/{n.id}/tra-lai", "#return", reason="")
    assert empty.status_code == 400
    actor.submit(f"/nominations/{n.id}/tra-lai", "#return", reason="Thiếu số hộ cụ thể.")
    assert nomination("Lò Văn Sáng").state == "returned" and NominationReturn.get().version == 0
    switch(actor, "ban-na-bo")
    page = soup(actor.client.get(f"/nominations/{n.id}/edit"))
    assert "Thiếu số hộ cụ thể." in page.select_one("#returned").text
    form = form_data(page.select_one("main form"))
    actor.client.post(f"/nominations/{n.id}/edit", data={**form, "achievement": "Vận động 42/42 hộ."},
                      content_type="multipart/form-data")
    resent = nomination("Lò Văn Sáng")
    assert (resent.state, resent.version, resent.achievement) == ("proposed", 2, "Vận động 42/42 hộ.")
    assert [e.kind for e in Event.select().where(Event.subject == f"nomination:{n.id}").order_by(Event.id)] == [
        "nomination.add", "nomination.return", "nomination.resend"]


def test_the_years_statistics_count_awards_by_form_kind_and_unit(actor):
    sent(actor, ("Lò Văn Sáng", "giay-khen", "individual"), ("Nhà ông Giàng A Lử", "gia-dinh-van-hoa", "household"))
    hold_meeting(actor, present=["hoidong"])
    votes(actor, "Lò Văn Sáng", {"hoidong": "1"})
    votes(actor, "Nhà ông Giàng A Lử", {"hoidong": "1"})
    decided(actor, "Lò Văn Sáng", "Nhà ông Giàng A Lử")
    switch(actor, "vanhoa")
    book = load_workbook(io.BytesIO(actor.client.get("/exports/thong-ke.xlsx?nam=2026").data))
    sheet = lambda title: {r[0]: r[1] for r in book[title].iter_rows(min_row=3, values_only=True)}  # noqa: E731
    assert sheet("Theo hình thức")["Gia đình văn hóa"] == 1 and sheet("Theo hình thức")["Tổng cộng"] == 2
    assert sheet("Theo đối tượng")["Hộ gia đình"] == 1 and sheet("Theo đối tượng")["Cá nhân"] == 1
    assert sheet("Theo đơn vị")["Bản Nà Bỏ"] == 2
    empty = load_workbook(io.BytesIO(actor.client.get("/exports/thong-ke.xlsx?nam=2025").data))
    assert {r[0]: r[1] for r in empty["Theo hình thức"].iter_rows(min_row=3, values_only=True)}["Tổng cộng"] == 0
