"""Check the raw data (RAW_DIR) against the data contract and report every problem.

`load_raw(raw_dir, bounds)` reads every contract file, checks it and either returns clean typed
tables or raises one `ContractError` listing every problem found in every file, each with the
line a user sees in an editor (header = line 1), the column, the value and the rule.
`check_dataset` runs the same checks without building the tables; `load_table` checks one file
and its patient ids. `python -m caseseries validate RAW_DIR [--config config.yaml]` runs them
with the study's plausibility bounds (caseseries.data.plausibility).

How a file is read (encodings, line endings, whitespace, blank and repeated header lines,
unnamed columns): caseseries.data.csvfile. The checks here run once per distinct value of a
column, on the stripped text, so nothing is coerced before it is checked:
- Coded values (sex, exam cells, grades, check names) must match exactly, except `serious`,
  `relatedness` and safety `result`, compared case-insensitively and returned lower-case.
- Integers and numbers are written in ASCII: digits 0-9, an optional leading '+' or '-', a
  decimal point and exponent for numbers. Other digits, a typographic minus, a decimal comma or
  digit groups get a hint. Values of any size are caught by the plausibility bounds.
- Plausibility: age, years since injury (and not above age), cell doses (a value that looks
  like a raw cell count or another unit gets a hint), assessment and adverse-event onset days.
- Control characters (U+0000-U+001F but tab, line feed and carriage return; U+007F-U+009F) are
  refused in every column: invisible, they change what a reader of the report sees.
- Keys are unique on their typed values (day '090' is day 90); every patient id of the other
  files is in patients.csv.
- Direct identifiers (caseseries.data.privacy) are problems too, reported masked; other messages
  about the same cells are left out so that no message repeats an identifier.
- Optional contract columns that are absent are added as all-missing columns.
- Nothing is ever written: the raw directory is read-only.
"""

from __future__ import annotations

import argparse
import codecs
import difflib
import json
import math
import re
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from caseseries.data import contract as c
from caseseries.data import csvfile, plausibility, privacy
from caseseries.data.csvfile import RawTable
from caseseries.data.plausibility import Bounds
from caseseries.data.problems import LISTING_LIMIT, ContractError, Problem  # noqa: F401 (re-exported)

PATIENT_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,19}"
INTEGER = re.compile(r"[+-]?[0-9]+")
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
MAX_DIGITS = 18  # an integer with more digits is out of every range (and int() of 5000 digits fails)
CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed",
                 0x1B: "ESC", 0x7F: "DEL"}
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
VECTORISE_ABOVE = 1000  # distinct values of a column; below, plain Python is faster
DATASET_KEYS = ("name", "version", "synthetic", "source", "licence")
DEFAULT_CONFIG = Path("config.yaml")

