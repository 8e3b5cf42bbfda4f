"""Check the raw data (RAW_DIR) against the data contract and report every problem.

`load_raw(raw_dir)` reads every contract file, checks it and either returns clean typed tables
or raises one `ContractError` listing every problem found in every file, each with the line
number a user sees in an editor (header = line 1). Column checks are pandera schemas run on the
raw strings (so nothing is coerced before it is checked); cross-file checks are plain pandas.

Decisions:
- Surrounding whitespace in a cell is stripped; an empty cell is a missing value.
- `serious`, `relatedness` and safety `result` are compared case-insensitively and returned
  lower-case; every other coded value (sex, exam cells, AIS, check names) must match exactly.
- Blank lines between data rows are reported; blank lines at the end of a file are tolerated
  silently (editors add them).
- Optional contract columns that are absent are added as all-missing columns, so downstream
  code can rely on them.
- Nothing is ever written: the raw directory is read-only.
- Direct identifiers (names, dates, phone numbers, e-mail addresses, record numbers; see
  caseseries.data.privacy) are problems too, reported masked; other messages about the same cells
  are left out so that no message repeats an identifier.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import yaml

from caseseries.data import contract as c

PATIENT_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,19}"
INTEGER_PATTERN = r"[+-]?\d+"
NUMBER_PATTERN = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
DATASET_KEYS = ("name", "version", "synthetic", "source", "licence")
LISTING_LIMIT = 200  # lines of the error message; `.problems` always holds all of them
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Problem:
    """One contract violation; `row` is the line in the file (header = 1), None if file-level."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} line {self.row}"
        parts = [where]
        if self.column is not None:
            parts.append(f"{'key' if self.file.endswith('.yaml') else 'column'} {self.column}")
        if self.value is not None:
            shown = self.value if len(self.value) <= 40 else self.value[:37] + "..."
            parts.append(f"value {shown!r}")
        return f"{', '.join(parts)}: {self.rule}"


def _sort_key(problem: Problem):
    return (problem.file, -1 if problem.row is None else problem.row, problem.column or "")


