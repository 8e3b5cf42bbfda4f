"""Classify ISNCSCI exams (2019 International Standards): EXAMS.csv -> CLASSIFIED.csv.

`python -m caseseries isncsci EXAMS.csv -o CLASSIFIED.csv`: one output row per input row with
patient_id, day and the columns of caseseries.instruments.isncsci.OUTPUT_COLUMNS. Bad input (unreadable
file, missing columns, illegal values) is reported on stderr, every problem at once, with exit
code 2 and no output file.

Speed (issue 13: 10^5 exams in <= 1.5 s): a plain file (UTF-8, no quotes, no CR, one row per line,
every cell legal) is read by `_read_plain`, which finds the cells with NumPy on the raw bytes, in
blocks of rows parsed in threads, and turns the exam cells straight into categorical codes; the
result is written from per-column field texts (tables.quoted, once per category). Anything else
(and every file with a problem) takes the pandas path, which reports the problems; both paths give
the same output.
"""

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from caseseries import tables
from caseseries.data import contract
from caseseries.instruments import isncsci

KEY_COLUMNS = ("patient_id", "day")
EXIT_BAD_INPUT = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("exams", type=Path, help="ISNCSCI exams CSV in the contract columns")
    parser.add_argument("-o", "--output", type=Path, required=True, help="classified CSV to write")


def _allowed_values(column: str) -> tuple[str, ...]:
    if column in contract.NONKEY_MUSCLE_COLUMNS:
        return ("",) + contract.MOTOR_LEVELS
    return contract.exam_values(column)


def find_problems(exams: pd.DataFrame, source: str) -> list[str]:
    """Every missing column and illegal cell, one message each (file, row, column, value, rule)."""
    missing = [c for c in contract.ISNCSCI_COLUMNS if c not in exams.columns]
    if missing:
        return [f"{source}: missing column(s) {', '.join(missing)}"]
    problems = []
    checked = contract.ISNCSCI_EXAM_COLUMNS + tuple(c for c in contract.NONKEY_MUSCLE_COLUMNS if c in exams.columns)
    for column in checked:
        allowed = _allowed_values(column)
        bad = ~exams[column].isin(allowed)
        for index, value in exams.loc[bad, column].items():
            problems.append(f"{source}: row {index + 2}, column {column}: value {value!r} "
                            f"is not one of {', '.join(v or '(empty)' for v in allowed)}")
    for column in KEY_COLUMNS:
        for index in exams.index[exams[column] == ""]:
            problems.append(f"{source}: row {index + 2}, column {column}: value is empty")
    return problems


# --- the fast path: a plain CSV file, read with NumPy ---------------------------------------
COMMA, NEWLINE = ord(","), ord("\n")
# Every value a checked cell may hold. A cell of one byte is looked up by that byte; a longer one by
# its length and first two bytes (unique among these values), then confirmed against all its bytes.
LEGAL = sorted(set(contract.MOTOR_VALUES + contract.SENSORY_VALUES + contract.ANAL_VALUES + contract.MOTOR_LEVELS + ("",)))
UNKNOWN = len(LEGAL)
LEGAL_KEY = np.array([int.from_bytes(v.encode(), "little") for v in LEGAL] + [0xFFFFFFFF], dtype=np.uint32)
BY_BYTE = np.full(256, UNKNOWN, dtype=np.uint8)  # one-byte cells
BY_PREFIX = np.full(6 << 16, UNKNOWN, dtype=np.uint8)  # (length, first two bytes) -> index in LEGAL
for _index, _value in enumerate(LEGAL):
    if len(_value) == 1:
        BY_BYTE[ord(_value)] = _index
    BY_PREFIX[len(_value) << 16 | (int(LEGAL_KEY[_index]) & 0xFFFF)] = _index
