"""Tests of caseseries.data.privacy through validate.load_raw: direct identifiers are refused, masked.

Every identifier here is fake: "Jane Example", example.org addresses, the UK drama phone
range (+44 20 7946 0xxx), 1970-01-01.
"""

import argparse
from pathlib import Path

import pytest
from test_validate import add_column, build_valid_dataset, problems_of, read_rows, set_cell, write_rows

from caseseries.data import contract as c
from caseseries.data import privacy, validate
from caseseries.data.validate import ContractError, load_raw, load_table

EXAMPLE_DATA = Path(__file__).resolve().parents[1] / "data" / "raw"


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    return build_valid_dataset(tmp_path / "raw")


def problems_in(raw_dir: Path, file: str):
    return [p for p in problems_of(raw_dir) if p.file == file]


def error_text(raw_dir: Path) -> str:
    with pytest.raises(ContractError) as caught:
        load_raw(raw_dir)
    return str(caught.value) + repr(caught.value.problems)


# --- column names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, kind, advice",
    [
        ("first_name", "name", "pseudonymous patient ids only"),
        ("Surname", "name", "pseudonymous patient ids only"),
        ("initials", "name", "pseudonymous patient ids only"),
        ("Date of Birth", "birth date", "age at infusion only"),
        ("dob", "birth date", "age at infusion only"),
        ("visit_date", "calendar date", "days from infusion only"),
        ("AdmissionDate", "calendar date", "days from infusion only"),
        ("telephone", "phone number", "pseudonymous patient ids only"),
        ("E-Mail", "e-mail address", "pseudonymous patient ids only"),
        ("postcode", "address", "pseudonymous patient ids only"),
        ("nhs_number", "record number", "pseudonymous patient ids only"),
        ("MRN", "record number", "pseudonymous patient ids only"),
        ("medical-record-number", "record number", "pseudonymous patient ids only"),
    ],
)
def test_identifier_column_is_refused_with_its_kind(raw_dir, column, kind, advice):
    add_column(raw_dir, "patients.csv", column, "x")  # the value is irrelevant: the name decides
    problems = problems_of(raw_dir)
    # One problem for the column, none per cell, and the privacy reason replaces "unknown column".
    assert len(problems) == 1, problems
    problem = problems[0]
    assert (problem.file, problem.row, problem.column, problem.value) == ("patients.csv", None, column, None)
    assert f"looks like a direct identifier ({kind})" in problem.rule
    assert advice in problem.rule and "unknown column" not in problem.rule


def test_no_contract_column_looks_like_an_identifier():
    every_column = (
        c.PATIENT_COLUMNS
        + c.PATIENT_OPTIONAL_COLUMNS
        + c.ISNCSCI_COLUMNS
        + c.ISNCSCI_OPTIONAL_COLUMNS
        + c.SCIM_COLUMNS
        + c.ADVERSE_EVENT_COLUMNS
        + c.ADVERSE_EVENT_OPTIONAL_COLUMNS
        + c.SAFETY_FINDING_COLUMNS
    )
    assert [col for col in every_column if privacy.column_kind(col) is not None] == []


@pytest.mark.parametrize("column", ["weight_kg", "notes", "validated", "updated_by_site"])
def test_other_unknown_columns_are_only_unknown(column):
    # "validated"/"updated" contain the letters "date" but not the word.
    assert privacy.column_kind(column) is None


