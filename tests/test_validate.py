"""Tests of caseseries.data.validate: a small valid dataset, then one malformed input per check."""

import argparse
import codecs
import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseseries.data import contract as c
from caseseries.data import validate
from caseseries.data.validate import ContractError, Problem, load_raw

# --- a small valid dataset, written with the csv module (independent of the code under test) ---

PATIENTS = [
    {
        "patient_id": "P01",
        "site": "A",
        "sex": "F",
        "age": "34",
        "years_since_injury": "2.5",
        "cause": "fall",
        "cell_dose_1e8": "1.2",
    },
    {
        "patient_id": "S03-P0042",
        "site": "B",
        "sex": "M",
        "age": "51.5",
        "years_since_injury": "0",
        "cause": "traffic",
        "cell_dose_1e8": "0.9",
    },
]
DAYS = (-7, 90, 180)


def isncsci_row(patient_id: str, day: int) -> dict:
    row = {"patient_id": patient_id, "day": str(day)}
    row |= {col: "5" for col in c.MOTOR_COLUMNS}
    row |= {col: "2" for col in c.LIGHT_TOUCH_COLUMNS + c.PIN_PRICK_COLUMNS}
    row |= {"right_motor_L2": "0", "left_motor_S1": "3*", "right_lt_S4_5": "NT*", "vac": "Yes", "dap": "NT"}
    row["recorded_ais"] = "D" if day < 0 else ""
    return row


def scim_row(patient_id: str, day: int) -> dict:
    row = {"patient_id": patient_id, "day": str(day)}
    row |= {item: str(values[-1]) for item, (_, values) in c.SCIM_ITEMS.items()}
    row["item_08"] = "11"  # bladder
    return row


ADVERSE_EVENTS = [
    {
        "patient_id": "P01",
        "onset_day": "3",
        "term": "headache",
        "grade": "1",
        "serious": "no",
        "relatedness": "possible",
        "outcome": "recovered",
    },
    {
        "patient_id": "S03-P0042",
        "onset_day": "40",
        "term": "urinary tract infection",
        "grade": "2",
        "serious": "Yes",
        "relatedness": "Unrelated",
        "outcome": "recovered",
    },
]
DATASET_YAML = "name: test-series\nversion: 1\nsynthetic: true\nsource: tests\nlicence: CC0-1.0\n"


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def build_valid_dataset(raw_dir: Path) -> Path:
    raw_dir.mkdir(exist_ok=True)
    ids = [p["patient_id"] for p in PATIENTS]
    write_csv(raw_dir / "patients.csv", PATIENTS)
    write_csv(raw_dir / "isncsci.csv", [isncsci_row(pid, day) for pid in ids for day in DAYS])
    write_csv(raw_dir / "scim.csv", [scim_row(pid, day) for pid in ids for day in DAYS])
    write_csv(raw_dir / "adverse_events.csv", ADVERSE_EVENTS)
    safety = [
        {"patient_id": pid, "day": str(day), "check": check, "result": "no"}
        for pid in ids
        for day in DAYS[1:]
        for check in c.SAFETY_CHECKS
    ]
    write_csv(raw_dir / "safety_findings.csv", safety)
    (raw_dir / "dataset.yaml").write_text(DATASET_YAML, encoding="utf-8")
    return raw_dir


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    return build_valid_dataset(tmp_path / "raw")


# --- helpers to break the dataset in one place ---


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def set_cell(raw_dir: Path, file: str, line: int, column: str, value: str) -> None:
    """Set one cell, addressed as an editor shows it (header = line 1)."""
    header, rows = read_rows(raw_dir / file)
    rows[line - 2][header.index(column)] = value
    write_rows(raw_dir / file, header, rows)


def drop_column(raw_dir: Path, file: str, column: str) -> None:
    header, rows = read_rows(raw_dir / file)
    i = header.index(column)
    write_rows(raw_dir / file, header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows])


def add_column(raw_dir: Path, file: str, column: str, value: str) -> None:
    header, rows = read_rows(raw_dir / file)
    write_rows(raw_dir / file, header + [column], [r + [value] for r in rows])


def problems_of(raw_dir: Path) -> list[Problem]:
    with pytest.raises(ContractError) as caught:
        load_raw(raw_dir)
    return caught.value.problems


def only_problem(raw_dir: Path) -> Problem:
    problems = problems_of(raw_dir)
    assert len(problems) == 1, problems
    return problems[0]


def assert_problem(problem: Problem, file, row, column, value, rule_fragment) -> None:
    assert (problem.file, problem.row, problem.column, problem.value) == (file, row, column, value)
    assert rule_fragment in problem.rule


# --- the valid dataset ---


def test_valid_dataset_loads_as_typed_tables(raw_dir):
    loaded = load_raw(raw_dir)
    assert set(loaded) == set(c.RAW_FILES) | {"dataset"}
    patients = loaded["patients"]
    assert list(patients["patient_id"]) == ["P01", "S03-P0042"]
    assert patients["age"].tolist() == [34.0, 51.5]
    assert patients["years_since_injury"].dtype == float and patients["cell_dose_1e8"].dtype == float
    assert patients["cell_dose_per_kg_1e6"].isna().all()  # optional column absent -> added, missing
    isncsci = loaded["isncsci"]
    assert len(isncsci) == 6 and isncsci["day"].tolist() == [-7, 90, 180] * 2
    assert pd.api.types.is_integer_dtype(isncsci["day"])
    assert isncsci.loc[0, "left_motor_S1"] == "3*" and isncsci.loc[0, "right_lt_S4_5"] == "NT*"
    assert isncsci.loc[0, "recorded_ais"] == "D" and pd.isna(isncsci.loc[1, "recorded_ais"])
    scim = loaded["scim"]
    assert pd.api.types.is_integer_dtype(scim["item_08"]) and scim.loc[0, "item_08"] == 11
    events = loaded["adverse_events"]
    assert events["serious"].tolist() == ["no", "yes"]
    assert events["relatedness"].tolist() == ["possible", "unrelated"]
    assert events["grade"].tolist() == [1, 2] and pd.api.types.is_integer_dtype(events["onset_day"])
    assert len(loaded["safety_findings"]) == 12
    assert loaded["dataset"] == {
        "name": "test-series",
        "version": 1,
        "synthetic": True,
        "source": "tests",
        "licence": "CC0-1.0",
    }


