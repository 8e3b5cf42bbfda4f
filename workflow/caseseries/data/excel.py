"""The data-entry workbook: `template` writes it, `import excel` reads it back into data/raw.

`python -m caseseries template data-entry.xlsx [--data data/raw]` writes one sheet per contract
table (header row = contract columns), a drop-down list for every coded column (ISNCSCI cells,
VAC/DAP, AIS grade, non-key muscle level, sex, each SCIM-III item's own scores, CTCAE grade,
yes/no, relatedness, safety check), numeric bounds where the contract has them (age 0-120, years
since injury and doses 0 or more, days whole numbers), a `dataset` sheet (the keys of
dataset.yaml) and a README sheet. With --data it is filled with an existing dataset.

`python -m caseseries import excel data-entry.xlsx --out data/raw` writes the contract files.
The workbook's cells are taken as typed: a number cell gives its number (with the decimals its
format shows, so 0.70 stays 0.70), a text cell its text. Refused, each listed with sheet, cell,
value and rule: formulas, merged cells, Excel dates (the contract counts days from the
infusion), logical TRUE/FALSE cells, error values, and numbers stored as text in a numeric
column. Then the files are checked as the pipeline checks them (caseseries.data.importing), and
any problem is reported at its sheet and cell; nothing is written when there is one.
An optional column left empty in every row is left out of the CSV file.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import re
import sys
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from caseseries.data import contract as c
from caseseries.data import spreadsheet
from caseseries.data.importing import ImportFailed, ImportProblem, csv_bytes, dataset_yaml, publish

TABLES = tuple(c.RAW_FILES)  # sheet names = contract table names
DATASET_SHEET, README_SHEET = "dataset", "README"
LAST_ROW = 1_048_576  # Excel's last row: validations cover every row a user can fill
NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")
TEMPLATE_COLUMNS = {
    "patients": c.PATIENT_COLUMNS + c.PATIENT_OPTIONAL_COLUMNS,
    "isncsci": c.ISNCSCI_COLUMNS + c.ISNCSCI_OPTIONAL_COLUMNS,
    "scim": c.SCIM_COLUMNS,
    "adverse_events": c.ADVERSE_EVENT_COLUMNS[:3] + c.ADVERSE_EVENT_OPTIONAL_COLUMNS + c.ADVERSE_EVENT_COLUMNS[3:],
    "safety_findings": c.SAFETY_FINDING_COLUMNS,
}
OPTIONAL = {
    "patients": c.PATIENT_OPTIONAL_COLUMNS,
    "isncsci": c.ISNCSCI_OPTIONAL_COLUMNS,
    "adverse_events": c.ADVERSE_EVENT_OPTIONAL_COLUMNS,
}
# Columns that hold numbers: in the workbook they must be number cells.
NUMERIC = {
    "patients": ("age", "years_since_injury", "cell_dose_1e8", "cell_dose_per_kg_1e6"),
    "isncsci": ("day",),
    "scim": ("day", *c.SCIM_ITEMS),
    "adverse_events": ("onset_day", "grade"),
    "safety_findings": ("day",),
}
DATASET_ROWS = ("name", "version", "synthetic", "source", "licence", "description")


# --- what each column allows ---------------------------------------------------------------------


def _list(values, title: str, prompt: str) -> dict:
    return {"type": "list", "formula1": '"' + ",".join(str(v) for v in values) + '"', "title": title,
            "prompt": prompt}


def _number(kind: str, operator: str, low, high=None, title: str = "", prompt: str = "") -> dict:
    rule = {"type": kind, "operator": operator, "formula1": str(low), "title": title, "prompt": prompt}
    if high is not None:
        rule["formula2"] = str(high)
    return rule


DAY = _number("whole", "between", -100_000, 100_000, "Day", "Whole days from the infusion (day 0; before = negative).")


def column_rule(table: str, column: str) -> dict | None:
    """The data validation of one column: a drop-down list or numeric bounds (or None: free text)."""
    if table == "isncsci":
        if column in c.MOTOR_COLUMNS:
            return _list(c.MOTOR_VALUES, "Motor grade", "0-5 or NT; non-SCI impairment: X* rated not normal, "
                                                         "X** rated normal (as the official algorithm).")
        if column in c.LIGHT_TOUCH_COLUMNS + c.PIN_PRICK_COLUMNS:
            return _list(c.SENSORY_VALUES, "Sensory grade", "0-2 or NT; non-SCI impairment: X* rated not normal, "
                                                            "X** rated normal.")
        if column in ("vac", "dap"):
            return _list(c.ANAL_VALUES, column.upper(), "Yes, No or NT.")
        if column == "recorded_ais":
            return _list(c.AIS_GRADES, "AIS grade", "The grade on the case report form (optional).")
        if column in c.NONKEY_MUSCLE_COLUMNS:
            return _list(c.MOTOR_LEVELS, "Non-key muscle", "Lowest non-key muscle with motor function (optional).")
    if table == "scim" and column in c.SCIM_ITEMS:
        label, scores = c.SCIM_ITEMS[column]
        return _list(scores, f"SCIM-III item {int(column[-2:])}", f"{label}: {', '.join(map(str, scores))}.")
    if column in ("day", "onset_day"):
        return DAY
    rules = {
        ("patients", "sex"): _list(c.SEXES, "Sex", "F or M."),
        ("patients", "age"): _number("decimal", "between", 0, 120, "Age", "Years at infusion, 0-120."),
        ("patients", "years_since_injury"): _number("decimal", "greaterThanOrEqual", 0, None, "Years since injury",
                                                    "Years from injury to infusion, 0 or more."),
        ("patients", "cell_dose_1e8"): _number("decimal", "greaterThanOrEqual", 0, None, "Cell dose",
                                               "Cells x 10^8, 0 or more."),
        ("patients", "cell_dose_per_kg_1e6"): _number("decimal", "greaterThanOrEqual", 0, None, "Cell dose per kg",
                                                      "Cells x 10^6 per kg, 0 or more."),
        ("adverse_events", "grade"): _list((1, 2, 3, 4, 5), "CTCAE grade", "1-5."),
        ("adverse_events", "serious"): _list(c.YES_NO, "Serious", "yes or no."),
        ("adverse_events", "relatedness"): _list(c.RELATEDNESS, "Relatedness", ", ".join(c.RELATEDNESS) + "."),
        ("safety_findings", "check"): _list(c.SAFETY_CHECKS, "Safety check", ", ".join(c.SAFETY_CHECKS) + "."),
        ("safety_findings", "result"): _list(c.YES_NO, "Result", "yes or no."),
    }
    return rules.get((table, column))


# --- writing the workbook ----------------------------------------------------------------------

README_LINES = (
    "Data-entry workbook for the case-series pipeline.",
    "Columns and allowed values: the project's README, section 'Data contract'.",
    "",
    "One sheet per contract file: patients, isncsci (one row per exam), scim (one row per assessment),",
    "adverse_events (one row per event), safety_findings (one row per check and visit); and dataset.",
    "Row 1 is the header: do not rename, reorder or delete its columns.",
    "Coded columns have drop-down lists; numeric columns accept numbers only.",
    "",
    "Never type names, birth dates, calendar dates, record or hospital numbers: use pseudonymous",
    "patient ids (P01, P02, ...), age in years at infusion, and days counted from the infusion",
    "(day 0; before the infusion negative). Keep the key linking ids to people elsewhere.",
    "Do not use formulas, merged cells or date cells: they are refused on import.",
    "",
    "Optional columns may stay empty: cell_dose_per_kg_1e6, arm (controlled trials only),",
    "recorded_ais, standard, right/left_lowest_nonkey_muscle, system_organ_class.",
    "",
    "Import:   python -m caseseries import excel THIS-FILE.xlsx --out data/raw",
    "Then:     python -m caseseries validate data/raw   and   snakemake --cores 4",
)


def _read_csv_table(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _flatten(mapping: dict, prefix: str = "") -> list[tuple[str, object]]:
    items = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            items += _flatten(value, f"{prefix}{key}.")
        else:
            items.append((f"{prefix}{key}", value))
    return items


def _put(cell, text: str, numeric: bool) -> None:
    if text == "":
        return
    if numeric and NUMBER.fullmatch(text):
        number = float(text)
        spreadsheet.put_number(cell, int(number) if re.fullmatch(r"[+-]?\d+", text.strip()) else number, text.strip())
    else:
        spreadsheet.put_text(cell, text)


def _table_sheet(workbook: Workbook, table: str, columns, rows) -> None:
    sheet = workbook.create_sheet(table)
    numeric = set(NUMERIC[table])
    for j, column in enumerate(columns, start=1):
        spreadsheet.put_text(sheet.cell(1, j), column)
        sheet.cell(1, j).font = Font(bold=True)
        width = 7 if table == "isncsci" and column in c.ISNCSCI_EXAM_COLUMNS else max(9, len(column) + 2)
        sheet.column_dimensions[get_column_letter(j)].width = width
    for i, row in enumerate(rows, start=2):
        for j, (column, text) in enumerate(zip(columns, row), start=1):
            _put(sheet.cell(i, j), text, column in numeric)
    sheet.freeze_panes = "C2" if table in ("isncsci", "scim") else "B2"
    validations: dict[tuple, DataValidation] = {}
    for j, column in enumerate(columns, start=1):
        rule = column_rule(table, column)
        if rule is None:
            continue
        key = tuple(sorted(rule.items()))
        if key not in validations:
            options = {k: v for k, v in rule.items() if k not in ("title", "prompt")}
            validations[key] = DataValidation(
                **options, allow_blank=True, showErrorMessage=True, showInputMessage=True,
                errorTitle=rule["title"][:32], error=f"Not allowed here. {rule['prompt']}"[:255],
                promptTitle=rule["title"][:32], prompt=rule["prompt"][:255],
            )
        letter = get_column_letter(j)
        validations[key].add(f"{letter}2:{letter}{LAST_ROW}")
    for validation in validations.values():
        sheet.add_data_validation(validation)


def _dataset_sheet(workbook: Workbook, description: dict | None) -> None:
    sheet = workbook.create_sheet(DATASET_SHEET)
    for j, title in enumerate(("key", "value"), start=1):
        spreadsheet.put_text(sheet.cell(1, j), title)
        sheet.cell(1, j).font = Font(bold=True)
    items = _flatten(description) if description else [(key, None) for key in DATASET_ROWS]
    for i, (key, value) in enumerate(items, start=2):
        spreadsheet.put_text(sheet.cell(i, 1), key)
        cell = sheet.cell(i, 2)
        if isinstance(value, bool):  # as text: LibreOffice saves a logical cell as a formula, =TRUE()
            spreadsheet.put_text(cell, str(value).lower())
        elif isinstance(value, (int, float)):
            cell.value = value
        elif value is not None:
            spreadsheet.put_text(cell, str(value))
        if key == "synthetic":
            validation = DataValidation(type="list", formula1='"true,false"', allow_blank=True,
                                        promptTitle="Synthetic", showInputMessage=True,
                                        prompt="true for invented data, false for patient data.")
            validation.add(cell.coordinate)
            sheet.add_data_validation(validation)
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 80


def template(path: Path, data: Path | None = None) -> None:
    """Write the data-entry workbook; with `data`, filled with that raw-data folder's files."""
    import yaml

    workbook = Workbook()
    readme = workbook.active
    readme.title = README_SHEET
    for i, line in enumerate(README_LINES, start=1):
        if line:
            spreadsheet.put_text(readme.cell(i, 1), line)
    readme.column_dimensions["A"].width = 100
    readme["A1"].font = Font(bold=True)
    readme["A1"].alignment = Alignment(wrap_text=False)
    description = None
    if data is not None:
        description = yaml.safe_load((Path(data) / c.DATASET_DESCRIPTION).read_text(encoding="utf-8"))
    _dataset_sheet(workbook, description)
    for table in TABLES:
        if data is None:
            columns, rows = list(TEMPLATE_COLUMNS[table]), []
        else:
            columns, rows = _read_csv_table(Path(data) / c.RAW_FILES[table])
        _table_sheet(workbook, table, columns, rows)
    workbook.properties.title = "Case-series data entry"
    workbook.properties.creator = "caseseries"
    spreadsheet.save(workbook, path)


