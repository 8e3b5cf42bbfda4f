"""Tests of the data-entry workbook (caseseries.data.excel): template, import, round trip, refusals."""

import datetime
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from caseseries.data import contract as c
from caseseries.data import excel
from caseseries.data.importing import ImportFailed

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "data" / "raw"


def listed_values(validation) -> list[str]:
    return validation.formula1.strip('"').split(",")


def validations_by_column(sheet) -> dict[str, object]:
    """Column name -> the data validation covering its cells from row 2 to the last row."""
    header = [cell.value for cell in sheet[1]]
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            assert cell_range.min_row == 2 and cell_range.max_row == 1_048_576
            assert cell_range.min_col == cell_range.max_col
            found[header[cell_range.min_col - 1]] = validation
    return found


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "data-entry.xlsx"
    excel.template(path)
    return path


def test_the_template_has_a_sheet_per_table_with_the_contract_header(template):
    workbook = load_workbook(template)
    assert workbook.sheetnames == ["README", "dataset", *c.RAW_FILES]
    expected = {
        "patients": c.PATIENT_COLUMNS + c.PATIENT_OPTIONAL_COLUMNS,
        "isncsci": c.ISNCSCI_COLUMNS + c.ISNCSCI_OPTIONAL_COLUMNS,
        "scim": c.SCIM_COLUMNS,
        "adverse_events": c.ADVERSE_EVENT_COLUMNS + c.ADVERSE_EVENT_OPTIONAL_COLUMNS,
        "safety_findings": c.SAFETY_FINDING_COLUMNS,
    }
    for table, columns in expected.items():
        header = [cell.value for cell in workbook[table][1]]
        assert sorted(header) == sorted(columns) and workbook[table].max_row == 1, table
    assert [row[0].value for row in workbook["dataset"].iter_rows(min_row=2)][:5] == [
        "name", "version", "synthetic", "source", "licence"]
    readme = "\n".join(str(row[0].value or "") for row in workbook["README"].iter_rows())
    assert "python -m caseseries import excel" in readme and "days counted from the infusion" in readme


def test_every_coded_column_has_its_drop_down_list(template):
    workbook = load_workbook(template)
    isncsci = validations_by_column(workbook["isncsci"])
    for column in c.MOTOR_COLUMNS:
        assert listed_values(isncsci[column]) == list(c.MOTOR_VALUES)
    for column in c.LIGHT_TOUCH_COLUMNS + c.PIN_PRICK_COLUMNS:
        assert listed_values(isncsci[column]) == list(c.SENSORY_VALUES)
    assert listed_values(isncsci["vac"]) == listed_values(isncsci["dap"]) == ["Yes", "No", "NT"]
    assert listed_values(isncsci["recorded_ais"]) == ["A", "B", "C", "D", "E"]
    # each SCIM-III item its own scores (form numbering: 7 respiration, 8 bladder, 9 bowel, 10 toilet)
    scim = validations_by_column(workbook["scim"])
    assert listed_values(scim["item_07"]) == ["0", "2", "4", "6", "8", "10"]
    assert listed_values(scim["item_08"]) == ["0", "3", "6", "9", "11", "13", "15"]
    assert listed_values(scim["item_09"]) == ["0", "5", "8", "10"]
    assert listed_values(scim["item_10"]) == ["0", "1", "2", "4", "5"]
    for item, (_, scores) in c.SCIM_ITEMS.items():
        assert listed_values(scim[item]) == [str(s) for s in scores]
    events = validations_by_column(workbook["adverse_events"])
    assert listed_values(events["grade"]) == ["1", "2", "3", "4", "5"]
    assert listed_values(events["serious"]) == ["yes", "no"]
    assert listed_values(events["relatedness"]) == list(c.RELATEDNESS)
    safety = validations_by_column(workbook["safety_findings"])
    assert listed_values(safety["result"]) == ["yes", "no"]
    assert listed_values(safety["check"]) == list(c.SAFETY_CHECKS)
    patients = validations_by_column(workbook["patients"])
    assert listed_values(patients["sex"]) == ["F", "M"]
    age = patients["age"]
    assert (age.type, age.operator, age.formula1, age.formula2) == ("decimal", "between", "0", "120")
    assert (patients["years_since_injury"].operator, patients["years_since_injury"].formula1) == ("greaterThanOrEqual", "0")
    assert validations_by_column(workbook["scim"])["day"].type == "whole"
    assert "site" not in patients and "cause" not in patients  # free text