def test_surrounding_whitespace_is_stripped(raw_dir):
    set_cell(raw_dir, "isncsci.csv", 2, "right_motor_C5", " 4 ")
    set_cell(raw_dir, "patients.csv", 2, "sex", "F ")
    loaded = load_raw(raw_dir)
    assert loaded["isncsci"].loc[0, "right_motor_C5"] == "4"
    assert loaded["patients"].loc[0, "sex"] == "F"


def test_trailing_blank_lines_are_tolerated(raw_dir):
    with (raw_dir / "scim.csv").open("a") as handle:
        handle.write("\n\n")
    assert len(load_raw(raw_dir)["scim"]) == 6


def test_windows_line_endings_are_accepted(raw_dir):
    path = raw_dir / "patients.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert len(load_raw(raw_dir)["patients"]) == 2


def test_data_files_are_not_modified(raw_dir):
    def digests():
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(raw_dir.iterdir())}

    before = digests()
    load_raw(raw_dir)
    set_cell(raw_dir, "scim.csv", 3, "item_01", "9")
    broken = digests()
    problems_of(raw_dir)
    assert digests() == broken and set(broken) == set(before)
    assert sorted(p.name for p in raw_dir.iterdir()) == sorted(before)


# --- file-level problems ---


def test_missing_file(raw_dir):
    (raw_dir / "scim.csv").unlink()
    assert_problem(only_problem(raw_dir), "scim.csv", None, None, None, "missing file")


def test_empty_file(raw_dir):
    (raw_dir / "adverse_events.csv").write_bytes(b"")
    assert_problem(only_problem(raw_dir), "adverse_events.csv", None, None, None, "empty file")


def test_not_utf8_names_the_line(raw_dir):
    path = raw_dir / "adverse_events.csv"
    text = path.read_text(encoding="utf-8").replace("headache", "c\u00e9phal\u00e9e")
    path.write_bytes(text.encode("latin-1"))
    problem = only_problem(raw_dir)
    assert_problem(problem, "adverse_events.csv", 2, None, None, "not valid UTF-8")
    assert "0xe9" in problem.rule


def test_utf8_bom_is_accepted(raw_dir):
    # Excel's "CSV UTF-8" starts the file with a byte-order mark; the text is UTF-8 all the same.
    path = raw_dir / "patients.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert list(load_raw(raw_dir)["patients"]["patient_id"]) == ["P01", "S03-P0042"]


def test_semicolon_separated_file(raw_dir):
    path = raw_dir / "safety_findings.csv"
    path.write_text(path.read_text().replace(",", ";"))
    assert_problem(
        only_problem(raw_dir),
        "safety_findings.csv",
        1,
        None,
        None,
        "semicolon-separated? the contract is comma-separated",
    )


def test_tab_separated_file(raw_dir):
    path = raw_dir / "safety_findings.csv"
    path.write_text(path.read_text().replace(",", "\t"))
    assert_problem(only_problem(raw_dir), "safety_findings.csv", 1, None, None, "tab-separated?")


def test_missing_required_column(raw_dir):
    drop_column(raw_dir, "isncsci.csv", "vac")
    assert_problem(only_problem(raw_dir), "isncsci.csv", None, "vac", None, "missing required column")


def test_unknown_column(raw_dir):
    # A column that is no identifier (identifier columns: tests/test_privacy.py).
    add_column(raw_dir, "patients.csv", "weight_kg", "72")
    assert_problem(only_problem(raw_dir), "patients.csv", None, "weight_kg", None, "unknown column")


def test_duplicate_column_in_header(raw_dir):
    add_column(raw_dir, "scim.csv", "item_03", "1")
    assert_problem(only_problem(raw_dir), "scim.csv", 1, "item_03", None, "duplicate column")


def test_row_with_too_many_fields(raw_dir):
    path = raw_dir / "adverse_events.csv"
    lines = path.read_text().splitlines()
    lines[2] += ",extra"
    path.write_text("\n".join(lines) + "\n")
    assert_problem(
        only_problem(raw_dir), "adverse_events.csv", 3, None, None, "8 fields but the header has 7"
    )


def test_patients_file_with_header_only(raw_dir):
    path = raw_dir / "patients.csv"
    path.write_text(path.read_text().splitlines()[0] + "\n")
    # reported once: the other files' ids are not each flagged as unknown on top of it
    assert_problem(only_problem(raw_dir), "patients.csv", None, None, None, "no patients")


def test_unclosed_quote(raw_dir):
    path = raw_dir / "patients.csv"
    path.write_text(path.read_text() + '"P03,A,F,40,1,fall,1\n')  # header + 2 rows: line 4
    assert_problem(only_problem(raw_dir), "patients.csv", 4, None, None, "double quote opened on this line is never closed")


# --- blank lines ---


def test_blank_line_between_rows_is_reported_with_its_line(raw_dir):
    path = raw_dir / "scim.csv"
    lines = path.read_text().splitlines()
    lines.insert(3, "")  # becomes line 4
    path.write_text("\n".join(lines) + "\n\n")
    assert_problem(only_problem(raw_dir), "scim.csv", 4, None, None, "blank line")


def test_lines_after_a_blank_line_keep_their_editor_numbers(raw_dir):
    path = raw_dir / "scim.csv"
    lines = path.read_text().splitlines()
    lines.insert(2, "")  # line 3 is blank, the old line 3 moves to line 4
    path.write_text("\n".join(lines) + "\n")
    set_cell(raw_dir, "scim.csv", 5, "item_09", "7")
    problems = problems_of(raw_dir)
    assert [(p.row, p.column) for p in problems] == [(3, None), (5, "item_09")]


def test_line_numbers_count_line_breaks_inside_quoted_fields(raw_dir):
    set_cell(raw_dir, "adverse_events.csv", 2, "term", "headache\nand nausea")  # row 2 spans two lines
    set_cell(raw_dir, "adverse_events.csv", 3, "grade", "6")  # second record now starts on line 4
    assert_problem(only_problem(raw_dir), "adverse_events.csv", 4, "grade", "6", "CTCAE grade")


# --- types, allowed values and ranges ---


def test_day_not_an_integer(raw_dir):
    set_cell(raw_dir, "isncsci.csv", 3, "day", "90.5")
    assert_problem(only_problem(raw_dir), "isncsci.csv", 3, "day", "90.5", "not an integer")


