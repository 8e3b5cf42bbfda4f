"""Fuzzing `python -m caseseries validate`: no input may end in a traceback.

Hypothesis feeds the validator raw files made of random bytes, the valid dataset re-encoded
(UTF-8, UTF-8 with BOM, UTF-16 LE/BE with and without BOM, UTF-32, Latin-1), with other line
endings (LF, CRLF, a lone CR, a mix) and with cells replaced by hostile values: numbers far
beyond int64, tiny and huge exponents, digits of other scripts, signs and dashes, Unicode
spaces, quotes, delimiters, line breaks, control characters. Every outcome must be either
acceptance or a clean problem listing (exit 1, every line file/line/column/value/rule), from
the command line and from the workflow's per-table check (load_table) alike, and data/raw must
be left as it was. Runs are derandomized (the same examples every run), so CI cannot flake;
the seed is Hypothesis' derandomized one, printed with any failing example.
"""

import argparse
import codecs
import hashlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_validate import build_valid_dataset

from caseseries.data import contract as c
from caseseries.data import validate
from caseseries.data.validate import ContractError, load_table

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FILES = [*c.RAW_FILES.values(), c.DATASET_DESCRIPTION]
TABLES = {file: name for name, file in c.RAW_FILES.items()}
PROBLEM_LINE = re.compile(r"  \S+\.(csv|yaml)( line \d+)?(, (column|key) .+?)?(, value .+)?: .+")
SUMMARY = re.compile(r"\d+ problems? in the raw data \(see the data contract\):")

ENCODINGS = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8 with BOM": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16-le with BOM": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16-be with BOM": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "utf-16-le": lambda text: text.encode("utf-16-le"),
    "utf-16-be": lambda text: text.encode("utf-16-be"),
    "utf-32": lambda text: text.encode("utf-32"),
    "latin-1": lambda text: text.encode("latin-1", errors="replace"),
}
LINE_ENDINGS = ["\n", "\r\n", "\r", "mixed"]

DIGITS_ELSEWHERE = st.text(st.characters(categories=["Nd"]), min_size=1, max_size=4)
SPACES = st.sampled_from(["", " ", "\t", "\u00a0", "\u2009", "\u202f", "\u3000", "\u200b", "\ufeff", "\u2028"])
HOSTILE_VALUE = st.one_of(
    st.integers(-(10**30), 10**30).map(str),  # far beyond int64
    st.sampled_from(["1e400", "-1e400", "1e-400", "9" * 400, "0x1A", "nan", "-inf", "1_000", "1,5", "1.2.3",
                     "\u22127", "\u20137", "+-3", "--1", "3*", "NT**", "", '"', '""', ",", "\n", "\r", "\r\n",
                     "\x00", "\x1b[0m", "\x7f", "\x85", "patient_id", "=HYPERLINK(\"x\")", "P01", "-7"]),
    DIGITS_ELSEWHERE,
    st.tuples(SPACES, st.sampled_from(["5", "2", "NT", "F", "yes", "90", "P01", "1.2"]), SPACES).map("".join),
    st.text(max_size=12),
)


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def assert_clean_outcome(raw_dir, capsys, file: str) -> None:
    """The command line accepts or lists problems; the workflow's check of the changed file
    (load_table) raises nothing but ContractError."""
    before = digest(raw_dir)
    code = validate.run(argparse.Namespace(raw_dir=raw_dir, config=None))
    out, err = capsys.readouterr()
    if code == 0:
        assert out.startswith("OK: ") and err == ""
    else:
        assert code == 1 and out == ""
        listing = err.rstrip("\n").split("\n")
        assert SUMMARY.fullmatch(listing[0]), listing[0]
        entries = [line for line in listing[1:] if not line.startswith("  ... and ")]
        # a problem's value may hold a line break only escaped (repr): one problem per line
        assert all(PROBLEM_LINE.fullmatch(line) for line in entries), entries
    if file in TABLES:
        try:
            load_table(raw_dir, TABLES[file])
        except ContractError:
            pass
    assert digest(raw_dir) == before, "data/raw was modified"


@pytest.fixture
def raw_dir(tmp_path):
    return build_valid_dataset(tmp_path / "raw")


def mutated_text(text: str, endings: str, cells: list[tuple[int, int, str]], quote_all: bool) -> str:
    lines = text.split("\n")[:-1]
    for line_index, field_index, value in cells:
        row = lines[line_index % len(lines)].split(",")
        row[field_index % len(row)] = value
        lines[line_index % len(lines)] = ",".join(row)
    if quote_all:
        lines = [",".join('"' + field.replace('"', '""') + '"' for field in line.split(",")) for line in lines]
    if endings == "mixed":
        return "".join(line + ("\n", "\r\n", "\r")[i % 3] for i, line in enumerate(lines))
    return endings.join(lines) + endings


@FUZZ
@given(file=st.sampled_from(FILES), data=st.binary(max_size=600))
def test_random_bytes(raw_dir, capsys, file, data):
    build_valid_dataset(raw_dir)  # afresh for every example (the fixture is made once per test)
    (raw_dir / file).write_bytes(data)
    assert_clean_outcome(raw_dir, capsys, file)


@FUZZ
@given(
    file=st.sampled_from(list(c.RAW_FILES.values())),
    encoding=st.sampled_from(list(ENCODINGS)),
    endings=st.sampled_from(LINE_ENDINGS),
    cells=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 200), HOSTILE_VALUE), max_size=3),
    quote_all=st.booleans(),
)
def test_encodings_line_endings_and_hostile_cells(raw_dir, capsys, file, encoding, endings, cells, quote_all):
    build_valid_dataset(raw_dir)
    path = raw_dir / file
    text = mutated_text(path.read_text(encoding="utf-8"), endings, cells, quote_all)
    path.write_bytes(ENCODINGS[encoding](text))
    assert_clean_outcome(raw_dir, capsys, file)


@FUZZ
@given(cells=st.lists(st.tuples(st.integers(1, 2), st.integers(3, 6), HOSTILE_VALUE), min_size=1, max_size=4))
def test_hostile_numbers_in_patients(raw_dir, capsys, cells):
    # age, years since injury, cause and dose of the two patients: the numeric checks and hints
    build_valid_dataset(raw_dir)
    path = raw_dir / "patients.csv"
    path.write_text(mutated_text(path.read_text(encoding="utf-8"), "\n", cells, quote_all=True), encoding="utf-8")
    assert_clean_outcome(raw_dir, capsys, "patients.csv")


HEADER_NAME = st.one_of(st.sampled_from(["", " ", "\u00a0", "patient_id", "day", "site", "sex", "Patient_ID", "item_01",
                                         "recorded_ais", "email", "date_of_birth", '"', "a,b", "\x00"]), HOSTILE_VALUE)


@FUZZ
@given(file=st.sampled_from(list(c.RAW_FILES.values())), names=st.lists(HEADER_NAME, max_size=9),
       keep=st.integers(0, 4), endings=st.sampled_from(LINE_ENDINGS))
def test_hostile_headers(raw_dir, capsys, file, names, keep, endings):
    # A header of empty, repeated, misspelt or identifier-like names, of any length; some columns kept.
    build_valid_dataset(raw_dir)
    path = raw_dir / file
    lines = path.read_text(encoding="utf-8").split("\n")[:-1]
    header = lines[0].split(",")[:keep] + ['"' + name.replace('"', '""') + '"' for name in names]
    path.write_text(mutated_text("\n".join([",".join(header), *lines[1:]]) + "\n", endings, [], False), encoding="utf-8")
    assert_clean_outcome(raw_dir, capsys, file)
