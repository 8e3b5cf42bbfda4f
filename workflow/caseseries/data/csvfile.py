"""Reading one raw CSV file as the user's editor shows it, whatever program exported it.

`read_table(path, file, problems)` returns a `RawTable` (one categorical column per named
column, and the editor line of every row) or None when the file cannot be read as a table.
Every problem found is appended to `problems`, each with its line (header = line 1).

Decisions, each answering what a user or an export program did:
- Encoding: UTF-8, with or without a UTF-8 byte-order mark (Excel's "CSV UTF-8" writes one).
  UTF-16 and UTF-32 are named from their byte-order mark, or from their NUL bytes when they have
  none; any other encoding (Latin-1, Windows-1252, ...) is reported at the line and byte of its
  first byte that is not UTF-8.
- Line endings: LF, CRLF and a lone CR (old Mac Excel) each end a line, and line numbers count
  them as an editor does; a quoted value may contain line breaks.
- Whitespace, in every value and column name of every file: surrounding `WHITESPACE` is stripped
  (space, tab, line breaks, no-break space U+00A0, the other Unicode space separators such as
  thin space U+2009 and ideographic space U+3000, U+2028/U+2029, and the zero-width U+200B,
  U+2060, U+FEFF). A value of only whitespace is missing. Control characters are never stripped:
  the contract checks report them.
- Rows: a line with more or fewer fields than the header, a double quote never closed, a blank
  line between data rows (blank lines at the end are tolerated: editors add them) and a repeated
  header row (two exports pasted together) are reported once per line; such lines take no part
  in the other checks.
- Columns: a file separated by ';', tab or '|', Excel's "sep=" line, a column without a name
  ("a trailing delimiter?"), R's row names (a first column without a name that numbers the rows)
  and duplicate names are reported as such.

Apache Arrow's CSV reader reads the file straight into dictionary-encoded columns, so the checks
run once per distinct value of a column and a 200 MB file costs seconds and a few hundred MB
(benchmarks/bench_validate.py).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from caseseries.data.problems import Problem

SPACE_SEPARATORS = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
WHITESPACE = " \t\r\n" + SPACE_SEPARATORS + "\u2028\u2029" + "\u200b\u2060\ufeff"
BYTE_ORDER_MARKS = (  # the UTF-32 LE mark starts with the UTF-16 LE one: test it first
    (codecs.BOM_UTF32_LE, "UTF-32 (little-endian)"),
    (codecs.BOM_UTF32_BE, "UTF-32 (big-endian)"),
    (codecs.BOM_UTF16_LE, "UTF-16 (little-endian)"),
    (codecs.BOM_UTF16_BE, "UTF-16 (big-endian)"),
)
WORKBOOKS = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx or OpenDocument workbook?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls workbook (OLE2 file)"),
)
SAVE_AS_UTF8 = "save it as UTF-8 (in Excel: 'CSV UTF-8 (comma delimited)')"
OTHER_DELIMITERS = ((";", "semicolon"), ("\t", "tab"), ("|", "pipe"))
CHUNK_BYTES = 1 << 24
BLOCK_BYTES = 1 << 22  # Arrow's unit of reading: small keeps memory low; no record may be longer
TEXT = pa.dictionary(pa.int32(), pa.string())


@dataclass
class RawTable:
    """The data rows of a CSV file that could be read: stripped values as categorical columns
    (missing = NaN), named by the stripped header; `lines` holds each row's line in the file."""

    frame: pd.DataFrame
    lines: pd.Series


def line_breaks(text) -> int:
    """Line breaks as an editor counts them: LF, CRLF and a lone CR are one each (str or bytes)."""
    lf, cr, crlf = ("\n", "\r", "\r\n") if isinstance(text, str) else (b"\n", b"\r", b"\r\n")
    return text.count(lf) + text.count(cr) - text.count(crlf)


def strip(value: str) -> str:
    return value.strip(WHITESPACE)


# --- bytes: encoding, emptiness, the first line ------------------------------------------------


@dataclass
class _Scan:
    first_line: str
    has_quotes: bool