# --- rules for one distinct value ---------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """`rule(value)`: the rule a stripped, non-empty value breaks, or None. `passes(values)`, if
    given, marks in one vectorised step the distinct values that certainly pass (only for speed:
    a column of 10^5 patient ids), so that `rule` runs on the others only."""

    rule: Callable[[str], "str | None"]
    passes: Callable[[pd.Index], np.ndarray] | None = None


@dataclass(frozen=True)
class Column:
    check: Check | None = None  # None: any text
    required: bool = True
    nullable: bool = False
    kind: type = str  # the type in the typed table: str, int or float


def _allowed(values, what: str, any_case: bool = False) -> Check:
    accepted = sorted({v.lower() for v in values} if any_case else set(values))
    rule = f"not an allowed {what} (allowed: {', '.join(values)})"

    def check(value: str) -> str | None:
        if (value.lower() if any_case else value) in accepted:
            return None
        same_letters = [v for v in values if v.lower() == value.lower()]
        return rule + (f"; did you mean {same_letters[0]!r}? (case matters)" if same_letters else "")

    def passes(distinct: pd.Index) -> np.ndarray:
        return np.asarray((distinct.str.lower() if any_case else distinct).isin(accepted))

    return Check(check, passes)


def _matches(pattern: str, rule: str) -> Check:
    compiled = re.compile(pattern)
    return Check(lambda value: None if compiled.fullmatch(value) else rule,
                 lambda distinct: np.asarray(distinct.str.fullmatch(pattern), dtype=bool))


def _not_a_number(value: str, what: str) -> str:
    """'not an integer' / 'not a number', with a hint at what was typed instead."""
    rule = f"not {what}"
    if any(ch.isdigit() and not ch.isascii() for ch in value):
        return f"{rule} (digits other than 0-9; type them as 0-9)"
    if any(ch in DASHES for ch in value):
        return f"{rule} (a typographic dash or minus sign; type '-')"
    if re.fullmatch(r"[+-]?[0-9]+,[0-9]+", value):
        return f"{rule} (a decimal comma or digit group? type a point for decimals, no separators)"
    if re.fullmatch(r"[+-]?[0-9]+(?:[\s'_][0-9]+)+(?:\.[0-9]*)?", value):
        return f"{rule} (digits in groups? type them without separators)"
    return rule


def _integer(setting: str, bounds: Bounds) -> Check:
    def check(value: str) -> str | None:
        if not INTEGER.fullmatch(value):
            return _not_a_number(value, "an integer")
        digits = value.lstrip("+-").lstrip("0")
        number = int(value) if len(digits) <= MAX_DIGITS else -math.inf if value.startswith("-") else math.inf
        return plausibility.range_rule(setting, number, bounds, " days")

    return Check(check)


def _number(rule_of: Callable[[float], "str | None"]) -> Check:
    def check(value: str) -> str | None:
        if not NUMBER.fullmatch(value):
            return _not_a_number(value, "a number")
        return rule_of(float(value))

    return Check(check)


def _age(bounds: Bounds) -> Check:
    return _number(lambda x: "must be 0 or more" if x < 0 else plausibility.range_rule("age", x, bounds, " years"))


def _years_since_injury(bounds: Bounds) -> Check:
    def rule(x: float) -> str | None:
        return "must be 0 or more" if x < 0 else plausibility.range_rule("years_since_injury", x, bounds, " years")

    return _number(rule)


def _dose(column: str, bounds: Bounds) -> Check:
    # 0 is a dose only in a comparator arm: _zero_dose_problems looks for the arm column.
    def rule(x: float) -> str | None:
        if x < 0:
            return "must be greater than 0 (or 0 in a comparator arm)"
        return None if x == 0 else plausibility.dose_rule(column, x, bounds)

    return _number(rule)


CONTROL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"  # Python's re and Arrow's RE2 read it alike
CONTROL = re.compile(CONTROL_PATTERN)


def _control_character(value: str) -> str | None:
    found = CONTROL.search(value)
    if found is None:
        return None
    code = ord(found.group())
    name = CONTROL_NAMES.get(code, "a control character")
    return f"contains {name} (U+{code:04X}), invisible in the report; remove it"


# --- the contract, file by file -----------------------------------------------------------------

PATIENT_ID = Column(_matches(PATIENT_ID_PATTERN, "not a pseudonymous patient id (letters, digits, '-', '_'; at most 20)"))
TEXT = Column()
OPTIONAL_TEXT = Column(required=False, nullable=True)


def _columns(name: str, bounds: Bounds) -> dict[str, Column]:
    """Column -> its rule, for the contract file `name`, under the given plausibility bounds."""
    day = Column(_integer("follow_up_days", bounds), kind=int)
    if name == "patients":
        return {
            "patient_id": PATIENT_ID,
            "site": TEXT,
            "sex": Column(_allowed(c.SEXES, "sex")),
            "age": Column(_age(bounds), kind=float),
            "years_since_injury": Column(_years_since_injury(bounds), kind=float),
            "cause": TEXT,
            "cell_dose_1e8": Column(_dose("cell_dose_1e8", bounds), kind=float),
            "cell_dose_per_kg_1e6": Column(_dose("cell_dose_per_kg_1e6", bounds), False, True, float),
            "arm": Column(required=False),
        }
    if name == "isncsci":
        columns = {"patient_id": PATIENT_ID, "day": day}
        columns |= dict.fromkeys(c.MOTOR_COLUMNS, Column(_allowed(c.MOTOR_VALUES, "motor grade")))
        sensory = Column(_allowed(c.SENSORY_VALUES, "sensory grade"))
        columns |= dict.fromkeys(c.LIGHT_TOUCH_COLUMNS + c.PIN_PRICK_COLUMNS, sensory)
        columns |= dict.fromkeys(("vac", "dap"), Column(_allowed(c.ANAL_VALUES, "anal value")))
        columns["recorded_ais"] = Column(_allowed(c.AIS_GRADES, "AIS grade"), required=False, nullable=True)
        columns["standard"] = Column(_allowed(c.STANDARDS, "standard"), required=False, nullable=True)
        nonkey = Column(_allowed(c.MOTOR_LEVELS, "motor level"), required=False, nullable=True)
        return columns | dict.fromkeys(c.NONKEY_MUSCLE_COLUMNS, nonkey)
    if name == "scim":
        columns = {"patient_id": PATIENT_ID, "day": day}
        for item, (label, values) in c.SCIM_ITEMS.items():
            columns[item] = Column(_allowed([str(v) for v in values], f"SCIM-III {label} value"), kind=int)
        return columns
    if name == "adverse_events":
        return {
            "patient_id": PATIENT_ID,
            "onset_day": Column(_integer("onset_days", bounds), kind=int),
            "term": TEXT,
            "system_organ_class": OPTIONAL_TEXT,
            "grade": Column(_allowed(("1", "2", "3", "4", "5"), "CTCAE grade"), kind=int),
            "serious": Column(_allowed(c.YES_NO, "serious value", any_case=True)),
            "relatedness": Column(_allowed(c.RELATEDNESS, "relatedness", any_case=True)),
            "outcome": TEXT,
        }
    if name == "safety_findings":
        return {
            "patient_id": PATIENT_ID,
            "day": day,
            "check": Column(_allowed(c.SAFETY_CHECKS, "safety check")),
            "result": Column(_allowed(c.YES_NO, "result", any_case=True)),
        }
    raise KeyError(name)


PRIMARY_KEYS = {
    "patients": ("patient_id",),
    "isncsci": ("patient_id", "day"),
    "scim": ("patient_id", "day"),
    "adverse_events": (),
    "safety_findings": ("patient_id", "day", "check"),
}
LOWER_CASE_COLUMNS = {"adverse_events": ("serious", "relatedness"), "safety_findings": ("result",)}


# --- checks of one file -------------------------------------------------------------------------


def _column_problems(file: str, table: RawTable, columns: dict[str, Column]) -> list[Problem]:
    frame, problems = table.frame, []
    for name in columns:
        if columns[name].required and name not in frame:
            problems.append(Problem(file, None, name, None, "missing required column"))
    for name in frame.columns:
        if name not in columns:
            close = difflib.get_close_matches(name.lower(), list(columns), n=1, cutoff=0.8)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(Problem(file, None, name, None, f"unknown column (not in the contract){hint}"))
    return problems


def _cell_problems(file: str, table: RawTable, columns: dict[str, Column]) -> list[Problem]:
    """Each distinct value of a column is checked once; its rows are looked up only if it fails."""
    problems = []
    for name, values in table.frame.items():
        spec = columns.get(name, TEXT)
        codes = values.cat.codes.to_numpy()
        distinct = values.cat.categories
        suspect = np.ones(len(distinct), dtype=bool)
        if len(distinct) > VECTORISE_ABOVE:  # e.g. 10^5 patient ids: one pass in Arrow's C++
            distinct = pd.Index(distinct, dtype="str")
            suspect = np.asarray(distinct.str.contains(CONTROL_PATTERN, regex=True), dtype=bool)
            if spec.check is not None:
                suspect |= ~spec.check.passes(distinct) if spec.check.passes else True
        rules = {}
        for code in np.flatnonzero(suspect):
            value = distinct[code]
            rule = _control_character(value) or (spec.check.rule(value) if spec.check else None)
            if rule:
                rules[code] = rule
        if rules:
            problems += [Problem(file, int(table.lines.iat[i]), name, distinct[codes[i]], rules[codes[i]])
                         for i in np.flatnonzero(np.isin(codes, list(rules)))]
        if not spec.nullable and name in columns:
            problems += [Problem(file, int(table.lines.iat[i]), name, None, "missing value")
                         for i in np.flatnonzero(codes < 0)]
    return problems


def _typed_key_codes(values: pd.Series, column: Column) -> np.ndarray:
    """Codes of a key column by typed value (day '090' = day 90); -1 where missing or invalid."""
    codes = values.cat.codes.to_numpy().astype(np.int64)
    if column.kind is str:
        return codes  # invalid text keys are reported by their own check; the categories are unique
    typed = [int(v) if column.check.rule(v) is None else None for v in values.cat.categories]
    keys, _ = pd.factorize(pd.Series(typed, dtype=object), use_na_sentinel=True)
    return np.append(keys, -1)[codes]


def _duplicate_key_problems(file: str, name: str, table: RawTable, columns: dict[str, Column]) -> list[Problem]:
    key = PRIMARY_KEYS[name]
    if not key or not all(col in table.frame for col in key):
        return []
    combined = np.zeros(len(table.frame), dtype=np.int64)
    complete = np.ones(len(table.frame), dtype=bool)
    for col in key:
        codes = _typed_key_codes(table.frame[col], columns[col])
        complete &= codes >= 0
        combined = combined * (int(codes.max(initial=0)) + 2) + codes + 1
    duplicated = pd.Series(combined).where(complete).duplicated(keep="first").to_numpy() & complete
    rule = f"duplicate {'+'.join(key)} (already on an earlier line)"
    return [
        Problem(file, int(table.lines.iat[i]), "+".join(key), ", ".join(str(table.frame[col].iat[i]) for col in key), rule)
        for i in np.flatnonzero(duplicated)
    ]


def _zero_dose_problems(file: str, table: RawTable) -> list[Problem]:
    """A dose of 0 means no cells: right for a comparator arm, wrong in a single-arm series."""
    frame = table.frame
    if "arm" in frame:
        return []
    problems = []
    for column in ("cell_dose_1e8", "cell_dose_per_kg_1e6"):
        if column in frame:
            values = frame[column]
            zero_codes = [code for code, v in enumerate(values.cat.categories) if NUMBER.fullmatch(v) and float(v) == 0]
            rule = "must be greater than 0 (0 cells needs an arm column: a comparator arm)"
            problems += [Problem(file, int(table.lines.iat[i]), column, values.iat[i], rule)
                         for i in np.flatnonzero(np.isin(values.cat.codes.to_numpy(), zero_codes))]
    return problems


def _valid_numbers(values: pd.Series, column: Column) -> np.ndarray:
    """The value of each cell that passes its column's check; NaN elsewhere."""
    parsed = [float(v) if column.check.rule(v) is None else np.nan for v in values.cat.categories]
    return np.array(parsed + [np.nan])[values.cat.codes.to_numpy()]


