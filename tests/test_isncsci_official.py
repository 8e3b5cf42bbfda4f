"""Differential test: caseseries.instruments.isncsci against the official ISNCSCI algorithm.

The official algorithm (Praxis Spinal Cord Institute, npm `isncsci` 2.0.6, pinned in
tests/oracle/package-lock.json) runs in Node on the same exams; every one of the 16 output fields
must agree on every exam: exactly without NT, and as the same set of possible values with NT
(both sides write sets in the same order, so equal strings = equal sets).

Each run draws a new seed (override: ISNCSCI_DIFF_SEED) and ISNCSCI_DIFF_EXAMS exams (default
20,000); a failure prints the seed and the first differing exams, so it can be replayed.
"""

import math
import os
import secrets

import numpy as np
import pandas as pd
import pytest

from caseseries.data import contract
from caseseries.instruments import isncsci
from oracle import generate, official

N_EXAMS = int(os.environ.get("ISNCSCI_DIFF_EXAMS", "20000"))
REFERENCE = os.path.join(os.path.dirname(__file__), "data", "isncsci_reference")


def as_written(result: pd.DataFrame) -> pd.DataFrame:
    """Our output in the driver's formats: totals as whole numbers, empty when not determinable."""
    out = result.copy()
    for column in isncsci.TOTAL_COLUMNS:
        out[column] = ["" if math.isnan(v) else str(int(v)) for v in result[column]]
    return out.astype(str)


def unusual_cells(exam: pd.Series) -> dict:
    """The cells of an exam that are not normal (what a reader needs to replay it)."""
    normal = {"5", "2", "Yes", ""}
    return {column: value for column, value in exam.items() if value not in normal and column != "pattern"}


def disagreements(ours: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    return ours[list(isncsci.OUTPUT_COLUMNS)] != theirs[list(isncsci.OUTPUT_COLUMNS)]


def test_driver_reproduces_the_reference_cases(official_isncsci):
    # The reference folder's expected.csv was made by the official algorithm through a driver;
    # ours must convert its answers the same way, or the differential test below means nothing.
    cases = pd.read_csv(os.path.join(REFERENCE, "cases.csv"), dtype=str, keep_default_na=False)
    expected = pd.read_csv(os.path.join(REFERENCE, "expected.csv"), dtype=str, keep_default_na=False)
    answers, _ = official.classify(cases, official_isncsci)
    differ = disagreements(answers, expected)
    assert not differ.any(axis=None), differ.sum()[differ.sum() > 0].to_dict()


def test_engine_equals_the_official_algorithm(official_isncsci):
    seed = int(os.environ.get("ISNCSCI_DIFF_SEED") or secrets.randbits(32))
    exams = generate.exams(N_EXAMS, seed)
    cells = exams.drop(columns="pattern")
    theirs, _ = official.classify(cells, official_isncsci)
    ours = as_written(isncsci.classify(cells))
    differ = disagreements(ours, theirs)
    rows = np.flatnonzero(differ.any(axis=1))
    report = [f"seed {seed} (replay: ISNCSCI_DIFF_SEED={seed} ISNCSCI_DIFF_EXAMS={N_EXAMS}): "
              f"{len(rows)} of {N_EXAMS} exams differ; per field {differ.sum()[differ.sum() > 0].to_dict()}"]
    for row in rows[:5]:
        fields = differ.columns[differ.iloc[row]]
        report.append(f"exam {row} ({exams.pattern.iloc[row]}): cells {unusual_cells(exams.iloc[row])}")
        report += [f"    {f}: ours {ours[f].iloc[row]!r}, official {theirs[f].iloc[row]!r}" for f in fields]
    assert not len(rows), "\n".join(report)
    assert_the_batch_covers_the_hard_cases(cells, theirs, seed)


def assert_the_batch_covers_the_hard_cases(cells: pd.DataFrame, theirs: pd.DataFrame, seed: int) -> None:
    """Agreement means something only if the batch holds the cases that were once wrong."""
    exam_cells = cells[list(contract.ISNCSCI_EXAM_COLUMNS)]
    with_nt = exam_cells.apply(lambda c: c.str.startswith("NT")).any(axis=1)
    marked = exam_cells.apply(lambda c: c.str.endswith("*")).any(axis=1)
    listed = theirs[list(isncsci.OUTPUT_COLUMNS)].apply(lambda c: c.str.contains(",")).any(axis=1)
    side_normal = theirs.right_sensory_level.eq("INT") & theirs.right_motor_level.str.contains("S3")
    without_nonkey = cells.drop(columns=list(contract.NONKEY_MUSCLE_COLUMNS))
    nonkey_decides = (isncsci.classify(without_nonkey)["ais"] != theirs["ais"]).sum()
    coverage = {
        "exams without NT": (~with_nt).sum(),
        "exams with NT": with_nt.sum(),
        "lists from * marks alone (no NT)": (listed & marked & ~with_nt).sum(),
        "side normal to S4-5 with motor level S3 (VAC No/NT)": side_normal.sum(),
        "AIS E with DAP not Yes": (theirs.ais.eq("E") & cells.dap.ne("Yes")).sum(),
        "AIS decided by the non-key muscle": nonkey_decides,
        **{f"AIS {grade} alone": theirs.ais.eq(grade).sum() for grade in contract.AIS_GRADES},
    }
    thin = {name: int(count) for name, count in coverage.items() if count < 5}
    assert not thin, f"seed {seed}: the generated batch hardly covers {thin}"
