"""One function per Snakemake rule: read the rule's inputs, call the library, write its outputs.

Each rule's `run:` block is one line, `steps.run(steps.<rule>, input, output, params, log)`, so each
step is importable and testable without Snakemake. A step gets the rule's `input`, `output` and
`params` (attribute access, as Snakemake's named lists give).

Jobs run as threads of the Snakemake process (profiles/default sets force-use-threads), so that the
libraries are imported once per build, not once per job. A step therefore changes no process-wide
state (working directory, environment, logging configuration) and never exits the process: it raises.
When the Snakefile started the worker processes (`start_worker_process`), the figure steps run
there, and so do the per-site and safety steps whenever a worker has nothing else to do.
"""

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import importlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd
import pyarrow as pa

from caseseries.analysis import quality, visits
from caseseries import tables

log = logging.getLogger("caseseries")
log.setLevel(logging.INFO)
log.propagate = False  # a step's records go to its job's log file, not to Snakemake's console

# pyplot keeps global state (current figure, rcParams) and seaborn's jitter draws from NumPy's
# global generator: figure jobs running in parallel threads take turns.
PLOTTING = threading.Lock()


def _figure_step(step):
    """A step that draws: in a worker process when there are any, one at a time in each."""

    @functools.wraps(step)  # the step's own name in its log
    def plotting_step(input, output, params) -> None:
        with PLOTTING:
            step(input, output, params)

    plotting_step.draws = True
    return plotting_step


def _when_worker_idle(step):
    """A step that reads its input files and writes its outputs, so that it can run in any process:
    in a worker process when one has nothing else to do. The per-site scoring and the safety tables
    are ready to run before any figure can be drawn (the figures need the outcomes of every site),
    while the workers have nothing else to do; in this process they would take turns holding the GIL
    with the jobs beside them (10^5 patients: the safety tables, 3 s, beside outcomes_by_visit)."""
    step.when_worker_idle = True
    return step


class UserFacingError(Exception):
    """An error in the data or configuration: reported as its message (Snakemake names the rule)."""


def run(step, input, output, params, log_files) -> None:
    """Run one step as a Snakemake job, logging to the rule's log file. Only this thread's records
    go to that file, as other jobs run in the same process at the same time."""
    Path(log_files[0]).write_text("", encoding="utf-8")  # appended to by this job and the worker process
    with _records_to(log_files[0]):
        started = time.perf_counter()
        try:
            # CPU: of the worker process (its library threads included), or of this job's thread
            # (with jobs as threads, wall time includes waiting for the others).
            where, cpu = " in the worker process", _in_worker(step, input, output, params, log_files[0])
            if cpu is None:  # not for the worker, or it is gone
                where, cpu_started = "", time.thread_time()
                step(input, output, params)
                cpu = time.thread_time() - cpu_started
            log.info("%s: %.2f s, %.2f s CPU%s", step.__name__, time.perf_counter() - started, cpu, where)
        except UserFacingError as error:
            log.error("%s", error)
            raise
        except WorkerError:  # logged with its traceback by the worker process
            raise
        except Exception:
            log.exception("step %s failed", step.__name__)
            raise
        finally:
            _give_back_freed_memory()