def _years_above_age_problems(file: str, table: RawTable, columns: dict[str, Column]) -> list[Problem]:
    """Compared only where both values pass their own checks: one problem per cell is enough."""
    frame = table.frame
    if "age" not in frame or "years_since_injury" not in frame:
        return []
    age = _valid_numbers(frame["age"], columns["age"])
    years = _valid_numbers(frame["years_since_injury"], columns["years_since_injury"])
    above = np.flatnonzero(years > age)
    return [
        Problem(file, int(table.lines.iat[i]), "years_since_injury", frame["years_since_injury"].iat[i],
                f"years since injury above the age at infusion ({frame['age'].iat[i]})")
        for i in above
    ]


def _file_problems(name: str, table: RawTable, bounds: Bounds) -> list[Problem]:
    file = c.RAW_FILES[name]
    columns = _columns(name, bounds)
    problems = _column_problems(file, table, columns)
    problems += _cell_problems(file, table, columns)
    problems += _duplicate_key_problems(file, name, table, columns)
    if name == "patients":
        problems += _zero_dose_problems(file, table) + _years_above_age_problems(file, table, columns)
        if len(table.frame) == 0:
            problems.append(Problem(file, None, None, None, "no patients (header only)"))
    return problems


def _unknown_patient_problems(tables: dict[str, RawTable]) -> list[Problem]:
    patients = tables.get("patients")
    if patients is None or "patient_id" not in patients.frame or len(patients.frame) == 0:
        return []  # patients.csv is already reported; comparing with it would only add noise
    known = set(patients.frame["patient_id"].dropna())
    problems = []
    for name, table in tables.items():
        if name == "patients" or "patient_id" not in table.frame:
            continue
        ids = table.frame["patient_id"]
        unknown = [code for code, value in enumerate(ids.cat.categories) if value not in known]
        for i in np.flatnonzero(np.isin(ids.cat.codes.to_numpy(), unknown)):
            problems.append(Problem(c.RAW_FILES[name], int(table.lines.iat[i]), "patient_id", ids.iat[i],
                                    "patient not in patients.csv"))
    return problems


