"""Every job imports the library of the checkout it runs in, whatever the environment points to.

Two checkouts share one environment. Each checkout's library is changed so that every process
importing it says so: it appends its process id and its own folder to a trace file. Snakemake
then runs in one checkout with PYTHONPATH pointing at the other (as an editable install of the
other checkout would, only more strongly: PYTHONPATH comes before site-packages), and the trace
must name the running checkout's library only: with jobs as threads of the Snakemake process (the
default profile) and with each job a process of its own (as on a cluster).
"""

import os
import re
import subprocess
from pathlib import Path

from workflow_helpers import SNAKEMAKE, copy_project

TRACE = '''
import os as _os

if _os.environ.get("CASESERIES_IMPORT_TRACE"):  # added by tests/test_own_library.py
    with open(_os.environ["CASESERIES_IMPORT_TRACE"], "a", encoding="utf-8") as _trace:
        _trace.write(f"{_os.getpid()} {_os.path.dirname(_os.path.abspath(__file__))}\\n")
'''
# Jobs of several rules: validation, per-site splitting and scoring, safety.
TARGETS = ["results/tables/adverse_event_summary.csv", "results/interim/sites/S1/scim_scored.csv"]
JOBS = 3 + 1 + 2 + 1  # validate adverse_events, safety_findings, patients; safety; validate scim, split; score
# With a process per job, fewer jobs (each process starts Snakemake and imports the library: ~3 s).
PROCESS_TARGETS = TARGETS[1:]
PROCESS_JOBS = 2 + 1 + 1  # validate scim, patients; split; score


def traced_checkout(folder: Path) -> Path:
    project = copy_project(folder)
    init = project / "workflow" / "caseseries" / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8") + TRACE, encoding="utf-8")
    return project


def imports_when_run(project: Path, other: Path, trace: Path, targets: list[str], jobs: int,
                     *options: str) -> dict[int, str]:
    """Run the targets in `project` with the environment pointing at `other`; pid -> library."""
    path = os.pathsep.join([str(other / "workflow"), *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "PYTHONPATH": path, "CASESERIES_IMPORT_TRACE": str(trace)}
    command = [*SNAKEMAKE, "--cores", "2", *options, *targets]
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(re.findall(r"^(?:local)?rule \w+:", result.stdout + result.stderr, re.M)) == jobs
    return dict(line.split(" ", 1) for line in trace.read_text(encoding="utf-8").splitlines())


def test_each_checkout_runs_its_own_library(tmp_path):
    first, second = traced_checkout(tmp_path / "first"), traced_checkout(tmp_path / "second")
    for project, other in ((first, second), (second, first)):
        # As configured (profiles/default): jobs are threads of the Snakemake process.
        imported = imports_when_run(project, other, tmp_path / f"{project.name}.trace", TARGETS, JOBS)
        assert set(imported.values()) == {str(project / "workflow" / "caseseries")}, imported
        # Without the profile each job is a process of its own (as on a cluster): every one of
        # them, and Snakemake itself, imported the library, all from here.
        imported = imports_when_run(project, other, tmp_path / f"{project.name}.processes.trace", PROCESS_TARGETS,
                                    PROCESS_JOBS, "--workflow-profile", "none", "--rerun-incomplete", "--forceall")
        assert len(imported) >= PROCESS_JOBS + 1, imported
        assert set(imported.values()) == {str(project / "workflow" / "caseseries")}, imported
