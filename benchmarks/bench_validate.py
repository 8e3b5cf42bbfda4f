"""Time and peak memory of validation on large generated datasets, alone and in the workflow.

For each size (patients x 5 visits, 10 sites) the measured library's generator writes a
consistent dataset into a temporary folder; then each scenario runs on it:

* `bad-cell`: `python -m caseseries validate` with one exam cell in the middle of isncsci.csv
  set to '7' (not a motor grade): the failure path of issue 10 (a 200 MB isncsci.csv with one bad
  cell: <= 10 s, <= 1 GB);
* `valid`: `python -m caseseries validate` on the dataset as generated (issue 13 wants 10^5
  patients x 5 visits, 500,000 exams, validated in a few seconds with < 1 GB);
* `workflow-bad-cell`: `snakemake --cores 2` in a copy of the project on the dataset with the bad
  cell: how long and how much memory a run costs before it stops, and how many jobs it started
  (counted from results/logs: every job writes its log).

Each run is its own measuring process, so that resource.getrusage(RUSAGE_CHILDREN) covers that
one run only: wall time, CPU time (user + system of every process; less sensitive than wall
time to other load on a shared machine) and peak RSS (the largest single process). The median
of --repeat runs is reported, with the machine and its load average.

--source REV measures the project at git revision REV (via `git archive`), e.g. the commit
before a change, so that before/after numbers come from the same data and machine.

    .venv/bin/python benchmarks/bench_validate.py                      # 141,000 patients: 200 MB isncsci.csv
    .venv/bin/python benchmarks/bench_validate.py --patients 100000 --source HEAD~3 --scenarios bad-cell
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

import yaml

REPO = Path(__file__).resolve().parents[1]
PROJECT = ("Snakefile", "config.yaml", "workflow", "report", "envs", "profiles")
VISITS = "0,30,90,180,365"
BAD_VALUE = "7"
SCENARIOS = ("bad-cell", "valid", "workflow-bad-cell")


def project_snapshot(source: str, folder: Path) -> Path:
    """The project files (not data/) of the working tree or of a git revision."""
    folder.mkdir(parents=True)
    if source == "worktree":
        for name in PROJECT:
            copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy
            copy(REPO / name, folder / name)
    else:
        archive = subprocess.run(["git", "archive", source, *PROJECT], cwd=REPO, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def environment(workflow_dir: Path) -> dict:
    path = os.pathsep.join(filter(None, [str(workflow_dir), os.environ.get("PYTHONPATH")]))
    return os.environ | {"PYTHONPATH": path, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def generate(raw: Path, patients: int, seed: int, project: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-m", "caseseries", "simulate", "--patients", str(patients), "--sites", "10",
         "--visits", VISITS, "--seed", str(seed), "--out", str(raw)],
        capture_output=True, text=True, check=True, env=environment(project / "workflow"),
    )
    return int(out.stdout.split(" exams")[0].split()[-1])


def break_one_cell(raw: Path) -> int:
    """Set the first motor cell of the middle data line of isncsci.csv to BAD_VALUE; its line."""
    path = raw / "isncsci.csv"
    lines = path.read_bytes().split(b"\n")
    middle = len(lines) // 2
    fields = lines[middle].split(b",")
    fields[lines[0].split(b",").index(b"right_motor_C5")] = BAD_VALUE.encode()
    lines[middle] = b",".join(fields)
    path.write_bytes(b"\n".join(lines))
    return middle + 1


def workflow_copy(snapshot: Path, raw: Path, folder: Path) -> Path:
    """A copy of the project reading `raw`, its visit windows those of the generated visits."""
    shutil.copytree(snapshot, folder)
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["data"]["raw_dir"] = str(raw)
    targets = [int(day) for day in VISITS.split(",")]
    config["visits"] = [config["visits"][0]] + [
        {"name": f"day{t}", "label": f"Day {t}", "target": t, "window": [t - 20, t + 20], "pick": "nearest"}
        for t in targets[1:]
    ]
    (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


def measure(args: argparse.Namespace) -> int:
    """Hidden sub-command: one run; JSON on stdout (a process of its own, see above)."""
    if args.workflow:
        command = [sys.executable, "-m", "snakemake", "--cores", "2"]
        cwd, env = args.workflow, environment(Path(args.workflow) / "workflow")
    else:
        command = [sys.executable, "-m", "caseseries", "validate", args.raw]
        cwd, env = args.raw, environment(Path(args.project) / "workflow")  # cwd: no config.yaml there
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    logs = Path(cwd) / "results" / "logs"
    print(json.dumps({
        "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
        "returncode": result.returncode, "output": result.stdout + result.stderr,
        "jobs_started": len(list(logs.glob("*.log"))) if logs.is_dir() else 0,
    }))
    return 0


def run_once(**options) -> dict:
    flags = [arg for key, value in options.items() for arg in (f"--{key}", str(value))]
    out = subprocess.run([sys.executable, __file__, "_measure", *flags], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def scenario_runs(scenario: str, snapshot: Path, raw: Path, tmp: Path, repeat: int) -> list[dict]:
    if scenario != "workflow-bad-cell":
        return [run_once(project=snapshot, raw=raw) for _ in range(repeat)]
    runs = []
    for i in range(repeat):  # a fresh copy each time: a first run, nothing built yet
        folder = workflow_copy(snapshot, raw, tmp / f"workflow_{i}")
        runs.append(run_once(workflow=folder))
        shutil.rmtree(folder)
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", default="141000", help="comma-separated sizes (default 141000: ~200 MB isncsci.csv)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--source", default="worktree", help="worktree (default) or a git revision")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_validate_") as tmp:
        tmp = Path(tmp)
        snapshot = project_snapshot(args.source, tmp / "project")
        for patients in map(int, args.patients.split(",")):
            raw = tmp / f"raw_{patients}"
            exams = generate(raw, patients, args.seed, snapshot)
            pristine = tmp / "isncsci.pristine"
            shutil.copyfile(raw / "isncsci.csv", pristine)
            isncsci_mb = pristine.stat().st_size / 1e6
            total_mb = sum(p.stat().st_size for p in raw.iterdir()) / 1e6
            for scenario in args.scenarios.split(","):
                shutil.copyfile(pristine, raw / "isncsci.csv")
                bad_line = break_one_cell(raw) if scenario != "valid" else None
                runs = scenario_runs(scenario, snapshot, raw, tmp, args.repeat)
                if any(run["returncode"] != (0 if bad_line is None else 1) for run in runs):
                    raise SystemExit(f"{scenario}: unexpected outcome\n{runs[0]['output'][-3000:]}")
                if bad_line and f"isncsci.csv line {bad_line}, column right_motor_C5" not in runs[0]["output"]:
                    raise SystemExit(f"{scenario}: the bad cell on line {bad_line} was not reported")
                rows.append({
                    "source": args.source, "scenario": scenario, "patients": patients, "exams": exams,
                    "isncsci_mb": isncsci_mb, "dataset_mb": total_mb, "repeat": args.repeat,
                    "jobs_started": max(run["jobs_started"] for run in runs),
                    **{key: statistics.median(run[key] for run in runs) for key in ("wall_s", "cpu_s", "peak_mb")},
                })
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.python_implementation()} "
          f"{platform.python_version()}; load average now {os.getloadavg()[0]:.1f}; project: {args.source}")
    print(f"{'scenario':18} {'patients':>9} {'exams':>8} {'isncsci MB':>10} {'dataset MB':>10} "
          f"{'wall s':>7} {'CPU s':>6} {'peak MB':>8} {'jobs':>5}   (median of {args.repeat})")
    for row in rows:
        print(f"{row['scenario']:18} {row['patients']:>9,} {row['exams']:>8,} {row['isncsci_mb']:>10.0f} "
              f"{row['dataset_mb']:>10.0f} {row['wall_s']:>7.1f} {row['cpu_s']:>6.1f} {row['peak_mb']:>8.0f} "
              f"{row['jobs_started']:>5}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_measure":
        measure_parser = argparse.ArgumentParser()
        measure_parser.add_argument("_measure")
        for option in ("project", "raw", "workflow"):
            measure_parser.add_argument(f"--{option}")
        sys.exit(measure(measure_parser.parse_args()))
    sys.exit(main())
