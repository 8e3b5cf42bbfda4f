"""Shared fixtures."""

import fcntl
import os
import shutil

import pytest
from workflow_helpers import copy_project, digest, snakemake

from oracle import official


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
