"""Shared fixtures."""

import fcntl
import os
import shutil

import pytest
from workflow_helpers import copy_project, digest, snakemake

from oracle import official

# The longest tests (seconds on 2 cores), started first: xdist hands tests out in collection order,
# and one of these started last would leave the other worker idle for minutes at the end.
LONGEST_FIRST = (
    "test_slurm.py::test_the_pipeline_runs_through_slurm_with_the_profile",  # ~150-210 s, mostly waiting
    "test_failures.py::test_a_run_killed_in_any_rule_completes_on_restart_with_identical_outputs",  # ~90
    "test_own_library.py::test_each_checkout_runs_its_own_library",  # ~40
    "test_failures.py::test_a_rebuild_killed_after_a_data_change_restarts_to_the_same_result_as_a_clean_build",
)


def pytest_collection_modifyitems(items):
    def rank(item):
        return next((i for i, name in enumerate(LONGEST_FIRST) if item.nodeid.endswith(name)), len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: the rest keep their order


@pytest.fixture(scope="session")
def example_build(tmp_path_factory, worker_id):
    """The committed example, built once per test run and shared by every xdist worker. Tests only
    read it; to change anything they work on a copy (workflow_helpers.built_copy)."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent  # this run's folder, which its workers share
    project, done = root / "example_build", root / "example_build.done"
    with open(root / "example_build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one worker builds; the others wait for it
        if not done.exists():
            shutil.rmtree(project, ignore_errors=True)
            copy_project(project)
            raw_before = digest(project / "data" / "raw")
            snakemake(project, "--cores", "2", check=True)
            assert digest(project / "data" / "raw") == raw_before, "the workflow modified data/raw"
            done.touch()
    return project


@pytest.fixture(scope="session")
def official_isncsci():
    """node_modules of the pinned official ISNCSCI algorithm (installed once into the user cache).

    Without Node/npm the tests that need it are skipped, with the reason; under CI (CI=true) they
    fail instead, so the differential test can never silently drop out of a CI run.
    """
    try:
        return official.install()
    except official.OracleUnavailable as reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the official ISNCSCI algorithm is required in CI: {reason}")
        pytest.skip(f"the official ISNCSCI algorithm is not available: {reason}")