def encoding_problem(file: str, head: bytes) -> Problem | None:
    """A workbook, a byte-order mark of UTF-16/32, or the NUL bytes of UTF-16/32 text without one."""
    for magic, name in WORKBOOKS:
        if head.startswith(magic):
            return Problem(file, None, None, None, f"the file is {name}, not CSV text; {SAVE_AS_UTF8}")
    for mark, name in BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return Problem(file, None, None, None, f"the file is {name} text (byte-order mark); {SAVE_AS_UTF8}")
    sample = head[:4096]
    if sample.count(0) * 4 >= len(sample) > 0:  # ASCII text in UTF-16 is half NULs, in UTF-32 three quarters
        width = "UTF-32" if sample.count(0) * 3 >= len(sample) * 2 else "UTF-16"
        order = "little-endian" if sample[0] != 0 else "big-endian"
        rule = f"the file looks like {width} ({order}) text without a byte-order mark (NUL bytes); {SAVE_AS_UTF8}"
        return Problem(file, None, None, None, rule)
    return None


def _not_utf8(file: str, path: Path, position: int, error: UnicodeDecodeError) -> Problem:
    with path.open("rb") as handle:
        before = handle.read(position)
        byte = handle.read(1).hex()
    rule = (
        f"not valid UTF-8 (byte 0x{byte}: {error.reason}); the file is in another encoding "
        f"(Latin-1/Windows-1252?): {SAVE_AS_UTF8}"
    )
    return Problem(file, line_breaks(before) + 1, None, None, rule)


def _scan(path: Path, file: str, problems: list[Problem]) -> _Scan | None:
    """One pass over the bytes, a chunk at a time (big files are never held whole)."""
    with path.open("rb") as handle:
        head = handle.read(CHUNK_BYTES)
        found = encoding_problem(file, head)
        if found:
            problems.append(found)
            return None
        text = head.removeprefix(codecs.BOM_UTF8)
        first_line = text.split(b"\n", 1)[0].split(b"\r", 1)[0]
        has_content, has_quotes, carry, consumed, chunk = False, False, b"", 0, text
        while chunk:
            has_content = has_content or bool(chunk.strip())
            has_quotes = has_quotes or b'"' in chunk
            data, chunk = carry + chunk, handle.read(CHUNK_BYTES)
            try:  # final=False while more follows: a character split between chunks is carried over
                _, used = codecs.utf_8_decode(data, "strict", not chunk)
            except UnicodeDecodeError as error:
                bom = len(head) - len(text)
                problems.append(_not_utf8(file, path, bom + consumed + error.start, error))
                return None
            carry, consumed = data[used:], consumed + used
    if not has_content:
        problems.append(Problem(file, None, None, None, "empty file (the contract needs a header row)"))
        return None
    return _Scan(first_line.decode("utf-8", errors="replace"), has_quotes)


def _first_line_problem(file: str, first_line: str) -> Problem | None:
    if not strip(first_line):
        return Problem(file, 1, None, None, "the first line is blank: the header must be on line 1")
    if first_line.lower().startswith("sep="):
        rule = f"the first line {first_line!r} is Excel's separator hint, not the header; delete that line"
        return Problem(file, 1, None, None, rule)
    if "," not in first_line:
        for delimiter, name in OTHER_DELIMITERS:
            if delimiter in first_line:
                return Problem(file, 1, None, None, f"{name}-separated? the contract is comma-separated")
    return None


# --- Arrow: records -> dictionary-encoded columns ----------------------------------------------


@dataclass
class _InvalidRecord:
    """A record Arrow skipped: its number (header = 1), kind, field count and line breaks."""

    number: int
    kind: str  # "blank" | "quote" | "fields"
    fields: int
    breaks: int


