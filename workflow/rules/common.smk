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
LIBRARY = Path(workflow.basedir) / "workflow" / "caseseries"

check_windows(config["visits"])


def raw(table):
    return RAW / RAW_FILES[table]


def validated(table):
    return INTERIM / "validated" / f"{table}.csv"


def library(*modules):
    """Library modules a step runs, listed as inputs so that editing them reruns the step."""
    return [
        LIBRARY / f"{module}.py" for module in ("steps", "tables", "contract", *modules)
    ]


def reported(path, caption, category):
    """An output shown in `snakemake --report`, with its caption from report/captions/."""
    return report(
        path, caption=f"../../report/captions/{caption}.rst", category=category
    )


def figure_files(name):
    return [reported(FIGURES / f"{name}.png", name, "Figures"), FIGURES / f"{name}.svg"]


def report_outputs():
    return [REPORT / f"manuscript.{fmt}" for fmt in config["report"]["formats"]]


def remove_report():
    """After a failed run no manuscript may remain that does not match data/raw and the code."""
    for path in REPORT.glob("manuscript.*"):
        path.unlink()