def _read(raw_dir: Path, name: str, bounds: Bounds, problems: list[Problem], identifiers: list[Problem],
          memo: dict | None = None, read=None):
    """Read (or take `read`: the table and its reading problems) and check one contract file; its
    problems and identifier problems are appended."""
    file = c.RAW_FILES[name]
    if read is None:
        table = csvfile.read_table(raw_dir / file, file, problems)
    else:
        table, reading_problems = read
        problems += reading_problems
    if table is not None:
        identifiers += privacy.identifier_problems(file, table.frame, table.lines, memo)
        problems += _file_problems(name, table, bounds)
    return table


# --- the dataset description --------------------------------------------------------------------


def _read_dataset_description(raw_dir: Path, problems: list[Problem]) -> dict | None:
    file = c.DATASET_DESCRIPTION
    path = raw_dir / file
    if not path.is_file():
        problems.append(Problem(file, None, None, None, "missing file"))
        return None
    try:
        data = path.read_bytes()
    except OSError as error:
        problems.append(Problem(file, None, None, None, f"cannot be read ({error.strerror or error})"))
        return None
    encoding = csvfile.encoding_problem(file, data)
    if encoding:
        problems.append(encoding)
        return None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = csvfile.line_breaks(data[: error.start]) + 1
        problems.append(Problem(file, line, None, None, f"not valid UTF-8 ({error.reason}); {csvfile.SAVE_AS_UTF8}"))
        return None
    try:
        description = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(Problem(file, line, None, None, f"not valid YAML ({getattr(error, 'problem', None) or error})"))
        return None
    except (ValueError, RecursionError) as error:  # e.g. a date that does not exist: 2024-02-30
        problems.append(Problem(file, None, None, None, f"not valid YAML ({error})"))
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