# --- reading the workbook ----------------------------------------------------------------------


def _where(sheet: str, cell) -> str:
    return f"sheet {sheet}, cell {cell.coordinate}"


def _shown(value) -> str:
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def cell_text(sheet: str, cell, numeric: bool, problems: list[ImportProblem]) -> str:
    """The cell as contract text; a problem (and "") for what a workbook must not hold."""
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    value = cell.value
    if value is None:
        return ""
    rule = None
    if cell.data_type == "f" or isinstance(value, (ArrayFormula, DataTableFormula)):
        value = getattr(value, "text", value)
        rule = "a formula; type the value itself (the import reads values, not formulas)"
    elif cell.data_type == "e":
        rule = "an Excel error value; type the value itself"
    elif isinstance(value, (datetime.datetime, datetime.date, datetime.time, datetime.timedelta)):
        rule = ("an Excel date or time; the contract has no calendar dates: type the day counted from the "
                "infusion (day 0) as a number, and format the cell as a number")
    elif isinstance(value, bool):
        rule = "a logical TRUE/FALSE cell; type the value (e.g. yes or no)"
    elif isinstance(value, (int, float)):
        return spreadsheet.number_text(cell)
    elif numeric and NUMBER.fullmatch(value):
        rule = "a number stored as text in a numeric column; enter it as a number (Excel: Convert to Number)"
    if rule:
        problems.append(ImportProblem(_where(sheet, cell), _shown(value), rule))
        return ""
    return value


