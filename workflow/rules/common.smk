import gc
import os
import sys
import threading
from pathlib import Path

from caseseries.data.contract import DATASET_DESCRIPTION, RAW_FILES
from caseseries.data.csvfile import distinct_values
from caseseries.data.plausibility import from_config as plausibility_bounds
from caseseries.data.sharding import shard_name
from caseseries.analysis.endpoints import endpoint_problems
from caseseries.analysis.responders import check_config as check_responders
from caseseries.analysis.visits import check_windows
from caseseries import steps  # one function per rule, called by the rules' run: blocks
from caseseries import tables

RAW = Path(config["data"]["raw_dir"])
RESULTS = Path(config["results_dir"])
INTERIM = RESULTS / "interim"
TABLES = RESULTS / "tables"
FIGURES = RESULTS / "figures"
REPORT = RESULTS / "report"
LOGS = RESULTS / "logs"
# Relative to the working directory, as every other input: a moved or copied project is still up to
# date (Snakemake reruns a job whose set of input paths changed).
LIBRARY = Path(os.path.relpath(Path(workflow.basedir) / "workflow" / "caseseries"))

check_windows(config["visits"])
try:
    plausibility_bounds(config["plausibility"])
except ValueError as error:
    raise WorkflowError(str(error))
ENDPOINT_PROBLEMS = endpoint_problems(
    config["statistics"],
    list(config["outcomes"]),
    [visit["name"] for visit in config["visits"][1:]],
)
if ENDPOINT_PROBLEMS:
    raise WorkflowError("config.yaml: " + "; ".join(ENDPOINT_PROBLEMS))
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
    # Read by validation's own reader (same encodings, line endings, stripping), so that the
    # shards match the sites split_by_site finds in the validated table. Missing or malformed:
    # no shards, and validation says why.
    sites = distinct_values(raw("patients"), "site")
    return sorted({shard_name(site) for site in sites})


SHARDS = site_shards()


def per_site(name):
    return [INTERIM / "sites" / shard / name for shard in SHARDS]


# The assessments' validated copies are Arrow files, read by split_by_site only (caseseries.tables).
ASSESSMENTS = tables.ARROW_VALIDATED


def validated(table):
    return INTERIM / "validated" / tables.validated_file(table)


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


def check_raw_data():
    """Run on start, before any job: every raw file against the contract (all problems at
    once), so that a bad file costs no scoring work. Skipped while the raw files, the
    validation code and the bounds are those of the last check that passed."""
    from caseseries.data.validate import ContractError, check_once

    try:
        check_once(
            RAW,
            plausibility_bounds(config["plausibility"]),
            INTERIM / "raw_data_checked.json",
            VALIDATION_CODE,
            # kept for the validate jobs only when they run in this process, not on a cluster
            keep_tables=workflow.local_exec,
        )
    except ContractError as error:
        # The listing is the whole message: no Snakemake error block, no traceback.
        remove_report()
        print(f"\n{error}\n\nNo job was started.\n", file=sys.stderr)
        raise SystemExit(1)


def uses_worker_process():
    """Whether steps may run in the worker process: a local run on 2 or more cores. Known
    when jobs run (while the Snakefile is read, any run looks local)."""
    return workflow.local_exec and workflow.use_threads and workflow.cores > 1


def drawing_slots(wildcards):
    """A figure job's share of the `drawing` resource, limited in profiles/default to the number of
    worker processes: figure jobs waiting for one hold no job slot. On a cluster: none.
    """
    return int(uses_worker_process())


def figure_threads(wildcards):
    """Job slots a figure job holds: none while it is drawn in a worker process, a process of its
    own that the `drawing` resource lets in, so that the jobs of this process keep every slot
    (10^5 patients on 2 cores: the figures waited 5 s for a slot while the worker idled); else 1.
    """
    return 1 - drawing_slots(wildcards)


def planned_steps():
    """The steps of the jobs this run will run (each rule runs the step of its name)."""
    return {getattr(steps, job.rule.name, None) for job in workflow.dag.needrun_jobs()}


def start_worker_process():
    """On start, first, while this process is small (before the check reads the tables): only for
    a run with steps that can run there. The workers import the plotting libraries if it draws.
    """
    if uses_worker_process():
        steps.start_worker_process(planned_steps())


def prepare_jobs():
    """On start, after the checks. What is imported by now stays for the whole run: frozen, the
    garbage collector stops walking it (0.3 s of a cold build)."""
    gc.freeze()


def stop_scheduler_timers():
    """Snakemake's scheduler starts a one-second timer each time it waits for jobs (to look again
    under --max-jobs-per-timespan). The timers are not daemon threads, so Python waited for the last
    one before exiting: up to 1 s after every run. The run is over: they are stopped."""
    timers = [
        thread
        for thread in threading.enumerate()
        if isinstance(thread, threading.Timer)
    ]
    for timer in timers:
        if timer.function.__module__.startswith("snakemake."):
            timer.cancel()


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
