"""Tests of results/tables/tables.xlsx (caseseries.report.workbook): no cell can run a formula."""

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
from openpyxl import load_workbook

from caseseries.report import workbook

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
HOSTILE = ["=HYPERLINK(\"http://example.org\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\tTab", "=1+1", "plain"]


@pytest.fixture
def tables(tmp_path):
    listing = pd.DataFrame({"patient_id": ["P01", "P02", "P03", "P04", "P05", "P06", "P07"],
                            "term": HOSTILE, "grade": [1, 2, 3, 1, 2, 3, 1],
                            "change": [-3, -0.5, 0, 1.25, None, 2, 1e-7]})
    summary = pd.DataFrame({"outcome": ["motor_total"], "p_value": [0.0123], "note": [None]})
    paths = {"adverse_event_listing": tmp_path / "adverse_event_listing.csv", "descriptives": tmp_path / "d.csv"}
    listing.to_csv(paths["adverse_event_listing"], index=False)
    summary.to_csv(paths["descriptives"], index=False)
    return paths


def test_one_sheet_per_table_with_numbers_as_numbers_and_text_exactly(tables, tmp_path):
    out = tmp_path / "tables.xlsx"
    workbook.write(tables, out)
    book = load_workbook(out)
    assert book.sheetnames == ["adverse_event_listing", "descriptives"]
    sheet = book["adverse_event_listing"]
    assert [c.value for c in sheet[1]] == ["patient_id", "term", "grade", "change"]
    assert [sheet.cell(i, 2).value for i in range(2, 9)] == HOSTILE
    assert [sheet.cell(i, 3).value for i in range(2, 9)] == [1, 2, 3, 1, 2, 3, 1]
    assert [sheet.cell(i, 4).value for i in range(2, 9)] == [-3, -0.5, 0, 1.25, None, 2, 1e-7]
    assert {sheet.cell(i, 4).data_type for i in range(2, 9) if i != 6} == {"n"}
    assert book["descriptives"]["B2"].value == 0.0123 and book["descriptives"]["C2"].value is None


def test_no_cell_is_a_formula_and_formula_like_text_is_quote_prefixed(tables, tmp_path):
    out = tmp_path / "tables.xlsx"
    workbook.write(tables, out)
    # Read the sheet XML itself, not through openpyxl: no <f> (formula) element anywhere, every
    # text is a string cell (inline or shared), and text starting with = + - @ or a tab has a
    # cell style with quotePrefix="1" (Excel then shows it as text even when the cell is edited).
    with zipfile.ZipFile(out) as archive:
        sheets = [ElementTree.fromstring(archive.read(name)) for name in archive.namelist()
                  if name.startswith("xl/worksheets/sheet")]
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    assert len(sheets) == 2 and not any(sheet.findall(f".//{MAIN}f") for sheet in sheets)
    sheet = sheets[0]
    quoted = [xf.get("quotePrefix") == "1" for xf in styles.find(f"{MAIN}cellXfs")]
    terms = {}
    for cell in sheet.iter(f"{MAIN}c"):
        if re.fullmatch(r"B([2-9])", cell.get("r")):
            assert cell.get("t") in ("inlineStr", "s"), cell.get("r")
            text = "".join(cell.find(f"{MAIN}is").itertext())
            terms[text] = quoted[int(cell.get("s", 0))]
    assert terms == {text: text.startswith(("=", "+", "-", "@", "\t")) for text in HOSTILE}


def test_two_writes_are_byte_identical(tables, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    workbook.write(tables, first)
    workbook.write(tables, second)
    assert first.read_bytes() == second.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    workbook.write(tables, second)
    with zipfile.ZipFile(second) as archive:
        assert b"2023-11-14T22:13:20Z" in archive.read("docProps/core.xml")
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}


def test_beyond_the_listing_limit_only_the_summary_tables_go_into_the_workbook():
    paths = {name: Path(f"{name}.csv") for name in ("descriptives", "paired_changes", "patient_listing",
                                                   "outcomes_by_visit", "cohort_summary", "visit_assignment")}
    assert workbook.tables_to_include(paths, n_patients=50, listing_max_patients=50) == paths
    assert list(workbook.tables_to_include(paths, n_patients=51, listing_max_patients=50)) == [
        "descriptives", "paired_changes", "cohort_summary"]