class ContractError(Exception):
    """The raw data break the contract; `.problems` lists every violation found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_sort_key)
        super().__init__(self._listing())

    def _listing(self) -> str:
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in the raw data (see the data contract):"]
        lines += [f"  {p}" for p in self.problems[:LISTING_LIMIT]]
        if n > LISTING_LIMIT:
            lines.append(f"  ... and {n - LISTING_LIMIT} more")
        return "\n".join(lines)


# --- pandera checks on raw strings -------------------------------------------------------------


def _allowed(values, what: str) -> pa.Check:
    return pa.Check.isin(list(values), error=f"not an allowed {what} (allowed: {', '.join(values)})")


def _allowed_any_case(values, what: str) -> pa.Check:
    """Like _allowed but ignoring case: 'Yes' is read as 'yes' (see the module docstring)."""
    rule = f"not an allowed {what} (allowed: {', '.join(values)})"
    return pa.Check(lambda s: s.str.lower().isin(list(values)), error=rule)


def _matches(pattern: str, rule: str) -> pa.Check:
    return pa.Check(lambda s: s.str.fullmatch(pattern), error=rule)


def _number_where(condition, rule: str) -> pa.Check:
    """Range check on a numeric string; non-numbers pass here (the format check reports them)."""

    def check(s: pd.Series) -> pd.Series:
        number = pd.to_numeric(s.where(s.str.fullmatch(NUMBER_PATTERN)), errors="coerce")
        return number.isna() | condition(number)

    return pa.Check(check, error=rule)


def _column(*checks: pa.Check, required: bool = True, nullable: bool = False) -> pa.Column:
    return pa.Column(checks=list(checks), nullable=nullable, required=required)


PATIENT_ID = _column(
    _matches(PATIENT_ID_PATTERN, "not a pseudonymous patient id (letters, digits, '-', '_'; at most 20)")
)
INTEGER = _column(_matches(INTEGER_PATTERN, "not an integer"))
NUMBER_RULE = "not a number"
TEXT = _column()


def _dose(required: bool = True) -> pa.Column:
    # 0 is allowed here only for a comparator arm; _zero_dose_problems checks that there is one.
    return _column(
        _matches(NUMBER_PATTERN, NUMBER_RULE),
        _number_where(lambda x: x >= 0, "must be greater than 0 (or 0 in a comparator arm)"),
        required=required,
        nullable=not required,
    )


def _zero_dose_problems(file: str, parsed) -> list[Problem]:
    """A dose of 0 means no cells: right for a comparator arm, wrong in a single-arm series."""
    frame = parsed.frame
    if "arm" in frame:
        return []
    problems = []
    for column in ("cell_dose_1e8", "cell_dose_per_kg_1e6"):
        if column in frame:
            zero = pd.to_numeric(frame[column], errors="coerce") == 0
            problems += [Problem(file, int(parsed.lines[i]), column, frame.at[i, column],
                                 "must be greater than 0 (0 cells needs an arm column: a comparator arm)")
                         for i in frame.index[zero]]
    return problems


def _schema(name: str, columns: dict, key: tuple[str, ...] = ()) -> pa.DataFrameSchema:
    # strict: unknown columns are reported; unique: duplicate primary keys (all after the first).
    return pa.DataFrameSchema(
        columns, name=name, strict=True, unique=list(key) or None, report_duplicates="exclude_first"
    )


def _isncsci_columns() -> dict:
    columns = {"patient_id": PATIENT_ID, "day": INTEGER}
    columns |= {col: _column(_allowed(c.MOTOR_VALUES, "motor grade")) for col in c.MOTOR_COLUMNS}
    sensory = c.LIGHT_TOUCH_COLUMNS + c.PIN_PRICK_COLUMNS
    columns |= {col: _column(_allowed(c.SENSORY_VALUES, "sensory grade")) for col in sensory}
    columns |= {col: _column(_allowed(c.ANAL_VALUES, "anal value")) for col in ("vac", "dap")}
    columns["recorded_ais"] = _column(_allowed(c.AIS_GRADES, "AIS grade"), required=False, nullable=True)
    columns["standard"] = _column(_allowed(c.STANDARDS, "standard"), required=False, nullable=True)
    columns |= {
        col: _column(_allowed(c.MOTOR_LEVELS, "motor level"), required=False, nullable=True)
        for col in c.NONKEY_MUSCLE_COLUMNS
    }
    return columns


def _scim_columns() -> dict:
    columns = {"patient_id": PATIENT_ID, "day": INTEGER}
    for item, (label, values) in c.SCIM_ITEMS.items():
        columns[item] = _column(_allowed([str(v) for v in values], f"SCIM-III {label} value"))
    return columns


SCHEMAS = {
    "patients": _schema(
        "patients",
        {
            "patient_id": PATIENT_ID,
            "site": TEXT,
            "sex": _column(_allowed(c.SEXES, "sex")),
            "age": _column(
                _matches(NUMBER_PATTERN, NUMBER_RULE),
                _number_where(lambda x: x.between(0, 120), "age out of range 0-120"),
            ),
            "years_since_injury": _column(
                _matches(NUMBER_PATTERN, NUMBER_RULE),
                _number_where(lambda x: x >= 0, "must be 0 or more"),
            ),
            "cause": TEXT,
            "cell_dose_1e8": _dose(),
            "cell_dose_per_kg_1e6": _dose(required=False),
            "arm": _column(required=False),
        },
        key=("patient_id",),
    ),
    "isncsci": _schema("isncsci", _isncsci_columns(), key=("patient_id", "day")),
    "scim": _schema("scim", _scim_columns(), key=("patient_id", "day")),
    "adverse_events": _schema(
        "adverse_events",
        {
            "patient_id": PATIENT_ID,
            "onset_day": INTEGER,
            "term": TEXT,
            "system_organ_class": _column(required=False, nullable=True),
            "grade": _column(_allowed(("1", "2", "3", "4", "5"), "CTCAE grade")),
            "serious": _column(_allowed_any_case(c.YES_NO, "serious value")),
            "relatedness": _column(_allowed_any_case(c.RELATEDNESS, "relatedness")),
            "outcome": TEXT,
        },
    ),
    "safety_findings": _schema(
        "safety_findings",
        {
            "patient_id": PATIENT_ID,
            "day": INTEGER,
            "check": _column(_allowed(c.SAFETY_CHECKS, "safety check")),
            "result": _column(_allowed_any_case(c.YES_NO, "result")),
        },
        key=("patient_id", "day", "check"),
    ),
}
LOWER_CASE_COLUMNS = {"adverse_events": ("serious", "relatedness"), "safety_findings": ("result",)}
OPTIONAL_COLUMNS = {
    "patients": c.PATIENT_OPTIONAL_COLUMNS,
    "isncsci": c.ISNCSCI_OPTIONAL_COLUMNS,
    "adverse_events": c.ADVERSE_EVENT_OPTIONAL_COLUMNS,
}
TYPES = {
    "patients": dict.fromkeys(("age", "years_since_injury", "cell_dose_1e8", "cell_dose_per_kg_1e6"), float),
    "isncsci": {"day": int},
    "scim": dict.fromkeys(("day",) + tuple(c.SCIM_ITEMS), int),
    "adverse_events": {"onset_day": int, "grade": int},
    "safety_findings": {"day": int},
}
PRIMARY_KEYS = {name: tuple(schema.unique or ()) for name, schema in SCHEMAS.items()}
PANDERA_RULES = {
    "column_in_dataframe": "missing required column",
    "column_in_schema": "unknown column (not in the contract)",
    "not_nullable": "missing value",
}


# --- reading one CSV file ----------------------------------------------------------------------


@dataclass
class _CsvFile:
    """A parsed CSV: the frame (blank rows dropped) and the editor line of every frame row."""

    frame: pd.DataFrame
    lines: pd.Series


def _decode(file: str, data: bytes, problems: list[Problem]) -> str | None:
    if not data.strip():
        problems.append(Problem(file, None, None, None, "empty file (the contract needs a header row)"))
        return None
    if data.startswith(UTF8_BOM):
        problems.append(
            Problem(
                file, 1, None, None, "starts with a UTF-8 byte-order mark (BOM); save as UTF-8 without BOM"
            )
        )
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex()
        rule = f"not valid UTF-8 (byte 0x{byte}: {error.reason}); re-save the file as UTF-8 (Latin-1/Windows-1252?)"
        problems.append(Problem(file, line, None, None, rule))
        return None


def _header_problems(file: str, text: str) -> list[Problem]:
    """Problems that make the rest of the file unreadable: wrong delimiter, duplicate columns."""
    header = next(csv.reader([text.partition("\n")[0]]))
    if len(header) == 1:
        for delimiter, name in ((";", "semicolon"), ("\t", "tab")):
            if delimiter in header[0]:
                rule = f"{name}-separated? the contract is comma-separated"
                return [Problem(file, 1, None, None, rule)]
    seen, duplicates = set(), []
    for name in header:
        if name.strip() in seen:
            duplicates.append(Problem(file, 1, name.strip(), None, "duplicate column in the header"))
        seen.add(name.strip())
    return duplicates


def _bad_line_problems(file: str, caught: list[warnings.WarningMessage]) -> list[Problem]:
    problems = []
    for warning in caught:
        message = str(warning.message)
        for line, expected, saw in re.findall(r"line (\d+): expected (\d+) fields, saw (\d+)", message):
            rule = f"{saw} fields but the header has {expected} columns"
            problems.append(Problem(file, int(line), None, None, rule))
        if "Length of header" in message:  # pandas says this when the first data row is too long
            problems.append(Problem(file, 2, None, None, "more fields than the header has columns"))
    return problems


def _editor_lines(frame: pd.DataFrame, text: str) -> pd.Series:
    """Line of each row; differs from index + 2 only when quoted fields contain line breaks."""
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if n_lines == len(frame) + 1:
        return pd.Series(np.arange(len(frame)) + 2, index=frame.index)
    breaks = sum(frame[col].str.count("\n").fillna(0).astype(int) for col in frame.columns)
    return 2 + (1 + breaks).cumsum().shift(fill_value=0)


def _strip_column(column: pd.Series) -> pd.Series:
    """Strip surrounding whitespace; a cell of only whitespace becomes missing.

    Works on the distinct values: coded columns have a handful, so a clean column of 10^6
    cells costs one `unique()` instead of 10^6 new strings.
    """
    distinct = column.unique()  # includes NaN, skipped below (dropna() would cost more than unique())
    changed = {
        value: value.strip() for value in distinct if isinstance(value, str) and value != value.strip()
    }
    if not changed:
        return column
    stripped = column.replace(changed)
    return stripped.mask(stripped == "")


def _strip(frame: pd.DataFrame, text: str) -> pd.DataFrame:
    if " " not in text and "\t" not in text:  # fast path: nothing to strip anywhere
        return frame
    frame = frame.rename(columns=str.strip)
    for col in frame.columns:
        frame[col] = _strip_column(frame[col])
    return frame


def _drop_blank_rows(file: str, parsed: _CsvFile, problems: list[Problem]) -> _CsvFile:
    """Blank rows before the last data row are reported; trailing blank rows are tolerated."""
    first_cell_missing = parsed.frame.iloc[:, 0].isna()  # cheap pre-filter for big files
    if not first_cell_missing.any():
        return parsed
    blank = parsed.frame[first_cell_missing].isna().all(axis=1).reindex(parsed.frame.index, fill_value=False)
    last_data_row = (~blank)[::-1].idxmax() if (~blank).any() else -1
    for index in blank[blank].index:
        if index < last_data_row:
            problems.append(
                Problem(file, int(parsed.lines[index]), None, None, "blank line between data rows")
            )
    return _CsvFile(parsed.frame[~blank], parsed.lines[~blank])


def _read_csv(raw_dir: Path, file: str, problems: list[Problem]) -> _CsvFile | None:
    path = raw_dir / file
    if not path.is_file():
        problems.append(Problem(file, None, None, None, "missing file"))
        return None
    text = _decode(file, path.read_bytes(), problems)
    if text is None:
        return None
    header_problems = _header_problems(file, text)
    if header_problems:
        problems += header_problems
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                na_values=[""],  # only an empty cell is missing; 'NA', 'NT' and 'None' stay strings
                skip_blank_lines=False,  # keep blank lines as rows so row -> line stays exact
                index_col=False,
                on_bad_lines="warn",
            )
        except pd.errors.ParserError as error:  # e.g. an unclosed double quote
            problems.append(Problem(file, None, None, None, f"cannot be read as CSV ({error})"))
            return None
    bad_lines = _bad_line_problems(file, caught)
    if bad_lines:
        problems += bad_lines
        return None
    lines = _editor_lines(frame, text)  # before stripping: it counts line breaks inside fields
    return _drop_blank_rows(file, _CsvFile(_strip(frame, text), lines), problems)


# --- pandera failure cases -> Problems ---------------------------------------------------------


def _value(raw) -> str | None:
    return None if pd.isna(raw) else str(raw)


def _identifier_problems(file: str, parsed: _CsvFile) -> list[Problem]:
    from caseseries.data import privacy  # imported here: privacy imports Problem from this module

    return privacy.identifier_problems(file, parsed.frame, parsed.lines)


def _without_echoes(identifiers: list[Problem], problems: list[Problem]) -> list[Problem]:
    """Identifier problems first; other problems about the same cells would echo them."""
    from caseseries.data import privacy

    return identifiers + privacy.without_echoes(identifiers, problems)


def _schema_problems(file: str, name: str, parsed: _CsvFile) -> list[Problem]:
    extra = _zero_dose_problems(file, parsed) if name == "patients" else []
    try:
        SCHEMAS[name].validate(parsed.frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _translate(file, name, errors.failure_cases, parsed) + extra
    return extra


def _translate(file: str, name: str, failures: pd.DataFrame, parsed: _CsvFile) -> list[Problem]:
    problems = []
    duplicates = failures["check"] == "multiple_fields_uniqueness"
    for failure in failures[~duplicates].itertuples(index=False):
        if failure.check in ("column_in_dataframe", "column_in_schema"):
            problems.append(Problem(file, None, failure.failure_case, None, PANDERA_RULES[failure.check]))
            continue
        row = int(parsed.lines[failure.index])
        rule = PANDERA_RULES.get(failure.check, failure.check)
        problems.append(Problem(file, row, failure.column, _value(failure.failure_case), rule))
    key = PRIMARY_KEYS[name]
    if not all(col in parsed.frame for col in key):
        return problems  # pandera then checks the key columns present: not the contract's key
    for index in failures.loc[duplicates, "index"].unique():
        value = ", ".join(str(parsed.frame.at[index, col]) for col in key)
        rule = f"duplicate {'+'.join(key)} (already on an earlier line)"
        problems.append(Problem(file, int(parsed.lines[index]), "+".join(key), value, rule))
    return problems


# --- cross-file checks and the dataset description ---------------------------------------------


def _unknown_patient_problems(tables: dict[str, _CsvFile]) -> list[Problem]:
    patients = tables.get("patients")
    if patients is None or "patient_id" not in patients.frame or patients.frame.empty:
        return []  # patients.csv is already reported; comparing with it would only add noise
    known = set(patients.frame["patient_id"].dropna())
    problems = []
    for name, parsed in tables.items():
        if name == "patients" or "patient_id" not in parsed.frame:
            continue
        ids = parsed.frame["patient_id"]
        unknown = ids.notna() & ~ids.isin(known)
        file = c.RAW_FILES[name]
        for index, value in ids[unknown].items():
            problems.append(
                Problem(file, int(parsed.lines[index]), "patient_id", value, "patient not in patients.csv")
            )
    return problems


def _read_dataset_description(raw_dir: Path, problems: list[Problem]) -> dict | None:
    file = c.DATASET_DESCRIPTION
    path = raw_dir / file
    if not path.is_file():
        problems.append(Problem(file, None, None, None, "missing file"))
        return None
    try:
        description = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        problems.append(Problem(file, None, None, None, f"not valid UTF-8 ({error.reason})"))
        return None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(
            Problem(file, line, None, None, f"not valid YAML ({getattr(error, 'problem', error)})")
        )
        return None
    if not isinstance(description, dict):
        problems.append(
            Problem(file, None, None, None, "must be a mapping of name, version, synthetic, source, licence")
        )
        return None
    found = len(problems)
    for key in DATASET_KEYS:
        value = description.get(key)
        if key not in description:
            problems.append(Problem(file, None, key, None, "missing required key"))
        elif key == "synthetic":
            if not isinstance(value, bool):
                problems.append(Problem(file, None, key, str(value), "must be true or false"))
        elif value is None or str(value).strip() == "":
            problems.append(Problem(file, None, key, None, "missing value"))
    return description if len(problems) == found else None


# --- typed result ------------------------------------------------------------------------------


def _typed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    for col in OPTIONAL_COLUMNS.get(name, ()):
        if col not in frame:
            frame[col] = pd.Series(np.nan, index=frame.index, dtype="str")
    for col in LOWER_CASE_COLUMNS.get(name, ()):
        frame[col] = frame[col].str.lower()
    return frame.astype({col: kind for col, kind in TYPES[name].items() if col in frame})


def load_raw(raw_dir: Path) -> dict[str, pd.DataFrame]:
    """Read and check every contract file; return typed tables or raise one ContractError."""
    raw_dir = Path(raw_dir)
    problems: list[Problem] = []
    identifiers: list[Problem] = []
    tables: dict[str, _CsvFile] = {}
    for name, file in c.RAW_FILES.items():
        parsed = _read_csv(raw_dir, file, problems)
        if parsed is None:
            continue
        identifiers += _identifier_problems(file, parsed)
        problems += _schema_problems(file, name, parsed)
        tables[name] = parsed
    if "patients" in tables and tables["patients"].frame.empty:
        problems.append(Problem(c.RAW_FILES["patients"], None, None, None, "no patients (header only)"))
    problems += _unknown_patient_problems(tables)
    description = _read_dataset_description(raw_dir, problems)
    problems = _without_echoes(identifiers, problems)
    if problems:
        raise ContractError(problems)
    loaded = {name: _typed(name, parsed.frame) for name, parsed in tables.items()}
    loaded["dataset"] = description
    return loaded


def load_table(raw_dir: Path, name: str) -> pd.DataFrame:
    """Check one contract file (and its patient ids against patients.csv); return it typed.

    On any problem, every file is checked, so that the error lists all problems at once.
    """
    raw_dir = Path(raw_dir)
    problems: list[Problem] = []
    parsed = _read_csv(raw_dir, c.RAW_FILES[name], problems)
    if parsed is not None:
        identifiers = _identifier_problems(c.RAW_FILES[name], parsed)
        problems += _schema_problems(c.RAW_FILES[name], name, parsed)
        if name == "patients" and parsed.frame.empty:
            problems.append(Problem(c.RAW_FILES[name], None, None, None, "no patients (header only)"))
        elif name != "patients":
            patients = _read_csv(raw_dir, c.RAW_FILES["patients"], [])
            if patients is not None:
                problems += _unknown_patient_problems({"patients": patients, name: parsed})
        problems = _without_echoes(identifiers, problems)
    if problems:
        load_raw(raw_dir)  # raises with the problems of every file
        raise ContractError(problems)  # not reached unless the files changed meanwhile
    return _typed(name, parsed.frame)


def load_dataset_description(raw_dir: Path) -> dict:
    """Check dataset.yaml; on a problem, report every problem of every file."""
    problems: list[Problem] = []
    description = _read_dataset_description(Path(raw_dir), problems)
    if problems:
        load_raw(raw_dir)
        raise ContractError(problems)
    return description


# --- command line ------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("raw_dir", type=Path, help="directory with the raw contract files")


def summary(loaded: dict[str, pd.DataFrame]) -> str:
    counts = ", ".join(f"{len(loaded[name])} {name} rows" for name in c.RAW_FILES if name != "patients")
    kind = "synthetic" if loaded["dataset"]["synthetic"] else "real"
    return f"OK: {len(loaded['patients'])} patients, {counts} ({kind} dataset {loaded['dataset']['name']!r})"


def run(args: argparse.Namespace) -> int:
    try:
        loaded = load_raw(args.raw_dir)
    except ContractError as error:
        print(error, file=sys.stderr)
        return 1
    print(summary(loaded))
    return 0