# --- typed result -------------------------------------------------------------------------------


def _typed(name: str, table: RawTable) -> pd.DataFrame:
    """The checked table with typed columns: int and float as the contract says, text as categories."""
    columns = _columns(name, Bounds())
    typed = {}
    for col, values in table.frame.items():
        kind = columns[col].kind
        if kind is not str:
            converted = np.array([kind(v) for v in values.cat.categories] + [np.nan if kind is float else 0])
            typed[col] = converted[values.cat.codes.to_numpy()]
        else:
            typed[col] = values.map(str.lower) if col in LOWER_CASE_COLUMNS.get(name, ()) else values
    frame = pd.DataFrame(typed).reset_index(drop=True)
    for col, spec in columns.items():
        if col not in frame and not spec.required:
            frame[col] = pd.Series(np.nan, index=frame.index, dtype=float if spec.kind is float else "str")
    return frame


# --- entry points -------------------------------------------------------------------------------


def _read_all(raw_dir: Path) -> dict[str, tuple[RawTable | None, list[Problem]]]:
    """Every contract file read, two at a time, the largest first: Arrow parses without holding
    Python's lock, so the large assessment file is parsed while the others are (a 200 MB
    isncsci.csv with one bad cell: 8.8-10.5 s -> 7.9-8.3 s on two cores)."""

    def read(name: str):
        problems: list[Problem] = []
        return csvfile.read_table(raw_dir / c.RAW_FILES[name], c.RAW_FILES[name], problems), problems

    def size(name: str) -> int:
        path = raw_dir / c.RAW_FILES[name]
        return path.stat().st_size if path.is_file() else 0

    with ThreadPoolExecutor(max_workers=2) as pool:
        reading = {name: pool.submit(read, name) for name in sorted(c.RAW_FILES, key=size, reverse=True)}
    return {name: reading[name].result() for name in c.RAW_FILES}  # problems in the contract's file order


