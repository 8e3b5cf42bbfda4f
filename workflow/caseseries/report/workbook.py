"""results/tables/tables.xlsx: the tables the report is built from, one sheet per table, for
readers who open results in a spreadsheet.

Numbers are number cells; every text is a text cell that no spreadsheet evaluates, also when it
starts with = + - @ (caseseries.data.spreadsheet.put_text); an empty value is an empty cell. Two
builds give the same bytes (caseseries.data.spreadsheet.save).
"""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from caseseries import tables
from caseseries.data import spreadsheet

MAX_SHEET_NAME = 31  # Excel's limit
MAX_WIDTH = 60


def _put(cell, value) -> None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return
    if isinstance(value, (bool, np.bool_)):
        spreadsheet.put_text(cell, "yes" if value else "no")
    elif isinstance(value, numbers.Integral):
        cell.value = int(value)
    elif isinstance(value, numbers.Real):
        cell.value = float(value)
    else:
        spreadsheet.put_text(cell, str(value))


# Tables with a row per patient (or per assessment): beyond the report's listing limit the
# manuscript shows cohort summaries instead, and so does the workbook (10^5 patients would make
# sheets of 10^6 rows, Excel's limit; the CSVs in results/ hold every row).
PER_PATIENT = ("patient_characteristics", "patient_listing", "outcomes_by_visit", "visit_assignment",
               "recorded_ais_check", "adverse_event_listing")


def tables_to_include(table_paths: dict[str, Path], n_patients: int, listing_max_patients: int) -> dict[str, Path]:
    if n_patients <= listing_max_patients:
        return table_paths
    return {name: path for name, path in table_paths.items() if name not in PER_PATIENT}


def add_sheet(workbook: Workbook, name: str, frame: pd.DataFrame) -> None:
    sheet = workbook.create_sheet(name[:MAX_SHEET_NAME])
    for j, column in enumerate(frame.columns, start=1):
        spreadsheet.put_text(sheet.cell(1, j), str(column))
        sheet.cell(1, j).font = Font(bold=True)
        widest = frame[column].dropna().astype(str).str.len().max() if frame[column].notna().any() else 0
        sheet.column_dimensions[get_column_letter(j)].width = min(MAX_WIDTH, 2 + max(len(str(column)), widest))
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        for j, value in enumerate(row, start=1):
            _put(sheet.cell(i, j), value)
    sheet.freeze_panes = "A2"


def write(table_paths: dict[str, Path], path: Path) -> None:
    """One sheet per table (sheet name -> CSV path), in the order given."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, table_path in table_paths.items():
        add_sheet(workbook, name, tables.read(table_path))
    workbook.properties.title = "Case-series report tables"
    workbook.properties.creator = "caseseries"
    spreadsheet.save(workbook, path)
