"""What every importer (REDCap, Excel) shares: the problem listing, the contract check of the
result, the all-or-nothing write into the raw-data folder, and the pseudonym key file.

An importer builds the contract tables as text, then calls `publish(...)`. The tables are written
to a scratch folder and checked there by `validate.load_raw`, with the privacy guard, exactly as
the pipeline will check them. Only when nothing is found are the files copied into the output
folder (each through a side file and a rename); on any problem nothing is written and every
problem is listed, each translated back to where it came from in the source (record, event and
field of a REDCap export; sheet and cell of a workbook) by the importer's `locate`.
"""

from __future__ import annotations

import csv
import io
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from caseseries.data import contract as c

LISTING_LIMIT = 300


@dataclass(frozen=True)
class ImportProblem:
    """One problem, located in the source (`where`), with the value found and the rule broken."""

    where: str
    value: str | None
    rule: str

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.where}: {self.rule}"
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"{self.where}, value {shown!r}: {self.rule}"


class ImportFailed(Exception):
    """The source cannot be imported; `.problems` lists every problem found."""

    def __init__(self, source: str, problems: list[ImportProblem]):
        self.source = source
        self.problems = list(dict.fromkeys(problems))  # each once, in the order found
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in {source}; nothing was written:"]
        lines += [f"  {p}" for p in self.problems[:LISTING_LIMIT]]
        if n > LISTING_LIMIT:
            lines.append(f"  ... and {n - LISTING_LIMIT} more")
        super().__init__("\n".join(lines))


def csv_bytes(columns: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 CSV with "\\n" line ends, quoting only where needed (as the example files are written)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def dataset_yaml(description: dict) -> bytes:
    """dataset.yaml as the example's generator writes it (key order kept)."""
    return yaml.safe_dump(description, sort_keys=False, allow_unicode=True, width=10_000).encode("utf-8")


def publish(
    files: dict[str, bytes],
    out_dir: Path,
    source: str,
    locate: Callable[[object], str],
    private: dict[Path, bytes] | None = None,
) -> list[Path]:
    """Check `files` (contract file name -> bytes) as the pipeline will; if they pass, write them
    into out_dir and then the `private` files (the pseudonym key); else raise ImportFailed.

    `locate(problem)` turns a validate.Problem (file, line, column) into a place in the source.
    """
    from caseseries.data.validate import ContractError, load_raw

    with tempfile.TemporaryDirectory(prefix="caseseries-import-") as scratch:
        for name, data in files.items():
            (Path(scratch) / name).write_bytes(data)
        try:
            load_raw(Path(scratch))
        except ContractError as error:
            problems = [ImportProblem(locate(p), p.value, p.rule) for p in error.problems]
            raise ImportFailed(source, problems) from None
    written = []
    outputs = [(Path(out_dir) / name, data, False) for name, data in files.items()]
    for path, data, secret in outputs + [(path, data, True) for path, data in (private or {}).items()]:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        if secret:
            partial.chmod(0o600)  # the key: readable by its owner only
        partial.replace(path)
        written.append(path)
    return written


def contract_files(tables: dict[str, tuple[list[str], list[list[str]]]], description: dict) -> dict[str, bytes]:
    """{table: (columns, rows)} and the dataset description -> contract file name -> bytes."""
    files = {c.RAW_FILES[name]: csv_bytes(*tables[name]) for name in c.RAW_FILES}
    files[c.DATASET_DESCRIPTION] = dataset_yaml(description)
    return files


# --- the pseudonym key -------------------------------------------------------------------------

KEY_COLUMNS = ("source_id", "patient_id")


def _git(directory: Path, *args: str) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True)
    except OSError:  # no git: nothing to ask
        return None


def _nearest_existing(path: Path) -> Path:
    while not path.exists():
        path = path.parent
    return path


def key_location_problems(key: Path, out_dir: Path, inputs: list[Path]) -> list[ImportProblem]:
    """The key links pseudonyms to record ids: it may not go into the output folder, overwrite an
    input, or lie in a git repository unless git ignores that path (so it is never committed)."""
    where = f"--key-out {key}"
    key, out_dir = key.resolve(), out_dir.resolve()
    if key.is_relative_to(out_dir):
        return [ImportProblem(where, None, "lies inside the output folder; the key must stay private: "
                                           "put it outside the raw data (e.g. PRIVATE/keys.csv)")]
    if any(key == Path(path).resolve() for path in inputs):
        return [ImportProblem(where, None, "is one of the input files; choose another file name")]
    if key.is_dir():
        return [ImportProblem(where, None, "is a folder; give a file name such as keys.csv")]
    top = _git(_nearest_existing(key.parent), "rev-parse", "--show-toplevel")
    if top is None or top.returncode != 0:
        return []  # not in a git work tree
    root = Path(top.stdout.strip())
    relative = str(key.relative_to(root.resolve()))
    tracked = _git(root, "ls-files", "--error-unmatch", "--", relative)
    ignored = _git(root, "check-ignore", "-q", "--", relative)
    if (tracked and tracked.returncode == 0) or not (ignored and ignored.returncode == 0):
        return [ImportProblem(where, None, "lies in the git repository where it could be committed; put it "
                                           "outside the repository or in a git-ignored folder (PRIVATE/ is ignored)")]
    return []


def export_location_problems(inputs: list[Path], out_dir: Path) -> list[ImportProblem]:
    """An export holds identifiers: it may not sit in the raw-data folder, which is shared."""
    out_dir = out_dir.resolve()
    return [
        ImportProblem(str(path.name), None, "lies inside the output folder; keep the export (it holds "
                                            "identifiers) outside the raw data")
        for path in inputs
        if Path(path).resolve().is_relative_to(out_dir)
    ]


def read_key(key: Path) -> tuple[dict[str, str], list[ImportProblem]]:
    """Existing key file: source id -> patient id, so that a later export keeps the same ids."""
    if not key.is_file():
        return {}, []
    with open(key, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows or tuple(rows[0]) != KEY_COLUMNS or any(len(row) != 2 for row in rows[1:]):
        return {}, [ImportProblem(f"--key-out {key}", None,
                                  f"exists but is not a key file (columns {', '.join(KEY_COLUMNS)})")]
    return {source: patient for source, patient in rows[1:]}, []


def assign_pseudonyms(source_ids: list[str], known: dict[str, str], prefix: str) -> dict[str, str]:
    """Pseudonyms P01, P02, ... in the order of `source_ids`; ids in `known` keep theirs."""
    width = max(2, len(str(len(source_ids) + len(known))))
    taken = set(known.values())
    key = dict(known)
    number = 0
    for source in source_ids:
        if source in key:
            continue
        number += 1
        while f"{prefix}{number:0{width}d}" in taken:
            number += 1
        key[source] = f"{prefix}{number:0{width}d}"
        taken.add(key[source])
    return key


def key_bytes(key: dict[str, str]) -> bytes:
    rows = sorted(([source, patient] for source, patient in key.items()), key=lambda row: row[1])
    return csv_bytes(list(KEY_COLUMNS), rows)
