"""Tests of caseseries.data.validate: a small valid dataset, then one malformed input per check."""

import argparse
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
