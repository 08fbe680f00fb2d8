"""Rows of the workbooks the office downloads (the board, the audit trail): what people typed stays text."""
import datetime as dt

from openpyxl.cell import WriteOnlyCell

from .text import printable

# A spreadsheet takes a cell that begins with one of these for a formula (=1+1, +cmd, -2+3, @SUM, tab, CR).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def append(sheet, values, font=None) -> None:
    """Appends `values` as a row of `sheet` (write-only or not), every text as text."""
    sheet.append([_cell(sheet, value, font) for value in values])


def _cell(sheet, value, font):
    if isinstance(value, str):
        value = printable(value)  # a row saved before the form filter had them would fail the whole file
        if not font and not value.startswith(FORMULA_START + ("#",)):
            # Plain text openpyxl keeps as text ("#N/A" it would make an error): a third of the time of a cell
            # of our own, which it copies through an exception (bench/export.py).
            return value
    elif not font and not isinstance(value, dt.datetime):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if font:
        cell.font = font
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl writes a string that begins with "=" as a formula
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # nor does the spreadsheet make one of it when the cell is edited
    elif isinstance(value, dt.datetime):
        cell.number_format = "dd/mm/yyyy hh:mm:ss"
    return cell
