"""The office keeps the unit tree and its accounts: forms, spreadsheet imports, one-time passwords."""
import csv
import io

import pytest

from portal.models import Event, Unit

from conftest import ROLE_USERS, form_data, soup, user
from flows import HEADER, import_units, problems, xlsx


def csv_file(rows, bom=True) -> io.BytesIO:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return io.BytesIO(("\ufeff" if bom else "").encode() + text.getvalue().encode())


@pytest.mark.parametrize("role", [r for r in ROLE_USERS if r != "office"])
def test_only_the_office_is_shown_the_admin_pages(actor, role):
    """Who may open them is the access table's (test_access.py); here, that nobody else is offered them."""
    actor.login(ROLE_USERS[role])
    nav = {a.text for a in soup(actor.client.get("/password")).select("nav a")}
    assert "Đổi mật khẩu" in nav and not nav & {"Đợt thi đua", "Đơn vị & tài khoản"}


def test_the_office_sees_the_tree_with_each_units_account(actor):
    actor.login("vanhoa")
    page = soup(actor.client.get("/units"))
    assert {"Đợt thi đua", "Đơn vị & tài khoản", "Đổi mật khẩu"} <= {a.text for a in page.select("nav a")}
    commune = Unit.get(Unit.code == "xa-binh-lu")
    village = Unit.get(Unit.code == "ban-na-bo")
    assert page.select_one(f"#unit-{commune.id}")["class"] == ["unit", "depth-0"]
    row = page.select_one(f"#unit-{village.id}")
    assert "depth-1" in row["class"] and row.b.text == "Bản Nà Bỏ"
    assert row.select_one(".account b").text == "ban-na-bo"


def test_the_office_adds_a_unit_under_another_and_it_gets_a_code_from_its_name(actor):
    actor.login("vanhoa")
    school = Unit.get(Unit.code == "th-binh-lu")
    response = actor.submit("/units/new", "main form", name="Điểm trường  Nà Bỏ", kind="school",
                            parent=str(school.id), contact="Lò Thị Đào", phone="0912 345 678")
    assert response.status_code == 303
    unit = Unit.get(Unit.name == "Điểm trường  Nà Bỏ")
    assert (unit.code, unit.parent_id, unit.path) == ("diem-truong-na-bo", school.id, f"{school.path}{unit.id}/")
    assert Event.get(Event.kind == "unit.create").unit_id == unit.id
    assert soup(actor.client.get("/units")).select_one(f"#unit-{unit.id}")["class"] == ["unit", "depth-2"]


def test_a_unit_form_with_mistakes_comes_back_with_every_error_and_what_was_typed(actor):
    actor.login("vanhoa")
    response = actor.submit("/units/new", "main form", name="Bản Nà Bỏ", kind="nothing", phone="gọi tôi",
                            contact="Lò Văn A")
    assert response.status_code == 400
    page = soup(response)
    errors = {p.find_previous(["input", "select"])["name"]: p.text for p in page.select(".field-error")}
    assert errors == {"name": "Đã có đơn vị mang tên này.", "kind": "Lựa chọn không hợp lệ.",
                      "phone": "Số điện thoại chỉ gồm chữ số, dấu cách và các dấu + - . ( )."}
    assert page.select_one("input[name=contact]")["value"] == "Lò Văn A"
    assert Unit.select().where(Unit.name == "Bản Nà Bỏ").count() == 1


def test_an_edit_from_an_older_copy_of_a_unit_is_refused_and_what_was_typed_is_kept(actor):
    actor.login("vanhoa")
    unit = Unit.get(Unit.code == "ban-na-bo")
    old = form_data(soup(actor.client.get(f"/units/{unit.id}/edit")).select_one("main form"))
    assert actor.submit(f"/units/{unit.id}/edit", "main form", phone="0912 000 111").status_code == 303
    response = actor.client.post(f"/units/{unit.id}/edit", data={**old, "contact": "Lò Văn Mới"})
    assert response.status_code == 409
    page = soup(response)
    assert "vừa được người khác sửa" in page.select_one("#flash").text
    assert page.select_one("#contact")["value"] == "Lò Văn Mới"
    assert page.select_one("input[name=version]")["value"] == "1"
    unit = Unit.get_by_id(unit.id)
    assert (unit.phone, unit.contact != "Lò Văn Mới") == ("0912 000 111", True)
    # Saving again from the page it came back with goes through.
    assert actor.client.post(f"/units/{unit.id}/edit", data=form_data(page.select_one("main form"))).status_code == 303
    assert Unit.get_by_id(unit.id).contact == "Lò Văn Mới"


def test_moving_a_unit_moves_everything_under_it(actor):
    actor.login("vanhoa")
    school = Unit.get(Unit.code == "th-binh-lu")
    agency = Unit.get(Unit.code == "cong-an")
    child = Unit.add("diem-truong", "Điểm trường", "school", school)
    response = actor.submit(f"/units/{school.id}/edit", "main form", parent=str(agency.id))
    assert response.status_code == 303
    school, child = Unit.get_by_id(school.id), Unit.get_by_id(child.id)
    assert school.path == f"{agency.path}{school.id}/" and child.path == f"{school.path}{child.id}/"
    assert Event.get(Event.kind == "unit.update").unit_id == school.id


def test_deactivating_a_unit_takes_it_off_the_board_and_locks_its_account(actor):
    actor.login("vanhoa")
    village = Unit.get(Unit.code == "ban-na-bo")
    response = actor.submit("/units", f"#unit-{village.id} form")
    assert response.status_code == 303
    assert not Unit.get_by_id(village.id).active and not user("ban-na-bo").active
    assert village.name not in soup(actor.client.get("/board")).select_one(".board").text
    again = actor.client.post(f"/units/{village.id}/active", data={
        "active": "0", "csrf_token": soup(actor.client.get("/units")).select_one("input[name=csrf_token]")["value"]})
    assert again.status_code == 303 and Event.select().where(Event.kind == "unit.update").count() == 1


