"""Reads a list of units from .xlsx or .csv, checks every row, and creates all of them or none."""
import csv
import io

from . import archive
from .db import database
from .models import UNIT_KINDS, Event, Unit, fold
from .text import clean_name, slug

# Column headers as an office writes them, in Vietnamese or English, compared case-insensitively.
HEADERS = {
    "name": ("tên đơn vị", "tên", "name"),
    "kind": ("loại", "loại đơn vị", "kind"),
    "parent": ("đơn vị cấp trên", "cấp trên", "parent"),
    "contact": ("người liên hệ", "contact person", "contact"),
    "phone": ("số điện thoại", "điện thoại", "sđt", "phone"),
}


class UnitImportError(ValueError):
    """Every problem found, as (line, message) pairs; line 0 is about the file as a whole."""

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__("; ".join(f"dòng {line}: {message}" if line else message for line, message in problems))
        self.problems = problems


def unit_code(name: str, taken: set) -> str:
    """A login-friendly code from the name ("Bản Nà Bỏ" → "ban-na-bo"), unique among `taken`."""
    base = slug(name) or "don-vi"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    taken.add(code)
    return code


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        # A spreadsheet stores "0912345678" as the number 912345678; the leading 0 belongs to it.
        text = str(int(value))
        return "0" + text if len(text) == 9 else text
    return clean_name(str(value))  # every column is a name, a kind or a phone number


def _table(filename: str, data: bytes) -> list[list]:
    suffix = filename.lower().rpartition(".")[2]
    if suffix == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UnitImportError([(0, "Tệp CSV phải dùng bảng mã UTF-8. Hãy lưu lại với “CSV UTF-8” rồi thử lại.")])
        first = text.split("\n", 1)[0]
        # Excel set to Vietnamese saves CSV with semicolons.
        delimiter = max(",;\t", key=first.count)
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if suffix == "xlsx":
        import openpyxl

        try:
            archive.check(io.BytesIO(data))
        except archive.TooLarge as e:
            raise UnitImportError([(0, str(e))]) from None
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        except Exception:  # openpyxl raises many unrelated types for a damaged file
            raise UnitImportError([(0, "Không đọc được tệp .xlsx. Tệp có thể bị hỏng hoặc không phải tệp Excel.")])
    raise UnitImportError([(0, "Chỉ nhận tệp .xlsx hoặc .csv.")])


def read_rows(filename: str, data: bytes) -> list[tuple[int, dict]]:
    """The non-blank rows under the header, each with its line number in the file."""
    table = _table(filename, data)
    if not table:
        raise UnitImportError([(0, "Tệp không có dòng nào.")])
    header = [fold(_cell(h)) for h in table[0]]
    columns = {field: next((i for i, h in enumerate(header) if h in names), None) for field, names in HEADERS.items()}
    missing = [HEADERS[f][0].capitalize() for f in ("name", "kind") if columns[f] is None]
    if missing:
        raise UnitImportError([(1, "Thiếu cột " + ", ".join(f"“{m}”" for m in missing) + " ở dòng tiêu đề.")])
    rows = []
    for line, cells in enumerate(table[1:], 2):
        row = {f: _cell(cells[i]) if i is not None and i < len(cells) else "" for f, i in columns.items()}
        if any(row.values()):
            rows.append((line, row))
    if not rows:
        raise UnitImportError([(0, "Tệp không có đơn vị nào dưới dòng tiêu đề.")])
    return rows


# What an office may add under its commune: not a province.
KINDS = {k: label for k, label in UNIT_KINDS.items() if k != "province"}


def _kind(text: str) -> str | None:
    wanted = fold(text)
    return next((key for key, label in KINDS.items() if wanted in (key, fold(label))), None)


def check_rows(rows: list[tuple[int, dict]], root: Unit) -> list[tuple[int, dict]]:
    """Resolves kinds and parents among the units under `root` (the commune); returns the rows parents first, or
    raises with every bad row."""
    existing = {}
    for unit in Unit.select().where(Unit.active == True, Unit.path.startswith(root.path)):  # noqa: E712
        existing[fold(unit.name)] = existing[unit.code] = unit
    in_file, problems = {}, []
    for line, row in rows:
        name = fold(row["name"])
        if not name:
            problems.append((line, "Thiếu tên đơn vị."))
        elif name in in_file:
            problems.append((line, f"Trùng tên với dòng {in_file[name][0]}."))
        elif name in existing:
            problems.append((line, f"Đơn vị “{row['name']}” đã có."))
        else:
            in_file[name] = (line, row)
        row["kind"] = _kind(row["kind"]) or row["kind"]
        if row["kind"] not in KINDS:
            problems.append((line, f"Loại “{row['kind']}” không có; dùng một trong: {', '.join(KINDS.values())}."
                             if row["kind"] else "Thiếu loại đơn vị."))
    for line, row in rows:
        parent = fold(row["parent"])
        if not parent:
            row["parent"] = root
        elif parent == fold(row["name"]):
            problems.append((line, "Đơn vị không thể là cấp trên của chính nó."))
        elif parent in existing:
            row["parent"] = existing[parent]
        elif parent in in_file:
            row["parent"] = in_file[parent][1]
        else:
            problems.append((line, f"Không có đơn vị cấp trên “{row['parent']}”."))
    if problems:
        raise UnitImportError(sorted(problems))
    ordered, placed = [], set()  # parents before their children
    while len(ordered) < len(rows):
        ready = [(ln, r) for ln, r in rows if id(r) not in placed
                 and (isinstance(r["parent"], Unit) or id(r["parent"]) in placed)]
        if not ready:
            raise UnitImportError([(ln, "Các đơn vị lấy nhau làm cấp trên, vòng quanh.")
                                   for ln, r in rows if id(r) not in placed])
        ordered += ready
        placed |= {id(r) for _, r in ready}
    return ordered


def import_units(filename: str, data: bytes, root: Unit, user=None) -> list[Unit]:
    """Creates every unit of the file in one transaction, or raises UnitImportError and creates none."""
    rows = check_rows(read_rows(filename, data), root)
    taken = {u.code for u in Unit.select(Unit.code)}
    created = {}
    with database.atomic():
        for _, row in rows:
            parent = row["parent"] if isinstance(row["parent"], Unit) else created[id(row["parent"])]
            unit = Unit.add(unit_code(row["name"], taken), row["name"], row["kind"], parent,
                            contact=row["contact"], phone=row["phone"])
            created[id(row)] = unit
            Event.record("unit.create", user, unit=unit, subject=unit, after=unit.as_dict())
    return list(created.values())