@contextlib.contextmanager
def _records_to(log_path):
    """This thread's records of the `caseseries` logger, appended to log_path while in the block."""
    handler = logging.FileHandler(log_path, mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    job_thread = threading.get_ident()
    handler.addFilter(lambda record: record.thread == job_thread)
    log.addHandler(handler)
    try:
        yield
    finally:
        log.removeHandler(handler)
        handler.close()


# The worker processes. Jobs are threads of one process and take turns holding the GIL, so the
# second core idled while the figure jobs (the longest, drawing in Python) or the per-site jobs
# ran. In processes of their own they run next to the other jobs.
_worker: ProcessPoolExecutor | None = None
# Two: the figures are drawn in two lanes, next to the jobs of the Snakemake process.
WORKER_PROCESSES = 2
_worker_tasks = 0  # sent to the workers and not yet done
_worker_lock = threading.Lock()


class WorkerError(Exception):
    """A step failed in the worker process (its traceback is in the job's log)."""


def _can_use_worker(step) -> bool:
    return getattr(step, "draws", False) or getattr(step, "when_worker_idle", False)


def start_worker_process(planned_steps) -> None:
    """Start the worker processes (by the Snakefile, for a local run on two or more cores) if one of
    the steps the run plans can run there. Forked: a spawned process would first import
    Snakemake's main script, as multiprocessing prepares a child, which costs more than it saves.
    Forked on start, while Snakemake runs no other thread and holds no table yet (all of its
    memory is the workers' too). Linux only: they must die with the run (see _as_worker_process),
    and fork is unsafe on macOS."""
    global _worker
    if _PRCTL is None or not any(map(_can_use_worker, planned_steps)):
        return
    draws = any(getattr(step, "draws", False) for step in planned_steps)
    if draws:
        # Half of the plotting libraries' import time is SciPy's statistics (seaborn imports it),
        # which the statistics step imports in this process anyway: imported once, before the fork.
        importlib.import_module("scipy.stats")
    gc.freeze()  # what the processes hold stays shared: their garbage collectors leave it alone
    _worker = ProcessPoolExecutor(
        WORKER_PROCESSES,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_as_worker_process,
        initargs=(os.getpid(), draws),
    )
    # Forks them now. Each counts as busy until it is ready (has imported the plotting libraries),
    # so that no step waits for that meanwhile.
    ready = [_submit_to_worker(os.getpid) for _ in range(WORKER_PROCESSES)]
    for future in filter(None, ready):  # outside the lock: a done future calls back at once
        future.add_done_callback(_worker_task_done)


def _submit_to_worker(*task, only_if_idle: bool = False) -> Future | None:
    """The future of `task` (a function and its arguments) in a worker process, counted as the
    workers' task until _worker_task_done; None if there are no workers (any more), or if all are
    busy and `only_if_idle`."""
    global _worker_tasks
    with _worker_lock:
        if _worker is None or (only_if_idle and _worker_tasks >= WORKER_PROCESSES):
            return None
        try:
            future = _worker.submit(*task)
        except BrokenProcessPool:  # it died between two tasks
            _lost_worker()
            return None
        _worker_tasks += 1
        return future


def _worker_task_done(future: Future) -> None:
    global _worker_tasks
    with _worker_lock:
        _worker_tasks -= 1
        if not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
            _lost_worker()


def _lost_worker() -> None:
    """With _worker_lock held: a worker died (the pool is broken); the next steps run in this process."""
    global _worker
    _worker = None


def _as_worker_process(parent: int, draws: bool) -> None:
    # Not Snakemake's SIGTERM handler, which came with the fork: a signal ends this process.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # Killed with the run, so that no figure is written after a run was killed and the run lock
    # (whose file this process holds too) is let go.
    _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the run died before that
        os._exit(1)
    if draws:
        importlib.import_module("caseseries.report.figures")


def _in_worker(step, input, output, params, log_path) -> float | None:
    """Run the step in a worker process if it goes there (a figure step always, waiting its turn;
    another only when a worker has nothing to do): its CPU seconds; None if it did not go."""
    if not _can_use_worker(step):
        return None
    args = _plain(input), _plain(output), _plain(params), log_path
    future = _submit_to_worker(_run_in_worker, step, *args, only_if_idle=not getattr(step, "draws", False))
    if future is None:
        return None
    try:
        return future.result()
    except BrokenProcessPool:
        message = f"the worker process ended while it ran {step.__name__} (killed? out of memory?)"
        log.error("%s", message)
        raise WorkerError(message) from None
    finally:
        _worker_task_done(future)  # here, not as a callback: the next job must find the worker idle


def _run_in_worker(step, input, output, params, log_path) -> float:
    """A step in the worker process; returns its CPU seconds. An error is logged here, with its
    traceback, and sent back as a WorkerError: not every exception can be sent."""
    with _records_to(log_path):
        cpu_started = time.process_time()
        try:
            step(input, output, params)
        except UserFacingError:
            raise
        except Exception as error:
            log.exception("step %s failed", step.__name__)
            raise WorkerError(f"{type(error).__name__}: {error}") from None
        finally:
            _give_back_freed_memory()
        return time.process_time() - cpu_started


class _Named(list):
    """A rule's input, output or params by position and by name, as plain values that can be sent
    to the worker process (Snakemake's named lists hold its file objects)."""

    def __init__(self, named):
        super().__init__(map(_plain, named))
        self.__dict__.update((name, _plain(value)) for name, value in named.items())


def _plain(value):
    if isinstance(value, str):
        return str(value)  # Snakemake's file objects are str subclasses
    if isinstance(value, list) and hasattr(value, "items"):  # a named list
        return _Named(value)
    return value


# glibc keeps what a job's thread freed in its per-thread arenas; the next jobs, in other threads,
# do not reuse it. Trimmed after each job (10^5 patients: peak 1.3 -> 1.1 GB). No-op without glibc.
try:
    _LIBC = ctypes.CDLL(ctypes.util.find_library("c"))
except (OSError, TypeError):  # Windows
    _LIBC = None
_MALLOC_TRIM = getattr(_LIBC, "malloc_trim", None)  # glibc only
_PRCTL = getattr(_LIBC, "prctl", None)  # Linux only
_PR_SET_PDEATHSIG = 1


def _give_back_freed_memory() -> None:
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
    # Arrow's own allocator (Arrow files, pandas' text columns) keeps what was freed as well: after
    # reading and writing the ten per-site files of 10^5 patients, 116 MB.
    pa.default_memory_pool().release_unused()


def _contract_checked(load, *args):
    from caseseries.data.validate import ContractError

    try:
        return load(*args)
    except ContractError as error:
        raise UserFacingError(str(error)) from None


def validate_table(input, output, params) -> None:
    from caseseries.data.plausibility import from_config
    from caseseries.data.validate import load_table

    table = Path(output[0]).stem
    frame = _contract_checked(load_table, Path(params.raw_dir), table, from_config(params.plausibility))
    tables.write(frame, output[0])
    log.info("%s: %d rows validated", table, len(frame))


def validate_dataset(input, output, params) -> None:
    from caseseries.data.plausibility import from_config
    from caseseries.data.validate import load_dataset_description

    description = _contract_checked(load_dataset_description, Path(params.raw_dir), from_config(params.plausibility))
    tables.write_json(description, output[0])


def _with_visits(frame: pd.DataFrame, visit_config: list[dict]) -> pd.DataFrame:
    assigned = visits.assign(frame, visit_config)
    outside = assigned[assigned["visit_status"] == visits.OUTSIDE]
    for row in outside.itertuples():
        log.warning("assessment of %s on day %s is in no visit window", row.patient_id, row.day)
    return assigned


@_when_worker_idle
def split_by_site(input, output, params) -> None:
    from caseseries.data.sharding import split_by_site as split

    shards = {Path(path).parent.name: path for path in output}
    parts = split(tables.read(input.assessments), tables.read(input.patients), list(shards))
    for shard, path in shards.items():
        tables.write(parts[shard], path)
        log.info("site %s: %d rows", shard, len(parts[shard]))


@_when_worker_idle
def score_isncsci(input, output, params) -> None:
    from caseseries.instruments import isncsci

    exams = tables.read(input.exams)
    classified = isncsci.classify(exams)
    keep = ["patient_id", "day", "line", "recorded_ais", "standard"]
    scored = pd.concat([exams[keep], classified], axis=1)
    tables.write(_with_visits(scored, params.visits), output[0])


@_when_worker_idle
def score_scim(input, output, params) -> None:
    from caseseries.instruments import scim

    assessments = tables.read(input.scim)
    scored = scim.score(assessments).assign(line=assessments["line"])
    tables.write(_with_visits(scored, params.visits), output[0])


ISNCSCI_KEEP = ["ais", "neurological_level", "complete", "uems", "lems", "motor_total", "lt_total", "pp_total"]
SCIM_KEEP = ["scim_self_care", "scim_respiration_sphincter", "scim_mobility", "scim_total"]


def _selected(scored: pd.DataFrame, keep: list[str], day_column: str) -> pd.DataFrame:
    chosen = scored[scored["visit_status"] == visits.SELECTED]
    return chosen[["patient_id", "visit", "day", *keep]].rename(columns={"day": day_column})


def _gather(paths, columns=None) -> pd.DataFrame:
    """The per-site tables as one (only `columns`, if given), in raw-file order."""
    parts = [tables.read(path, columns) for path in paths]
    return pd.concat(parts, ignore_index=True).sort_values("line", ignore_index=True)


# What outcomes_by_visit takes from the scored ISNCSCI exams (not the left/right levels and zones).
ISNCSCI_USED = ["patient_id", "day", "line", "recorded_ais", "standard", "visit", "visit_status", *ISNCSCI_KEEP]


def outcomes_by_visit(input, output, params) -> None:
    isncsci_scored = _gather(input.isncsci, ISNCSCI_USED)
    scim_scored = _gather(input.scim)
    patient_ids = sorted(tables.read(input.patients)["patient_id"])
    visit_names = [v["name"] for v in params.visits]
    found = quality.problems(isncsci_scored, scim_scored, patient_ids, params.visits, params.data_quality)
    if found:
        raise UserFacingError(
            f"{len(found)} data-quality problem(s) (config.yaml data_quality says error):\n  " + "\n  ".join(found)
        )

    # Every patient x visit, so a missed visit is an explicit empty row, never a silent absence.
    grid = pd.MultiIndex.from_product([patient_ids, visit_names], names=["patient_id", "visit"]).to_frame(index=False)
    outcomes = grid.merge(_selected(isncsci_scored, ISNCSCI_KEEP, "isncsci_day"), on=["patient_id", "visit"], how="left")
    outcomes = outcomes.merge(_selected(scim_scored, SCIM_KEEP, "scim_day"), on=["patient_id", "visit"], how="left")
    outcomes.insert(2, "day", outcomes["isncsci_day"].fillna(outcomes["scim_day"]).astype("Int64"))
    outcomes["visit"] = pd.Categorical(outcomes["visit"], categories=visit_names, ordered=True)
    outcomes = outcomes.sort_values(["patient_id", "visit"])
    tables.write(outcomes, output.outcomes)

    assignment = pd.concat(
        [
            isncsci_scored[["patient_id", "day", "visit", "visit_status"]].assign(instrument="ISNCSCI"),
            scim_scored[["patient_id", "day", "visit", "visit_status"]].assign(instrument="SCIM-III"),
        ]
    )
    assignment = assignment[["instrument", "patient_id", "day", "visit", "visit_status"]]
    tables.write(assignment.sort_values(["instrument", "patient_id", "day"]), output.assignment)

    recorded = isncsci_scored.dropna(subset=["recorded_ais"])
    check = recorded[["patient_id", "day", "line", "recorded_ais", "standard", "ais", "neurological_level"]]
    tables.write(check.assign(agrees=(check["recorded_ais"] == check["ais"]).map({True: "yes", False: "no"})),
                 output.ais_check)


def statistics(input, output, params) -> None:
    from caseseries.analysis import stats

    outcomes = tables.read(input[0])
    names = list(params.outcomes)
    day_columns = {name: f"{spec['instrument']}_day" for name, spec in params.outcomes.items()}
    config = dict(params.statistics)
    visit_names = [v["name"] for v in params.visits]
    baseline, followups = visit_names[0], visit_names[1:]
    tables.write(stats.describe(outcomes, names, visit_names), output.descriptives)
    tables.write(stats.paired_changes(outcomes, names, baseline, followups, config, day_columns), output.changes)
    tables.write(stats.friedman(outcomes, names, visit_names, config, day_columns), output.friedman)
    shift, summary = stats.ais_shift(outcomes, baseline, followups[-1])
    tables.write(shift.rename_axis("baseline").reset_index(), output.ais_shift)
    summary = {"baseline": baseline, "followup": followups[-1], **summary}
    tables.write_json(summary, output.ais_summary)


def responders(input, output, params) -> None:
    from caseseries.analysis import responders as thresholds

    outcomes = tables.read(input.outcomes, ["patient_id", "visit", *params.responders])  # only what it uses
    visit_names = [v["name"] for v in params.visits]
    changes = thresholds.patient_changes(outcomes, dict(params.responders), visit_names[0], visit_names[1:])
    tables.write(changes, output.changes)
    tables.write(thresholds.summary(changes, dict(params.responders)), output.summary)


LISTING_COLUMNS = ["patient_id", "visit", "day", "ais", "neurological_level", "uems", "lems", "motor_total",
                   "lt_total", "pp_total", "scim_total"]


def patient_tables(input, output, params) -> None:
    from caseseries.analysis import cohort

    patients = tables.read(input.patients)
    outcomes = tables.read(input.outcomes, LISTING_COLUMNS)  # the listing's columns are all it uses
    first, last = params.visits[0]["name"], params.visits[-1]["name"]
    at = {
        visit: outcomes[outcomes["visit"] == visit].set_index("patient_id")[["ais", "neurological_level"]]
        for visit in (first, last)
    }
    characteristics = patients.set_index("patient_id").join(at[first].add_prefix(f"{first}_"))
    characteristics = characteristics.join(at[last][["ais"]].add_prefix(f"{last}_"))
    tables.write(characteristics.reset_index().sort_values("patient_id"), output.characteristics)
    tables.write(outcomes[LISTING_COLUMNS], output.listing)
    characteristics = characteristics.reset_index()
    tables.write(cohort.summary(characteristics, first, params.visits[0]["label"]), output.summary)
    tables.write(cohort.by_site(characteristics, outcomes, first, last), output.sites)


@_when_worker_idle
def safety(input, output, params) -> None:
    from caseseries.analysis import safety as safety_tables

    events = tables.read(input.adverse_events)
    findings = tables.read(input.findings)
    patient_ids = sorted(tables.read(input.patients)["patient_id"])
    tables.write(safety_tables.adverse_event_summary(events, len(patient_ids)), output.summary)
    tables.write(safety_tables.adverse_event_listing(events), output.listing)
    tables.write(safety_tables.safety_check_summary(findings, patient_ids), output.checks)


@_figure_step
def trajectories(input, output, params) -> None:
    from caseseries.report import figures as plots

    outcomes = tables.read(input.outcomes)
    outcome_labels = {name: spec["label"] for name, spec in params.outcomes.items()}
    if outcomes["patient_id"].nunique() <= params.listing_max_patients:
        day_columns = {name: f"{spec['instrument']}_day" for name, spec in params.outcomes.items()}
        figure = plots.trajectories(outcomes, outcome_labels, day_columns)
    else:
        sites = tables.read(input.patients)[["patient_id", "site"]]
        targets = {v["name"]: v["target"] for v in params.visits}
        figure = plots.median_trajectories(outcomes.merge(sites, on="patient_id"), outcome_labels, targets)
    plots.save(figure, *output.trajectories)


@_figure_step
def distributions(input, output, params) -> None:
    from caseseries.report import figures as plots

    outcomes = tables.read(input.outcomes)
    outcome_labels = {name: spec["label"] for name, spec in params.outcomes.items()}
    visit_labels = {v["name"]: v["label"] for v in params.visits}
    individual = outcomes["patient_id"].nunique() <= params.listing_max_patients
    figure = plots.distributions(outcomes, outcome_labels, visit_labels, params.seed, show_points=individual)
    plots.save(figure, *output.distributions)


@_figure_step
def ais_shift_figure(input, output, params) -> None:
    from caseseries.report import figures as plots

    visit_labels = {v["name"]: v["label"] for v in params.visits}
    shift = tables.read(input.ais_shift).set_index("baseline")
    figure = plots.ais_shift(shift, visit_labels[params.visits[0]["name"]], visit_labels[params.visits[-1]["name"]])
    plots.save(figure, *output.ais_shift)


@_figure_step
def timeline(input, output, params) -> None:
    from caseseries.report import figures as plots

    patients = tables.read(input.patients)
    assessments = tables.read(input.assignment)
    outcomes = tables.read(input.outcomes)
    events = tables.read(input.adverse_events)
    if len(patients) <= params.listing_max_patients:
        figure = plots.timeline(patients, assessments, outcomes, events)
    else:
        visit_labels = {v["name"]: v["label"] for v in params.visits}
        figure = plots.timeline_summary(patients, assessments, outcomes, events, visit_labels)
    plots.save(figure, *output.timeline)


@_figure_step
def waterfall(input, output, params) -> None:
    from caseseries.report import figures as plots

    outcome_labels = {name: spec["label"] for name, spec in params.outcomes.items()}
    visit_labels = {v["name"]: v["label"] for v in params.visits}
    figure = plots.waterfall(tables.read(input.changes), dict(params.responders), outcome_labels, visit_labels)
    plots.save(figure, *output.waterfall)


def _report_date(git: dict) -> str:
    """A date that does not change between two builds of the same commit (reproducible output)."""
    import datetime
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).date().isoformat()
    return git["date"] or "undated"


