"""Tests of the REDCap importer (caseseries.data.redcap) on the synthetic fixture export.

The expected contract dataset below was worked out by hand from the fixture's records.csv and
its README (ages and years since injury are the README's; the days are counted here, with the
working shown), not copied from the importer's output.
"""

import csv
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from caseseries.data import contract as c
from caseseries.data import redcap
from caseseries.data.importing import ImportFailed
from caseseries.instruments import isncsci

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "data" / "redcap"  # a copy of the project's shared fixtures/redcap
MAP = REPO / "examples" / "redcap" / "map.yaml"

RECORDS, DICTIONARY = "records.csv", "data_dictionary.csv"

# --- the expected contract dataset, by hand ----------------------------------------------------
# patients: README, "What an importer must do", item 3 (completed years; days / 365.25 to one
# decimal); codes from the dictionary: site 1 -> S1, sex 1 F / 2 M, cause 1 traffic accident,
# 2 fall, 3 sports, 5 other; doses as exported.
EXPECTED_PATIENTS = [
    # id, site, sex, age, years, cause, dose, dose/kg        record
    ("P01", "S1", "M", "38", "4.6", "traffic accident", "1.26", "1.62"),  # 101
    ("P02", "S1", "F", "31", "2.3", "fall", "0.95", "1.56"),  # 102
    ("P03", "S1", "M", "26", "1.7", "sports", "1.40", "1.67"),  # 103
    ("P04", "S1", "F", "44", "7.1", "fall", "1.05", "1.59"),  # 104
    ("P05", "S2", "M", "53", "9.3", "traffic accident", "1.10", "1.22"),  # 201
    ("P06", "S2", "M", "35", "3.8", "traffic accident", "1.32", "1.76"),  # 202
    ("P07", "S2", "F", "65", "2.6", "other", "0.88", "1.52"),  # 203
]
# Days from the infusion, by day of the year (2023: Jan 0, Feb 31, Mar 59, Apr 90, May 120,
# Jun 151, Jul 181, Aug 212, Sep 243, Oct 273, Nov 304, Dec 334 days before the month; 2024 is a
# leap year: Mar 60, Apr 91). Exam days:
EXPECTED_EXAM_DAYS = {
    "P01": [-25, 91, 182],  # infusion 02-14 = 45; 01-20 = 20 -> -25; 05-16 = 136 -> 91; 08-15 = 227 -> 182
    "P02": [-8, 93, 182],  # infusion 03-07 = 66; 02-27 = 58 -> -8; 06-08 = 159 -> 93; 09-05 = 248 -> 182
    "P03": [-15, 91, 184],  # infusion 04-18 = 108; 04-03 = 93; 07-18 = 199; 10-19 = 292
    "P04": [-14, 181],  # infusion 05-09 = 129; 04-25 = 115; 11-06 = 310 (no day-90 visit)
    "P05": [-14, 91, 182],  # infusion 06-13 = 164; 05-30 = 150; 09-12 = 255; 12-12 = 346
    "P06": [-15, 91, 181],  # infusion 09-05 = 248; 08-21 = 233; 12-05 = 339; 2024-03-04: 365-248 + 64
    "P07": [-7, 91, 181],  # infusion 10-17 = 290; 10-10 = 283; 2024-01-16: 365-290 + 16; 04-15: 75 + 106
}
# SCIM-III days: the exam days, except P02 day 90 (scim 06-09 = 160 -> 94) and P07 baseline
# (scim 10-11 = 284 -> -6).
EXPECTED_SCIM_DAYS = EXPECTED_EXAM_DAYS | {"P02": [-8, 94, 182], "P07": [-6, 91, 181]}
EXPECTED_RECORDED_AIS = "AAA AAA BBB CC DDD BBC DDD".replace(" ", "")
# adverse events in patient, onset order: onset days 101: 02-14 -> 0; 102: 03-08 = 67 -> 1;
# 103: 06-02 = 153 -> 45; 104: 09-06 = 249 -> 120; 201: 06-13, 06-14 -> 0, 1; 202: 10-05 = 278
# -> 30, 2024-02-03: 117 + 34 = 151; 203: 10-18 = 291 -> 1. Codes: serious 1 yes / 0 no;
# related 1 unrelated .. 5 definite; outcome 1 recovered, 2 recovering.
GENERAL = "General disorders and administration site conditions"
EXPECTED_EVENTS = [
    ("P01", "0", "Headache", "1", "no", "possible", "recovered", "Nervous system disorders"),
    ("P02", "1", "Pyrexia", "1", "no", "probable", "recovered", GENERAL),
    ("P03", "45", "Urinary tract infection", "2", "no", "unrelated", "recovered", "Infections and infestations"),
    ("P04", "120", "Decubitus ulcer", "2", "no", "unlikely", "recovering", "Skin and subcutaneous tissue disorders"),
    ("P05", "0", "Chills", "1", "no", "possible", "recovered", GENERAL),
    ("P05", "1", "Fatigue", "1", "no", "possible", "recovered", GENERAL),
    ("P06", "30", "Neuralgia", "2", "no", "unlikely", "recovered", "Nervous system disorders"),
    ("P06", "151", "Urinary tract infection", "3", "yes", "unrelated", "recovered", "Infections and infestations"),
    ("P07", "1", "Fatigue", "1", "no", "possible", "recovered", GENERAL),
]
RECORD_OF = {"P01": "101", "P02": "102", "P03": "103", "P04": "104", "P05": "201", "P06": "202", "P07": "203"}