# --- values ------------------------------------------------------------------------------------
# (file, line, column, cell, expected masked value, rule fragment). The masks are derived by hand
# from the rule "first character of the match + ***" (e-mail: first letters and the top-level
# domain); the match is the identifier inside the cell, e.g. "+44 ..." inside "call +44 ...".
VALUE_CASES = [
    ("adverse_events.csv", 2, "term", "headache, ask jane@example.org", "j***@e***.org", "e-mail address"),
    ("patients.csv", 3, "site", "call +44 20 7946 0000", "+***", "phone number"),
    ("patients.csv", 2, "cause", "(020) 7946-0000", "(***", "phone number"),
    ("patients.csv", 2, "cause", "fall on 1970-01-01", "1***", "calendar date"),
    ("adverse_events.csv", 3, "outcome", "recovered 05/03/2024", "0***", "calendar date"),
    ("adverse_events.csv", 3, "outcome", "recovered 5.3.2024", "5***", "calendar date"),
    ("adverse_events.csv", 2, "outcome", "recovered on 5 March 2024", "5***", "calendar date"),
    ("adverse_events.csv", 2, "outcome", "recovered by March 5, 2024", "M***", "calendar date"),
    ("adverse_events.csv", 2, "term", "fever, MRN 123456", "M***", "record number"),
    ("patients.csv", 2, "cause", "fall, case file 87654321", "8***", "record number"),
    ("adverse_events.csv", 2, "outcome", "recovered, seen by Dr Example", "D***", "person's name"),
    ("patients.csv", 2, "patient_id", "JohnSmith", "J***", "person's name"),
    ("patients.csv", 2, "patient_id", "smith_j", "s***", "person's name"),
    ("patients.csv", 2, "patient_id", "Jane Example", "J***", "person's name"),
    ("patients.csv", 2, "patient_id", "123456789", "1***", "record number"),
    ("patients.csv", 2, "patient_id", "1970-01-01", "1***", "calendar date"),
    # Coded and numeric columns are checked for e-mail addresses and dates as well: a visit date
    # typed into `day` would otherwise be echoed by "not an integer".
    ("isncsci.csv", 3, "day", "1970-01-01", "1***", "calendar date"),
    ("patients.csv", 3, "sex", "jane@example.org", "j***@e***.org", "e-mail address"),
]


@pytest.mark.parametrize("file, line, column, cell, shown, rule", VALUE_CASES)
def test_identifier_value_is_refused_masked(raw_dir, file, line, column, cell, shown, rule):
    set_cell(raw_dir, file, line, column, cell)
    # Changing a patient id makes other files name an unknown patient; only this file matters.
    problems = problems_in(raw_dir, file)
    assert len(problems) == 1, problems  # the identifier replaces e.g. "not an allowed sex"
    problem = problems[0]
    assert (problem.row, problem.column, problem.value) == (line, column, shown)
    assert rule in problem.rule


def test_masked_value_never_shows_the_identifier(raw_dir):
    # Identifiers in every place a message could echo them: a patient id used in two files with
    # a duplicate key (the duplicate and "not in patients.csv" messages quote ids), a coded
    # column, free text, and an identifier column whose cells are not listed.
    for line in (2, 3):
        set_cell(raw_dir, "scim.csv", line, "patient_id", "Jane Example")
        set_cell(raw_dir, "scim.csv", line, "day", "-7")
    set_cell(raw_dir, "isncsci.csv", 2, "patient_id", "Jane Example")
    set_cell(raw_dir, "patients.csv", 2, "sex", "jane@example.org")
    set_cell(raw_dir, "adverse_events.csv", 3, "term", "rash, call +44 20 7946 0000")
    add_column(raw_dir, "safety_findings.csv", "email", "jane@example.org")
    text = error_text(raw_dir)
    for raw in ("Jane Example", "Example", "jane@example.org", "example.org", "7946 0000", "jane"):
        assert raw not in text
    # Hand count: scim lines 2, 3 + isncsci line 2 (name), patients sex, adverse term, email column.
    assert text.startswith("6 problems")


def test_cli_does_not_print_identifiers(raw_dir, capsys):
    set_cell(raw_dir, "patients.csv", 3, "cause", "fall, reported by jane@example.org on 1970-01-01")
    assert validate.run(argparse.Namespace(raw_dir=raw_dir)) == 1
    err = capsys.readouterr().err
    assert "patients.csv line 3, column cause, value 'j***@e***.org'" in err
    assert "jane@" not in err and "1970" not in err


