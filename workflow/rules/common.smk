from pathlib import Path

from caseseries.contract import DATASET_DESCRIPTION, RAW_FILES
from caseseries.visits import check_windows

RAW = Path(config["data"]["raw_dir"])
RESULTS = Path(config["results_dir"])
INTERIM = RESULTS / "interim"
TABLES = RESULTS / "tables"
FIGURES = RESULTS / "figures"
REPORT = RESULTS / "report"
LOGS = RESULTS / "logs"
ENV = "../../envs/caseseries.yaml"

check_windows(config["visits"])


def raw(table):
    return RAW / RAW_FILES[table]


def validated(table):
    # The validate rule rewrites every validated table when any raw file changes; `ancient` stops
    # that from rerunning rules whose own raw file did not change (each rule also lists its raw
    # file, which does trigger it).
    return ancient(INTERIM / "validated" / RAW_FILES[table])


def figure_files(name):
    return [FIGURES / f"{name}.png", FIGURES / f"{name}.svg"]


def report_outputs():
    return [REPORT / f"manuscript.{fmt}" for fmt in config["report"]["formats"]]
