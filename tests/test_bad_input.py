"""Bad input never breaks anything or anyone: impossible ids, formula-looking text, control and invisible
characters, broken live cursors, archives and pictures that inflate, files that lie about their type."""
import datetime as dt
import io
import struct
import threading
import time
import zipfile
import zlib

import pytest
from docx import Document
from openpyxl import load_workbook
from werkzeug.http import parse_options_header
from werkzeug.routing import IntegerConverter

from portal.db import database
from portal.models import Campaign, Check, Event, Nomination, Publication, Report, Unit
from portal.security import HEADERS

from conftest import ROLE_USERS, csrf_token, form_data, soup, switch
from flows import HEADER, PDF, all_text, file_report, import_units, messages, problems, propose, tick, xlsx

pytestmark = pytest.mark.usefixtures("files")  # evidence and attachments in the test's directory

EXPORTS = ["/exports/board.xlsx", "/exports/report.docx", "/exports/decision.docx", "/audit.xlsx", "/audit.csv"]


def workbook(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def cells(book):
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


# Ids

@pytest.mark.parametrize("role", ROLE_USERS)
@pytest.mark.parametrize("big", [2**63, 2**31])
def test_an_id_beyond_the_databases_integer_names_nothing_on_any_route(app, actor, role, big):
    """Not an error page (500), not a refusal (403) that depends on who asks: that id cannot exist.
    (A POST to a path that also answers GET hears 405, Werkzeug checks the method before the id.)"""
    actor.login(ROLE_USERS[role])
    urls = app.url_map.bind("localhost")
    wrong, seen = [], 0
    for rule in app.url_map.iter_rules():
        if not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            seen += 1
            path = urls.build(rule.endpoint, {name: big for name in rule.arguments}, method=method)
            status = actor.client.open(path, method=method).status_code
            if status not in ((404,) if method == "GET" else (404, 405)):
                wrong.append((method, rule.rule, status))
    assert seen > 30 and wrong == []


@pytest.mark.parametrize("big", [str(2**63), "99999999999999999999"])
def test_a_form_naming_an_id_beyond_the_databases_integer_is_refused_with_a_message(actor, big):
    actor.login("ban-na-bo")
    propose(actor)
    n = Nomination.get()
    switch(actor, "vanhoa")
    merge = actor.client.post(f"/nominations/{n.id}/merge", data={"csrf_token": csrf_token(actor.client), "into": big})
    assert merge.status_code == 303
    assert "Không gộp được" in soup(actor.client.get(merge.headers["Location"])).select_one(".flash.error").text
    response = actor.submit("/units/new", "main form", name="Bản Mới", kind="village", parent=big)
    assert response.status_code == 400
    assert soup(response).select_one("select[name=parent] ~ .field-error").text == "Lựa chọn không hợp lệ."
    assert Nomination.get_by_id(n.id).state == "proposed" and not Unit.select().where(Unit.name == "Bản Mới").exists()


# Formulas

FORMULAS = ['=HYPERLINK("http://lua-dao.example/","Bấm vào đây")', "+84 912 345 678", "-5 hộ chưa ký cam kết",
            "@SUM(A1:A9)"]


def test_notes_and_names_that_look_like_formulas_are_exported_as_the_text_typed(actor, village):
    unit, _ = village
    tasks = [t for a in Campaign.current(Unit.root()).areas_with_tasks() for t in a.task_list if t.applies_to(unit)]
    actor.login("ban-na-bo")
    for task, note in zip(tasks, FORMULAS):
        assert actor.tick(unit.id, task.id, "done", note=note).status_code in (200, 303)
    switch(actor, "vanhoa")
    name = '=HYPERLINK("http://lua-dao.example/","Bản Nà Bỏ")'
    assert actor.submit(f"/units/{unit.id}/edit", "main form", name=name).status_code == 303

    for path, wanted in (("/exports/board.xlsx", [*FORMULAS, name]), ("/audit.xlsx", [name])):
        book = workbook(actor.client, path)
        found = {cell.value: cell for cell in cells(book) if cell.value in wanted}
        assert sorted(found) == sorted(wanted), path
        for cell in found.values():
            assert cell.data_type == "s" and cell.quotePrefix, (path, cell.value)


# Control characters

def test_control_characters_typed_into_a_note_a_report_a_proposal_or_a_name_are_dropped(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    assert actor.tick(unit.id, task.id, "done", note="Đã họp\x01 dân\x1b bản\nlúc 8 giờ").status_code in (200, 303)
    assert Check.get(Check.unit == unit, Check.task == task).note == "Đã họp dân bản\nlúc 8 giờ"
    assert file_report(actor.client, "save", proposals="Đề nghị\x00 hỗ trợ\x08 kinh phí").status_code == 303
    assert Report.get(Report.unit == unit).proposals == "Đề nghị hỗ trợ kinh phí"
    assert propose(actor, name="Lò Văn\x07 Sáng", achievement="Vận động\x0c 42 hộ").status_code == 303
    assert Nomination.select(Nomination.name, Nomination.achievement).tuples().get() == ("Lò Văn Sáng",
                                                                                      "Vận động 42 hộ")
    switch(actor, "vanhoa")
    assert actor.submit(f"/units/{unit.id}/edit", "main form", name="Bản\x02 Nà Bỏ").status_code == 303
    assert Unit.get_by_id(unit.id).name == "Bản Nà Bỏ"


def test_control_characters_saved_before_are_left_out_of_every_export(actor, village):
    """Rows written before the forms dropped them: the exports leave them out instead of failing."""
    unit, task = village
    actor.login("ban-na-bo")
    actor.tick(unit.id, task.id, "done", note="Đã họp")
    file_report(actor.client, "submit", proposals="Đề nghị hỗ trợ")
    propose(actor, name="Lò Văn Sáng")
    Check.update(note="Đã\x01 họp").execute()
    Report.update(proposals="Đề nghị\x02 hỗ trợ").execute()
    Nomination.update(state="approved", achievement="Vận động\x03 42 hộ").execute()
    Publication.create(campaign=Campaign.current(Unit.root()), closes_on=dt.date(2026, 2, 24))  # so the decision is offered
    Unit.update(name="Bản\x04 Nà Bỏ").where(Unit.id == unit.id).execute()
    Event.record("unit.update", None, unit=unit, subject=f"unit:{unit.id}", before={"name": "Bản Nà Bỏ"},
                 after={"name": "Bản\x04 Nà Bỏ"})
    n = Nomination.get()
    switch(actor, "vanhoa")
    for path in EXPORTS + [f"/exports/nominations/{n.id}/dossier.docx"]:
        response = actor.client.get(path)
        assert response.status_code == 200, path
        if path.endswith(".xlsx"):
            text = "\n".join(str(c.value) for c in cells(load_workbook(io.BytesIO(response.data))))
        elif path.endswith(".docx"):
            text = all_text(Document(io.BytesIO(response.data)))
        else:
            continue  # a CSV holds any character
        assert "Bản Nà Bỏ" in text and not any(chr(c) in text for c in range(1, 9)), path
    dossier = all_text(Document(io.BytesIO(actor.client.get(f"/exports/nominations/{n.id}/dossier.docx").data)))
    assert "Vận động 42 hộ" in dossier and "Đã họp" in dossier
    assert "Đề nghị hỗ trợ" in all_text(Document(io.BytesIO(actor.client.get("/exports/report.docx").data)))


# Invisible characters

INVISIBLE = ["\u200b", "\u200e", "\u202e", "\u2060", "\ufeff", "\u00ad"]


@pytest.mark.parametrize("mark", INVISIBLE)
def test_a_unit_name_with_an_invisible_character_is_the_same_unit(actor, mark):
    actor.login("vanhoa")
    before = Unit.select().count()
    response = actor.submit("/units/new", "main form", name=f"Bản{mark} Nà Bỏ", kind="village")
    assert response.status_code == 400
    errors = {p.find_previous(["input", "select"])["name"]: p.text for p in soup(response).select(".field-error")}
    assert errors == {"name": "Đã có đơn vị mang tên này."}
    response = import_units(actor, xlsx([HEADER, [f"Bản Nà{mark} Bỏ", "Bản", "", "", ""]]), "don-vi.xlsx")
    assert response.status_code == 400 and problems(response) == [("2", "Đơn vị “Bản Nà Bỏ” đã có.")]
    assert Unit.select().count() == before


def test_a_new_unit_is_saved_without_its_invisible_characters(actor):
    actor.login("vanhoa")
    assert actor.submit("/units/new", "main form", name="Bản\u200b Mới\u2060", kind="village").status_code == 303
    assert Unit.select().where(Unit.name == "Bản Mới").exists()


def test_the_same_nominee_with_an_invisible_character_is_flagged_as_a_duplicate(actor):
    actor.login("ban-na-bo")
    propose(actor, name="Lò Văn Sáng", workplace="Bản Nà Bỏ")
    switch(actor, "cong-an")
    propose(actor, name="Lò\u200b Văn Sáng", workplace="Bản Nà\u00ad Bỏ\ufeff")
    first, second = Nomination.select().order_by(Nomination.id)
    assert (second.name, second.workplace) == ("Lò Văn Sáng", "Bản Nà Bỏ")
    switch(actor, "vanhoa")
    page = soup(actor.client.get("/awards"))
    assert page.select_one(f"#nomination-{first.id} .duplicate") and page.select_one(f"#nomination-{second.id} .duplicate")


# Live cursors

@pytest.mark.parametrize("path, headers", [
    ("/board/events", {"Last-Event-ID": "99999999999999999999"}),
    ("/board/events?since=-5", {}),
    ("/board/events?since=99999999999999999999", {}),
    ("/board/events?since=²", {}),
    ("/board/events?since=2147483648", {}),
])
def test_a_cursor_no_event_can_have_streams_from_now(short_streams, actor, path, headers):
    short_streams.config.update(LIVE_STREAM_SECONDS=1.5)
    actor.login("vanhoa")
    written = []

    def tick_meanwhile():
        time.sleep(0.4)
        with short_streams.app_context(), database.connection_context():  # the clock reads the app's config
            written.extend(tick("ban-na-bo", 1))

    thread = threading.Thread(target=tick_meanwhile)
    thread.start()
    response = actor.client.get(path, headers=headers)
    body = response.get_data(as_text=True)
    thread.join()
    assert response.status_code == 200 and body.startswith("retry: ")
    assert [int(m["id"]) for m in messages(body)] == written


# Archives

def bomb(files: dict, huge: str, megabytes=100) -> io.BytesIO:
    """A zip of `files` plus the member `huge`: `megabytes` of zeros that deflate to about a thousandth."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            archive.writestr(name, body)
        with archive.open(huge, "w", force_zip64=True) as member:
            zeros = bytes(1024 * 1024)
            for _ in range(megabytes):
                member.write(zeros)
    out.seek(0)
    return out


def real_zip(data: io.BytesIO) -> dict:
    with zipfile.ZipFile(data) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_word_plan_that_inflates_to_hundreds_of_megabytes_is_refused(actor):
    plan = io.BytesIO()
    document = Document()
    document.add_paragraph("Một là, bảo đảm an ninh trật tự")
    document.save(plan)
    plan.seek(0)
    data = bomb(real_zip(plan), "word/media/image1.png")
    assert len(data.getvalue()) < 300_000
    actor.login("vanhoa")
    response = actor.submit("/campaigns/import", "main form", file=(data, "ke-hoach.docx"))
    assert response.status_code == 400
    assert "giải nén ra quá lớn" in soup(response).select_one(".field-error").text


def test_a_unit_list_that_inflates_to_hundreds_of_megabytes_is_refused(actor):
    data = bomb(real_zip(xlsx([HEADER, ["Bản Mới", "Bản", "", "", ""]])), "xl/media/image1.png")
    assert len(data.getvalue()) < 300_000
    actor.login("vanhoa")
    before = Unit.select().count()
    response = import_units(actor, data, "don-vi.xlsx")
    assert response.status_code == 400
    assert "giải nén ra quá lớn" in " ".join(m for _, m in problems(response))
    assert Unit.select().count() == before


# Pictures

def solid_png(width, height) -> bytes:
    """A one-colour PNG of width × height built row by row: a few hundred KB, never the whole picture in memory."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    row, deflate = b"\0" + b"\x40\x90\x30" * width, zlib.compressobj(9)
    data = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def test_a_49_megapixel_png_is_refused_before_it_is_decoded(actor, village):
    unit, task = village
    png = solid_png(7000, 7000)
    actor.login("ban-na-bo")
    form = soup(actor.client.get("/checklist")).select_one(f"#evidence-{task.id} form.upload")
    response = actor.client.post(form["action"], content_type="multipart/form-data", data={
        **form_data(form), "file": (io.BytesIO(png), "anh.png", "image/png")})
    assert response.status_code == 400
    assert "Ảnh có quá nhiều điểm ảnh" in soup(response).select_one(f"#evidence-{task.id}").text
    response = propose(actor, attachment=(io.BytesIO(png), "anh.png"))
    assert response.status_code == 400 and "Ảnh có quá nhiều điểm ảnh" in soup(response).text
    assert not Nomination.select().exists()


# Files

def download_name(response) -> str:
    return parse_options_header(response.headers["Content-Disposition"])[1]["filename"]


def test_a_pdf_named_like_a_photo_is_downloaded_as_a_pdf(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    assert propose(actor, attachment=(io.BytesIO(PDF), "x.jpg")).status_code == 303
    n = Nomination.get()
    form = soup(actor.client.get("/checklist")).select_one(f"#evidence-{task.id} form.upload")
    actor.client.post(form["action"], content_type="multipart/form-data",
                      data={**form_data(form), "file": (io.BytesIO(PDF), "bien-ban.jpg", "image/jpeg")})
    proof = unit.evidence.get()
    for path in (f"/nominations/{n.id}/attachment", f"/evidence/{proof.id}"):
        response = actor.client.get(path)
        assert response.mimetype == "application/pdf" and response.data == PDF
        assert download_name(response).endswith(".pdf"), path


def decision_offered():
    """A list the council passed and posted, so that the decision is offered."""
    campaign = Campaign.current(Unit.root())
    Nomination.create(campaign=campaign, unit=Unit.get(Unit.code == "ban-na-bo"), name="Lò Văn Sáng",
                      achievement="Vận động 42 hộ", award="giay-khen", state="approved")
    Publication.create(campaign=campaign, closes_on=dt.date(2026, 2, 24))


def test_files_exports_and_error_pages_carry_the_security_headers(actor, village):
    unit, task = village
    decision_offered()
    actor.login("ban-na-bo")
    propose(actor, attachment=(io.BytesIO(PDF), "ho-so.pdf"))
    form = soup(actor.client.get("/checklist")).select_one(f"#evidence-{task.id} form.upload")
    actor.client.post(form["action"], content_type="multipart/form-data",
                      data={**form_data(form), "file": (io.BytesIO(PDF), "bien-ban.pdf", "application/pdf")})
    n, proof = Nomination.get(Nomination.state == "proposed"), unit.evidence.get()
    switch(actor, "vanhoa")
    paths = [f"/evidence/{proof.id}", f"/nominations/{n.id}/attachment", f"/exports/nominations/{n.id}/dossier.docx",
             f"/evidence/{2**63}", *EXPORTS]
    for path in paths:
        response = actor.client.get(path)
        assert response.status_code in (200, 404), path
        assert [name for name in HEADERS if name not in response.headers] == [], path
    etag = actor.client.get(f"/evidence/{proof.id}").headers["ETag"]
    again = actor.client.get(f"/evidence/{proof.id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and [name for name in HEADERS if name not in again.headers] == []


@pytest.mark.parametrize("username, path", [
    ("vanhoa", "/units"), ("vanhoa", "/units/new"), ("vanhoa", "/reminders"), ("ban-na-bo", "/checklist"),
    *[("vanhoa", path) for path in EXPORTS],
])
def test_pages_with_names_and_phone_numbers_and_every_export_are_kept_by_no_cache(actor, username, path):
    decision_offered()
    actor.login(username)
    response = actor.client.get(path)
    assert response.status_code == 200
    assert response.cache_control.private and response.cache_control.no_store
