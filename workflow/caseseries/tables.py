"""Reading and writing the pipeline's CSV tables with stable types and byte-stable output."""

from pathlib import Path

import pandas as pd

from caseseries.contract import ISNCSCI_EXAM_COLUMNS

# Columns that must stay text although they may look numeric (exam cells such as "5" or "4*").
TEXT_COLUMNS = {"patient_id", "site", "sex", "cause", "visit", "recorded_ais", "ais", *ISNCSCI_EXAM_COLUMNS}


def read(path: Path) -> pd.DataFrame:
    header = pd.read_csv(path, nrows=0).columns
    dtypes = {column: "string" for column in header if column in TEXT_COLUMNS or column.endswith(("_level", "_zpp", "_ids"))}
    return pd.read_csv(path, dtype=dtypes)


def write(frame: pd.DataFrame, path: Path) -> None:
    """Write atomically: a crash mid-write must not leave a truncated table behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    frame.to_csv(partial, index=False, lineterminator="\n")
    partial.replace(path)