def test_age_not_a_number(raw_dir):
    set_cell(raw_dir, "patients.csv", 3, "age", "fifty")
    assert_problem(only_problem(raw_dir), "patients.csv", 3, "age", "fifty", "not a number")


def test_age_out_of_range(raw_dir):
    set_cell(raw_dir, "patients.csv", 2, "age", "130")
    assert_problem(only_problem(raw_dir), "patients.csv", 2, "age", "130", "outside the plausible range 0 to 120 years")


def test_negative_years_since_injury(raw_dir):
    set_cell(raw_dir, "patients.csv", 2, "years_since_injury", "-1")
    assert_problem(only_problem(raw_dir), "patients.csv", 2, "years_since_injury", "-1", "0 or more")


@pytest.mark.parametrize("column", ["cell_dose_1e8", "cell_dose_per_kg_1e6"])
def test_cell_dose_must_be_positive(raw_dir, column):
    if column not in read_rows(raw_dir / "patients.csv")[0]:
        add_column(raw_dir, "patients.csv", column, "1.5")
    set_cell(raw_dir, "patients.csv", 3, column, "0")
    assert_problem(only_problem(raw_dir), "patients.csv", 3, column, "0", "greater than 0")


def test_sex_not_allowed(raw_dir):
    set_cell(raw_dir, "patients.csv", 2, "sex", "female")
    assert_problem(only_problem(raw_dir), "patients.csv", 2, "sex", "female", "allowed: F, M")


def test_motor_grade_not_allowed(raw_dir):
    set_cell(raw_dir, "isncsci.csv", 4, "left_motor_T1", "6")
    assert_problem(
        only_problem(raw_dir), "isncsci.csv", 4, "left_motor_T1", "6", "not an allowed motor grade"
    )


def test_sensory_grade_not_allowed(raw_dir):
    set_cell(raw_dir, "isncsci.csv", 5, "right_pp_T7", "3")
    assert_problem(
        only_problem(raw_dir), "isncsci.csv", 5, "right_pp_T7", "3", "not an allowed sensory grade"
    )


def test_starred_grade_not_in_the_2019_marks(raw_dir):
    set_cell(raw_dir, "isncsci.csv", 2, "left_lt_C4", "2*")
    assert_problem(only_problem(raw_dir), "isncsci.csv", 2, "left_lt_C4", "2*", "sensory grade")


def test_anal_value_is_case_sensitive(raw_dir):
    set_cell(raw_dir, "isncsci.csv", 2, "dap", "yes")
    assert_problem(only_problem(raw_dir), "isncsci.csv", 2, "dap", "yes", "allowed: Yes, No, NT")


def test_missing_exam_cell(raw_dir):
    set_cell(raw_dir, "isncsci.csv", 6, "left_lt_S4_5", "")
    assert_problem(only_problem(raw_dir), "isncsci.csv", 6, "left_lt_S4_5", None, "missing value")


def test_recorded_ais_not_a_grade(raw_dir):
    set_cell(raw_dir, "isncsci.csv", 3, "recorded_ais", "F")
    assert_problem(only_problem(raw_dir), "isncsci.csv", 3, "recorded_ais", "F", "AIS grade")


def test_standard_must_be_a_known_revision(raw_dir):
    # A fixed list (contract.STANDARDS): the manuscript prints it next to each recorded grade.
    add_column(raw_dir, "isncsci.csv", "standard", "ISNCSCI-2019")
    set_cell(raw_dir, "isncsci.csv", 3, "standard", "ISNCSCI 2019")
    assert_problem(only_problem(raw_dir), "isncsci.csv", 3, "standard", "ISNCSCI 2019", "ISCSCI-92")


def test_scim_bladder_value_not_allowed(raw_dir):
    set_cell(raw_dir, "scim.csv", 5, "item_08", "7")  # SCIM-III form: item 8 is bladder
    problem = only_problem(raw_dir)
    assert_problem(problem, "scim.csv", 5, "item_08", "7", "bladder value (allowed: 0, 3, 6, 9, 11, 13, 15)")


def test_scim_item_over_its_maximum(raw_dir):
    set_cell(raw_dir, "scim.csv", 2, "item_19", "2")
    assert_problem(only_problem(raw_dir), "scim.csv", 2, "item_19", "2", "allowed: 0, 1)")


def test_ctcae_grade_out_of_range(raw_dir):
    set_cell(raw_dir, "adverse_events.csv", 2, "grade", "0")
    assert_problem(only_problem(raw_dir), "adverse_events.csv", 2, "grade", "0", "CTCAE grade")


def test_serious_not_yes_or_no(raw_dir):
    set_cell(raw_dir, "adverse_events.csv", 3, "serious", "maybe")
    assert_problem(only_problem(raw_dir), "adverse_events.csv", 3, "serious", "maybe", "allowed: yes, no")


def test_relatedness_not_allowed(raw_dir):
    set_cell(raw_dir, "adverse_events.csv", 2, "relatedness", "likely")
    assert_problem(only_problem(raw_dir), "adverse_events.csv", 2, "relatedness", "likely", "relatedness")


def test_missing_adverse_event_term(raw_dir):
    set_cell(raw_dir, "adverse_events.csv", 2, "term", "  ")
    assert_problem(only_problem(raw_dir), "adverse_events.csv", 2, "term", None, "missing value")


def test_safety_check_name_not_allowed(raw_dir):
    set_cell(raw_dir, "safety_findings.csv", 4, "check", "tumour")
    assert_problem(only_problem(raw_dir), "safety_findings.csv", 4, "check", "tumour", "safety check")


def test_safety_result_not_yes_or_no(raw_dir):
    set_cell(raw_dir, "safety_findings.csv", 7, "result", "NA")
    assert_problem(only_problem(raw_dir), "safety_findings.csv", 7, "result", "NA", "allowed: yes, no")


# --- keys and patient ids ---


def test_duplicate_patient(raw_dir):
    set_cell(raw_dir, "patients.csv", 3, "patient_id", "P01")
    problems = problems_of(raw_dir)
    in_patients = [p for p in problems if p.file == "patients.csv"]
    assert len(in_patients) == 1
    assert_problem(in_patients[0], "patients.csv", 3, "patient_id", "P01", "duplicate patient_id")
    # S03-P0042 is now unknown in every other file; nothing else is reported
    others = [p for p in problems if p.file != "patients.csv"]
    assert len(others) == 3 + 3 + 1 + 6
    assert {(p.rule, p.value) for p in others} == {("patient not in patients.csv", "S03-P0042")}


