"""Where the official ISNCSCI algorithm (and so our engine) departs from exact NT enumeration.

Run: PYTHONPATH=workflow:tests python tests/oracle/enumerate_nt.py [EXAMS] [SEED] [--no-nonkey]

Takes generated exams with 1-3 plain NT cells and no non-SCI marks, classifies every filling of
the NT cells (motor 0-5, sensory 0-2, VAC/DAP Yes/No; at most 300 fillings per exam) and
compares the union of the filled results with the listed values, per field: exact, over
(extra values), under (missing values) or mixed. Filled exams have no NT, where the engine equals
the official algorithm (tests/test_isncsci_official.py), so the engine stands in for it here.
"""

import collections
import itertools
import sys

import pandas as pd

from caseseries.data import contract
from caseseries.instruments import isncsci
from oracle import generate


def fillings(row: pd.Series):
    untestable = [c for c in contract.ISNCSCI_EXAM_COLUMNS if row[c] == "NT"]
    choices = [("Yes", "No") if c in ("vac", "dap") else tuple("012345") if c in contract.MOTOR_COLUMNS
               else tuple("012") for c in untestable]
    for values in itertools.product(*choices):
        yield row.to_dict() | dict(zip(untestable, values))


def main(n: int, seed: int, nonkey: bool) -> None:
    exams = generate.exams(n, seed).drop(columns="pattern")
    if not nonkey:
        exams = exams.drop(columns=list(contract.NONKEY_MUSCLE_COLUMNS))
    cells = exams[list(contract.ISNCSCI_EXAM_COLUMNS)]
    marked = cells.apply(lambda column: column.str.contains("*", regex=False)).any(axis=1)
    untestable = (cells == "NT").sum(axis=1)
    chosen = exams[~marked & untestable.between(1, 3)]
    rows, owner = [], []
    for index, row in chosen.iterrows():
        filled = list(fillings(row))
        if len(filled) <= 300:
            rows += filled
            owner += [index] * len(filled)
    chosen = chosen.loc[sorted(set(owner))]
    listed = isncsci.classify(chosen)
    filled = isncsci.classify(pd.DataFrame(rows)).assign(owner=owner)
    counts = collections.Counter()
    for column in isncsci.OUTPUT_COLUMNS:
        if column in isncsci.TOTAL_COLUMNS:
            continue
        exact = filled.groupby("owner")[column].agg(set)
        for index, reachable in exact.items():
            values = set(listed.at[index, column].split(","))
            kind = ("exact" if values == reachable else "over" if values > reachable
                    else "under" if values < reachable else "mixed")
            counts[column, kind] += 1
    print(f"{len(chosen)} exams with 1-3 NT cells (seed {seed}, non-key muscles {'given' if nonkey else 'none'})")
    for (column, kind), count in sorted(counts.items()):
        print(f"  {column:20s} {kind:6s} {count}")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(arguments[0]) if arguments else 60_000, int(arguments[1]) if len(arguments) > 1 else 5,
         "--no-nonkey" not in sys.argv)
