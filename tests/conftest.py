"""Shared fixtures."""

import os

import pytest

from oracle import official


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