def test_duplicate_exam_day(raw_dir):
    set_cell(raw_dir, "isncsci.csv", 3, "day", "-7")
    assert_problem(
        only_problem(raw_dir), "isncsci.csv", 3, "patient_id+day", "P01, -7", "duplicate patient_id+day"
    )


def test_duplicate_scim_day(raw_dir):
    set_cell(raw_dir, "scim.csv", 7, "day", "90")
    assert_problem(only_problem(raw_dir), "scim.csv", 7, "patient_id+day", "S03-P0042, 90", "duplicate")


def test_duplicate_safety_check(raw_dir):
    set_cell(raw_dir, "safety_findings.csv", 3, "check", c.SAFETY_CHECKS[0])
    assert_problem(
        only_problem(raw_dir),
        "safety_findings.csv",
        3,
        "patient_id+day+check",
        "P01, 90, cns_tumour_mri",
        "duplicate patient_id+day+check",
    )


def test_patient_not_in_patients_file(raw_dir):
    set_cell(raw_dir, "scim.csv", 4, "patient_id", "P99")
    assert_problem(only_problem(raw_dir), "scim.csv", 4, "patient_id", "P99", "not in patients.csv")


# Ids that look like names are refused by the privacy check, masked (tests/test_privacy.py).
@pytest.mark.parametrize("bad_id", ["P01.2", "P01/2", "X" * 21, "-P01"])
def test_patient_id_format(raw_dir, bad_id):
    set_cell(raw_dir, "patients.csv", 2, "patient_id", bad_id)
    problems = [p for p in problems_of(raw_dir) if p.file == "patients.csv"]
    assert len(problems) == 1
    assert_problem(problems[0], "patients.csv", 2, "patient_id", bad_id, "pseudonymous patient id")


# --- dataset.yaml ---


def test_dataset_description_missing(raw_dir):
    (raw_dir / "dataset.yaml").unlink()
    assert_problem(only_problem(raw_dir), "dataset.yaml", None, None, None, "missing file")


def test_dataset_description_missing_key(raw_dir):
    (raw_dir / "dataset.yaml").write_text(DATASET_YAML.replace("licence: CC0-1.0\n", ""))
    assert_problem(only_problem(raw_dir), "dataset.yaml", None, "licence", None, "missing required key")


def test_dataset_synthetic_must_be_boolean(raw_dir):
    (raw_dir / "dataset.yaml").write_text(DATASET_YAML.replace("synthetic: true", "synthetic: maybe"))
    assert_problem(only_problem(raw_dir), "dataset.yaml", None, "synthetic", "maybe", "true or false")


def test_dataset_description_not_yaml(raw_dir):
    (raw_dir / "dataset.yaml").write_text("name: x\nversion: [1\n")
    problem = only_problem(raw_dir)
    assert (problem.file, problem.column) == ("dataset.yaml", None)
    assert "not valid YAML" in problem.rule and problem.row is not None


# --- reporting everything at once ---


def test_problems_in_several_files_are_reported_together_and_sorted(raw_dir):
    set_cell(raw_dir, "scim.csv", 5, "item_08", "7")
    set_cell(raw_dir, "scim.csv", 3, "day", "x")
    set_cell(raw_dir, "patients.csv", 2, "age", "-3")
    drop_column(raw_dir, "isncsci.csv", "dap")
    (raw_dir / "safety_findings.csv").unlink()
    (raw_dir / "dataset.yaml").write_text(DATASET_YAML.replace("source: tests\n", ""))
    with pytest.raises(ContractError) as caught:
        load_raw(raw_dir)
    where = [(p.file, p.row, p.column) for p in caught.value.problems]
    assert where == [
        ("dataset.yaml", None, "source"),
        ("isncsci.csv", None, "dap"),
        ("patients.csv", 2, "age"),
        ("safety_findings.csv", None, None),
        ("scim.csv", 3, "day"),
        ("scim.csv", 5, "item_08"),
    ]
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("6 problems")
    assert lines[-1].strip() == (
        "scim.csv line 5, column item_08, value '7': not an allowed SCIM-III "
        "sphincter management, bladder value (allowed: 0, 3, 6, 9, 11, 13, 15)"
    )


def test_listing_is_capped_but_problems_are_all_kept(raw_dir):
    header, rows = read_rows(raw_dir / "isncsci.csv")
    for row in rows:
        for i, name in enumerate(header):
            if name in c.ISNCSCI_EXAM_COLUMNS:
                row[i] = "9"
    write_rows(raw_dir / "isncsci.csv", header, rows)
    problems = problems_of(raw_dir)
    assert len(problems) == 6 * len(c.ISNCSCI_EXAM_COLUMNS) > validate.LISTING_LIMIT
    with pytest.raises(ContractError) as caught:
        load_raw(raw_dir)
    assert (
        str(caught.value).splitlines()[-1].strip() == f"... and {len(problems) - validate.LISTING_LIMIT} more"
    )


# --- command line ---


def run_cli(raw_dir: Path) -> int:
    parser = argparse.ArgumentParser()
    validate.add_arguments(parser)
    return validate.run(parser.parse_args([str(raw_dir)]))


def test_cli_ok(raw_dir, capsys):
    assert run_cli(raw_dir) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "OK: 2 patients, 6 isncsci rows, 6 scim rows, 2 adverse_events rows, 12 safety_findings"
    )


def test_cli_reports_problems_on_stderr_and_fails(raw_dir, capsys):
    set_cell(raw_dir, "patients.csv", 3, "sex", "X")
    assert run_cli(raw_dir) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "patients.csv line 3, column sex, value 'X': not an allowed sex" in captured.err


def test_module_docstring_gives_the_help_line():
    assert validate.__doc__.strip().splitlines()[0].startswith("Check the raw data")


