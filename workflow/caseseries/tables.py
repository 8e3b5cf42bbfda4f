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

A table whose name ends in `.arrow` (the validated assessments, which only the split by site reads,
and their per-site copies, which only the scoring jobs read; no person opens them) is an Arrow IPC
file instead: read back as the frame that was written, columns and types included (exam cells with
the contract's categories in its order, as from a CSV), and ten times faster than CSV for the
140-column exam table.
"""

import csv
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import ipc

from caseseries.data.contract import ISNCSCI_EXAM_COLUMNS, exam_values

# The validated tables kept as Arrow files: the assessments, which only the split by site reads (at
# 10^5 patients writing the exams as CSV took 2.5 s). The others stay CSV: many steps read them.
ARROW_VALIDATED = ("isncsci", "scim")


def validated_file(table: str) -> str:
    """The file name of a validated table in the workflow's results (interim/validated/)."""
    return f"{table}.arrow" if table in ARROW_VALIDATED else f"{table}.csv"


# Columns that must stay text although they may look numeric (exam cells such as "5" or "4*";
# free text such as an adverse event term "007"; ids listed in one cell).
TEXT_COLUMNS = {"patient_id", "site", "sex", "cause", "arm", "term", "system_organ_class", "outcome", "level",
                "patients_positive", "patients_not_assessed", "visit", "recorded_ais", "ais", *ISNCSCI_EXAM_COLUMNS}

TEXT_MARK = "'"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _needs_mark(text: str) -> bool:
    return text.startswith(TEXT_MARK) or (text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text))


# Exam cells are validated against the contract's codes (0-5, NT, 0*, ...), none of which starts a
# formula or with the mark: no need to look at their 10^8 cells in a large trial.
CODED_COLUMNS = frozenset(ISNCSCI_EXAM_COLUMNS)
# One dtype per set of values (three), made when this module is imported (every Snakemake start):
# one per column took 0.07-0.12 s.
EXAM_DTYPES = {values: pd.CategoricalDtype(values) for values in set(map(exam_values, ISNCSCI_EXAM_COLUMNS))}


def _text_columns(frame: pd.DataFrame):
    """The columns whose cells may hold any text (not numbers, booleans or contract codes)."""
    return (frame[column] for column in frame.columns if frame[column].dtype.kind == "O" and column not in CODED_COLUMNS)


def _text_changed(frame: pd.DataFrame, change) -> pd.DataFrame:
    """`frame` with `change` applied to the text cells it returns a new value for (None: keep).
    Works on the distinct values: a column of 10^6 cells may have a handful."""
    changed = {}
    for column in _text_columns(frame):
        # tolist(): iterating an Arrow-backed array makes a scalar object per value (10x slower)
        replace = {value: result for value in column.unique().tolist()
                   if isinstance(value, str) and (result := change(value)) is not None}
        if replace and isinstance(column.dtype, pd.CategoricalDtype):  # validated tables: relabel
            changed[column.name] = column.cat.rename_categories(replace)
        elif replace:
            changed[column.name] = column.replace(replace)
    return frame.assign(**changed) if changed else frame