def _merged_problems(sheet) -> list[ImportProblem]:
    return [
        ImportProblem(f"sheet {sheet.title}, cells {merged.coord}",
                      None if sheet.cell(merged.min_row, merged.min_col).value is None
                      else _shown(sheet.cell(merged.min_row, merged.min_col).value),
                      "merged cells; unmerge them and give each cell its own value")
        for merged in sheet.merged_cells.ranges
    ]


def read_table(sheet, table: str, problems: list[ImportProblem]) -> tuple[list[str], list[list[str]]]:
    """(header, rows of text); every row up to the last non-empty one, so CSV line n = sheet row n."""
    problems += _merged_problems(sheet)
    grid = [list(row) for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row)]
    if not grid or all(cell.value is None for cell in grid[0]):
        problems.append(ImportProblem(f"sheet {table}", None, "no header row (row 1 must hold the column names)"))
        return [], []
    header_cells = grid[0]
    width = max(j + 1 for j, cell in enumerate(header_cells) if cell.value is not None)
    header = []
    for cell in header_cells[:width]:
        if not isinstance(cell.value, str) or not cell.value.strip():
            problems.append(ImportProblem(_where(table, cell), None if cell.value is None else _shown(cell.value),
                                          "not a column name (row 1 holds the contract's column names)"))
        header.append(cell.value.strip() if isinstance(cell.value, str) else "")
    numeric = set(NUMERIC[table])
    rows = []
    for cells in grid[1:]:
        for cell in cells[width:]:
            if cell.value is not None:
                problems.append(ImportProblem(_where(table, cell), _shown(cell.value), "a value in a column without a header"))
        rows.append([cell_text(table, cell, name in numeric, problems) for cell, name in zip(cells[:width], header)]
                    + [""] * (width - len(cells)))
    while rows and not any(rows[-1]):
        rows.pop()
    return _without_empty_optional(table, header, rows)


