from pathlib import Path

import pandas as pd

from caseseries.contract import DATASET_DESCRIPTION, RAW_FILES
from caseseries.sharding import shard_name
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


def site_shards():
    """Shard names, one per site in patients.csv, so that per-site work runs as parallel jobs
    (on a cluster, each its own job). Read when the workflow starts; if the file cannot be read,
    no shard is planned and validation reports the problem."""
    try:
        sites = (
            pd.read_csv(raw("patients"), usecols=["site"], dtype=str)["site"]
            .dropna()
            .unique()
        )
    except (
        OSError,
        ValueError,
    ):  # missing or malformed: the validate jobs will say what is wrong
        return []
    return sorted({shard_name(site) for site in sites})


SHARDS = site_shards()


def per_site(name):
    return [INTERIM / "sites" / shard / name for shard in SHARDS]


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
