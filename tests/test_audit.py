"""The audit trail: the office reads who changed what, filtered, page by page, and exports it for Excel."""
import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from portal.models import Event, Task, Unit, User, set_check

from conftest import ROLE_USERS, soup, user

ROUTES = ["/audit", "/audit.csv", "/audit.xlsx"]


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("role", [None, *ROLE_USERS])
def test_only_the_office_reads_the_log(actor, path, role):
    if role:
        actor.login(ROLE_USERS[role])
    response = actor.client.get(path)
    if role is None:
        assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == (200 if role == "office" else 403)


def test_the_office_finds_the_log_in_its_menu(actor):
    actor.login("vanhoa")
    assert soup(actor.client.get("/board")).select_one("nav a[href='/audit']").text == "Nhật ký"


def tick(code, n=1, state="done", note=""):
    unit = Unit.get(Unit.code == code)
    tasks = [t for t in Task.select().order_by(Task.id) if t.applies_to(unit)][:n]
    for task in tasks:
        set_check(unit, task, state, note, 0, user(code), unit.parent.campaigns.get())
    return unit, tasks


def shown(page):
    return [int(li["id"].removeprefix("event-")) for li in page.select("ol.log > li")]


def test_a_tick_reads_as_a_sentence_with_before_and_after(actor):
    unit, (task,) = tick("ban-na-bo", note="Đã họp dân bản")
    actor.login("vanhoa")
    entry = soup(actor.client.get("/audit")).select_one("ol.log > li")
    assert entry.select_one(".kind").text == "Cập nhật việc của đơn vị"
    assert "Lường Văn Ún" in entry.select_one(".who").text and "Bản Nà Bỏ" in entry.select_one(".who").text
    assert entry.select_one(".subject").text == f"Việc “{task.title}”"
    assert [li.text for li in entry.select(".changes li")] == [
        "Trạng thái: Chưa làm → Hoàn thành", "Ghi chú: (trống) → Đã họp dân bản"]


def test_evidence_and_unit_kinds_read_in_vietnamese(actor):
    unit = Unit.get(Unit.code == "ban-na-bo")
    Event.record("evidence.add", user("ban-na-bo"), unit=unit, subject="task:1",
                 after={"evidence": 7, "kind": "image", "name": "IMG_01.jpg", "size": 52000, "removed": False})
    Event.record("unit.update", user("vanhoa"), unit=unit, subject=f"unit:{unit.id}",
                 before={"kind": "agency"}, after={"kind": "village"})
    actor.login("vanhoa")
    first, second = soup(actor.client.get("/audit")).select("ol.log > li")
    assert [li.text for li in first.select(".changes li")] == ["Loại: Cơ quan → Bản"]
    assert second.select_one(".kind").text == "Thêm minh chứng"
    assert "Loại: ảnh" in [li.text for li in second.select(".changes li")]
    assert "Đã gỡ: không" in [li.text for li in second.select(".changes li")]


def test_a_withdrawn_proposal_reads_in_vietnamese(actor):
    unit = Unit.get(Unit.code == "ban-na-bo")
    Event.record("nomination.withdraw", user("ban-na-bo"), unit=unit, subject="nomination:1",
                 before={"name": "Lò Văn Sáng", "state": "proposed"}, after={"name": "Lò Văn Sáng", "state": "withdrawn"})
    actor.login("vanhoa")
    entry = soup(actor.client.get("/audit")).select_one("ol.log > li")
    assert entry.select_one(".kind").text == "Rút đề nghị khen thưởng"
    assert [li.text for li in entry.select(".changes li")] == ["Trạng thái: Chờ Phòng VH-XH xét → Đơn vị đã rút"]


def test_the_log_filters_by_unit_user_and_kind(actor):
    tick("ban-na-bo", 2)
    other, _ = tick("ban-na-it", 3)
    Event.record("unit.update", user("vanhoa"), unit=other, subject=f"unit:{other.id}",
                 before={"phone": "0912 345 017"}, after={"phone": "0912 999 017"})
    actor.login("vanhoa")
    everything = shown(soup(actor.client.get("/audit")))
    assert len(everything) == 6 and everything == sorted(everything, reverse=True)  # newest first

    page = soup(actor.client.get(f"/audit?unit={other.id}"))
    assert len(shown(page)) == 4 and page.select_one("#unit option[selected]")["value"] == str(other.id)
    by_user = shown(soup(actor.client.get(f"/audit?user={user('ban-na-it').id}")))
    assert len(by_user) == 3
    page = soup(actor.client.get("/audit?kind=unit.update"))
    assert len(shown(page)) == 1
    assert page.select_one(".kind").text == "Sửa đơn vị"
    assert page.select_one(".subject").text == "Đơn vị “Bản Nà Ít”"
    assert page.select_one(".changes li").text == "Điện thoại: 0912 345 017 → 0912 999 017"
    assert shown(soup(actor.client.get(f"/audit?unit={other.id}&kind=check.set&user={user('ban-na-bo').id}"))) == []