def _checked(raw_dir: Path, bounds: Bounds) -> tuple[dict[str, RawTable], dict | None, list[Problem]]:
    problems: list[Problem] = []
    identifiers: list[Problem] = []
    tables, memo = {}, {}
    for name, read in _read_all(raw_dir).items():
        table = _read(raw_dir, name, bounds, problems, identifiers, memo, read)
        if table is not None:
            tables[name] = table
    problems += _unknown_patient_problems(tables)
    description = _read_dataset_description(raw_dir, problems)
    return tables, description, identifiers + privacy.without_echoes(identifiers, problems)


def check_dataset(raw_dir: Path, bounds: Bounds = Bounds()) -> dict:
    """Check every contract file and dataset.yaml; return the description or raise one ContractError."""
    _, description, problems = _checked(Path(raw_dir), bounds)
    if problems:
        raise ContractError(problems)
    return description


def load_raw(raw_dir: Path, bounds: Bounds = Bounds()) -> dict[str, pd.DataFrame]:
    """Read and check every contract file; return typed tables or raise one ContractError."""
    tables, description, problems = _checked(Path(raw_dir), bounds)
    if problems:
        raise ContractError(problems)
    loaded = {name: _typed(name, table) for name, table in tables.items()}
    loaded["dataset"] = description
    return loaded


def load_table(raw_dir: Path, name: str, bounds: Bounds = Bounds()) -> pd.DataFrame:
    """Check one contract file (and its patient ids against patients.csv); return it typed.

    On any problem, every file is checked, so that the error lists all problems at once.
    """
    raw_dir = Path(raw_dir)
    checked = _take_checked(raw_dir, name, bounds)
    if checked is not None:
        return _typed(name, checked)
    problems: list[Problem] = []
    identifiers: list[Problem] = []
    table = _read(raw_dir, name, bounds, problems, identifiers)
    if table is not None and name != "patients":
        patients = csvfile.read_table(raw_dir / c.RAW_FILES["patients"], c.RAW_FILES["patients"], [])
        if patients is not None:
            problems += _unknown_patient_problems({"patients": patients, name: table})
    problems = identifiers + privacy.without_echoes(identifiers, problems)
    if problems:
        check_dataset(raw_dir, bounds)  # raises with the problems of every file
        raise ContractError(problems)  # not reached unless the files changed meanwhile
    return _typed(name, table)


def load_dataset_description(raw_dir: Path, bounds: Bounds = Bounds()) -> dict:
    """Check dataset.yaml; on a problem, report every problem of every file."""
    problems: list[Problem] = []
    description = _read_dataset_description(Path(raw_dir), problems)
    if problems:
        check_dataset(raw_dir, bounds)
        raise ContractError(problems)
    return description


# The tables check_once found clean in this process, by name: (raw folder, bounds, state of the
# raw files before reading, table). The workflow's jobs run as threads of the process that ran
# the check, so each validate job takes its table from here instead of reading and checking the
# file a second time (10^5 patients: ~12 s); in another process (a cluster job) it reads the file.
_CHECKED: dict[str, tuple[Path, Bounds, dict, RawTable]] = {}