def test_the_commune_itself_cannot_be_deactivated(actor):
    actor.login("vanhoa")
    commune = Unit.get(Unit.code == "xa-binh-lu")
    assert soup(actor.client.get("/units")).select_one(f"#unit-{commune.id} form") is None
    token = soup(actor.client.get("/units")).select_one("input[name=csrf_token]")["value"]
    actor.client.post(f"/units/{commune.id}/active", data={"active": "0", "csrf_token": token})
    assert Unit.get_by_id(commune.id).active


@pytest.mark.parametrize("make", [xlsx, csv_file, lambda rows: csv_file(rows, bom=False)])
def test_a_spreadsheet_of_units_is_imported_parents_before_children(actor, make):
    actor.login("vanhoa")
    name = "units.xlsx" if make is xlsx else "units.csv"
    data = make([HEADER,
                 ["Điểm trường Nà Bỏ", "Trường học", "Trường Mầm non Nà Bỏ", "Lò Thị Đào", 912345678 if make is xlsx else "0912345678"],
                 ["Trường Mầm non Nà Bỏ", "school", "", "", ""],
                 ["", "", "", "", ""],
                 ["Chi hội Cựu chiến binh bản Nà Bỏ", "Đoàn thể", "ban-na-bo", "", ""]])
    response = import_units(actor, data, name)
    assert response.status_code == 303, problems(response)
    kindergarten = Unit.get(Unit.name == "Trường Mầm non Nà Bỏ")
    branch = Unit.get(Unit.name == "Điểm trường Nà Bỏ")
    veterans = Unit.get(Unit.name == "Chi hội Cựu chiến binh bản Nà Bỏ")
    assert kindergarten.parent.code == "xa-binh-lu" and branch.parent_id == kindergarten.id
    assert (branch.kind, branch.contact, branch.phone) == ("school", "Lò Thị Đào", "0912345678")
    assert (veterans.kind, veterans.parent.code) == ("mass", "ban-na-bo")
    assert Event.select().where(Event.kind == "unit.create").count() == 3
    assert "Đã thêm 3 đơn vị" in soup(actor.client.get("/units")).select_one("#flash").text


def test_an_import_with_bad_rows_lists_each_with_its_line_and_creates_nothing(actor):
    actor.login("vanhoa")
    before = Unit.select().count()
    data = xlsx([HEADER,
                 ["Trường Mầm non Nà Bỏ", "school", "", "", ""],
                 ["Bản Mới", "Làng", "", "", ""],
                 ["", "Bản", "", "", ""],
                 ["Tổ an ninh", "Cơ quan", "Không Có Đâu", "", ""],
                 ["trường mầm non  Nà Bỏ", "school", "", "", ""],
                 ["Bản Nà Bỏ", "Bản", "", "", ""]])
    response = import_units(actor, data, "units.xlsx")
    assert response.status_code == 400
    found = problems(response)
    assert [line for line, _ in found] == ["3", "4", "5", "6", "7"]
    assert "Loại “Làng” không có" in found[0][1]
    assert found[1][1] == "Thiếu tên đơn vị."
    assert found[2][1] == "Không có đơn vị cấp trên “Không Có Đâu”."
    assert found[3][1] == "Trùng tên với dòng 2."
    assert found[4][1] == "Đơn vị “Bản Nà Bỏ” đã có."
    assert Unit.select().count() == before and not Event.select().where(Event.kind == "unit.create").exists()


@pytest.mark.parametrize("name, data, message", [
    ("units.pdf", io.BytesIO(b"%PDF-1.4"), "Chỉ nhận tệp .xlsx hoặc .csv."),
    ("units.xlsx", io.BytesIO(b"PK\x03\x04 not really a workbook"), "Không đọc được tệp .xlsx"),
    ("units.csv", io.BytesIO("Tên đơn vị,Loại\nBản Mới,Bản\n".encode("utf-16")), "UTF-8"),
    ("units.csv", csv_file([["Tên", "Điện thoại"], ["Bản Mới", "0912"]]), "Thiếu cột “Loại”"),
    ("units.csv", csv_file([HEADER]), "không có đơn vị nào"),
])
def test_a_file_that_is_not_a_unit_list_is_refused_clearly(actor, name, data, message):
    actor.login("vanhoa")
    before = Unit.select().count()
    response = import_units(actor, data, name)
    assert response.status_code == 400
    assert message in " ".join(m for _, m in problems(response))
    assert Unit.select().count() == before


def test_the_cli_imports_units_or_reports_every_bad_row(runner, tmp_path):
    good = tmp_path / "units.csv"
    good.write_bytes(csv_file([["name", "kind", "parent", "contact person", "phone"],
                               ["Tổ công nghệ số cộng đồng", "mass", "", "Lò Văn Ba", "0987654321"]]).getvalue())
    result = runner.invoke(args=["unit", "import", str(good)])
    assert result.exit_code == 0 and "Đã thêm 1 đơn vị" in result.output
    assert Unit.get(Unit.name == "Tổ công nghệ số cộng đồng").code == "to-cong-nghe-so-cong-dong"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file([HEADER, ["Bản A", "Bản", "", "", ""], ["Bản B", "Xóm", "", "", ""]]).getvalue())
    result = runner.invoke(args=["unit", "import", str(bad)])
    assert result.exit_code != 0 and "Dòng 3: Loại “Xóm” không có" in result.output
    assert not Unit.select().where(Unit.name == "Bản A").exists()
