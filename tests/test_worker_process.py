"""The worker process that figure steps, and per-site and safety steps when it is idle, run in
during a local run on two or more cores (caseseries.steps.start_worker_process). Each test runs a
short script in its own process: the worker is forked, which this test process (with
pytest-xdist's threads) must not do."""

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

WORKFLOW = Path(__file__).resolve().parents[1] / "workflow"

PRELUDE = """
import os, signal, sys
from pathlib import Path
from types import SimpleNamespace
from caseseries import steps

log_file = Path(sys.argv[1])
run = os.getpid()  # the run's process (the worker is another)


@steps._when_worker_idle  # says where it ran
def per_site(input, output, params):
    print("scored in", "the run" if os.getpid() == run else "the worker", flush=True)
"""


def run_script(body: str, log_file: Path) -> subprocess.CompletedProcess:
    """The script's output goes through files, not pipes: a worker process left behind would hold a
    pipe open, and reading it would wait for that process instead of the script."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(WORKFLOW), *filter(None, [os.environ.get("PYTHONPATH")])])}
    code = PRELUDE + textwrap.dedent(body)
    out, err = log_file.with_suffix(".out"), log_file.with_suffix(".err")
    with open(out, "w") as stdout, open(err, "w") as stderr:
        done = subprocess.run([sys.executable, "-c", code, str(log_file)], stdout=stdout, stderr=stderr, env=env,
                              timeout=120)
    return subprocess.CompletedProcess(done.args, done.returncode, out.read_text(), err.read_text())


def test_a_step_that_draws_runs_in_the_worker_process_and_logs_to_its_job_log(tmp_path):
    log_file = tmp_path / "noisy.log"
    done = run_script(f"""
        def noisy(input, output, params):
            steps.log.warning("drawn in process %d", os.getpid())
            Path(output[0]).write_text("drawn")
        noisy.draws = True

        steps.start_worker_process({{noisy}})
        steps.run(noisy, [], [r"{tmp_path / 'figure.png'}"], SimpleNamespace(), [log_file])
        print(os.getpid())
    """, log_file)
    assert done.returncode == 0, done.stderr
    lines = log_file.read_text().splitlines()
    assert len(lines) == 2, lines
    # the step's own record first (written by the worker process), then the job's closing line
    assert lines[0].startswith("WARNING drawn in process ") and lines[0].split()[-1] != done.stdout.strip()
    assert lines[1].startswith("INFO noisy: ") and lines[1].endswith("s CPU in the worker process")
    assert (tmp_path / "figure.png").read_text() == "drawn"


def test_a_per_site_step_runs_in_a_worker_only_when_one_has_nothing_else_to_do(tmp_path):
    log_file = tmp_path / "per_site.log"
    done = run_script(f"""
        import threading, time
        release = Path(r"{tmp_path / 'release'}")

        def slow_figure(input, output, params):
            Path(output[0]).touch()  # started
            while not release.exists():
                time.sleep(0.01)
        slow_figure.draws = True

        def job(step, log, output=()):
            steps.run(step, [], list(output), SimpleNamespace(), [log_file.with_suffix(log)])

        steps.start_worker_process({{slow_figure, per_site}})
        while steps._worker_tasks:  # a worker counts as busy until it has started
            time.sleep(0.01)
        job(per_site, ".idle.log")
        figures = []
        for n in range(steps.WORKER_PROCESSES):  # one more worker drawing each time
            started = Path(r"{tmp_path}") / f"started{{n}}"
            figures.append(threading.Thread(target=job, args=(slow_figure, f".figure{{n}}.log", [started])))
            figures[-1].start()
            while not started.exists():
                time.sleep(0.01)
            job(per_site, f".busy{{n}}.log")
        release.touch()
        for figure in figures:
            figure.join()
        job(per_site, ".after.log")
        print(steps.WORKER_PROCESSES)
    """, log_file)
    assert done.returncode == 0, done.stderr
    *where, workers = done.stdout.splitlines()
    workers = int(workers)
    assert workers >= 2
    assert where == ["scored in the worker"] * workers + ["scored in the run", "scored in the worker"]
    assert (tmp_path / "per_site.idle.log").read_text().endswith("s CPU in the worker process\n")
    assert "worker" not in (tmp_path / f"per_site.busy{workers - 1}.log").read_text()


def test_the_safety_tables_are_made_in_an_idle_worker_as_in_the_run(example_build, tmp_path):
    # The workflow's safety job ran in whichever process was free; here it runs in an idle worker.
    validated = example_build / "results" / "interim" / "validated"
    names = {"summary": "adverse_event_summary.csv", "listing": "adverse_event_listing.csv",
             "checks": "safety_checks.csv"}
    log_file = tmp_path / "safety.log"
    done = run_script(f"""
        import time
        steps.start_worker_process({{steps.safety}})
        while steps._worker_tasks:  # a worker counts as busy until it has started
            time.sleep(0.01)
        inputs = SimpleNamespace(adverse_events=r"{validated / 'adverse_events.csv'}",
                                 findings=r"{validated / 'safety_findings.csv'}",
                                 patients=r"{validated / 'patients.csv'}")
        outputs = SimpleNamespace(**{{key: rf"{tmp_path}/{{name}}" for key, name in {names!r}.items()}})
        steps.run(steps.safety, inputs, outputs, SimpleNamespace(), [log_file])
    """, log_file)
    assert done.returncode == 0, done.stderr
    assert log_file.read_text().endswith("s CPU in the worker process\n")
    for name in names.values():
        assert (tmp_path / name).read_bytes() == (example_build / "results" / "tables" / name).read_bytes(), name


def test_a_per_site_step_runs_in_the_run_when_the_worker_died_before_it(tmp_path):
    log_file = tmp_path / "per_site.log"
    done = run_script("""
        from concurrent.futures.process import BrokenProcessPool

        steps.start_worker_process({per_site})
        worker = steps._worker
        os.kill(worker.submit(os.getpid).result(), signal.SIGKILL)  # between two steps
        while True:  # until the pool knows (meanwhile another worker may answer)
            try:
                worker.submit(os.getpid).result()
            except BrokenProcessPool:
                break
        steps.run(per_site, [], [], SimpleNamespace(), [log_file])
        steps.run(per_site, [], [], SimpleNamespace(), [log_file.with_suffix(".next.log")])
        print("worker left:", steps._worker is not None)
    """, log_file)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["scored in the run", "scored in the run", "worker left: False"]


def test_every_rule_runs_the_step_of_its_name():
    # The run plans the worker process from its jobs' rule names (common.smk, planned_steps).
    rules = "\n".join(path.read_text() for path in (WORKFLOW / "rules").glob("*.smk"))
    blocks = re.findall(r"^rule (\w+):\n(.*?)(?=^rule |\Z)", rules, flags=re.S | re.M)
    assert len(blocks) > 15
    for rule, body in blocks:
        assert re.findall(r"steps\.run\(steps\.(\w+),", body) == [rule], rule


@pytest.mark.parametrize("cores", [1, 2])
def test_a_figure_job_holds_a_job_slot_only_when_it_is_not_drawn_in_the_worker(tmp_path, cores):
    # With the worker (two cores or more), a figure is drawn in a process of its own, one at a time
    # (the `drawing` resource): it must not keep a job of this process waiting for a slot.
    from caseseries import steps
    from workflow_helpers import copy_project, snakemake

    planned = snakemake(copy_project(tmp_path), "--dry-run", "--cores", str(cores), check=True).stdout
    jobs = re.findall(r"^rule (\w+):\n(.*?)(?=^\S|\Z)", planned, flags=re.S | re.M)
    assert len(jobs) > 20
    for rule, block in jobs:
        threads = int(re.search(r"threads: (\d+)", block)[1]) if "threads:" in block else 1
        drawing = re.search(r"drawing=(\d+)", block)
        if getattr(getattr(steps, rule, None), "draws", False):
            assert (threads, int(drawing[1])) == ((0, 1) if cores > 1 else (1, 0)), rule
        else:
            assert (threads, drawing) == (1, None), rule


def test_the_worker_starts_only_for_steps_that_can_run_there_and_imports_plotting_only_to_draw(tmp_path):
    done = run_script("""
        import time

        def in_each_worker(expression):
            # each task holds its worker a while, so that every worker takes one
            tasks = [steps._worker.submit(eval, f"(__import__('time').sleep(0.5), __import__('os').getpid(), {expression})")
                     for _ in range(steps.WORKER_PROCESSES)]
            answers = [task.result()[1:] for task in tasks]
            assert len({pid for pid, _ in answers}) == steps.WORKER_PROCESSES
            return sorted({answer for _, answer in answers})

        imported = "tuple(name in __import__('sys').modules for name in ('matplotlib', 'seaborn', 'scipy.stats'))"
        steps.start_worker_process({steps.tables_workbook, steps.statistics, None})
        print(steps._worker is None)
        steps.start_worker_process({steps.score_scim, None})
        print(in_each_worker(imported), eval(imported))
        steps.start_worker_process({steps.score_scim, steps.trajectories})
        print(in_each_worker(imported), eval(imported))
    """, tmp_path / "unused.log")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "True",
        "[(False, False, False)] (False, False, False)",
        # SciPy's statistics, which seaborn imports, imported by the run before the fork: shared
        "[(True, True, True)] (False, False, True)",
    ]


def test_an_error_in_the_worker_process_fails_the_job_with_the_traceback_in_its_log(tmp_path):
    log_file = tmp_path / "ais_shift_figure.log"
    missing = tmp_path / "ais_shift.csv"
    done = run_script(f"""
        steps.start_worker_process({{steps.ais_shift_figure}})
        try:
            steps.run(steps.ais_shift_figure, SimpleNamespace(ais_shift=r"{missing}"),
                      SimpleNamespace(ais_shift=["a.png", "a.svg"]),
                      SimpleNamespace(visits=[{{"name": "baseline", "label": "Pre"}}]), [log_file])
        except steps.WorkerError as error:
            print(error)
    """, log_file)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("FileNotFoundError: ")
    text = log_file.read_text()
    assert text.startswith("ERROR step ais_shift_figure failed")
    # the worker process's own traceback, down to the step that failed there
    assert "Traceback" in text and 'in ais_shift_figure\n' in text and str(missing) in text


def fail_then_draw(failing_body: str, log_file: Path) -> list[str]:
    """A step that fails in the worker process (`failing_body`), then one that draws: the script's
    output lines (the error, then where the second step ran)."""
    done = run_script(f"""
        {textwrap.indent(textwrap.dedent(failing_body), " " * 8).strip()}
        failing.draws = True

        def drawing(input, output, params):
            print("drawn in", "the run" if os.getpid() == run else "another process")
        drawing.draws = True

        steps.start_worker_process({{failing, drawing}})
        try:
            steps.run(failing, [], [], SimpleNamespace(), [log_file])
        except steps.WorkerError as error:
            print(error)
        steps.run(drawing, [], [], SimpleNamespace(), [log_file.with_suffix(".next.log")])
    """, log_file)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_an_error_that_cannot_be_sent_back_fails_only_its_own_job(tmp_path):
    # An exception that does not survive pickling would have broken the worker process for every
    # later figure job of the run.
    lines = fail_then_draw("""
        class Unsendable(Exception):
            def __init__(self, what, where):  # unpickling calls Unsendable(what): TypeError
                super().__init__(what)

        def failing(input, output, params):
            raise Unsendable("no such panel", "here")
    """, tmp_path / "failing.log")
    assert lines == ["Unsendable: no such panel", "drawn in another process"]
    failing_log = (tmp_path / "failing.log").read_text()
    assert failing_log.startswith("ERROR step failing failed\nTraceback") and "in failing\nUnsendable: no such panel" in failing_log


def test_figures_are_drawn_in_the_run_after_the_worker_process_died(tmp_path):
    lines = fail_then_draw("""
        def failing(input, output, params):
            os.kill(os.getpid(), signal.SIGKILL)
    """, tmp_path / "dying.log")
    assert lines == ["the worker process ended while it ran failing (killed? out of memory?)", "drawn in the run"]
    assert (tmp_path / "dying.log").read_text().startswith("ERROR the worker process ended while it ran failing")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_the_worker_process_dies_with_the_run_that_started_it(tmp_path):
    # A killed run must leave no worker process behind that could still write figures.
    done = run_script("""
        steps.start_worker_process({steps.trajectories})
        print(steps._worker.submit(os.getpid).result(), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """, tmp_path / "unused.log")
    assert done.returncode == -9
    worker = int(done.stdout)
    deadline = time.monotonic() + 20
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker), f"worker process {worker} outlived the killed run"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its parent has not reaped it yet
