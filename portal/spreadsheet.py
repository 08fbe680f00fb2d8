"""The workbooks the office downloads (the board, the audit trail, the registrations, the golden book, the
statistics). XlsxWriter writes them row by row to temporary files (its constant-memory mode), so a workbook of
120 000 rows costs the memory of one row; openpyxl only reads what people upload. What people typed stays text."""
import datetime as dt
import tempfile

import xlsxwriter
from flask import send_file

from .text import printable

# A spreadsheet takes a cell that begins with one of these for a formula (=1+1, +cmd, -2+3, @SUM, tab, CR).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Book:
    def __init__(self):
        self._file = tempfile.TemporaryFile()
        # Strings are written as strings, never read as numbers, formulas or links.
        self._book = xlsxwriter.Workbook(self._file, {"constant_memory": True, "strings_to_numbers": False,
                                                      "strings_to_formulas": False, "strings_to_urls": False})
        self.bold = self._book.add_format({"bold": True})
        # Nor does the spreadsheet make a formula of it when the cell is edited.
        self._quoted = self._book.add_format({"quote_prefix": True})
        self._moment = self._book.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
        self._day = self._book.add_format({"num_format": "dd/mm/yyyy"})

    def sheet(self, title: str, header: list, wide: int = 1) -> "Sheet":
        """A sheet with its bold header row frozen; the first `wide` columns wide enough for names."""
        sheet = Sheet(self, self._book.add_worksheet(title))
        sheet.rows.freeze_panes(1, 1)
        sheet.rows.set_column(0, wide - 1, 40)
        sheet.rows.set_column(wide, max(wide, len(header) - 1), 14)
        sheet.append(header, self.bold)
        return sheet

    def send(self, name: str):
        self._book.close()
        self._file.seek(0)
        return send_file(self._file, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)


class Sheet:
    def __init__(self, book: Book, rows):
        self.book, self.rows, self.row = book, rows, 0

    def append(self, values, style=None) -> None:
        """Writes `values` as the next row: text as text, times and days as dates, nothing for None."""
        book, rows, row = self.book, self.rows, self.row
        for column, value in enumerate(values):
            if isinstance(value, str):
                value = printable(value)  # a row saved before the form filter had them would fail the file
                rows.write_string(row, column, value, style or (book._quoted if value.startswith(FORMULA_START)
                                                                else None))
            elif isinstance(value, dt.datetime):
                rows.write_datetime(row, column, value, book._moment)
            elif isinstance(value, dt.date):
                rows.write_datetime(row, column, value, book._day)
            elif value is not None:
                rows.write(row, column, value, style)
        self.row += 1
