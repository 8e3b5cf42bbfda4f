"""Provenance for the report's appendix: input checksums, software versions, git state."""

import hashlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("snakemake", "pandas", "numpy", "scipy", "pingouin", "statsmodels", "seaborn", "matplotlib",
            "jinja2", "pyarrow", "pypandoc-binary", "typst")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_checksums(paths) -> list[dict]:
    return [{"file": Path(p).name, "bytes": Path(p).stat().st_size, "sha256": sha256(p)} for p in sorted(paths, key=lambda p: Path(p).name)]


def software_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _git(*args: str, cwd: Path) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def git_state(repo: Path) -> dict:
    """Commit, commit date and whether tracked files differ from it (untracked results/ do not count)."""
    commit = _git("rev-parse", "HEAD", cwd=repo)
    if commit is None:
        return {"commit": "not a git checkout", "dirty": None, "date": None}
    status = _git("status", "--porcelain", "--untracked-files=no", cwd=repo)
    return {"commit": commit, "dirty": bool(status), "date": _git("log", "-1", "--format=%cs", cwd=repo)}