def _file_state(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _take_checked(raw_dir: Path, name: str, bounds: Bounds) -> RawTable | None:
    """The table check_once found clean, if it is this file with these bounds and neither the
    file nor patients.csv (whose ids it was checked against) has changed since (size and
    modification time, as check_once's record). Taken once: a second job reads the file."""
    found = _CHECKED.pop(name, None)
    if found is None:
        return None
    checked_dir, checked_bounds, files, table = found
    same_files = all(
        _file_state(raw_dir / c.RAW_FILES[n]) == files.get(str(raw_dir / c.RAW_FILES[n]))
        for n in {name, "patients"}
    )
    return table if checked_dir == raw_dir.resolve() and checked_bounds == bounds and same_files else None


def check_once(raw_dir: Path, bounds: Bounds, record: Path, code: list[Path], keep_tables: bool = True) -> bool:
    """check_dataset, unless `record` shows that these very files (size and modification time),
    this validation code and these bounds passed already; a pass is recorded. Returns whether
    the files were checked. The workflow calls it before starting any job. With `keep_tables`
    (jobs run in this process), the clean tables that their validate jobs will need are kept for
    load_table (see _CHECKED): every table, unless only some files changed since the last pass."""
    files = {name: raw_dir / file for name, file in (*c.RAW_FILES.items(), ("dataset", c.DATASET_DESCRIPTION))}
    state = {
        "files": {str(p): _file_state(p) for p in files.values()},
        "code": {str(p): p.stat().st_mtime_ns for p in map(Path, code)},
        "bounds": json.loads(json.dumps(asdict(bounds))),
    }
    try:
        last = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        last = {}  # no record yet, or an unreadable one: check
    if last == state:
        return False
    tables, _, problems = _checked(raw_dir, bounds)
    if problems:
        raise ContractError(problems)
    _CHECKED.clear()
    if keep_tables:
        # The same code and bounds as the last pass: only the jobs of changed files (all, if
        # patients.csv changed: every table is checked against it) run again.
        changed = {name for name, p in files.items() if last.get("files", {}).get(str(p)) != state["files"][str(p)]}
        every_job = "patients" in changed or any(last.get(key) != state[key] for key in ("code", "bounds"))
        for name, table in tables.items():
            if every_job or name in changed:
                _CHECKED[name] = (raw_dir.resolve(), bounds, state["files"], table)
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_name(record.name + ".partial")
    partial.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(record)  # whole or not at all: a run killed meanwhile checks again
    return True


# --- command line -------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("raw_dir", type=Path, help="directory with the raw contract files")
    parser.add_argument(
        "--config", type=Path, default=None,
        help="the study's config.yaml, for its plausibility bounds (default: ./config.yaml if there, "
             "else the defaults shipped in config.yaml)",
    )


def bounds_from_config_file(path: Path | None) -> Bounds:
    """The plausibility bounds of a config file (None: ./config.yaml if present, else the defaults)."""
    if path is None:
        if not DEFAULT_CONFIG.is_file():
            return Bounds()
        path = DEFAULT_CONFIG
    try:
        config = yaml.safe_load(codecs.decode(path.read_bytes(), "utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ValueError(f"cannot read {path}: {error}") from None
    section = config.get("plausibility") if isinstance(config, dict) else None
    return plausibility.from_config(section)


def summary(loaded: dict[str, pd.DataFrame]) -> str:
    counts = ", ".join(f"{len(loaded[name])} {name} rows" for name in c.RAW_FILES if name != "patients")
    kind = "synthetic" if loaded["dataset"]["synthetic"] else "real"
    return f"OK: {len(loaded['patients'])} patients, {counts} ({kind} dataset {loaded['dataset']['name']!r})"


def run(args: argparse.Namespace) -> int:
    try:
        bounds = bounds_from_config_file(getattr(args, "config", None))
    except ValueError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    try:
        loaded = load_raw(args.raw_dir, bounds)
    except ContractError as error:
        print(error, file=sys.stderr)
        return 1
    print(summary(loaded))
    return 0
