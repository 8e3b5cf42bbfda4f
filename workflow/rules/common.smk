from pathlib import Path

import pandas as pd

from caseseries.data.contract import DATASET_DESCRIPTION, RAW_FILES
from caseseries.data.sharding import shard_name
from caseseries.analysis.responders import check_config as check_responders
from caseseries.analysis.visits import check_windows

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
# Outcomes with minimal clinically important differences (optional): responder table and figure.
RESPONDERS = config.get("responders", {})
check_responders(
    RESPONDERS, config["outcomes"], Path(workflow.basedir) / "report" / "references.bib"
)


def raw(table):
    return RAW / RAW_FILES[table]


def site_shards():
    """Shard names, one per site in patients.csv, so that per-site work runs as parallel jobs
    (on a cluster, each its own job). Read when the workflow starts; if the file cannot be read,
    no shard is planned and validation reports the problem."""
    # Read as validation reads it (no NA guessing, stripped), so that the shards match the sites
    # split_by_site finds in the validated table. Missing or malformed: validation says why.
    try:
        table = pd.read_csv(
            raw("patients"), usecols=["site"], dtype=str, keep_default_na=False
        )
    except (OSError, ValueError):
        return []
    sites = table["site"].str.strip().unique()
    return sorted({shard_name(site) for site in sites})


SHARDS = site_shards()


def per_site(name):
    return [INTERIM / "sites" / shard / name for shard in SHARDS]


def validated(table):
    return INTERIM / "validated" / f"{table}.csv"


def library(*modules):
    """Library modules a step runs (dotted names below caseseries), listed as inputs so that
    editing them reruns the step."""
    return [
        LIBRARY.joinpath(*module.split(".")).with_suffix(".py")
        for module in ("steps", "tables", "data.contract", *modules)
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
    """After a failed run no manuscript may remain that does not match data/raw and the code
    (unless this run was turned away: the report is then another run's)."""
    if not RUN_LOCKS:
        return
    for path in REPORT.glob("manuscript.*"):
        path.unlink()


RUN_LOCKS = []  # open lock files, held until this Snakemake process exits


def hold_run_lock():
    """Snakemake's own lock is not atomic: two runs started at the same instant can both pass it.
    An exclusive flock on results/.run.lock, held while this run lives (the kernel drops it when
    the process dies, even on SIGKILL), turns the second run away before it starts any job.
    """
    import fcntl

    RESULTS.mkdir(parents=True, exist_ok=True)
    handle = open(RESULTS / ".run.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise WorkflowError(
            f"another Snakemake run is using {RESULTS}; wait until it has finished"
        )
    RUN_LOCKS.append(handle)
