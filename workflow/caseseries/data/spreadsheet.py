"""Excel workbooks (openpyxl) the project writes and reads: reproducible files, safe text cells,
numbers shown with the decimals they were written with.

Used by the data-entry workbook (caseseries.data.excel) and the results workbook
(caseseries.report.workbook).

* `save(workbook, path)`: byte-identical files for identical content. openpyxl stamps the save
  time into docProps/core.xml and into every zip entry; both are fixed here to
  SOURCE_DATE_EPOCH when it is set, else to 1980-01-01 (the earliest time a zip entry can hold).
* `put_text(cell, text)`: a text cell, never a formula. openpyxl turns any string starting with
  '=' into a formula; here the cell type is forced to text, and text starting with = + - @ (or a
  tab or carriage return) also gets Excel's "quote prefix" style, so that a spreadsheet shows it
  exactly as written and does not evaluate it even when the cell is edited.
* `put_number(cell, text)`: a number cell whose display keeps the decimals of `text` ("0.70"
  shows as 0.70); `number_text(cell)` reads it back as the same text when that loses nothing.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import zipfile
from pathlib import Path

from openpyxl.writer.excel import ExcelWriter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EARLIEST_ZIP_TIME = datetime.datetime(1980, 1, 1)
DECIMALS_FORMAT = re.compile(r"0(?:\.(0+))?")  # number formats "0", "0.0", "0.00", ...


def fixed_time() -> datetime.datetime:
    """The time written into every workbook: SOURCE_DATE_EPOCH if set, else 1980-01-01 (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        stamp = datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).replace(tzinfo=None)
        return max(stamp, EARLIEST_ZIP_TIME)
    return EARLIEST_ZIP_TIME


def save(workbook, path: Path) -> None:
    """Write the workbook reproducibly and atomically (side file, then rename)."""
    when = fixed_time()
    workbook.properties.created = workbook.properties.modified = when
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()  # what openpyxl's save() does, minus its clock
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(
        partial, "w", zipfile.ZIP_DEFLATED
    ) as target:
        for member in source.infolist():
            entry = zipfile.ZipInfo(member.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(member.filename))
    partial.replace(path)


def needs_quote_prefix(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def put_text(cell, text: str) -> None:
    """A text cell showing `text` exactly; never evaluated as a formula."""
    cell.value = text
    cell.data_type = "s"  # openpyxl would make "=..." a formula
    if needs_quote_prefix(text):
        cell.quotePrefix = True


def decimals_of(text: str) -> int:
    return len(text.partition(".")[2]) if "." in text else 0


def put_number(cell, value, text: str | None = None) -> None:
    """A number cell; with `text` (e.g. "0.70") it shows as many decimals as the text has."""
    cell.value = value
    if text is not None:
        decimals = decimals_of(text)
        cell.number_format = "0" + ("." + "0" * decimals if decimals else "")


def number_text(cell) -> str:
    """The text of a number cell: with the decimals its format shows ("0.00" -> "0.70") when that
    is the exact value, else the shortest text that is (a whole number without ".0")."""
    value = cell.value
    shown = DECIMALS_FORMAT.fullmatch(cell.number_format or "")
    if shown:
        text = f"{value:.{len(shown.group(1) or '')}f}"
        if float(text) == value:
            return text
    if isinstance(value, int):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))