def test_identifier_like_values_in_an_unknown_column_are_listed(raw_dir):
    add_column(raw_dir, "patients.csv", "notes", "call +44 20 7946 0000")
    problems = problems_of(raw_dir)
    # "notes" is no identifier name: it stays an unknown column, and both data rows hold a phone.
    assert [(p.row, p.column, p.value) for p in problems] == [
        (None, "notes", None),
        (2, "notes", "+***"),
        (3, "notes", "+***"),
    ]
    assert "unknown column" in problems[0].rule and "phone number" in problems[1].rule


def test_load_table_refuses_identifiers_too(raw_dir):
    set_cell(raw_dir, "scim.csv", 4, "patient_id", "smith_j")
    with pytest.raises(ContractError) as caught:
        load_table(raw_dir, "scim")
    assert "smith" not in str(caught.value)
    assert any(
        p.file == "scim.csv" and p.row == 4 and "person's name" in p.rule for p in caught.value.problems
    )


def test_identifier_problem_comes_with_other_problems(raw_dir):
    set_cell(raw_dir, "patients.csv", 2, "cause", "fall on 1970-01-01")
    set_cell(raw_dir, "scim.csv", 2, "item_01", "7")  # an ordinary problem elsewhere
    problems = problems_of(raw_dir)
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("patients.csv", 2, "cause"),
        ("scim.csv", 2, "item_01"),
    ]


# --- what passes ------------------------------------------------------------------------------


def rename_patient(raw_dir: Path, old: str, new: str) -> None:
    for file in c.RAW_FILES.values():
        header, rows = read_rows(raw_dir / file)
        i = header.index("patient_id")
        write_rows(
            raw_dir / file, header, [r[:i] + [new if r[i] == old else r[i]] + r[i + 1 :] for r in rows]
        )


# P01 and S03-P0042 are in the valid dataset already (test_validate).
@pytest.mark.parametrize("pseudonym", ["P0042", "SITE1-001", "S07-P0001", "Pt7", "P12345", "P000001", "S03-P100000"])
def test_pseudonymous_ids_are_accepted(raw_dir, pseudonym):
    rename_patient(raw_dir, "P01", pseudonym)
    assert set(load_raw(raw_dir)["patients"]["patient_id"]) == {pseudonym, "S03-P0042"}


@pytest.mark.parametrize(
    "column, text",
    [
        ("cause", "fall from 2 m onto 3 steps"),
        ("cause", "traffic accident, C5-C6 fracture"),
        ("term", "grade 2 rash on T10-T12 dermatomes"),
        ("outcome", "recovered after 14 days (dose 1.2)"),
        ("outcome", "may recur"),
        ("term", "MRI: no abnormality"),
    ],
)
def test_ordinary_free_text_is_accepted(raw_dir, column, text):
    file = "patients.csv" if column == "cause" else "adverse_events.csv"
    set_cell(raw_dir, file, 2, column, text)
    assert text in set(load_raw(raw_dir)[file.removesuffix(".csv")][column])


def test_large_numbers_in_numeric_columns_are_not_phone_numbers(raw_dir):
    # Phone and record-number checks apply to text columns only: a day is a number, and a day this
    # large is only implausible (the plausibility bounds), never an identifier.
    set_cell(raw_dir, "scim.csv", 2, "day", "1234567")
    problems = problems_of(raw_dir)
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [("scim.csv", 2, "day", "1234567")]
    assert "plausible range" in problems[0].rule


def test_committed_example_data_passes():
    loaded = load_raw(EXAMPLE_DATA)
    assert len(loaded["patients"]) == 7


def test_identifier_problems_on_a_frame_directly():
    import pandas as pd

    frame = pd.DataFrame({"patient_id": ["P01", "JohnSmith"], "Email": ["a", "b"]}, index=[0, 1])
    lines = pd.Series([2, 3], index=frame.index)
    problems = privacy.identifier_problems("patients.csv", frame, lines)
    assert [(p.row, p.column, p.value) for p in problems] == [
        (None, "Email", None),
        (3, "patient_id", "J***"),
    ]


def test_mask():
    assert privacy.mask("e-mail address", "jane@example.org") == "j***@e***.org"
    assert privacy.mask("phone number", "+44 20 7946 0000") == "+***"
