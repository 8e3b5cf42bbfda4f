"""Classify ISNCSCI exams (2019 International Standards): EXAMS.csv -> CLASSIFIED.csv.

`python -m caseseries isncsci EXAMS.csv -o CLASSIFIED.csv`: one output row per input row with
patient_id, day and the columns of caseseries.instruments.isncsci.OUTPUT_COLUMNS. Bad input (unreadable
file, missing columns, illegal values) is reported on stderr, every problem at once, with exit
code 2 and no output file.
"""

import argparse
import sys
from pathlib import Path

import pandas as pd

from caseseries.data import contract
from caseseries.instruments import isncsci

KEY_COLUMNS = ("patient_id", "day")
EXIT_BAD_INPUT = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("exams", type=Path, help="ISNCSCI exams CSV in the contract columns")
    parser.add_argument("-o", "--output", type=Path, required=True, help="classified CSV to write")


def _allowed_values(column: str) -> tuple[str, ...]:
    if column in contract.MOTOR_COLUMNS:
        return contract.MOTOR_VALUES
    if column in ("vac", "dap"):
        return contract.ANAL_VALUES
    return contract.SENSORY_VALUES


def find_problems(exams: pd.DataFrame, source: str) -> list[str]:
    """Every missing column and illegal cell, one message each (file, row, column, value, rule)."""
    missing = [c for c in contract.ISNCSCI_COLUMNS if c not in exams.columns]
    if missing:
        return [f"{source}: missing column(s) {', '.join(missing)}"]
    problems = []
    for column in contract.ISNCSCI_EXAM_COLUMNS:
        allowed = _allowed_values(column)
        bad = ~exams[column].isin(allowed)
        for index, value in exams.loc[bad, column].items():
            problems.append(f"{source}: row {index + 2}, column {column}: value {value!r} "
                            f"is not one of {', '.join(allowed)}")
    for column in KEY_COLUMNS:
        for index in exams.index[exams[column] == ""]:
            problems.append(f"{source}: row {index + 2}, column {column}: value is empty")
    return problems


def classify_file(exams_path: Path) -> tuple[pd.DataFrame | None, list[str]]:
    """(classified frame, []) or (None, problems)."""
    try:
        # keep_default_na=False: "NT" and "NA"-like strings stay as written
        exams = pd.read_csv(exams_path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        return None, [f"{exams_path}: cannot read the file as CSV: {error}"]
    exams.columns = exams.columns.str.strip()
    problems = find_problems(exams, str(exams_path))
    if problems:
        return None, problems
    classified = isncsci.classify(exams)
    return pd.concat([exams[list(KEY_COLUMNS)], classified], axis=1), []


def run(args: argparse.Namespace) -> int:
    classified, problems = classify_file(args.exams)
    if problems:
        print(f"isncsci: {len(problems)} problem(s) in the input, nothing written:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    args.output.parent.mkdir(parents=True, exist_ok=True)
    classified.to_csv(args.output, index=False, float_format="%g")  # totals are whole numbers
    return 0