def _without_empty_optional(table: str, header: list[str], rows: list[list[str]]):
    keep = [j for j, name in enumerate(header) if name not in OPTIONAL.get(table, ()) or any(row[j] for row in rows)]
    return [header[j] for j in keep], [[row[j] for j in keep] for row in rows]


def read_dataset(sheet, problems: list[ImportProblem]) -> dict:
    """The dataset sheet (key, value rows; dotted keys nest: source.command) -> dataset.yaml."""
    description: dict = {}
    for row in sheet.iter_rows(min_row=2, max_col=2):
        key_cell, value_cell = row
        if key_cell.value is None and value_cell.value is None:
            continue
        key = key_cell.value
        if not isinstance(key, str) or not key.strip():
            problems.append(ImportProblem(_where(DATASET_SHEET, key_cell), None if key is None else _shown(key),
                                          "not a key (column A holds the dataset.yaml keys)"))
            continue
        value = value_cell.value
        if value is None:
            continue
        if key.strip() == "synthetic" and value_cell.data_type == "f" and value in ("=TRUE()", "=FALSE()"):
            value = value == "=TRUE()"  # a logical cell as LibreOffice saves it
        elif value_cell.data_type == "f" or isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
            cell_text(DATASET_SHEET, value_cell, False, problems)
            continue
        if key.strip() == "synthetic" and isinstance(value, str) and value.strip().lower() in ("true", "false"):
            value = value.strip().lower() == "true"
        target = description
        *parents, last = key.strip().split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[last] = value
    return description


