"""Reading and writing the pipeline's CSV tables with stable types and byte-stable output."""

import json
from pathlib import Path

import pandas as pd

from caseseries.data.contract import ISNCSCI_EXAM_COLUMNS

# Columns that must stay text although they may look numeric (exam cells such as "5" or "4*").
TEXT_COLUMNS = {"patient_id", "site", "sex", "cause", "visit", "recorded_ais", "ais", *ISNCSCI_EXAM_COLUMNS}


def read(path: Path) -> pd.DataFrame:
    header = pd.read_csv(path, nrows=0).columns
    dtypes = {column: "string" for column in header if column in TEXT_COLUMNS or column.endswith(("_level", "_zpp", "_ids"))}
    return pd.read_csv(path, dtype=dtypes)


def _atomically(path: Path, write_to) -> None:
    """Write to a side file, then rename: a crash mid-write must not leave a truncated output."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    write_to(partial)
    partial.replace(path)


def write(frame: pd.DataFrame, path: Path) -> None:
    _atomically(path, lambda partial: frame.to_csv(partial, index=False, lineterminator="\n"))


def write_text(text: str, path: Path) -> None:
    _atomically(path, lambda partial: partial.write_text(text, encoding="utf-8"))


def write_json(data: dict, path: Path) -> None:
    """Byte-stable JSON: sorted keys, fixed indentation."""
    write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", path)