def test_python_dash_m_entry_point(raw_dir):
    pytest.importorskip("caseseries.data.simulate")  # __main__ imports every command's module
    pytest.importorskip("caseseries.instruments.isncsci_cli")
    set_cell(raw_dir, "scim.csv", 2, "item_01", "5")
    result = subprocess.run(
        [sys.executable, "-m", "caseseries", "validate", str(raw_dir)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "scim.csv line 2, column item_01, value '5'" in result.stderr


# --- property: a motor cell is accepted exactly when it is a contract value (after stripping) ---

MOTOR_CELL = st.one_of(st.sampled_from(c.MOTOR_VALUES), st.text(alphabet="0123456789*NTnt .-", max_size=4))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=MOTOR_CELL)
def test_motor_cell_accepted_iff_allowed(raw_dir, value):
    set_cell(raw_dir, "isncsci.csv", 2, "right_motor_C6", value)
    if value.strip() in c.MOTOR_VALUES:
        assert load_raw(raw_dir)["isncsci"].loc[0, "right_motor_C6"] == value.strip()
    else:
        expected = None if value.strip() == "" else value.strip()
        assert_problem(only_problem(raw_dir), "isncsci.csv", 2, "right_motor_C6", expected, "")


def test_zero_cells_are_accepted_in_a_comparator_arm(tmp_path):
    # A two-arm trial from the generator: the comparator arm gets 0 cells, and an `arm` column.
    from caseseries.data.simulate import simulate_dataset, write_dataset

    tables = simulate_dataset(20, n_sites=2, seed=5, arms=("msc", "placebo"))
    write_dataset(tables, tmp_path, {"name": "t", "version": "1", "synthetic": True, "source": "test",
                                     "licence": "CC0-1.0"})
    patients = load_raw(tmp_path)["patients"]
    assert set(patients["arm"]) == {"msc", "placebo"}
    assert (patients.loc[patients["arm"] == "placebo", "cell_dose_1e8"] == 0).all()


# --- messy exports (issue 10): each case says what a program or a person did, and the exact
# problems expected, each with file, line, column, value and a fragment of the rule. Lines are
# counted by hand from the valid dataset above: patients.csv has P01 on line 2 and S03-P0042 on
# line 3; isncsci.csv and scim.csv have P01 on lines 2-4 (days -7, 90, 180) and S03-P0042 on
# lines 5-7; adverse_events.csv has lines 2-3; safety_findings.csv lines 2-13.


def rewrite(raw_dir: Path, file: str, edit) -> None:
    """Replace a file's bytes by edit(bytes)."""
    path = raw_dir / file
    path.write_bytes(edit(path.read_bytes()))


def reencode(encoding: str, mark: bytes = b""):
    return lambda data: mark + data.decode("utf-8").encode(encoding)


def with_line_endings(*endings: bytes):
    """Join the lines with the given endings in turn (b"\\r": a lone CR, as old Mac Excel writes)."""

    def edit(data: bytes) -> bytes:
        lines = data.split(b"\n")[:-1]
        return b"".join(line + endings[i % len(endings)] for i, line in enumerate(lines))

    return edit


def insert_line(number: int, text: bytes):
    """Make `text` line `number` of the file (the lines after it move down)."""

    def edit(data: bytes) -> bytes:
        lines = data.split(b"\n")
        return b"\n".join(lines[: number - 1] + [text] + lines[number - 1 :])

    return edit


def then(*edits):
    def edit(data: bytes) -> bytes:
        for one in edits:
            data = one(data)
        return data

    return edit


def cell(file: str, line: int, column: str, value: str):
    return lambda raw_dir: set_cell(raw_dir, file, line, column, value)


def bytes_of(file: str, edit):
    return lambda raw_dir: rewrite(raw_dir, file, edit)


def steps(*changes):
    def change(raw_dir):
        for one in changes:
            one(raw_dir)

    return change


PATIENTS_HEADER = b"patient_id,site,sex,age,years_since_injury,cause,cell_dose_1e8"
WHOLE_FILE = None  # a problem about the whole file: no line

MESSY_EXPORTS = {
    # --- encodings: named from the byte-order mark or the NUL bytes; others at the first bad byte
    "UTF-16 LE with BOM (Excel 'Unicode text')": (
        bytes_of("patients.csv", reencode("utf-16-le", codecs.BOM_UTF16_LE)),
        [("patients.csv", WHOLE_FILE, None, None, "UTF-16 (little-endian) text (byte-order mark)")]),
    "UTF-16 BE with BOM": (
        bytes_of("scim.csv", reencode("utf-16-be", codecs.BOM_UTF16_BE)),
        [("scim.csv", WHOLE_FILE, None, None, "UTF-16 (big-endian) text (byte-order mark)")]),
    "UTF-32 LE with BOM": (
        bytes_of("adverse_events.csv", reencode("utf-32-le", codecs.BOM_UTF32_LE)),
        [("adverse_events.csv", WHOLE_FILE, None, None, "UTF-32 (little-endian) text (byte-order mark)")]),
    "UTF-32 BE with BOM": (
        bytes_of("adverse_events.csv", reencode("utf-32-be", codecs.BOM_UTF32_BE)),
        [("adverse_events.csv", WHOLE_FILE, None, None, "UTF-32 (big-endian) text (byte-order mark)")]),
    "UTF-16 LE without BOM": (
        bytes_of("isncsci.csv", reencode("utf-16-le")),
        [("isncsci.csv", WHOLE_FILE, None, None, "looks like UTF-16 (little-endian) text without a byte-order mark")]),
    "UTF-16 BE without BOM": (
        bytes_of("safety_findings.csv", reencode("utf-16-be")),
        [("safety_findings.csv", WHOLE_FILE, None, None, "looks like UTF-16 (big-endian)")]),
    "UTF-32 LE without BOM": (
        bytes_of("patients.csv", reencode("utf-32-le")),
        [("patients.csv", WHOLE_FILE, None, None, "looks like UTF-32 (little-endian)")]),
    "Windows-1252 curly quotes on line 3": (
        steps(cell("adverse_events.csv", 3, "term", "\u201cinfection\u201d"), bytes_of("adverse_events.csv", reencode("cp1252"))),
        [("adverse_events.csv", 3, None, None, "not valid UTF-8 (byte 0x93")]),
    "Latin-1 in a file with lone CR line endings, line 3": (
        steps(cell("patients.csv", 3, "cause", "chute (\u00e9tage)"),
              bytes_of("patients.csv", then(reencode("latin-1"), with_line_endings(b"\r")))),
        [("patients.csv", 3, None, None, "not valid UTF-8 (byte 0xe9")]),
    "an Excel workbook saved as .csv": (
        bytes_of("patients.csv", lambda data: b"PK\x03\x04\x14\x00\x06\x00" + bytes(64)),
        [("patients.csv", WHOLE_FILE, None, None, "the file is a zip archive (an Excel .xlsx or OpenDocument workbook?), not CSV text")]),
    "an old Excel .xls workbook": (
        bytes_of("scim.csv", lambda data: bytes.fromhex("d0cf11e0a1b11ae1") + bytes(64)),
        [("scim.csv", WHOLE_FILE, None, None, "the file is an old Excel .xls workbook")]),
    "a file of blank lines and spaces": (
        bytes_of("scim.csv", lambda data: b"\n  \r\n\t\n"),
        [("scim.csv", WHOLE_FILE, None, None, "empty file")]),
    "a blank first line above the header": (
        bytes_of("scim.csv", lambda data: b"\n" + data),
        [("scim.csv", 1, None, None, "the first line is blank")]),
    "Excel's sep= line": (
        bytes_of("safety_findings.csv", lambda data: b"sep=,\r\n" + data),
        [("safety_findings.csv", 1, None, None, "Excel's separator hint, not the header")]),
    "pipe-separated": (
        bytes_of("safety_findings.csv", lambda data: data.replace(b",", b"|")),
        [("safety_findings.csv", 1, None, None, "pipe-separated? the contract is comma-separated")]),
    # --- line endings: LF, CRLF and a lone CR each end a line, in any mix
    "lone CR line endings (old Mac Excel), bad sex on line 3": (
        steps(cell("patients.csv", 3, "sex", "X"), bytes_of("patients.csv", with_line_endings(b"\r"))),
        [("patients.csv", 3, "sex", "X", "not an allowed sex (allowed: F, M)")]),
    "mixed CRLF, LF and CR, bad day on line 5": (
        steps(cell("isncsci.csv", 5, "day", "x"), bytes_of("isncsci.csv", with_line_endings(b"\r\n", b"\n", b"\r"))),
        [("isncsci.csv", 5, "day", "x", "not an integer")]),
    "CRLF file with a blank line 4": (
        bytes_of("scim.csv", then(insert_line(4, b""), with_line_endings(b"\r\n"))),
        [("scim.csv", 4, None, None, "blank line between data rows")]),
    "CR file with a blank line 3": (
        bytes_of("scim.csv", then(insert_line(3, b""), with_line_endings(b"\r"))),
        [("scim.csv", 3, None, None, "blank line between data rows")]),
    "quoted CRLF inside a term: the next record starts on line 4": (
        steps(cell("adverse_events.csv", 2, "term", "headache\r\nand nausea"), cell("adverse_events.csv", 3, "grade", "9")),
        [("adverse_events.csv", 4, "grade", "9", "not an allowed CTCAE grade")]),
    "quoted lone CR inside an outcome, in a CR file": (
        steps(cell("adverse_events.csv", 3, "grade", "0"),  # (the csv module would not quote a lone CR)
              bytes_of("adverse_events.csv", then(lambda data: data.replace(b",recovered\n", b',"recovered\rlater"\n', 1),
                                                  with_line_endings(b"\r")))),
        [("adverse_events.csv", 4, "grade", "0", "not an allowed CTCAE grade")]),
    # --- the header
    "a trailing delimiter on every line": (
        bytes_of("patients.csv", lambda data: data.replace(b"\n", b",\n")),
        [("patients.csv", 1, None, None, "column 8 has an empty name (a trailing delimiter?)")]),
    "an empty column name in the middle": (
        bytes_of("patients.csv", lambda data: data.replace(b",sex,", b",,", 1)),
        [("patients.csv", WHOLE_FILE, "sex", None, "missing required column"),
         ("patients.csv", 1, None, None, "column 3 has an empty name")]),
    "R's write.csv row names": (
        bytes_of("patients.csv", lambda data: b"\n".join(
            [b'"",' + line if i == 0 else b'"%d",' % i + line for i, line in enumerate(data.split(b"\n")[:-1])]) + b"\n"),
        [("patients.csv", 1, None, None, "R's row names")]),
    "a header of empty names only": (
        bytes_of("safety_findings.csv", lambda data: b",,," + data[data.index(b"\n"):]),
        [("safety_findings.csv", WHOLE_FILE, name, None, "missing required column") for name in ("check", "day", "patient_id", "result")]
        + [("safety_findings.csv", 1, None, None, f"column {i} has an empty name") for i in (1, 2, 3)]
        + [("safety_findings.csv", 1, None, None, "column 4 has an empty name (a trailing delimiter?)")]),
    "a first column without a name that does not number the rows": (
        bytes_of("patients.csv", lambda data: b"\n".join(
            [b"," + line if i == 0 else b"x%d," % i + line for i, line in enumerate(data.split(b"\n")[:-1])]) + b"\n"),
        [("patients.csv", 1, None, None, "column 1 has an empty name")]),
    "a duplicate column once spaces are stripped": (
        lambda raw_dir: add_column(raw_dir, "patients.csv", " sex\u00a0", "F"),
        [("patients.csv", 1, "sex", None, "duplicate column in the header")]),
    "a column name in other letter case": (
        bytes_of("patients.csv", lambda data: data.replace(b"patient_id", b"Patient_ID", 1)),
        [("patients.csv", WHOLE_FILE, "Patient_ID", None, "unknown column (not in the contract); did you mean 'patient_id'?"),
         ("patients.csv", WHOLE_FILE, "patient_id", None, "missing required column")]),
    # --- rows
    "the header again on line 3 (two exports pasted together)": (
        steps(bytes_of("patients.csv", insert_line(3, PATIENTS_HEADER)), cell("patients.csv", 4, "sex", "X")),
        [("patients.csv", 3, None, None, "the header row again (two exports pasted together?)"),
         ("patients.csv", 4, "sex", "X", "not an allowed sex")]),
    "the header again, with spaces around its names": (
        bytes_of("patients.csv", insert_line(3, b" patient_id , site,sex\xc2\xa0,age,years_since_injury,cause,cell_dose_1e8 ")),
        [("patients.csv", 3, None, None, "the header row again")]),
    "the 137-column ISNCSCI header again on line 5, reported once": (
        bytes_of("isncsci.csv", lambda data: insert_line(5, data.split(b"\n")[0])(data)),
        [("isncsci.csv", 5, None, None, "the header row again")]),
    "a line cut short": (
        bytes_of("patients.csv", lambda data: data + b"P03,A,F\n"),
        [("patients.csv", 4, None, None, "3 fields but the header has 7 columns")]),
    "a line of spaces between the rows": (
        bytes_of("patients.csv", insert_line(3, b"   \t")),
        [("patients.csv", 3, None, None, "blank line between data rows")]),
    "a line of empty fields between the rows": (
        bytes_of("patients.csv", insert_line(3, b",,,,,,")),
        [("patients.csv", 3, None, None, "blank line between data rows")]),
    "a double quote never closed on line 2": (
        bytes_of("adverse_events.csv", lambda data: data.replace(b",headache,", b',"headache,', 1)),
        [("adverse_events.csv", 2, None, None, "a double quote opened on this line is never closed")]),
    "a no-break space inside a coded value": (
        cell("isncsci.csv", 2, "right_motor_C7", "N\u00a0T"),
        [("isncsci.csv", 2, "right_motor_C7", "N\u00a0T", "not an allowed motor grade")]),
    # --- integers and numbers: ASCII only, any size reported, never a crash
    "a day beyond int64": (
        cell("isncsci.csv", 3, "day", "99999999999999999999"),
        [("isncsci.csv", 3, "day", "99999999999999999999", "outside the plausible range -365 to 3650 days")]),
    "a day of 5000 digits": (
        cell("scim.csv", 3, "day", "9" * 5000),
        [("scim.csv", 3, "day", "9" * 5000, "outside the plausible range -365 to 3650 days")]),
    "a negative day beyond int64": (
        cell("safety_findings.csv", 2, "day", "-99999999999999999999"),
        [("safety_findings.csv", 2, "day", "-99999999999999999999", "plausibility: follow_up_days")]),
    "a typographic minus sign": (
        cell("isncsci.csv", 2, "day", "\u22127"),
        [("isncsci.csv", 2, "day", "\u22127", "not an integer (a typographic dash or minus sign; type '-')")]),
    "Arabic-Indic digits": (
        cell("scim.csv", 3, "day", "\u0669\u0660"),
        [("scim.csv", 3, "day", "\u0669\u0660", "not an integer (digits other than 0-9")]),
    "full-width digits": (
        cell("scim.csv", 3, "day", "\uff19\uff10"),
        [("scim.csv", 3, "day", "\uff19\uff10", "not an integer (digits other than 0-9")]),
    "a day in exponent notation": (
        cell("isncsci.csv", 3, "day", "9e1"),
        [("isncsci.csv", 3, "day", "9e1", "not an integer")]),
    "day 090 is day 90: a duplicate": (
        cell("scim.csv", 4, "day", "090"),
        [("scim.csv", 4, "patient_id+day", "P01, 090", "duplicate patient_id+day")]),
    "a decimal comma": (
        cell("patients.csv", 2, "age", "34,5"),
        [("patients.csv", 2, "age", "34,5", "not a number (a decimal comma or digit group?")]),
    "digits in groups": (
        cell("patients.csv", 2, "cell_dose_1e8", "1 200"),
        [("patients.csv", 2, "cell_dose_1e8", "1 200", "not a number (digits in groups?")]),
    "an age of 1e400": (
        cell("patients.csv", 3, "age", "1e400"),
        [("patients.csv", 3, "age", "1e400", "outside the plausible range 0 to 120 years")]),
    "an age written nan": (
        cell("patients.csv", 3, "age", "nan"),
        [("patients.csv", 3, "age", "nan", "not a number")]),
    "an age written Infinity": (
        cell("patients.csv", 2, "age", "Infinity"),
        [("patients.csv", 2, "age", "Infinity", "not a number")]),
    "a negative age": (
        cell("patients.csv", 2, "age", "-3"),
        [("patients.csv", 2, "age", "-3", "must be 0 or more")]),
    "years since injury above age": (
        steps(cell("patients.csv", 2, "age", "25"), cell("patients.csv", 2, "years_since_injury", "30")),
        [("patients.csv", 2, "years_since_injury", "30", "years since injury above the age at infusion (25)")]),
    "a raw cell count in the x10^8 column": (
        cell("patients.csv", 2, "cell_dose_1e8", "1.26e8"),
        [("patients.csv", 2, "cell_dose_1e8", "1.26e8", "a raw cell count? 1.26e+08 cells is 1.26 in this column")]),
    "a raw cell count in plain digits": (
        cell("patients.csv", 3, "cell_dose_1e8", "126000000"),
        [("patients.csv", 3, "cell_dose_1e8", "126000000", "1.26e+08 cells is 1.26 in this column (cells x 10^8)")]),
    "a dose in another unit": (
        cell("patients.csv", 3, "cell_dose_1e8", "126"),
        [("patients.csv", 3, "cell_dose_1e8", "126", "another unit? this column is in cells x 10^8: 1.26 means 126,000,000 cells")]),
    "a dose below the plausible range": (
        cell("patients.csv", 3, "cell_dose_1e8", "0.001"),
        [("patients.csv", 3, "cell_dose_1e8", "0.001", "outside the plausible range 0.01 to 100 (config.yaml plausibility: cell_dose_1e8)")]),
    "a raw cell count per kg": (
        steps(lambda raw_dir: add_column(raw_dir, "patients.csv", "cell_dose_per_kg_1e6", "1.3"),
              cell("patients.csv", 2, "cell_dose_per_kg_1e6", "1300000")),
        [("patients.csv", 2, "cell_dose_per_kg_1e6", "1300000", "1.3e+06 cells per kg is 1.3 in this column (cells x 10^6 per kg)")]),
    "an adverse event 14 years after the infusion": (
        cell("adverse_events.csv", 2, "onset_day", "5000"),
        [("adverse_events.csv", 2, "onset_day", "5000", "outside the plausible range -365 to 3650 days (config.yaml plausibility: onset_days)")]),
    "a safety check 400 days before the infusion": (
        cell("safety_findings.csv", 5, "day", "-400"),
        [("safety_findings.csv", 5, "day", "-400", "(config.yaml plausibility: follow_up_days)")]),
    # --- control characters, in any column
    "NUL in a term": (
        cell("adverse_events.csv", 2, "term", "head\x00ache"),
        [("adverse_events.csv", 2, "term", "head\x00ache", "contains NUL (U+0000), invisible in the report")]),
    "BEL in a cause": (
        cell("patients.csv", 3, "cause", "fall\x07"),
        [("patients.csv", 3, "cause", "fall\x07", "contains BEL (U+0007)")]),
    "an ANSI escape in an outcome": (
        cell("adverse_events.csv", 3, "outcome", "\x1b[31mrecovered"),
        [("adverse_events.csv", 3, "outcome", "\x1b[31mrecovered", "contains ESC (U+001B)")]),
    "DEL in a site": (
        cell("patients.csv", 2, "site", "A\x7f"),
        [("patients.csv", 2, "site", "A\x7f", "contains DEL (U+007F)")]),
    "a C1 control (NEL) in a term": (
        cell("adverse_events.csv", 2, "term", "rash\x85spreading"),
        [("adverse_events.csv", 2, "term", "rash\x85spreading", "contains a control character (U+0085)")]),
    "a form feed after a motor grade": (
        cell("isncsci.csv", 4, "left_motor_L3", "5\x0c"),
        [("isncsci.csv", 4, "left_motor_L3", "5\x0c", "contains form feed (U+000C)")]),
    # --- letter case of coded values
    "'yes' for the anal value Yes": (
        cell("isncsci.csv", 3, "vac", "yes"),
        [("isncsci.csv", 3, "vac", "yes", "allowed: Yes, No, NT); did you mean 'Yes'? (case matters)")]),
    "'f' for sex F": (
        cell("patients.csv", 2, "sex", "f"),
        [("patients.csv", 2, "sex", "f", "did you mean 'F'?")]),
    # --- dataset.yaml
    "dataset.yaml in UTF-16": (
        bytes_of("dataset.yaml", reencode("utf-16-le", codecs.BOM_UTF16_LE)),
        [("dataset.yaml", WHOLE_FILE, None, None, "UTF-16 (little-endian) text")]),
    "dataset.yaml with a date that does not exist": (
        bytes_of("dataset.yaml", lambda data: data.replace(b"version: 1", b"version: 2024-02-30")),
        [("dataset.yaml", WHOLE_FILE, None, None, "not valid YAML")]),
}


@pytest.mark.parametrize("change, expected", list(MESSY_EXPORTS.values()), ids=list(MESSY_EXPORTS))
def test_messy_export_gets_a_clear_answer(raw_dir, change, expected):
    change(raw_dir)
    problems = problems_of(raw_dir)
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [e[:4] for e in expected]
    for problem, (*_, fragment) in zip(problems, expected):
        assert fragment in problem.rule, (problem.rule, fragment)


# What is accepted: (change, file stem, line, column, the value the typed table holds).
ACCEPTED_EXPORTS = {
    "UTF-8 with a byte-order mark (Excel 'CSV UTF-8')": (
        bytes_of("scim.csv", lambda data: codecs.BOM_UTF8 + data), "scim", 2, "patient_id", "P01"),
    "CRLF line endings and trailing blank lines with spaces": (
        bytes_of("isncsci.csv", lambda data: with_line_endings(b"\r\n")(data) + b"  \r\n\r\n"), "isncsci", 7, "day", 180),
    "lone CR line endings": (bytes_of("patients.csv", with_line_endings(b"\r")), "patients", 3, "sex", "M"),
    "no line ending after the last row": (bytes_of("patients.csv", lambda data: data.rstrip(b"\n")), "patients", 3, "age", 51.5),
    "a no-break space around a name in the header": (
        bytes_of("patients.csv", lambda data: data.replace(b",sex,", b",\xc2\xa0sex\xc2\xa0,", 1)), "patients", 2, "sex", "F"),
    "no-break spaces around sex": (cell("patients.csv", 2, "sex", "\u00a0F\u00a0"), "patients", 2, "sex", "F"),
    "a thin space before a motor grade": (cell("isncsci.csv", 2, "right_motor_C5", "\u20094"), "isncsci", 2, "right_motor_C5", "4"),
    "ideographic spaces around a SCIM item": (cell("scim.csv", 3, "item_01", "\u30003\u3000"), "scim", 3, "item_01", 3),
    "a tab and a space around 'Yes'": (cell("adverse_events.csv", 2, "serious", "\tYes "), "adverse_events", 2, "serious", "yes"),
    "a zero-width space before a result": (cell("safety_findings.csv", 2, "result", "\u200bno"), "safety_findings", 2, "result", "no"),
    "a narrow no-break space after an age": (cell("patients.csv", 2, "age", "34\u202f"), "patients", 2, "age", 34.0),
    "a no-break space after a patient id in another file": (cell("scim.csv", 2, "patient_id", "P01\u00a0"), "scim", 2, "patient_id", "P01"),
    "a day with a plus sign": (cell("isncsci.csv", 3, "day", "+90"), "isncsci", 3, "day", 90),
    "a quoted value with a comma and quotes": (
        cell("adverse_events.csv", 2, "term", 'rash, "mild"'), "adverse_events", 2, "term", 'rash, "mild"'),
    "dataset.yaml with a byte-order mark": (bytes_of("dataset.yaml", lambda data: codecs.BOM_UTF8 + data), "dataset", None, "name", "test-series"),
}


@pytest.mark.parametrize("change, table, line, column, expected", list(ACCEPTED_EXPORTS.values()), ids=list(ACCEPTED_EXPORTS))
def test_messy_export_that_is_accepted(raw_dir, change, table, line, column, expected):
    change(raw_dir)
    loaded = load_raw(raw_dir)
    value = loaded[table][column] if line is None else loaded[table].loc[line - 2, column]
    assert value == expected and type(value) is type(expected) or value == expected


@pytest.mark.parametrize("dose", ["1e999", "0.001"])
def test_a_dose_no_unit_explains_gets_no_unit_hint(raw_dir, dose):
    set_cell(raw_dir, "patients.csv", 3, "cell_dose_1e8", dose)
    problem = only_problem(raw_dir)
    assert problem.rule == "outside the plausible range 0.01 to 100 (config.yaml plausibility: cell_dose_1e8)"