class _Codes:
    """One column, built a batch at a time: codes (-1 = missing) into its distinct values. Each
    batch of the reader has a dictionary of its own; they are merged once, at the end, by Arrow."""

    def __init__(self):
        self.dictionaries: list[pa.Array] = []
        self.indices: list[np.ndarray] = []  # per batch, into its dictionary, in the smallest type

    def add(self, chunk: pa.Array) -> None:
        if not pa.types.is_dictionary(chunk.type):  # a column beyond the header's (see _read_records)
            chunk = pc.dictionary_encode(chunk.cast(pa.string()))
        self.dictionaries.append(chunk.dictionary)
        indices = chunk.indices.fill_null(-1).to_numpy()
        self.indices.append(indices.astype(_smallest_codes(len(chunk.dictionary))))

    def result(self) -> tuple[np.ndarray, pa.Array]:
        merged = pc.dictionary_encode(pa.concat_arrays(self.dictionaries or [pa.array([], pa.string())]))
        code_type = _smallest_codes(len(merged.dictionary))
        to_merged = merged.indices.to_numpy().astype(code_type)
        missing = np.array([-1], dtype=code_type)  # np.append(..., -1) would widen the codes to int64
        parts, start = [], 0
        for dictionary, indices in zip(self.dictionaries, self.indices):
            remap = np.concatenate([to_merged[start : start + len(dictionary)], missing])
            parts.append(remap[indices])  # local index -1 (missing) picks the appended -1
            start += len(dictionary)
        codes = np.concatenate(parts) if parts else np.empty(0, dtype=np.int8)
        return codes, merged.dictionary


def _smallest_codes(n_values: int):
    return np.int8 if n_values < 127 else np.int16 if n_values < 32_000 else np.int32


# Arrow's reader threads pay off only on large files; on a small file a short-lived process can
# exit while they start, and Arrow then aborts it (SIGABRT, "terminate called without an active
# exception": seen once in ~700 validation jobs under load). Small files are read on one thread.
THREADED_READ_BYTES = 16 * BLOCK_BYTES


def _read_records(path: Path, scan: _Scan, use_threads: bool | None = None):
    """Every column as (codes, distinct values), the header's value first, and the records the
    reader skipped. Streamed a block at a time: memory holds the codes, not the text. Read again
    on one thread when a skipped record's number is needed: the reader numbers records only
    then (and such a file fails anyway)."""
    invalid: list[_InvalidRecord] = []

    def skip(row) -> str:
        text = row.text
        kind = "blank" if not strip(text) else "quote" if text.count('"') % 2 else "fields"
        invalid.append(_InvalidRecord(row.number, kind, row.actual_columns, line_breaks(text)))
        return "skip"

    # An upper bound of the columns: every column must be read as text, never inferred.
    n_columns = scan.first_line.count(",") + 1
    # Closed as soon as it is read (`with`), so that no reader thread outlives the reading.
    if use_threads is None:
        use_threads = path.stat().st_size >= THREADED_READ_BYTES
    with pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(autogenerate_column_names=True, use_threads=use_threads, block_size=BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(
            newlines_in_values=scan.has_quotes, ignore_empty_lines=False, invalid_row_handler=skip
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={f"f{i}": TEXT for i in range(2 * n_columns + 16)},
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            null_values=[""],
        ),
    ) as reader:
        columns = [_Codes() for _ in reader.schema]
        for batch in reader:
            for column, chunk in zip(columns, batch.columns):
                column.add(chunk)
    if any(record.number is None for record in invalid):
        return _read_records(path, scan, use_threads=False)
    return [column.result() for column in columns], sorted(invalid, key=lambda record: record.number)


def _stripped(codes: np.ndarray, values: pa.Array) -> tuple[np.ndarray, list[str]]:
    """Strip every distinct value; values that become equal merge, empty ones become missing."""
    trimmed = pc.utf8_trim(values, characters=WHITESPACE)  # in C++: a column may hold 10^5 ids
    if pc.all(pc.equal(trimmed, values)).as_py() is not False:  # (the reader made empty values missing)
        return codes, values.to_pylist()
    stripped = trimmed.to_pylist()
    distinct = list(dict.fromkeys(v for v in stripped if v))
    position = {v: i for i, v in enumerate(distinct)}
    remap = np.array([position.get(v, -1) for v in stripped] + [-1], dtype=np.int32)
    return remap[codes], distinct  # code -1 picks the appended -1


