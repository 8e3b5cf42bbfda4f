"""The official ISNCSCI algorithm (Praxis Spinal Cord Institute, npm `isncsci`) as a test oracle.

The package is pinned with its integrity hash in package.json + package-lock.json next to this
file. `install()` runs `npm ci` into a cache OUTSIDE the work tree
(${XDG_CACHE_HOME:-~/.cache}/caseseries/isncsci-oracle/<hash of the lock file>), once per lock
file; `classify(exams)` sends the exams as one batch (plain CSV) to classify.js in one Node
process and returns its answers in this project's formats (strings; see classify.js).
"""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from caseseries.data import contract

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "classify.js"
MANIFESTS = ("package.json", "package-lock.json")


class OracleUnavailable(RuntimeError):
    """Node or npm is missing, or `npm ci` failed; the message says which."""


def cache_dir() -> Path:
    lock = hashlib.sha256(b"".join((HERE / name).read_bytes() for name in MANIFESTS)).hexdigest()[:16]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "caseseries" / "isncsci-oracle" / lock


def install() -> Path:
    """The node_modules folder holding the pinned package; installs it on first use."""
    target = cache_dir()
    modules = target / "node_modules"
    if (modules / "isncsci" / "package.json").is_file():
        return modules
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        raise OracleUnavailable(f"{' and '.join(missing)} not found on PATH (Debian: apt-get install nodejs npm)")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Install into a private folder, then rename: parallel test workers never see half an install.
    staging = Path(tempfile.mkdtemp(prefix="install-", dir=target.parent))
    for name in MANIFESTS:
        shutil.copy(HERE / name, staging / name)
    done = subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                          cwd=staging, capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise OracleUnavailable(f"npm ci failed in {staging}:\n{done.stderr[-2000:]}")
    try:
        staging.rename(target)
    except OSError:  # another worker finished first
        shutil.rmtree(staging, ignore_errors=True)
    return modules


def as_csv(exams: pd.DataFrame) -> str:
    """Header + one line per exam; contract values hold no commas or quotes, so no quoting."""
    text = "\n".join([",".join(exams.columns)] + [",".join(row) for row in exams.to_numpy(dtype=object).tolist()])
    if '"' in text or text.count(",") != (len(exams) + 1) * (len(exams.columns) - 1):
        raise ValueError("exam cells must not contain commas or quotes")
    return text + "\n"


def classify(exams: pd.DataFrame, modules: Path | None = None) -> tuple[pd.DataFrame, float]:
    """(answers, seconds inside the algorithm): one row of strings per exam, same index.

    Only the exam cells and the non-key muscle columns are sent (an empty cell: none given)."""
    modules = modules or install()
    wanted = [c for c in exams.columns if c in contract.ISNCSCI_EXAM_COLUMNS + contract.NONKEY_MUSCLE_COLUMNS]
    batch = as_csv(exams[wanted].fillna(""))
    done = subprocess.run(["node", str(DRIVER), str(modules)], input=batch, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the official algorithm failed:\n{done.stderr[-4000:]}")
    answers = json.loads(done.stdout)
    timing = json.loads(done.stderr.strip().splitlines()[-1])
    frame = pd.DataFrame(answers["data"], columns=answers["columns"], index=exams.index, dtype=str)
    return frame, timing["algorithm_seconds"]