def test_the_template_is_byte_identical_and_carries_no_time(template, tmp_path):
    again = tmp_path / "again.xlsx"
    excel.template(again)
    assert again.read_bytes() == template.read_bytes()
    with zipfile.ZipFile(template) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"1980-01-01T00:00:00Z" in archive.read("docProps/core.xml")


def test_the_example_data_round_trip_is_byte_identical(tmp_path):
    workbook = tmp_path / "example.xlsx"
    excel.template(workbook, EXAMPLE)
    counts = excel.import_workbook(workbook, tmp_path / "raw")
    assert counts["patients"] == 7
    for path in sorted(EXAMPLE.iterdir()):
        assert (tmp_path / "raw" / path.name).read_bytes() == path.read_bytes(), path.name
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == sorted(p.name for p in EXAMPLE.iterdir())


def test_numbers_keep_their_decimals_and_are_number_cells(tmp_path):
    workbook = tmp_path / "example.xlsx"
    excel.template(workbook, EXAMPLE)
    patients = load_workbook(workbook)["patients"]
    header = [cell.value for cell in patients[1]]
    dose = patients.cell(3, header.index("cell_dose_1e8") + 1)  # P02: 0.70 in the CSV file
    assert (dose.value, dose.number_format) == (0.7, "0.00")
    years = patients.cell(2, header.index("years_since_injury") + 1)  # P01: 3.0
    assert (years.value, years.number_format) == (3, "0.0")
    exams = load_workbook(workbook)["isncsci"]
    assert exams["C2"].data_type == "s"  # exam cells are text ("5", "4*", "NT")


def filled_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "entry.xlsx"
    excel.template(path, EXAMPLE)
    return path


def import_failure(workbook: Path, tmp_path: Path) -> str:
    out = tmp_path / "out"
    with pytest.raises(ImportFailed) as caught:
        excel.import_workbook(workbook, out)
    assert not out.exists(), "a failed import wrote something"
    return str(caught.value)


def test_formulas_merged_cells_dates_and_numbers_as_text_are_listed_together(tmp_path):
    path = filled_workbook(tmp_path)
    workbook = load_workbook(path)
    scim, patients, events = workbook["scim"], workbook["patients"], workbook["adverse_events"]
    scim["C2"] = "=1+2"  # a formula for item_01
    patients.merge_cells("F2:F3")  # cause of P01 and P02
    scim["B3"] = datetime.datetime(2024, 3, 5)  # a calendar date for a day
    scim["B3"].number_format = "yyyy-mm-dd"
    events["E2"] = "2"  # a grade typed as text
    workbook.save(path)
    message = import_failure(path, tmp_path)
    for line in (
        "sheet scim, cell C2, value '=1+2': a formula",
        "sheet patients, cells F2:F3, value 'sports': merged cells",
        "sheet scim, cell B3, value '2024-03-05T00:00:00': an Excel date or time",
        "sheet adverse_events, cell E2, value '2': a number stored as text",
    ):
        assert line in message, f"{line!r} not in\n{message}"
    assert message.startswith("4 problems in entry.xlsx; nothing was written")


def test_contract_problems_are_reported_at_their_sheet_and_cell(tmp_path):
    path = filled_workbook(tmp_path)
    workbook = load_workbook(path)
    workbook["scim"]["C4"] = 7  # item_01 (feeding) allows 0-3
    workbook["isncsci"]["D2"] = "6"  # right_motor_C6
    workbook["adverse_events"]["C3"] = "Seen by Dr Example"  # a name in free text
    workbook["dataset"]["B4"] = "perhaps"  # synthetic
    workbook.save(path)
    message = import_failure(path, tmp_path)
    for line in (
        "sheet scim, cell C4, value '7': not an allowed SCIM-III feeding value",
        "sheet isncsci, cell D2, value '6': not an allowed motor grade",
        "sheet adverse_events, cell C3, value 'D***': looks like a direct identifier (a person's name",
        "sheet dataset, key synthetic, value 'perhaps': must be true or false",
    ):
        assert line in message, f"{line!r} not in\n{message}"