assert np.count_nonzero(BY_PREFIX != UNKNOWN) == len(LEGAL), "two legal values share length and first bytes"
LENGTH_MASK = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], dtype=np.uint32)  # bytes of a cell
# index in LEGAL -> code in a column's values (-1: not allowed there), per kind of column
COLUMN_CODES = {values: np.array([values.index(v) if v in values else -1 for v in LEGAL] + [-1], dtype=np.int8)
                for values in (contract.MOTOR_VALUES, contract.SENSORY_VALUES, contract.ANAL_VALUES,
                               ("",) + contract.MOTOR_LEVELS)}
COLUMN_DTYPES = {values: pd.CategoricalDtype(values) for values in COLUMN_CODES}


def _legal_index(data: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Index in LEGAL of every cell (UNKNOWN for anything else), in file order; ends = the
    delimiter after each cell, data padded with 4 bytes past its end."""
    length = ends.copy()  # cell length = distance to the previous delimiter - 1
    length[1:] -= ends[:-1]
    length -= 1
    length[0] += 1
    index = BY_BYTE.take(data.take(ends - 1))  # right for one-byte cells (most of them)
    other = np.flatnonzero(length != 1)
    length = np.minimum(length[other], 5).astype(np.uint32)  # 5: longer than any legal value
    words = np.ndarray((len(data) - 3,), dtype="<u4", buffer=data, strides=(1,))  # 4 bytes from each byte
    packed = words.take(ends[other] - length.astype(ends.dtype)) & LENGTH_MASK.take(length)
    found = BY_PREFIX.take(length << 16 | (packed & 0xFFFF))
    found[LEGAL_KEY.take(found) != packed] = UNKNOWN
    index[other] = found
    return index


def _texts(data: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray | None:
    """The cells data[start:end] as Python strings; None if one is empty or not ASCII."""
    length = end - start
    width = int(length.max(initial=0))
    if width == 0 or (length == 0).any():
        return None
    columns = start[:, None] + np.arange(width)
    cells = np.where(np.arange(width) < length[:, None], data[np.minimum(columns, len(data) - 1)], 0)
    if (cells >= 128).any():
        return None
    return cells.astype(np.uint8).view(f"S{width}").ravel().astype(str).astype(object)


def _read_plain(path: Path) -> pd.DataFrame | None:
    """The exams with categorical exam cells, or None when the file is not plain (see above)."""
    try:
        with open(path, "rb") as file:
            size = file.seek(0, 2)
            file.seek(0)
            buffer = bytearray(size + 5)  # room for a final newline and 4 bytes of padding
            file.readinto(memoryview(buffer)[:size])
    except OSError:
        return None
    data = np.frombuffer(buffer, dtype=np.uint8)
    header_end = buffer.find(b"\n", 0, size)
    if header_end < 0 or buffer.find(b'"', 0, size) >= 0 or buffer.find(b"\r", 0, size) >= 0 or buffer.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        names = [name.strip() for name in buffer[:header_end].decode("utf-8").split(",")]
    except UnicodeDecodeError:
        return None
    if len(set(names)) != len(names) or not set(contract.ISNCSCI_COLUMNS) <= set(names) or size <= header_end + 1:
        return None
    if buffer[size - 1] != NEWLINE:
        buffer[size] = NEWLINE
        size += 1
    # Blocks of whole rows, parsed in threads, as NumPy releases the GIL (10^5 exams, 2 cores:
    # 0.65 -> 0.45 s). Each block is a view with the 4 bytes after it (the next block's or padding).
    cuts = _row_blocks(buffer, header_end + 1, size)
    with ThreadPoolExecutor(len(cuts) - 1) as pool:
        blocks = list(pool.map(lambda start, end: _parse_rows(data[start:end + 4], end - start, names),
                               cuts[:-1], cuts[1:]))
    if any(block is None for block in blocks):
        return None
    columns = {}
    for column in blocks[0]:
        joined = np.concatenate([block[column] for block in blocks])
        if column in KEY_COLUMNS:
            columns[column] = joined
        else:
            dtype = COLUMN_DTYPES[_allowed_values(column)]
            columns[column] = pd.Categorical.from_codes(joined, dtype=dtype, validate=False)
    return pd.DataFrame(columns, copy=False)


BLOCK_BYTES = 1 << 22  # a block per 4 MB, at most one per core


def _usable_cores() -> int:
    """The cores this process may run on (a SLURM job's share of a node, not the whole node)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _row_blocks(buffer: bytearray, start: int, end: int) -> list[int]:
    """Offsets that cut buffer[start:end] into blocks of whole rows (each cut just after a newline)."""
    count = max(1, min(_usable_cores(), (end - start) // BLOCK_BYTES))
    cuts = [start]
    for k in range(1, count):
        cut = buffer.find(b"\n", start + (end - start) * k // count, end) + 1
        if cuts[-1] < cut < end:
            cuts.append(cut)
    return cuts + [end]


def _parse_rows(block: np.ndarray, length: int, names: list[str]) -> dict[str, np.ndarray] | None:
    """The key columns' texts and the checked columns' category codes of the whole rows in
    block[:length] (block has 4 more bytes); None if a row is not plain or a cell not allowed."""
    body = block[:length]
    ends = np.flatnonzero((body == COMMA) | (body == NEWLINE))
    ends = ends.astype(np.int32 if length < 2**31 else np.int64)
    if len(ends) % len(names):
        return None
    rows = len(ends) // len(names)
    if (body[ends[len(names) - 1::len(names)]] != NEWLINE).any() or np.count_nonzero(body == NEWLINE) != rows:
        return None  # a row with too many or too few cells, or a blank line
    legal = _legal_index(block, ends).reshape(rows, len(names)).T.copy()  # (columns, rows)
    ends = ends.reshape(rows, len(names))
    columns = {}
    checked = contract.ISNCSCI_EXAM_COLUMNS + tuple(c for c in contract.NONKEY_MUSCLE_COLUMNS if c in names)
    for column in KEY_COLUMNS + checked:
        i = names.index(column)
        if column in KEY_COLUMNS:
            starts = ends[:, i - 1] + 1 if i else np.r_[0, ends[:-1, -1] + 1]
            columns[column] = _texts(block, starts, ends[:, i])
            if columns[column] is None:
                return None
            continue
        codes = COLUMN_CODES[_allowed_values(column)].take(legal[i])
        if (codes < 0).any():
            return None
        columns[column] = codes
    return columns


def _read_with_pandas(exams_path: Path) -> tuple[pd.DataFrame | None, list[str]]:
    try:
        # keep_default_na=False: "NT" and "NA"-like strings stay as written
        exams = pd.read_csv(exams_path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        return None, [f"{exams_path}: cannot read the file as CSV: {error}"]
    exams.columns = exams.columns.str.strip()
    problems = find_problems(exams, str(exams_path))
    return (None, problems) if problems else (exams, [])


def classify_file(exams_path: Path) -> tuple[pd.DataFrame | None, list[str]]:
    """(classified frame, []) or (None, problems)."""
    exams = _read_plain(exams_path)
    if exams is None:
        exams, problems = _read_with_pandas(exams_path)
        if problems:
            return None, problems
    classified = isncsci.classify(exams)
    keys = exams[list(KEY_COLUMNS)].astype(str)
    return pd.concat([keys, classified], axis=1), []


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Totals as whole numbers (empty when not determinable), lists such as "C5,C6" quoted
    (tables.csv_chunks: fields made once per category); written atomically (tables.write_text), so
    a failure never leaves a partial output."""
    tables.write_text(tables.csv_chunks(frame.astype({column: "Int64" for column in isncsci.TOTAL_COLUMNS})), path)


def run(args: argparse.Namespace) -> int:
    classified, problems = classify_file(args.exams)
    if problems:
        print(f"isncsci: {len(problems)} problem(s) in the input, nothing written:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    write_csv(classified, args.output)
    return 0
