"""Time and peak memory of `python -m caseseries validate` on large generated datasets.

For each size (patients x 5 visits, 10 sites) the generator writes a consistent dataset into a
temporary folder; the scenarios then run `python -m caseseries validate` on it:

* `bad-cell`: one exam cell in the middle of isncsci.csv is set to '7' (not a motor grade): the
  failure path of issue 10 (a 200 MB isncsci.csv with one bad cell: <= 10 s, <= 1 GB);
* `valid`: the dataset as generated (the acceptance path; issue 13 wants 10^5 patients x
  5 visits, 500,000 exams, validated in a few seconds with < 1 GB).

Each run is its own measuring process, so that resource.getrusage(RUSAGE_CHILDREN) covers that
one validation only: wall time, CPU time (user + system, less sensitive to other load on a
shared machine) and peak RSS (max RSS of the validating process). The median of --repeat runs
is reported, with the machine and its load average.

--source REV validates with the library of git revision REV (via `git archive`), e.g. the
commit before a change, so that before/after numbers come from the same data and machine.

    .venv/bin/python benchmarks/bench_validate.py --patients 141000 --scenarios bad-cell
    .venv/bin/python benchmarks/bench_validate.py --patients 100000 --source HEAD~3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VISITS = "0,30,90,180,365"
BAD_VALUE = "7"


def library(source: str, folder: Path) -> Path:
    """The workflow/ folder whose `caseseries` is validated: the working tree or a git revision."""
    if source == "worktree":
        return REPO / "workflow"
    archive = subprocess.run(["git", "archive", source, "workflow"], cwd=REPO, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder / "workflow"


def environment(workflow_dir: Path) -> dict:
    return os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [str(workflow_dir), os.environ.get("PYTHONPATH")]))}


def generate(raw: Path, patients: int, seed: int, library_dir: Path) -> int:
    """The measured library's own generator (the same data for every revision: same seed)."""
    out = subprocess.run(
        [sys.executable, "-m", "caseseries", "simulate", "--patients", str(patients), "--sites", "10",
         "--visits", VISITS, "--seed", str(seed), "--out", str(raw)],
        capture_output=True, text=True, check=True, env=environment(library_dir),
    )
    return int(out.stdout.split(" exams")[0].split()[-1])


def break_one_cell(raw: Path) -> int:
    """Set the first motor cell of the middle data line of isncsci.csv to BAD_VALUE; its line."""
    path = raw / "isncsci.csv"
    data = path.read_bytes()
    lines = data.split(b"\n")
    middle = len(lines) // 2
    header = lines[0].split(b",")
    fields = lines[middle].split(b",")
    fields[header.index(b"right_motor_C5")] = BAD_VALUE.encode()
    lines[middle] = b",".join(fields)
    path.write_bytes(b"\n".join(lines))
    return middle + 1


def measure(args: argparse.Namespace) -> int:
    """Hidden sub-command: validate once; JSON on stdout (a process of its own, see above)."""
    env = environment(Path(args.library))
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "caseseries", "validate", args.raw], capture_output=True,
                            text=True, env=env, cwd=args.raw)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
        "returncode": result.returncode, "first_lines": (result.stdout + result.stderr).splitlines()[:2],
    }))
    return 0


def run_once(library_dir: Path, raw: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "_measure", "--library", str(library_dir), "--raw", str(raw)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", default="141000", help="comma-separated sizes (default 141000: ~200 MB isncsci.csv)")
    parser.add_argument("--scenarios", default="bad-cell,valid")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--source", default="worktree", help="worktree (default) or a git revision")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_validate_") as tmp:
        library_dir = library(args.source, Path(tmp))
        for patients in map(int, args.patients.split(",")):
            raw = Path(tmp) / f"raw_{patients}"
            exams = generate(raw, patients, args.seed, library_dir)
            isncsci_mb = (raw / "isncsci.csv").stat().st_size / 1e6
            total_mb = sum(p.stat().st_size for p in raw.iterdir()) / 1e6
            pristine = Path(tmp) / "isncsci.pristine"
            shutil.copyfile(raw / "isncsci.csv", pristine)
            for scenario in args.scenarios.split(","):
                shutil.copyfile(pristine, raw / "isncsci.csv")
                bad_line = break_one_cell(raw) if scenario == "bad-cell" else None
                runs = [run_once(library_dir, raw) for _ in range(args.repeat)]
                expected = 1 if scenario == "bad-cell" else 0
                if any(run["returncode"] != expected for run in runs):
                    raise SystemExit(f"{scenario}: unexpected outcome {runs[0]}")
                if bad_line and f"isncsci.csv line {bad_line}, column right_motor_C5" not in "\n".join(runs[0]["first_lines"]):
                    raise SystemExit(f"bad cell on line {bad_line} not reported: {runs[0]['first_lines']}")
                rows.append({
                    "source": args.source, "scenario": scenario, "patients": patients, "exams": exams,
                    "isncsci_mb": isncsci_mb, "dataset_mb": total_mb, "repeat": args.repeat,
                    **{key: statistics.median(run[key] for run in runs) for key in ("wall_s", "cpu_s", "peak_mb")},
                })
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.python_implementation()} "
          f"{platform.python_version()}; load average now {os.getloadavg()[0]:.1f}; library: {args.source}")
    print(f"{'scenario':9} {'patients':>9} {'exams':>8} {'isncsci MB':>10} {'dataset MB':>10} "
          f"{'wall s':>7} {'CPU s':>6} {'peak MB':>8}   (median of {args.repeat})")
    for row in rows:
        print(f"{row['scenario']:9} {row['patients']:>9,} {row['exams']:>8,} {row['isncsci_mb']:>10.0f} "
              f"{row['dataset_mb']:>10.0f} {row['wall_s']:>7.1f} {row['cpu_s']:>6.1f} {row['peak_mb']:>8.0f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_measure":
        measure_parser = argparse.ArgumentParser()
        measure_parser.add_argument("_measure")
        measure_parser.add_argument("--library", required=True)
        measure_parser.add_argument("--raw", required=True)
        sys.exit(measure(measure_parser.parse_args()))
    sys.exit(main())