def at(local_iso: str) -> dt.datetime:
    """A commune time as the naive UTC the log stores."""
    return dt.datetime.fromisoformat(local_iso + "+07:00").astimezone(dt.timezone.utc).replace(tzinfo=None)


def test_dates_are_commune_days_in_either_spelling(actor):
    late = Event.create(kind="check.set", at=at("2026-02-09T23:59:00"))
    early = Event.create(kind="check.set", at=at("2026-02-10T00:00:00"))
    next_day = Event.create(kind="check.set", at=at("2026-02-11T00:00:00"))
    actor.login("vanhoa")
    assert shown(soup(actor.client.get("/audit?start=10/02/2026&end=10/02/2026"))) == [early.id]
    assert shown(soup(actor.client.get("/audit?start=2026-02-10&end=2026-02-10"))) == [early.id]
    assert shown(soup(actor.client.get("/audit?end=09/02/2026"))) == [late.id]
    assert shown(soup(actor.client.get("/audit?start=2026-02-10"))) == [next_day.id, early.id]
    field = soup(actor.client.get("/audit?start=10/02/2026")).select_one("#start")
    assert (field["value"], field["type"], field["placeholder"]) == ("10/02/2026", "text", "dd/mm/yyyy")


def test_a_bad_filter_is_shown_beside_its_field_and_kept(actor):
    actor.login("vanhoa")
    response = actor.client.get("/audit?start=31/02/2026&end=01/01/2026")
    assert response.status_code == 400
    page = soup(response)
    assert page.select_one("#start-error").text == "Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy."
    assert page.select_one("#start")["value"] == "31/02/2026" and page.select_one("#start")["aria-invalid"] == "true"
    response = actor.client.get("/audit?start=10/02/2026&end=01/02/2026")
    assert soup(response).select_one("#end-error").text == "Ngày kết thúc phải sau ngày bắt đầu."
    assert actor.client.get("/audit?unit=999999").status_code == 400
    assert actor.client.get("/audit.csv?start=hôm-qua").status_code == 400


def test_the_log_pages_back_fifty_at_a_time_keeping_the_filter(actor):
    unit = Unit.get(Unit.code == "ban-na-bo")
    ids = [Event.record("check.set", unit=unit) for _ in range(120)]
    Event.record("check.set")  # another unit's: filtered out
    actor.login("vanhoa")
    page = soup(actor.client.get(f"/audit?unit={unit.id}"))
    assert shown(page) == ids[::-1][:50]
    older = page.select_one("a[rel=next]")["href"]
    assert f"unit={unit.id}" in older
    page = soup(actor.client.get(older))
    assert shown(page) == ids[::-1][50:100]
    assert page.select_one(".pages a").text == "← Mới nhất"
    page = soup(actor.client.get(page.select_one("a[rel=next]")["href"]))
    assert shown(page) == ids[::-1][100:] and page.select_one("a[rel=next]") is None


def formula_author():
    """A unit head whose name a prankster set to a spreadsheet formula."""
    User.update(full_name='=HYPERLINK("http://x.example","Bấm")').where(User.username == "ban-na-bo").execute()


def test_the_csv_export_opens_in_excel_with_vietnamese_intact(actor):
    formula_author()
    unit, (task,) = tick("ban-na-bo", note="Đã họp dân bản")
    tick("ban-na-it")
    actor.login("vanhoa")
    response = actor.client.get(f"/audit.csv?unit={unit.id}")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=nhat-ky-20260210.csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:8] == ["Mã", "Thời điểm", "Người thực hiện", "Vai trò", "Đơn vị", "Loại thay đổi", "Đối tượng",
                           "Nội dung"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert row["Người thực hiện"] == """'=HYPERLINK("http://x.example","Bấm")"""  # text, never a formula
    assert row["Đơn vị"] == "Bản Nà Bỏ" and row["Đối tượng"] == f"Việc “{task.title}”"
    assert row["Nội dung"] == "Trạng thái: Chưa làm → Hoàn thành; Ghi chú: (trống) → Đã họp dân bản"
    assert dt.datetime.strptime(row["Thời điểm"], "%d/%m/%Y %H:%M:%S")


def test_the_xlsx_export_has_real_dates_and_text_that_never_runs(actor):
    formula_author()
    tick("ban-na-bo", 2)
    event = Event.get(Event.id == Event.last_id())
    actor.login("vanhoa")
    response = actor.client.get("/audit.xlsx?kind=check.set")
    assert response.headers["Content-Disposition"] == "attachment; filename=nhat-ky-20260210.xlsx"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Mã" and len(rows) == 3
    assert rows[1][0] == event.id  # newest first
    expected = event.at.replace(tzinfo=dt.timezone.utc).astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert abs(rows[1][1] - expected.replace(tzinfo=None)) < dt.timedelta(seconds=1)
    author = sheet.cell(row=2, column=3)
    assert author.value == '=HYPERLINK("http://x.example","Bấm")' and author.data_type == "s"
    assert rows[1][5] == "Cập nhật việc của đơn vị"
