"""Reading and writing the pipeline's CSV tables with stable types and byte-stable output.

Text is read back exactly as it was written: only an empty cell is missing ("NA", "None" or
"N/A" as an adverse event's outcome stay text), and free-text columns stay text ("007" is not 7).

CSV files open in spreadsheets, which run a cell starting with `=`, `+`, `-` or `@` (or a tab
or carriage return) as a formula ("CSV injection": `=HYPERLINK(...)` in an adverse event term).
`write` puts an apostrophe before such text cells, as a spreadsheet marks a cell as text, and
also before text cells that already start with one; `read` takes exactly one leading apostrophe
off every text cell, so the pipeline gets every value back unchanged. Numbers are never marked:
numeric columns are written as pandas writes them, and a text cell that is a plain number
("-3") is not a formula.
"""

import json
import re
from pathlib import Path

import pandas as pd

from caseseries.data.contract import ISNCSCI_EXAM_COLUMNS

# Columns that must stay text although they may look numeric (exam cells such as "5" or "4*";
# free text such as an adverse event term "007"; ids listed in one cell).
TEXT_COLUMNS = {"patient_id", "site", "sex", "cause", "arm", "term", "system_organ_class", "outcome", "level",
                "patients_positive", "patients_not_assessed", "visit", "recorded_ais", "ais", *ISNCSCI_EXAM_COLUMNS}

TEXT_MARK = "'"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _needs_mark(text: str) -> bool:
    return text.startswith(TEXT_MARK) or (text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text))


def _text_cells_changed(column: pd.Series, change) -> pd.Series:
    """`column` with `change` applied to the text cells it returns a new value for. Works on the
    distinct values: a coded column of 10^6 cells has a handful."""
    if column.dtype.kind != "O":  # numbers, booleans
        return column
    changed = {value: new for value in column.unique() if isinstance(value, str) and (new := change(value)) is not None}
    return column.replace(changed) if changed else column


def _text_changed(frame: pd.DataFrame, change) -> pd.DataFrame:
    return pd.DataFrame({column: _text_cells_changed(frame[column], change) for column in frame.columns}, index=frame.index)


def for_spreadsheets(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula, or that start with the mark, marked."""
    return _text_changed(frame, lambda text: TEXT_MARK + text if _needs_mark(text) else None)


def from_spreadsheets(frame: pd.DataFrame) -> pd.DataFrame:
    """The inverse of `for_spreadsheets`: one leading mark taken off every text cell."""
    return _text_changed(frame, lambda text: text[1:] if text.startswith(TEXT_MARK) else None)


def read(path: Path) -> pd.DataFrame:
    header = pd.read_csv(path, nrows=0).columns
    dtypes = {column: "string" for column in header if column in TEXT_COLUMNS or column.endswith(("_level", "_zpp", "_ids"))}
    return from_spreadsheets(pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""]))


def _atomically(path: Path, write_to) -> None:
    """Write to a side file, then rename: a crash mid-write must not leave a truncated output."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    write_to(partial)
    partial.replace(path)


def write(frame: pd.DataFrame, path: Path) -> None:
    """A CSV that no spreadsheet runs as formulas (see the module's description)."""
    safe = for_spreadsheets(frame)
    _atomically(path, lambda partial: safe.to_csv(partial, index=False, lineterminator="\n"))


def write_text(text: str, path: Path) -> None:
    _atomically(path, lambda partial: partial.write_text(text, encoding="utf-8"))


def write_json(data: dict, path: Path) -> None:
    """Byte-stable JSON: sorted keys, fixed indentation."""
    write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", path)