def test_a_typed_workbook_imports(tmp_path):
    # As a person fills it: exam grades picked from the lists come back as numbers.
    path = tmp_path / "typed.xlsx"
    excel.template(path)
    workbook = load_workbook(path)
    dataset = workbook["dataset"]
    for row, value in zip(range(2, 8), ("my-study", "1", True, "case report forms", "not for redistribution", None)):
        dataset.cell(row, 2).value = value
    patients = workbook["patients"]
    header = [cell.value for cell in patients[1]]
    for column, value in zip(("patient_id", "site", "sex", "age", "years_since_injury", "cause", "cell_dose_1e8"),
                             ("P01", "S1", "F", 40, 2.5, "fall", 1.2)):
        patients.cell(2, header.index(column) + 1).value = value
    exams = workbook["isncsci"]
    header = [cell.value for cell in exams[1]]
    exams.cell(2, 1).value, exams.cell(2, 2).value = "P01", -7
    for column in c.ISNCSCI_EXAM_COLUMNS:
        exams.cell(2, header.index(column) + 1).value = 5 if column in c.MOTOR_COLUMNS else 2
    exams.cell(2, header.index("vac") + 1).value = exams.cell(2, header.index("dap") + 1).value = "Yes"
    exams.cell(2, header.index("right_lt_C5") + 1).value = "1**"
    workbook.save(path)
    counts = excel.import_workbook(path, tmp_path / "raw")
    assert counts == {"patients": 1, "isncsci": 1, "scim": 0, "adverse_events": 0, "safety_findings": 0}
    patients_csv = (tmp_path / "raw" / "patients.csv").read_text()
    # the empty optional columns (dose per kg, arm) are left out
    assert patients_csv == "patient_id,site,sex,age,years_since_injury,cause,cell_dose_1e8\nP01,S1,F,40,2.5,fall,1.2\n"
    exam_csv = (tmp_path / "raw" / "isncsci.csv").read_text().splitlines()
    assert exam_csv[0].split(",") == list(c.ISNCSCI_COLUMNS)
    assert exam_csv[1].startswith("P01,-7,5,5,") and ",1**," in exam_csv[1]
    dataset = (tmp_path / "raw" / "dataset.yaml").read_text()
    assert "synthetic: true" in dataset and "description" not in dataset


def test_template_command_and_import_command(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO / "workflow")}
    run = [sys.executable, "-m", "caseseries"]
    done = subprocess.run([*run, "template", str(tmp_path / "t.xlsx"), "--data", str(EXAMPLE)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([*run, "import", "excel", str(tmp_path / "t.xlsx"), "--out", str(tmp_path / "raw")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "imported 7 patients rows" in done.stdout
    broken = subprocess.run([*run, "import", "excel", str(EXAMPLE / "patients.csv"), "--out", str(tmp_path / "x")],
                            capture_output=True, text=True, env=env)
    assert broken.returncode == 1 and "cannot be read as an Excel workbook" in broken.stderr
    assert "Traceback" not in broken.stderr and not (tmp_path / "x").exists()


def test_only_the_running_command_is_imported():
    # `validate` must not pay for openpyxl, nor the importers for the ISNCSCI engine.
    code = ("import sys; from caseseries.__main__ import main\n"
            "try:\n    main(['validate', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('openpyxl', 'caseseries.data.redcap', 'caseseries.instruments.isncsci') "
            "if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(REPO / "workflow")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


# --- a real spreadsheet program ------------------------------------------------------------------
SOFFICE = shutil.which("soffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed "
                                       "(Debian: apt-get install libreoffice-calc-nogui)")


def soffice(*args: str, cwd: Path) -> None:
    profile = (cwd / "lo-profile").as_uri()  # its own profile: no clash with another running soffice
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", *args], cwd=cwd, check=True,
                   capture_output=True, timeout=180)


@needs_libreoffice
def test_a_workbook_saved_again_by_libreoffice_imports_to_the_same_bytes(tmp_path):
    excel.template(tmp_path / "entry.xlsx", EXAMPLE)
    soffice("--convert-to", "xlsx", "--outdir", "saved", "entry.xlsx", cwd=tmp_path)
    excel.import_workbook(tmp_path / "saved" / "entry.xlsx", tmp_path / "raw")
    for path in sorted(EXAMPLE.iterdir()):
        assert (tmp_path / "raw" / path.name).read_bytes() == path.read_bytes(), path.name


@needs_libreoffice
def test_libreoffice_shows_formula_like_text_of_the_results_workbook_as_written(tmp_path):
    import pandas as pd

    from caseseries.report import workbook

    texts = ["=1+1", "+2+3", "-4+1", "@SUM(1,2)", '=HYPERLINK("http://example.org","x")']
    pd.DataFrame({"term": texts, "n": [1, 2, 3, 4, 5]}).to_csv(tmp_path / "t.csv", index=False)
    workbook.write({"t": tmp_path / "t.csv"}, tmp_path / "tables.xlsx")
    soffice("--convert-to", "csv", "tables.xlsx", cwd=tmp_path)  # LibreOffice loads and recalculates
    shown = pd.read_csv(tmp_path / "tables.csv", dtype=str)
    assert shown["term"].tolist() == texts