def for_spreadsheets(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula, or that start with the mark, marked."""
    return _text_changed(frame, lambda text: TEXT_MARK + text if _needs_mark(text) else None)


def from_spreadsheets(frame: pd.DataFrame) -> pd.DataFrame:
    """The inverse of `for_spreadsheets`: one leading mark taken off every text cell."""
    return _text_changed(frame, lambda text: text[1:] if text.startswith(TEXT_MARK) else None)


ARROW = ".arrow"


def read(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The table (only `columns`, in the file's order, if given) as written."""
    if Path(path).suffix == ARROW:
        return _read_arrow(path, columns)
    header = pd.read_csv(path, nrows=0).columns
    if columns is not None:
        header = _chosen(path, header, columns)  # as usecols: the others are never parsed
    dtypes = {column: "string" for column in header if column in TEXT_COLUMNS or column.endswith(("_level", "_zpp", "_ids"))}
    # Exam cells (a handful of codes in up to 10^8 cells) as categoricals of the contract's values:
    # parsed without a string object per cell, and decoded by the ISNCSCI engine from their codes.
    coded = [column for column in header if column in CODED_COLUMNS]
    dtypes |= {column: EXAM_DTYPES[exam_values(column)] for column in coded}
    try:
        frame = pd.read_csv(path, usecols=None if columns is None else header, dtype=dtypes, keep_default_na=False, na_values=[""])
    except ValueError:  # pandas 4 will raise on a value outside the categories (pandas 3: missing)
        if problem := _other_exam_cells(path, coded):
            raise ValueError(problem) from None
        raise
    if any(frame[column].isna().any() for column in coded):
        raise ValueError(_other_exam_cells(path, coded))
    return from_spreadsheets(frame)


def _read_arrow(path: Path, columns: list[str] | None) -> pd.DataFrame:
    # pyarrow.ipc itself: pandas' read_feather and to_feather change the process's warning filters
    # (catch_warnings), which other jobs' threads share.
    with ipc.open_file(path) as reader:
        table = reader.read_all()
    if columns is not None:
        table = table.select(list(_chosen(path, pd.Index(table.column_names), columns)))
    frame = table.to_pandas()
    # The contract's codes as categories, in the contract's order, as a CSV read gives them: even
    # where a site has no exam (Arrow keeps none then), and where the writer's categories came in
    # the order the values first appeared (validation's), which `astype` would keep, as pandas
    # counts unordered categories in another order as the same dtype.
    coded = {
        column: frame[column].astype(dtype).cat.set_categories(dtype.categories)
        for column in frame.columns
        if column in CODED_COLUMNS
        for dtype in [EXAM_DTYPES[exam_values(column)]]
    }
    return frame.assign(**coded) if coded else frame


def _write_arrow(frame: pd.DataFrame, partial: Path) -> None:
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    # LZ4: a third of the size for a tenth of a second per 10^5 exams; same bytes every time.
    with ipc.new_file(partial, table.schema, options=ipc.IpcWriteOptions(compression="lz4")) as writer:
        writer.write_table(table)


def _chosen(path: Path, header: pd.Index, columns: list[str]) -> pd.Index:
    """The `columns` of the file, in its order; an error naming any it does not have."""
    if missing := [column for column in columns if column not in header]:
        raise ValueError(f"{path}: no column {', '.join(missing)}")
    return header[header.isin(columns)]


def _other_exam_cells(path: Path, columns: list[str]) -> str:
    """The exam cells that are not one of the contract's values, named ("" if none). Tables hold
    validated exams: a read must stop at such a cell rather than turn it into a missing one."""
    written = pd.read_csv(path, usecols=columns, dtype=str, keep_default_na=False)
    cells = [f"{path}: row {row + 1}, column {column}: {written.at[row, column]!r} is not one of "
             f"{', '.join(exam_values(column))}"
             for column in columns for row in np.flatnonzero(~written[column].isin(exam_values(column)))]
    if not cells:
        return ""
    return (f"{len(cells)} exam cell(s) that are not the contract's values (validate the data first):\n  "
            + "\n  ".join(cells[:20]) + ("\n  ..." if len(cells) > 20 else ""))


def _atomically(path: Path, write_to) -> None:
    """Write to a side file, then rename: a crash mid-write must not leave a truncated output."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        write_to(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    return any(isinstance(value, str) and "\r" in value
               for column in _text_columns(frame) for value in column.unique().tolist())


_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def quoted(texts: np.ndarray) -> np.ndarray:
    """CSV fields of these texts: quoted where the csv module's QUOTE_MINIMAL quotes them, and
    also where a bare carriage return is (which a reader would take for a line end)."""
    if _NEEDS_QUOTES.search("".join(texts)) is None:  # one look per column, not per cell
        return texts
    return np.array(['"' + t.replace('"', '""') + '"' if _NEEDS_QUOTES.search(t) else t for t in texts], dtype=object)


def _field(value) -> str | None:
    """One cell as pandas.to_csv writes it; None for a kind of value this does not cover."""
    if type(value) is str:
        return value
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (bool, int, float, np.bool_, np.integer)):
        return str(value)
    return None


NULLABLE = {pd.Int64Dtype(): {"dtype": np.int64, "na_value": 0}, pd.BooleanDtype(): {"dtype": bool, "na_value": False}}


def _fields(column: pd.Series) -> np.ndarray | None:
    """The column's CSV fields exactly as pandas.to_csv writes them (missing: empty), or None for
    a kind of column this does not cover (pandas then writes the table)."""
    coded = _coded_fields(column)
    if coded is None:
        return None
    codes, texts = coded
    return texts if codes is None else texts.take(codes)


def _few(rows: int) -> int:
    """At most this many distinct fields (or combinations) are worth joining once each."""
    return max(rows // 8, 64)


def _missing_as_empty(codes: np.ndarray, texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and texts with code -1 (missing) pointing at an empty field appended to the texts."""
    return np.where(codes < 0, len(texts), codes), np.append(texts, "")


def _coded_fields(column: pd.Series) -> tuple[np.ndarray | None, np.ndarray] | None:
    """The column's fields as (codes, texts), field i being texts[codes[i]], for categoricals,
    numbers and text with few distinct values; (None, fields) for other text; None if not covered."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = _fields(pd.Series(column.cat.categories))
        if categories is None:
            return None
        return _missing_as_empty(column.cat.codes.to_numpy(), categories)
    if isinstance(dtype, pd.StringDtype):
        # Few distinct texts (visit names, grades, levels): coded like a categorical. Ids and free
        # text are not worth coding, which a look at the first rows tells.
        head = column.iloc[:1024]
        if head.nunique(dropna=False) <= _few(len(head)):
            codes, distinct = pd.factorize(column, use_na_sentinel=True)
            if len(distinct) <= _few(len(column)):
                return _missing_as_empty(codes, quoted(distinct.to_numpy(dtype=object)))
        return None, quoted(column.to_numpy(dtype=object, na_value=""))
    if (isinstance(dtype, np.dtype) and dtype.kind in "iub") or dtype == np.float64 or dtype in NULLABLE:
        # As pandas does for these: NumPy's texts (floats as their shortest repr), missing empty;
        # made once per distinct value (scores and days have few), as formatting is the slow part.
        values = column.to_numpy(**NULLABLE.get(dtype, {}))
        codes, distinct = pd.factorize(values.view(np.int64) if values.dtype == np.float64 else values)  # -0.0 apart
        codes[column.isna().to_numpy()] = len(distinct)
        return codes, np.append(distinct.view(values.dtype).astype(str).astype(object), "")
    if dtype == object:
        texts = [_field(value) for value in column]
        return None if None in texts else (None, quoted(np.array(texts, dtype=object)))
    return None  # dates, float32, ...


def _row_parts(columns: list[tuple[np.ndarray | None, np.ndarray]], rows: int) -> list[tuple[np.ndarray | None, np.ndarray]]:
    """The coded fields to join into each row, with runs of adjacent coded columns joined already:
    a run with few distinct combinations of values is joined once per combination, not once per
    row (the 140 exam cells of 5 x 10^5 exams: 70 million joins, the slow part of writing them)."""
    few = _few(rows)
    parts, run = [], None
    for codes, texts in columns:
        if run is not None and run[0] is not None and codes is not None and len(run[1]) <= few:
            combined = run[0].astype(np.int64) * len(texts) + codes  # 8-bit codes would overflow
            joined_codes, distinct = pd.factorize(combined)
            if len(distinct) <= few:
                left, right = np.divmod(distinct, len(texts))
                run = joined_codes, np.array([a + "," + b for a, b in zip(run[1].take(left).tolist(),
                                                                          texts.take(right).tolist())], dtype=object)
                continue
        if run is not None:
            parts.append(run)
        run = (codes, texts)
    if run is not None:
        parts.append(run)
    return parts


CHUNK_ROWS = 1 << 16  # rows joined at a time: a large table's text is never held whole


def csv_chunks(frame: pd.DataFrame) -> Iterator[str] | None:
    """The CSV that pandas.to_csv(index=False, lineterminator="\\n") writes (QUOTE_MINIMAL), in
    pieces, joined from per-column fields: several times faster on large tables; a bare carriage
    return is quoted too (see `quoted`). None where it would not be the same text (see
    _coded_fields; one column, whose empty field the csv module quotes)."""
    if frame.shape[1] < 2 or not frame.columns.map(type).isin([str]).all():
        return None
    columns = [_coded_fields(frame.iloc[:, i]) for i in range(frame.shape[1])]
    if any(c is None for c in columns):
        return None
    parts = _row_parts(columns, len(frame))
    header = ",".join(quoted(np.asarray(frame.columns, dtype=object))) + "\n"

    def chunks():
        yield header
        for start in range(0, len(frame), CHUNK_ROWS):
            rows = slice(start, start + CHUNK_ROWS)
            fields = [texts[rows] if codes is None else texts.take(codes[rows]) for codes, texts in parts]
            yield "\n".join(map(",".join, zip(*fields))) + "\n"

    return chunks()


def csv_text(frame: pd.DataFrame) -> str | None:
    """csv_chunks as one text (None where pandas must write the table)."""
    chunks = csv_chunks(frame)
    return None if chunks is None else "".join(chunks)


def write(frame: pd.DataFrame, path: Path) -> None:
    """A CSV that no spreadsheet runs as formulas, or an Arrow IPC file (see the module's description)."""
    if Path(path).suffix == ARROW:
        _atomically(path, lambda partial: _write_arrow(frame, partial))
        return
    safe = for_spreadsheets(frame)
    # Python's CSV writer quotes a cell with a line feed, but not one with only a carriage return
    # (our line end is "\n"), which a reader then takes for a line end: quote every cell then.
    carriage_return = _has_carriage_return(safe)
    chunks = None if carriage_return else csv_chunks(safe)
    if chunks is not None:
        write_text(chunks, path)
        return
    quoting = csv.QUOTE_ALL if carriage_return else csv.QUOTE_MINIMAL
    _atomically(path, lambda partial: safe.to_csv(partial, index=False, lineterminator="\n", quoting=quoting))


def write_text(text: str | Iterable[str], path: Path) -> None:
    """The text (or its pieces) as UTF-8, its line ends as they are (no translation: a CSV's
    quoted "\r" stays)."""

    def write_to(partial: Path) -> None:
        with open(partial, "w", encoding="utf-8", newline="") as out:
            out.writelines([text] if isinstance(text, str) else text)

    _atomically(path, write_to)


def write_json(data: dict, path: Path) -> None:
    """Byte-stable JSON: sorted keys, fixed indentation."""
    write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", path)