def read_workbook(path: Path) -> tuple[dict[str, bytes], dict[str, list[str]], dict[str, int]]:
    """Contract file name -> bytes, each table's header and row count; ImportFailed lists every problem."""
    problems: list[ImportProblem] = []
    try:
        workbook = load_workbook(path, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFailed(path.name, [ImportProblem(path.name, None, f"cannot be read as an Excel workbook "
                                                                      f"(.xlsx): {type(error).__name__}")]) from None
    files, headers, counts = {}, {}, {}
    for table in TABLES:
        if table not in workbook.sheetnames:
            problems.append(ImportProblem(f"sheet {table}", None, "missing sheet (one sheet per contract file)"))
            continue
        header, rows = read_table(workbook[table], table, problems)
        headers[table], counts[table] = header, len(rows)
        files[c.RAW_FILES[table]] = csv_bytes(header, rows)
    if DATASET_SHEET in workbook.sheetnames:
        description = read_dataset(workbook[DATASET_SHEET], problems)
        files[c.DATASET_DESCRIPTION] = dataset_yaml(description)
    else:
        problems.append(ImportProblem(f"sheet {DATASET_SHEET}", None, "missing sheet (the keys of dataset.yaml)"))
    if problems:
        raise ImportFailed(path.name, problems)
    return files, headers, counts


def _locate(headers: dict[str, list[str]]):
    def locate(problem) -> str:
        table = Path(problem.file).stem
        if problem.file == c.DATASET_DESCRIPTION:
            return f"sheet {DATASET_SHEET}" + (f", key {problem.column}" if problem.column else "")
        header = headers.get(table, [])
        if problem.row is None:
            return f"sheet {table}" + (f", column {problem.column}" if problem.column else "")
        if problem.column in header:
            return f"sheet {table}, cell {get_column_letter(header.index(problem.column) + 1)}{problem.row}"
        return f"sheet {table}, row {problem.row}" + (f" ({problem.column})" if problem.column else "")

    return locate


def import_workbook(path: Path, out_dir: Path) -> dict[str, int]:
    """Import a data-entry workbook into out_dir; ImportFailed (nothing written) lists every problem."""
    files, headers, counts = read_workbook(path)
    publish(files, out_dir, path.name, _locate(headers))
    return counts


# --- command line ------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workbook", type=Path, help="the workbook to write (.xlsx)")
    parser.add_argument("--data", type=Path, help="fill it with this raw-data folder (e.g. data/raw)")


def run_import(args: argparse.Namespace) -> int:
    """`python -m caseseries import excel WORKBOOK --out DIR` (arguments: caseseries.data.import_cli)."""
    try:
        counts = import_workbook(args.workbook, args.out)
    except ImportFailed as error:
        print(error, file=sys.stderr)
        return 1
    print(f"imported {', '.join(f'{n} {table} rows' for table, n in counts.items())} into {args.out}")
    return 0


def run(args: argparse.Namespace) -> int:
    """`python -m caseseries template WORKBOOK [--data DIR]`."""
    if args.data is not None and not (args.data / c.DATASET_DESCRIPTION).is_file():
        print(f"--data {args.data}: no {c.DATASET_DESCRIPTION} there (a raw-data folder holds the contract files)",
              file=sys.stderr)
        return 1
    template(args.workbook, args.data)
    print(f"wrote {args.workbook}" + (f" with the data of {args.data}" if args.data else ""))
    return 0
