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
        self._sheets = []
        self._widths, self._formats, self._freeze, self._above, self._bold_rows = {}, {}, {}, {}, {}

    def sheet(self, title: str, header: list, rows, wide: int = 1, numbers=(), moments=(), caption=None,
              bold_rows=()) -> None:
        """A sheet drawn from `rows` (lists, shorter ones padded) while the file is written, under its bold header
        row, frozen; the first `wide` columns wide enough for names. Columns are text, written as text and kept
        text when edited (a quote prefix), except `numbers` and the times in `moments`. A `caption` goes above
        the header; `bold_rows` counts data rows from 0."""
        assert len(set(header)) == len(header), header  # a row is a dict keyed by the header
        quoted, moment = xlsx.Format().set_quote_prefix(), xlsx.Format().set_num_format(MOMENT)
        formats = {name: moment if i in moments else quoted for i, name in enumerate(header) if i not in numbers}
        top = 1 if caption else 0
        self._sheets.append((title, _records(header, rows)))
        self._widths[title] = [40.0 if i < wide else 14.0 for i in range(len(header))]
        self._formats[title] = formats
        self._freeze[title] = {"row": top + 1, "col": 1}
        self._above[title] = [(0, 0, 0, len(header) - 1, caption, xlsx.Format().set_bold())] if caption else []
        self._bold_rows[title] = {top + 1 + i: xlsx.Format().set_bold() for i in bold_rows}

    def send(self, name: str):
        # Written to a path, not to a file object: the library would hold the whole file in memory for that.
        fd, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)
        try:
            xlsx.write_worksheets(self._sheets, path, bold_headers=True, freeze_panes=self._freeze,
                                  column_widths=self._widths, column_formats=self._formats,
                                  header_row={t: 1 if self._above[t] else 0 for t in self._above},
                                  merge_ranges={t: m for t, m in self._above.items() if m},
                                  row_formats={t: r for t, r in self._bold_rows.items() if r})
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