def read_export(folder: Path = FIXTURE) -> tuple[list[str], list[dict]]:
    with open(folder / RECORDS, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_export(folder: Path, header: list[str], rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / RECORDS, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    (folder / DICTIONARY).write_bytes((FIXTURE / DICTIONARY).read_bytes())
    return folder


def row_of(rows: list[dict], record: str, event: str, instance: str = "") -> dict:
    return next(r for r in rows if r["record_id"] == record and r["redcap_event_name"] == event
                and r["redcap_repeat_instance"] == instance)


def run_import(folder: Path, out: Path, key: Path, map_path: Path = MAP) -> dict:
    return redcap.import_redcap(folder / RECORDS, folder / DICTIONARY, map_path, out, key)


def import_failure(folder: Path, tmp_path: Path, map_path: Path = MAP) -> str:
    out, key = tmp_path / "out" / "raw", tmp_path / "private" / "keys.csv"
    with pytest.raises(ImportFailed) as caught:
        run_import(folder, out, key, map_path)
    assert not out.exists() and not key.exists(), "a failed import wrote something"
    return str(caught.value)


def read_table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / c.RAW_FILES[name], dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    root = tmp_path_factory.mktemp("redcap")
    counts = run_import(FIXTURE, root / "raw", root / "private" / "keys.csv")
    return root, counts


# --- the fixture -------------------------------------------------------------------------------


def test_counts_match_the_fixture_readme(imported):
    _, counts = imported
    assert counts == {"patients": 7, "isncsci": 20, "scim": 20, "adverse_events": 9, "safety_findings": 0}


def test_patients_are_the_hand_checked_table(imported):
    root, _ = imported
    patients = read_table(root / "raw", "patients")
    assert list(patients.columns) == list(c.PATIENT_COLUMNS) + ["cell_dose_per_kg_1e6"]
    assert [tuple(row) for row in patients.itertuples(index=False)] == EXPECTED_PATIENTS


def test_exam_and_scim_days_come_from_the_dates(imported):
    root, _ = imported
    for name, expected in (("isncsci", EXPECTED_EXAM_DAYS), ("scim", EXPECTED_SCIM_DAYS)):
        table = read_table(root / "raw", name)
        days = {pid: [int(d) for d in group["day"]] for pid, group in table.groupby("patient_id")}
        assert days == expected, name
    # 104 has no day-90 exam: it stays missing, nothing is filled in
    exams = read_table(root / "raw", "isncsci")
    assert not exams[(exams["patient_id"] == "P04") & exams["day"].astype(int).between(60, 120)].shape[0]


def test_exam_cells_follow_the_instrument_codes(imported):
    root, _ = imported
    exams = read_table(root / "raw", "isncsci")
    assert "".join(exams["recorded_ais"]) == EXPECTED_RECORDED_AIS
    assert set(exams["standard"]) == {"ISNCSCI-2019"}
    _, rows = read_export()
    exam_rows = [r for r in rows if r["exam_date"]]
    assert len(exam_rows) == len(exams)
    senses = {"motor": "motor", "lt": "light_touch", "pp": "pinprick"}
    by_key = {(r["record_id"], r["redcap_event_name"]): r for r in exam_rows}
    events = ("baseline_arm_1", "day_90_arm_1", "day_180_arm_1")
    starred = {
        # ab-1 with _considernormal 1 (classify as normal) -> 1**, at every visit
        ("102", event, "right_lt_C8"): "1**" for event in events
    } | {
        # ab-3 with _considernormal 2 (not normal) -> 3*, at every visit
        ("103", event, "right_motor_C5"): "3*" for event in events
    } | {("102", "baseline_arm_1", "left_motor_L4"): "NT", ("201", "day_90_arm_1", "left_pp_T8"): "NT"}
    for exam in exams.itertuples(index=False):
        days = EXPECTED_EXAM_DAYS[exam.patient_id]
        event = events[0] if int(exam.day) < 0 else events[1] if int(exam.day) < 150 else events[2]
        assert int(exam.day) in days
        source = by_key[(RECORD_OF[exam.patient_id], event)]
        for column in c.ISNCSCI_EXAM_COLUMNS[:-2]:
            side, sense, level = column.split("_", 2)
            raw = source[f"{side}_{senses[sense]}_{level.lower()}_value"]
            expected = starred.get((RECORD_OF[exam.patient_id], event, column), raw)
            assert getattr(exam, column) == expected, (exam.patient_id, exam.day, column)
        assert exam.vac == source["voluntary_anal_contraction"] and exam.dap == source["deep_anal_pressure"]
    nonkey = exams[exams["right_lowest_nonkey_muscle"] != ""]
    assert [(r.patient_id, r.day, r.right_lowest_nonkey_muscle) for r in nonkey.itertuples()] == [("P03", "-15", "C6")]
    assert set(exams["left_lowest_nonkey_muscle"]) == {""}


def test_scim_items_keep_the_form_numbering(imported):
    root, _ = imported
    scim = read_table(root / "raw", "scim")
    _, rows = read_export()
    by_day = {}
    for r in rows:
        if r["scim_date"]:
            by_day.setdefault(r["record_id"], []).append([r[f"scim_{i:02d}"] for i in range(1, 20)])
    for pid, group in scim.groupby("patient_id"):
        assert group[list(c.SCIM_ITEMS)].values.tolist() == by_day[RECORD_OF[pid]]


def test_adverse_events_are_the_hand_checked_table(imported):
    root, _ = imported
    events = read_table(root / "raw", "adverse_events")
    columns = list(c.ADVERSE_EVENT_COLUMNS) + ["system_organ_class"]
    assert list(events.columns) == columns
    assert [tuple(r) for r in events.itertuples(index=False)] == EXPECTED_EVENTS
    assert read_table(root / "raw", "safety_findings").empty


def test_the_import_validates_and_describes_its_source(imported):
    from caseseries.data.validate import load_raw

    root, _ = imported
    loaded = load_raw(root / "raw")
    description = loaded["dataset"]
    assert description["synthetic"] is True
    assert description["source"]["records_sha256"] == hashlib.sha256((FIXTURE / RECORDS).read_bytes()).hexdigest()
    assert description["source"]["dictionary_sha256"] == hashlib.sha256((FIXTURE / DICTIONARY).read_bytes()).hexdigest()
    text = (root / "raw" / "dataset.yaml").read_text()
    assert "records.csv" not in text and "20" + "23-" not in text  # no file names, no dates or times


def test_the_key_holds_the_record_ids_and_nothing_else_does(imported):
    root, _ = imported
    with open(root / "private" / "keys.csv", newline="") as handle:
        assert list(csv.reader(handle)) == [["source_id", "patient_id"]] + [[r, p] for p, r in RECORD_OF.items()]
    outputs = b"".join(path.read_bytes() for path in (root / "raw").iterdir())
    for identifier in fixture_identifiers():
        assert identifier.encode() not in outputs, identifier
    cells = [cell for name in c.RAW_FILES for cell in read_table(root / "raw", name).to_numpy().ravel()]
    for record in RECORD_OF.values():  # as a number of its own (ISNCSCI-2019 holds "201")
        assert not any(re.search(rf"(?<![0-9A-Za-z]){record}(?![0-9])", cell) for cell in cells), record


def test_two_imports_are_byte_identical(imported, tmp_path):
    root, _ = imported
    run_import(FIXTURE, tmp_path / "raw", tmp_path / "keys.csv")
    for path in (root / "raw").iterdir():
        assert (tmp_path / "raw" / path.name).read_bytes() == path.read_bytes(), path.name


def test_an_existing_key_keeps_every_patients_id(tmp_path):
    key = tmp_path / "keys.csv"
    key.write_text("source_id,patient_id\n203,P01\n101,P02\n")
    run_import(FIXTURE, tmp_path / "raw", key)
    patients = read_table(tmp_path / "raw", "patients")["patient_id"].tolist()
    assert sorted(patients) == ["P01", "P02", "P03", "P04", "P05", "P06", "P07"]
    rows = dict(csv.reader(key.open()))
    assert rows["203"] == "P01" and rows["101"] == "P02" and rows["102"] == "P03" and rows["202"] == "P07"


def test_classification_agrees_with_the_module_for_all_20_exams(imported):
    # The fixture's AIS and NLI were computed by the official algorithm (npm isncsci 2.0.6) with the
    # star mapping the importer uses; the project's engine must give the same for every exam.
    root, _ = imported
    exams = read_table(root / "raw", "isncsci")
    classified = isncsci.classify(exams)
    _, rows = read_export()
    expected = [(r["asia_impairment_scale"].rstrip("*"), r["neurological_level_of_injury"].rstrip("*"))
                for r in sorted((r for r in rows if r["exam_date"]), key=lambda r: (r["record_id"], r["exam_date"]))]
    assert list(zip(classified["ais"], classified["neurological_level"])) == expected


# --- identifiers -------------------------------------------------------------------------------
IDENTIFIER_FIELDS = ("date_of_birth", "injury_date", "infusion_date", "exam_date", "exam_time", "scim_date",
                     "ae_onset_date", "examiner_name", "examiner_position_other", "comments",
                     "classifications_comments")


def fixture_identifiers() -> set[str]:
    """Every name, date, time and free-text comment in the fixture (record ids apart)."""
    header, rows = read_export()
    fields = [f for f in header if f in IDENTIFIER_FIELDS or f.endswith("_impairmentother")]
    found = {row[f] for row in rows for f in fields if row[f]}
    assert {"Examiner Fictional-One", "1984-03-11"} <= found  # the list is not empty by accident
    return found


# --- malformed exports -------------------------------------------------------------------------


def test_every_problem_is_listed_at_once_with_record_event_field_and_value(tmp_path):
    header, rows = read_export()
    row_of(rows, "101", "baseline_arm_1")["sex"] = "3"  # unknown code
    row_of(rows, "103", "baseline_arm_1")["right_motor_c5_considernormal"] = ""  # star without companion
    row_of(rows, "104", "baseline_arm_1")["exam_date"] = "2015-01-01"  # before the injury (2016-04-09)
    row_of(rows, "203", "baseline_arm_1")["infusion_date"] = ""  # no day 0
    row_of(rows, "201", "day_90_arm_1")["asia_impairment_scale"] = "C,D"  # not a single grade
    row_of(rows, "202", "day_90_arm_1")["left_motor_c6_value"] = "6"  # not a motor code
    message = import_failure(write_export(tmp_path / "export", header, rows), tmp_path)
    expected = [
        "record 101, event baseline_arm_1, field sex, value '3': unknown code",
        "record 103, event baseline_arm_1, field right_motor_c5_considernormal: starred value without its companion",
        "record 104, event baseline_arm_1, field exam_date, value '2015-01-01': before the injury date",
        "record 203, event baseline_arm_1, field infusion_date: no infusion date",
        "record 201, event day_90_arm_1, field asia_impairment_scale, value 'C,D': not a single AIS grade",
        "record 202, event day_90_arm_1, field left_motor_c6_value, value '6': unknown code",
    ]
    for line in expected:
        assert line in message, f"{line!r} not in\n{message}"
    assert message.startswith("6 problems in records.csv; nothing was written")


def test_problems_found_by_the_contract_check_point_to_the_export(tmp_path):
    header, rows = read_export()
    row_of(rows, "102", "baseline_arm_1", "1")["ae_term"] = "Fever since 2023-03-08"  # a date in free text
    row_of(rows, "201", "baseline_arm_1")["cell_dose_1e8"] = "-1"  # the contract needs a positive dose
    message = import_failure(write_export(tmp_path / "export", header, rows), tmp_path)
    assert ("record 102, event baseline_arm_1, adverse_events #1, field ae_term (adverse_events.csv column term), "
            "value '2***': looks like a direct identifier (calendar date)") in message
    assert "record 201, field cell_dose_1e8 (patients.csv column cell_dose_1e8), value '-1'" in message
    assert "2023-03-08" not in message  # the privacy guard masks it


def test_a_label_export_is_refused_clearly(tmp_path):
    header, rows = read_export()
    labels = {"1": "Female", "2": "Male"}
    for row in rows:
        row["sex"] = labels.get(row["sex"], "")
    message = import_failure(write_export(tmp_path / "export", header, rows), tmp_path)
    assert "is a 'labels' export" in message and "field sex 'Male'" in message
    assert "raw data" in message


def test_an_export_with_label_headers_is_refused_clearly(tmp_path):
    header, rows = read_export()
    dictionary = {r["Variable / Field Name"]: r["Field Label"] for r in csv.DictReader((FIXTURE / DICTIONARY).open())}
    renamed = {"record_id": "Record ID", "redcap_event_name": "Event Name", "redcap_repeat_instrument": "Repeat Instrument"}
    new_header = [renamed.get(h, dictionary.get(h, h)) for h in header]
    folder = tmp_path / "export"
    folder.mkdir()
    with open(folder / RECORDS, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(new_header)
        writer.writerows([[row[h] for h in header] for row in rows])
    (folder / DICTIONARY).write_bytes((FIXTURE / DICTIONARY).read_bytes())
    assert "field labels as column headers (a 'labels' export)" in import_failure(folder, tmp_path)


def test_a_field_filled_in_two_events_needs_an_event_in_the_map(tmp_path):
    header, rows = read_export()
    row_of(rows, "101", "day_90_arm_1")["infusion_date"] = "2023-02-15"
    # the example map says `event: baseline_arm_1` for the infusion date: no ambiguity
    run_import(write_export(tmp_path / "export", header, rows), tmp_path / "raw", tmp_path / "keys.csv")
    mapping = yaml.safe_load(MAP.read_text())
    del mapping["infusion_date"]["event"]
    map_path = tmp_path / "map.yaml"
    map_path.write_text(yaml.safe_dump(mapping))
    message = import_failure(tmp_path / "export", tmp_path / "second", map_path)
    assert "record 101, field infusion_date: different values in several rows" in message
    assert "give `event:` in the map" in message


def test_an_incomplete_exam_is_one_problem_naming_its_empty_cells(tmp_path):
    header, rows = read_export()
    row = row_of(rows, "202", "day_180_arm_1")
    row["right_motor_c5_value"] = row["left_pinprick_s4_5_value"] = ""
    message = import_failure(write_export(tmp_path / "export", header, rows), tmp_path)
    assert ("record 202, event day_180_arm_1: 2 exam cell(s) empty (use nt for not testable): "
            "right_motor_c5_value, left_pinprick_s4_5_value") in message


# --- the map -----------------------------------------------------------------------------------


def write_map(tmp_path: Path, edit) -> Path:
    mapping = yaml.safe_load(MAP.read_text())
    edit(mapping)
    path = tmp_path / "map.yaml"
    path.write_text(yaml.safe_dump(mapping, sort_keys=False))
    return path


def test_map_problems_are_listed_with_their_place_in_the_map(tmp_path):
    def edit(mapping):
        columns = mapping["tables"]["patients"]["columns"]
        columns["age"] = {"field": "date_of_birth"}  # copying a birth date
        columns["sex"] = {"field": "gender"}  # not a field
        columns["height"] = {"field": "sex"}  # not a contract column
        del columns["cause"]  # a required column unmapped
        mapping["tables"]["scim"]["columns"]["item_01"] = {"field": "scim_01", "study_day": "scim_date"}
        mapping["dataset"]["synthetic"] = "maybe"

    message = import_failure(FIXTURE, tmp_path, write_map(tmp_path, edit))
    for line in (
        "map.yaml: tables.patients.columns.age.field, value 'date_of_birth': would copy a field the data "
        "dictionary flags as an identifier",
        "map.yaml: tables.patients.columns.sex.field, value 'gender': not a field of the data dictionary",
        "map.yaml: tables.patients.columns.height: unknown key",
        "map.yaml: tables.patients: contract column 'cause' is not mapped",
        "map.yaml: tables.scim.columns.item_01: needs exactly one of",
        "map.yaml: dataset.synthetic, value 'maybe': must be true (invented data) or false (patient data)",
    ):
        assert line in message, f"{line!r} not in\n{message}"


def test_yes_and_no_in_the_map_stay_text(tmp_path):
    from caseseries.data.redcap_map import load_yaml

    path = tmp_path / "m.yaml"
    path.write_text("codes: {1: yes, 0: no, 2: on}\nsynthetic: true\n")
    assert load_yaml(path) == {"codes": {1: "yes", 0: "no", 2: "on"}, "synthetic": True}


# --- where the key may go ----------------------------------------------------------------------


def test_the_key_may_not_go_into_the_output_folder_or_the_repository(tmp_path):
    out = tmp_path / "raw"
    with pytest.raises(ImportFailed, match="lies inside the output folder"):
        run_import(FIXTURE, out, out / "keys.csv")
    with pytest.raises(ImportFailed, match="lies in the git repository where it could be committed"):
        run_import(FIXTURE, out, REPO / "keys-test-never-written.csv")
    with pytest.raises(ImportFailed, match="one of the input files"):
        run_import(FIXTURE, out, FIXTURE / RECORDS)
    assert not out.exists() and not (REPO / "keys-test-never-written.csv").exists()


def test_a_git_ignored_folder_in_the_repository_is_accepted(tmp_path):
    repo = tmp_path / "project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".gitignore").write_text("/PRIVATE/\n")
    run_import(FIXTURE, repo / "data" / "raw", repo / "PRIVATE" / "keys.csv")
    assert (repo / "PRIVATE" / "keys.csv").is_file()
    with pytest.raises(ImportFailed, match="could be committed"):
        run_import(FIXTURE, repo / "data" / "raw", repo / "keys.csv")


def test_the_export_may_not_lie_in_the_output_folder(tmp_path):
    header, rows = read_export()
    folder = write_export(tmp_path / "raw", header, rows)
    with pytest.raises(ImportFailed, match="keep the export .* outside the raw data"):
        run_import(folder, folder, tmp_path / "keys.csv")


# --- command line ------------------------------------------------------------------------------


def test_the_command_line_imports_and_reports_problems_without_a_traceback(tmp_path):
    command = [sys.executable, "-m", "caseseries", "import", "redcap", str(FIXTURE / RECORDS),
               "--dictionary", str(FIXTURE / DICTIONARY), "--map", str(MAP)]
    env = {**os.environ, "PYTHONPATH": str(REPO / "workflow")}  # this checkout's library
    done = subprocess.run([*command, "--out", str(tmp_path / "raw"), "--key-out", str(tmp_path / "k.csv")],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "imported 7 patients, 20 ISNCSCI exams" in done.stdout
    refused = subprocess.run([*command, "--out", str(tmp_path / "raw2"), "--key-out", str(tmp_path / "raw2" / "k.csv")],
                             capture_output=True, text=True, cwd=tmp_path, env=env)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "lies inside the output folder" in refused.stderr and not (tmp_path / "raw2").exists()


# --- another project: other field names, codes and forms, and a safety form ---------------------
RENAMED = {  # fixture field -> this project's field
    "record_id": "study_id", "site": "centre", "sex": "gender", "date_of_birth": "dob", "injury_date": "sci_date",
    "cause": "aetiology", "infusion_date": "msc_date", "cell_dose_1e8": "cells_total", "scim_date": "s3_date",
    "ae_term": "event_term", "ae_soc": "event_soc", "ae_onset_date": "event_start", "ae_grade": "event_grade",
    "ae_related": "event_relation", "ae_outcome": "event_outcome", "ae_action": "event_action",
    **{f"scim_{i:02d}": f"s3_item{i}" for i in range(1, 20)},
}
FORMS = {"demographics": "baseline_data", "infusion": "treatment", "scim_iii": "scim3", "adverse_events": "ae"}
SAFETY_FIELDS = ("safety_date", "mri_tumour", "growth", "neuro_worse")
OTHER_MAP = """
dataset: {name: other-project, synthetic: true, licence: CC0-1.0}
infusion_date: {field: msc_date}
isncsci: {recorded_ais: false}
tables:
  patients:
    columns:
      site: {field: redcap_data_access_group, codes: {centre_a: A, centre_b: B}}
      sex: {field: gender, codes: {0: M, 1: F}}
      age: {completed_years: [dob, msc_date]}
      years_since_injury: {years: [sci_date, msc_date], decimals: 2}
      cause: {field: aetiology, codes: dictionary}
      cell_dose_1e8: {field: cells_total}
  scim:
    rows: {form: scim3}
    columns:
      day: {study_day: s3_date}
ITEMS
  adverse_events:
    rows: {form: ae}
    columns:
      onset_day: {study_day: event_start}
      term: {field: event_term}
      grade: {field: event_grade}
      serious: {checkbox: event_action, choice: 3}
      relatedness: {field: event_relation, codes: dictionary, lowercase: true}
      outcome: {constant: see listing}
  safety_findings:
    rows: {form: safety, events: [day_180_arm_1]}
    columns:
      day: {study_day: safety_date}
    each:
      - {check: {constant: cns_tumour_mri}, result: {field: mri_tumour, codes: {1: "yes", 0: "no"}}}
      - {check: {constant: abnormal_cell_growth}, result: {field: growth, codes: {1: "yes", 0: "no"}}}
      - {check: {constant: neurological_deterioration}, result: {field: neuro_worse, codes: {1: "yes", 0: "no"}}}
""".replace("ITEMS", "\n".join(f"      item_{i:02d}: {{field: s3_item{i}}}" for i in range(1, 20)))


def other_project(folder: Path) -> Path:
    """The fixture as another project would export it: every non-ISNCSCI name changed, other
    codes for sex, the site as a data access group, no dose per kg, and a safety form (yes/no per
    check) at two visits."""
    folder.mkdir()
    with open(FIXTURE / DICTIONARY, newline="") as handle:
        reader = csv.reader(handle)
        header, *fields = list(reader)
    dictionary = []
    for row in fields:
        if row[0] == "cell_dose_per_kg_1e6":
            continue
        row[0], row[1] = RENAMED.get(row[0], row[0]), FORMS.get(row[1], row[1])
        if row[0] == "centre":
            row[5] = "10, Centre A | 20, Centre B"
        if row[0] == "gender":
            row[5] = "0, Male | 1, Female"
        dictionary.append(row)
    blank = [""] * len(header)
    dictionary.append(["safety_date", "safety", *blank[2:3], "text", "Date of the checks", *blank[5:7], "date_ymd", *blank[8:]])
    for name in SAFETY_FIELDS[1:]:
        dictionary.append([name, "safety", "", "yesno", name, *blank[5:]])
    with open(folder / DICTIONARY, "w", newline="") as handle:
        csv.writer(handle).writerows([header, *dictionary])
    columns, rows = read_export()
    complete = {f"{old}_complete": f"{new}_complete" for old, new in FORMS.items()}
    renamed = []
    for column in columns:
        if column == "cell_dose_per_kg_1e6":
            continue
        name, _, code = column.partition("___")
        renamed.append(complete.get(column) or (RENAMED.get(name, name) + (f"___{code}" if code else "")))
    renamed += [*SAFETY_FIELDS, "safety_complete", "redcap_data_access_group"]
    out_rows = []
    for row in rows:
        values = [row[col] for col in columns if col != "cell_dose_per_kg_1e6"]
        new = dict(zip(renamed, values + [""] * 6))
        new["redcap_data_access_group"] = "centre_a" if row["record_id"].startswith("1") else "centre_b"
        new["redcap_repeat_instrument"] = FORMS.get(new["redcap_repeat_instrument"], new["redcap_repeat_instrument"])
        new["centre"] = {"1": "10", "2": "20"}.get(new["centre"], "")
        new["gender"] = {"1": "1", "2": "0"}.get(new["gender"], "")
        if row["exam_date"] and row["redcap_event_name"] != "baseline_arm_1":
            # checks at both follow-ups; the growth check was not done for 203
            new.update(safety_date=row["exam_date"], mri_tumour="0", neuro_worse="0", safety_complete="2",
                       growth="" if row["record_id"] == "203" else "0")
        out_rows.append(new)
    with open(folder / RECORDS, "w", newline="") as handle:
        writer = csv.DictWriter(handle, renamed)
        writer.writeheader()
        writer.writerows(out_rows)
    (folder / "map.yaml").write_text(OTHER_MAP)
    return folder


def test_another_project_with_its_own_map(tmp_path):
    folder = other_project(tmp_path / "other")
    counts = run_import(folder, tmp_path / "raw", tmp_path / "keys.csv", folder / "map.yaml")
    # 7 records x day 180 x 3 checks, less 203's growth check (not done): 20 safety rows
    assert counts == {"patients": 7, "isncsci": 20, "scim": 20, "adverse_events": 9, "safety_findings": 20}
    patients = read_table(tmp_path / "raw", "patients")
    assert list(patients.columns) == list(c.PATIENT_COLUMNS)  # no dose per kg mapped
    assert patients["site"].tolist() == ["A"] * 4 + ["B"] * 3
    assert patients["sex"].tolist() == [p[2] for p in EXPECTED_PATIENTS]
    assert patients["age"].tolist() == [p[3] for p in EXPECTED_PATIENTS]
    # two decimals: 101 injured 2018-07-21, infused 2023-02-14: 1669 days / 365.25 = 4.5695 -> 4.57
    assert patients.loc[0, "years_since_injury"] == "4.57"
    assert patients["cause"].tolist()[:3] == ["Traffic accident", "Fall", "Sports"]  # labels as written
    events = read_table(tmp_path / "raw", "adverse_events")
    assert events["serious"].tolist() == [e[4] for e in EXPECTED_EVENTS]  # hospital admission ticked
    assert events["relatedness"].tolist() == [e[5] for e in EXPECTED_EVENTS]
    assert set(events["outcome"]) == {"see listing"}
    safety = read_table(tmp_path / "raw", "safety_findings")
    assert set(safety["result"]) == {"no"} and set(safety["day"].astype(int)) == {181, 182, 184}
    assert safety[safety["patient_id"] == "P07"]["check"].tolist() == ["cns_tumour_mri", "neurological_deterioration"]
    assert "recorded_ais" not in read_table(tmp_path / "raw", "isncsci").columns
