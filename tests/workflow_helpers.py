"""Running the whole workflow on a temporary copy of the project, for the end-to-end tests."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
PROJECT_FILES = ("Snakefile", "config.yaml")
PROJECT_DIRS = ("workflow", "report", "data", "envs", "profiles")


def copy_project(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        shutil.copy(REPO / name, target / name)
    for name in PROJECT_DIRS:
        shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def built_copy(project: Path, target: Path) -> Path:
    """A copy of a built project, results and Snakemake's records included, with every file's
    modification time kept: up to date as the original is."""
    shutil.copytree(project, target, symlinks=True)
    planned = snakemake(target, "--dry-run", check=True)
    assert "Nothing to be done" in planned.stdout + planned.stderr, planned.stdout[-2000:]
    return target


def own_library(project: Path) -> dict:
    """Environment in which the copy runs its own library, not the editable install's."""
    paths = [str(project / "workflow"), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def snakemake(project: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    result = subprocess.run([*SNAKEMAKE, *args], cwd=project, capture_output=True, text=True, env=own_library(project))
    if check:
        assert result.returncode == 0, result.stderr[-4000:]
    return result


def digest(folder: Path) -> dict:
    """File name (relative to folder) -> SHA-256, for every file below folder."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def products(project: Path) -> dict:
    """Checksums of everything a build delivers: tables, figures and the rendered manuscript."""
    results = project / "results"
    found = {f"tables/{k}": v for k, v in digest(results / "tables").items()}
    found |= {f"figures/{k}": v for k, v in digest(results / "figures").items()}
    found |= {f"report/{k}": v for k, v in digest(results / "report").items()}
    return found


def change_one_scim_value(project: Path) -> None:
    """Toggle one SCIM-III value in data/raw (so that repeated calls keep changing the data)."""
    scim = project / "data" / "raw" / "scim.csv"
    lines = scim.read_text().splitlines(keepends=True)
    fields = lines[1].split(",")
    fields[2] = "2" if fields[2] != "2" else "3"  # item_01 (feeding) of the first assessment
    lines[1] = ",".join(fields)
    scim.write_text("".join(lines))