def _engine_words(description: str) -> str:
    """'embedded: pandoc 3.9 + typst 0.15.2' -> 'the embedded engine (pandoc 3.9 + typst 0.15.2)'."""
    kind, _, tools = description.partition(": ")
    return f"the embedded engine ({tools})" if kind == "embedded" and tools else description


def manuscript(input, output, params) -> None:
    import json
    import shutil

    import yaml

    from caseseries.report import formatting as fmt
    from caseseries.report import manuscript as ms
    from caseseries.report import provenance
    from caseseries.report.render import engine_description

    config = dict(params.config)
    repository = Path(__file__).resolve().parents[2]  # the checkout whose code is running
    dataset = json.loads(Path(input.dataset).read_text(encoding="utf-8"))
    checksums = pd.DataFrame(provenance.file_checksums(input.raw))
    versions = provenance.software_versions()
    git = provenance.git_state(repository)
    info = {
        "report_date": _report_date(git),
        "git": git,
        "versions": versions,
        "engine": _engine_words(engine_description(config["report"]["engine"])),
        "checksum_table": fmt.markdown_table(
            checksums.rename(columns={"file": "File", "bytes": "Bytes", "sha256": "SHA-256"}).assign(
                **{"SHA-256": lambda f: f["SHA-256"].map(fmt.code_span)}
            ),
            "lrl",
            markdown=("SHA-256",),
        ),
        "version_table": fmt.markdown_table(pd.DataFrame(versions.items(), columns=["Software", "Version"]), "ll"),
    }
    # The configuration goes to a supplementary file; the appendix names it with its SHA-256.
    tables.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), output.config)
    info["config_file"] = {"name": Path(output.config).name, "sha256": provenance.sha256(output.config)}
    sources = ("template", "bibliography", "quarto_project", "citation_style", "text_filter", "raw", "code")
    paths = {role: getattr(input, role) for role in input.keys() if role not in sources and getattr(input, role)}
    context = ms.build_context(paths, config, dataset, info)
    text = ms.render_template(Path(input.template), context)
    tables.write_text(text, output.qmd)
    # The rendered folder is a complete Quarto source: bibliography, project options (and the
    # figures, from manuscript_figures).
    shutil.copyfile(input.bibliography, output.bibliography)
    shutil.copyfile(input.quarto_project, output.quarto_project)
    shutil.copyfile(input.citation_style, output.citation_style)
    shutil.copyfile(input.text_filter, output.text_filter)


def manuscript_figures(input, output, params) -> None:
    import shutil

    for source, target in zip(input.figures, output.figures):
        shutil.copyfile(source, target)


def render(input, output, params) -> None:
    from caseseries.report import render as renderer

    target = Path(output[0])
    fmt_name = target.suffix.lstrip(".")
    renderer.render(Path(input.qmd), target.parent, formats=(fmt_name,), engine=params.engine)
    log.info("rendered %s", target)  # the project's path, not the machine's: logs are results too


def published_claims(input, output, params) -> None:
    from caseseries.analysis.claims import concordance

    results = {role: getattr(input, role) for role in input.keys() if role not in ("claims", "code")}
    table = concordance(Path(input.claims), results)
    tables.write(table, output[0])
    log.info("%d of %d published claims agree", (table["agrees"] == "yes").sum(), len(table))


def tables_workbook(input, output, params) -> None:
    from caseseries.report import workbook

    n_patients = len(tables.read(input.characteristics))
    chosen = workbook.tables_to_include({Path(path).stem: path for path in input.tables}, n_patients,
                                        params.listing_max_patients)
    workbook.write(chosen, output[0])
    log.info("%d of %d tables in %s (%d patients)", len(chosen), len(input.tables), output[0], n_patients)
