"""The workbooks the office downloads (the board, the audit trail, the registrations, the golden book, the
statistics). rustpy-xlsxwriter (rust_xlsxwriter, by XlsxWriter's author) draws each sheet's rows from a generator
as it writes them to the file, so a workbook of 120 000 rows costs the memory of one; its cells are written in
Rust, five times faster than XlsxWriter's Python (bench/export.py). openpyxl only reads what people upload.
What people typed stays text."""
import itertools
import os
import tempfile

import rustpy_xlsxwriter as xlsx
from flask import send_file

from .text import printable

# A spreadsheet takes a cell that begins with one of these for a formula (=1+1, +cmd, -2+3, @SUM, tab, CR).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MOMENT = "dd/mm/yyyy hh:mm:ss"


class Book:
    def __init__(self):
        self._sheets = []  # (title, rows, header, the sheet's options)

    def sheet(self, title: str, header: list, rows, wide: int = 1, numbers=(), moments=(), caption=None,
              bold_rows=()) -> None:
        """A sheet drawn from `rows` (lists, shorter ones padded) while the file is written, under its bold header
        row, frozen; the first `wide` columns wide enough for names. Columns are text, written as text and kept
        text when edited (a quote prefix), except `numbers` and the times in `moments`. A `caption` goes above
        the header; `bold_rows` counts data rows from 0."""
        assert len(set(header)) == len(header), header  # a row is a dict keyed by the header
        quoted, moment, bold = (xlsx.Format().set_quote_prefix(), xlsx.Format().set_num_format(MOMENT),
                                xlsx.Format().set_bold())
        top = 1 if caption else 0
        self._sheets.append((title, _records(header, rows), {
            "column_widths": [40.0 if i < wide else 14.0 for i in range(len(header))],
            "column_formats": {name: moment if i in moments else quoted
                               for i, name in enumerate(header) if i not in numbers},
            "freeze_panes": {"row": top + 1, "col": 1},
            "header_row": top,
            "merge_ranges": [(0, 0, 0, len(header) - 1, caption, bold)] if caption else [],
            "row_formats": {top + 1 + i: bold for i in bold_rows},
        }))

    def send(self, name: str):
        # The library takes each option as {sheet title: value}.
        options = {}
        for title, _, own in self._sheets:
            for key, value in own.items():
                if value or key == "header_row":
                    options.setdefault(key, {})[title] = value
        # Written to a path, not to a file object: the library would hold the whole file in memory for that.
        fd, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)
        try:
            xlsx.write_worksheets([(title, rows) for title, rows, _ in self._sheets], path, bold_headers=True,
                                  **options)
            out = open(path, "rb")
        finally:
            os.unlink(path)  # the open file stays readable until it is sent and closed
        return send_file(out, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)


def _records(header: list, rows):
    """The rows as the library takes them: dicts in the header's order. An empty sheet keeps its header (the
    library names the columns from the first row)."""
    blank = itertools.repeat(None)
    first = True
    for row in rows:
        first = False
        # A row saved before the form filter dropped control characters would reach the file escaped (_x0001_).
        yield dict(zip(header, (printable(v) if isinstance(v, str) else v for v in itertools.chain(row, blank))))
    if first:
        yield dict.fromkeys(header)
