"""Throughput of caseseries.instruments.isncsci: classify() and totals() on 10^5 random valid exams.

Run: .venv/bin/python benchmarks/bench_isncsci.py [N]
Cells are drawn with numpy: mostly normal above a random injury level, random grades below,
about 2% NT and 1% starred cells, so every branch (including NT enumeration) is exercised.
"""

import sys
import time

import numpy as np
import pandas as pd

from caseseries.data import contract
from caseseries.instruments import isncsci


def random_exams(n: int, seed: int = 2024) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    injury = rng.integers(0, len(contract.SENSORY_LEVELS), size=n)
    columns = {}
    for column in contract.ISNCSCI_EXAM_COLUMNS:
        if column in ("vac", "dap"):
            columns[column] = rng.choice(np.array(contract.ANAL_VALUES), size=n, p=[0.45, 0.5, 0.05])
            continue
        is_motor = column in contract.MOTOR_COLUMNS
        position = contract.SENSORY_LEVELS.index(column.split("_", 2)[2])
        normal, grades = ("5", 6) if is_motor else ("2", 3)
        cells = np.where(position < injury, normal, rng.integers(0, grades, size=n).astype(str)).astype(object)
        roll = rng.random(n)
        cells[roll < 0.02] = "NT"
        starred = ("3*" if is_motor else "1*")
        cells[(roll >= 0.02) & (roll < 0.03)] = starred
        columns[column] = cells
    return pd.DataFrame(columns)


def rate(function, exams: pd.DataFrame) -> float:
    start = time.perf_counter()
    function(exams)
    return len(exams) / (time.perf_counter() - start)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    exams = random_exams(n)
    print(f"{n} random exams")
    print(f"totals():   {rate(isncsci.totals, exams):12,.0f} exams/s")
    print(f"classify(): {rate(isncsci.classify, exams):12,.0f} exams/s")
