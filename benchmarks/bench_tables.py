"""Cost of the spreadsheet guard in caseseries.tables (formula cells marked on write, the mark
taken off on read) on an exam table shaped like validated isncsci.csv: N rows of patient_id, day
and the exam columns, plus two free-text columns in which 1% of cells start a formula.

Run: .venv/bin/python benchmarks/bench_tables.py [N]   (default 100000 rows)
Prints the time of tables.write / tables.read, of the same pandas calls without the guard, and
of the guard alone; best of 5 rounds.
"""

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from caseseries import tables
from caseseries.data.contract import ISNCSCI_EXAM_COLUMNS


def exam_table(n: int, seed: int = 2024) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({column: rng.choice(["0", "1", "2", "5", "NT", "1*"], size=n) for column in ISNCSCI_EXAM_COLUMNS})
    frame.insert(0, "patient_id", [f"P{i // 5:06d}" for i in range(n)])
    frame.insert(1, "day", rng.integers(-60, 400, size=n))
    for column in ("term", "outcome"):
        frame[column] = np.where(rng.random(n) < 0.01, "=HYPERLINK(\"x\")", "headache")
    return frame.astype({column: "string" for column in frame.columns if column != "day"})


def best_of_three(*functions) -> list[float]:
    """Best time of each function over five rounds, run in turns (the machine's load is shared)."""
    times = [[] for _ in functions]
    for _ in range(5):
        for function, spent in zip(functions, times):
            start = time.perf_counter()
            function()
            spent.append(time.perf_counter() - start)
    return [min(spent) for spent in times]


def main(n: int) -> None:
    frame = exam_table(n)
    dtypes = {column: "string" for column in frame.columns if column != "day"}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "exams.csv"
        plain = Path(folder) / "plain.csv"  # a file of its own: overwriting one costs more than a new one
        plain_write, guarded_write = best_of_three(
            lambda: (plain.unlink(missing_ok=True), frame.to_csv(plain, index=False, lineterminator="\n")),
            lambda: (path.unlink(missing_ok=True), tables.write(frame, path)))
        plain_read, guarded_read = best_of_three(
            lambda: pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""]), lambda: tables.read(path))
        read_back = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
        # The guard alone (CPU only, steadier than file times on a shared machine).
        mark, unmark = best_of_three(lambda: tables.for_spreadsheets(frame), lambda: tables.from_spreadsheets(read_back))
    print(f"{n} rows x {frame.shape[1]} columns")
    print(f"write: pandas {plain_write:.2f} s, tables.write {guarded_write:.2f} s ({guarded_write / plain_write - 1:+.0%})")
    print(f"guard alone: marking {mark:.3f} s, unmarking {unmark:.3f} s")
    print(f"read:  pandas {plain_read:.2f} s, tables.read  {guarded_read:.2f} s ({guarded_read / plain_read - 1:+.0%})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