def _without_header(codes: np.ndarray, values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """The data rows' codes; the header's value leaves the distinct values unless a row has it."""
    header, rows = codes[0], codes[1:]
    if header < 0 or (rows == header).any():
        return rows, values
    return rows - (rows > header), pa.concat_arrays([values[:header], values[header + 1 :]])


def _categorical(codes: np.ndarray, values: list[str]) -> pd.Categorical:
    """Codes in the smallest integer type; `values` must all occur (see _only_used)."""
    categories = pd.Index(values, dtype=object)
    return pd.Categorical.from_codes(codes.astype(_smallest_codes(len(values))), categories=categories, validate=False)


def _only_used(codes: np.ndarray, values: list[str]) -> tuple[np.ndarray, list[str]]:
    used = np.bincount(codes[codes >= 0], minlength=len(values)) > 0
    if used.all():
        return codes, values
    return np.append(np.cumsum(used) - 1, -1)[codes], [v for v, u in zip(values, used) if u]


# --- the header --------------------------------------------------------------------------------


def _header_problems(file: str, header: list[str], first_column: np.ndarray, first_values: list[str]):
    """(problems, positions of the columns to keep). A file with duplicate names is not read on."""
    problems, keep = [], []
    seen: set[str] = set()
    for position, name in enumerate(header):
        if name in seen and name:
            problems.append(Problem(file, 1, name, None, "duplicate column in the header"))
        seen.add(name)
    if problems:
        return problems, None
    for position, name in enumerate(header):
        if name:
            keep.append(position)
        elif position == 0 and _numbers_the_rows(first_column, first_values):
            rule = (
                "the first column has no name and numbers the rows 1, 2, 3, ...: R's row names? "
                "(write the file with write.csv(..., row.names = FALSE))"
            )
            problems.append(Problem(file, 1, None, None, rule))
        else:
            trailing = " (a trailing delimiter?)" if position == len(header) - 1 else ""
            problems.append(Problem(file, 1, None, None, f"column {position + 1} has an empty name{trailing}"))
    return problems, keep


def _numbers_the_rows(codes: np.ndarray, values: list[str]) -> bool:
    if len(codes) == 0 or (codes < 0).any() or not all(v.isascii() and v.isdigit() for v in values):
        return False
    numbers = np.array([int(v) for v in values])[codes]
    return bool((numbers == np.arange(1, len(codes) + 1)).all())


# --- rows --------------------------------------------------------------------------------------


def _record_lines(n_rows: int, invalid: list[_InvalidRecord], header_breaks: int, row_breaks: np.ndarray | None):
    """Editor line of each table row and of each skipped record (records: header = 1)."""
    n_records = 1 + n_rows + len(invalid)
    skipped = np.array([record.number for record in invalid], dtype=np.int64)
    kept = np.setdiff1d(np.arange(2, n_records + 1), skipped, assume_unique=True)
    if row_breaks is None and not any(record.breaks for record in invalid) and not header_breaks:
        return kept, {record.number: record.number for record in invalid}
    breaks = np.zeros(n_records + 1, dtype=np.int64)  # breaks[r]: line breaks inside record r
    breaks[1] = header_breaks
    if row_breaks is not None:
        breaks[kept] = row_breaks
    for record in invalid:
        breaks[record.number] = record.breaks
    before = np.concatenate([[0], np.cumsum(breaks)])  # before[r]: breaks inside records < r
    first_line = np.arange(n_records + 1) + before[:-1]
    return first_line[kept], {record.number: int(first_line[record.number]) for record in invalid}


def _invalid_record_problems(file: str, invalid: list[_InvalidRecord], lines: dict, n_columns: int):
    problems = []
    for record in invalid:
        line = lines[record.number]
        if record.kind == "quote":
            rule = "a double quote opened on this line is never closed (the value runs on to the end of the file)"
            problems.append(Problem(file, line, None, None, rule))
        elif record.kind == "fields":
            rule = f"{record.fields} fields but the header has {n_columns} columns"
            problems.append(Problem(file, line, None, None, rule))
    return problems


def _blank_line_problems(file, blank_rows: np.ndarray, lines: np.ndarray, invalid, invalid_lines: dict):
    """Blank lines before the last line with data are reported; trailing ones are tolerated."""
    blank_lines = list(lines[blank_rows]) + [invalid_lines[r.number] for r in invalid if r.kind == "blank"]
    data_lines = list(lines[~blank_rows][-1:]) + [invalid_lines[r.number] for r in invalid if r.kind != "blank"]
    last_data_line = max(data_lines, default=0)
    return [Problem(file, int(line), None, None, "blank line between data rows")
            for line in sorted(blank_lines) if line < last_data_line]


def _repeated_header_rows(columns: dict[str, pd.Categorical], n_rows: int) -> np.ndarray:
    """Rows whose every value is its column's name: a second header (two exports pasted together)."""
    names = list(columns)
    if not names:
        return np.zeros(n_rows, dtype=bool)
    repeated = np.asarray(columns[names[0]] == names[0])
    for name in names[1:]:
        if not repeated.any():
            break
        repeated &= np.asarray(columns[name] == name)
    return repeated


# --- one file ----------------------------------------------------------------------------------


def read_table(path: Path, file: str, problems: list[Problem]) -> RawTable | None:
    """Read one raw CSV file; append every problem found to `problems`."""
    if not path.is_file():
        problems.append(Problem(file, None, None, None, "missing file"))
        return None
    try:
        scan = _scan(path, file, problems)
    except OSError as error:  # e.g. no permission to read it
        problems.append(Problem(file, None, None, None, f"cannot be read ({error.strerror or error})"))
        return None
    if scan is None:
        return None
    first_line_problem = _first_line_problem(file, scan.first_line)
    if first_line_problem:
        problems.append(first_line_problem)
        return None
    try:
        read, invalid = _read_records(path, scan)
    except (pa.ArrowException, ValueError) as error:  # the reader's own words, without any cell
        reason = str(error).split(":")[0]
        if "straddl" in reason:  # Arrow reads blocks of BLOCK_BYTES; no record may be longer
            reason = f"a line longer than {BLOCK_BYTES // 2**20} MB: no value of the contract is that long"
        problems.append(Problem(file, None, None, None, f"cannot be read as CSV ({reason})"))
        return None
    n_rows = len(read[0][0]) - 1  # the first record is the header
    header, raw_columns, row_breaks, header_breaks = [], [], None, 0
    for codes, values in read:
        name = values[int(codes[0])].as_py() if codes[0] >= 0 else ""
        if scan.has_quotes and pc.any(pc.match_substring_regex(values, "[\r\n]")).as_py():
            breaks = np.array([line_breaks(v) for v in values.to_pylist()] + [0])[codes]
            header_breaks += int(breaks[0])
            row_breaks = breaks[1:] if row_breaks is None else row_breaks + breaks[1:]
        header.append(strip(name))
        raw_columns.append(_stripped(*_without_header(codes, values)))
    lines, invalid_lines = _record_lines(n_rows, invalid, header_breaks, row_breaks)
    problems += _invalid_record_problems(file, invalid, invalid_lines, len(header))

    first_codes, first_values = raw_columns[0] if raw_columns else (np.empty(0, np.int32), [])
    header_problems, keep = _header_problems(file, header, first_codes, first_values)
    problems += header_problems
    if keep is None:
        return None
    columns = {header[i]: _categorical(*raw_columns[i]) for i in keep}
    del raw_columns

    blank = np.ones(n_rows, dtype=bool)
    for column in columns.values():
        blank &= column.codes < 0
    problems += _blank_line_problems(file, blank, lines, invalid, invalid_lines)
    repeated = _repeated_header_rows(columns, n_rows)
    problems += [Problem(file, int(line), None, None, "the header row again (two exports pasted together?)")
                 for line in lines[repeated]]
    rows = ~(blank | repeated)
    if not rows.all():
        columns = {
            name: _categorical(*_only_used(column.codes[rows], list(column.categories)))
            for name, column in columns.items()
        }
        lines = lines[rows]
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(lines)), copy=False)
    return RawTable(frame, pd.Series(lines, index=frame.index))


def distinct_values(path: Path, column: str) -> list[str]:
    """The distinct values of one column as validation reads them ([] if the file or the column
    cannot be read: validation then says why)."""
    table = read_table(Path(path), Path(path).name, [])
    if table is None or column not in table.frame:
        return []
    return list(table.frame[column].cat.remove_unused_categories().cat.categories)
