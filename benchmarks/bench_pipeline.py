"""End-to-end benchmark of the Snakemake workflow on generated cohorts of growing size.

The project (Snakefile, config.yaml, workflow/, report/, envs/, profiles/; not data/) is copied
ONCE into a snapshot when the benchmark starts (--source worktree, the default, takes the working
tree with any uncommitted edits; --source HEAD the last commit, via `git archive`), so that every
size runs the same code even while the repository is being edited. Each run puts the snapshot's
workflow/ first on PYTHONPATH, so the `caseseries` library that runs is the snapshot's, not the
editable install's (which would point back at the live repository, and so would the report
templates and filters that render.py finds next to the library).

For each size: generate a cohort (python -m caseseries simulate) into the data/raw of a fresh
copy of the snapshot, write a config.yaml whose visit windows match the generated visits, run
`snakemake --cores N --keep-going` (keep-going: when one job fails, every job that does not
depend on it still runs and is timed) and measure

* wall clock of the snakemake run (workflow parsing and DAG included, data generation excluded);
* peak memory as resource.getrusage(RUSAGE_CHILDREN).ru_maxrss, taken in a separate measuring
  process that only runs snakemake: the max RSS of the LARGEST SINGLE process of the snakemake
  tree (snakemake itself or one job's script), not the sum of concurrent jobs;
* in addition, when psutil is importable, the process tree is sampled every --sample seconds:
  the peak of the summed RSS of all processes in the tree (concurrent jobs) and, per job script,
  its peak RSS (sampling can miss very short peaks);
* per-rule wall time from the Snakemake log (.snakemake/log/*.snakemake.log): each job runs from
  the timestamp of its "rule X:" / "localrule X:" block to that of its "Finished jobid: N" line.
  Snakemake writes timestamps to the second, so jobs under ~1 s show as 0 or 1 s.

Prints a table (patients, visits, exams, wall s, peak MB) and the exponent b of wall ~ a n^b,
fitted by least squares on log-log over the sizes >= 1000, then the per-rule breakdown per size.

    .venv/bin/python benchmarks/bench_pipeline.py --sizes 7,1000,10000 --json /tmp/bench.json

A run longer than --timeout seconds is stopped (its process group is killed); the jobs that were
running then are reported, so the slow rule is named.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PROJECT_FILES = ("Snakefile", "config.yaml")
PROJECT_DIRS = ("workflow", "report", "envs", "profiles")  # not data/: data/raw is generated
SCRIPT_NAME = re.compile(r"\.snakemake/scripts/tmp[^/\s]*?\.(\w+)\.py")


# ----------------------------------------------------------------------------- project set-up


def visit_windows(days: list[int], max_half_width: int = 30) -> list[dict]:
    """Config visits for planned days: baseline [-60, 0] (last), each follow-up t [t - w, t + w]
    (nearest) with w = min(30, half the gap to each neighbouring target, rounded down so that
    neighbouring windows never share a day)."""
    if not days or days[0] != 0 or sorted(set(days)) != list(days):
        raise ValueError("visits must start with 0 and increase")
    visits = [{"name": "baseline", "label": "Pre-infusion", "target": 0, "window": [-60, 0], "pick": "last"}]
    for i, target in enumerate(days[1:], start=1):
        gaps = [target - days[i - 1]] + ([days[i + 1] - target] if i + 1 < len(days) else [])
        w = min([max_half_width] + [(gap - 1) // 2 for gap in gaps])
        visits.append({"name": f"day{target}", "label": f"Day {target}", "target": target,
                       "window": [target - w, target + w], "pick": "nearest"})
    return visits


def check_generator_days_fit(visits: list[dict]) -> None:
    """The generator's day range of every visit must lie in its window (else the run stops with
    'outside_visit_window: error', which would be a benchmark artefact)."""
    from caseseries.data.simulate import visit_day_range

    for visit in visits:
        low, high = visit_day_range(visit["target"])
        if not visit["window"][0] <= low <= high <= visit["window"][1]:
            raise ValueError(f"generated days {low}..{high} of {visit['name']} fall outside {visit['window']}")


def snapshot(target: Path, source: str) -> dict:
    """Copy the project once (see the module notes); returns the git state it was taken from."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout

    target.mkdir(parents=True)
    if source == "HEAD":
        archive = subprocess.run(["git", "archive", "HEAD", *PROJECT_FILES, *PROJECT_DIRS], cwd=REPO,
                                 capture_output=True, check=False).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    else:
        for name in PROJECT_FILES:
            shutil.copy(REPO / name, target / name)
        for name in PROJECT_DIRS:
            if (REPO / name).exists():
                shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return {"source": source, "head": git("rev-parse", "HEAD").strip(),
            "uncommitted": git("status", "--short", "--", *PROJECT_FILES, *PROJECT_DIRS).splitlines()
            if source != "HEAD" else []}


def library_env(project: Path) -> dict:
    """Environment that makes the project's own copy of the library the one imported."""
    path = os.pathsep.join(filter(None, [str(project / "workflow"), os.environ.get("PYTHONPATH")]))
    return os.environ | {"PYTHONPATH": path,
                         "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def make_project(root: Path, snapshot_dir: Path, patients: int, sites: int, days: list[int], seed: int) -> dict:
    shutil.copytree(snapshot_dir, root)
    config = yaml.safe_load((root / "config.yaml").read_text())
    config["visits"] = visit_windows(days)
    check_generator_days_fit(config["visits"])
    config["data"]["raw_dir"] = "data/raw"
    config["results_dir"] = "results"
    (root / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "caseseries", "simulate", "--patients", str(patients),
         "--sites", str(min(sites, patients)), "--seed", str(seed),
         "--visits", ",".join(map(str, days)), "--out", str(root / "data" / "raw")],
        capture_output=True, text=True, check=True, env=library_env(root),
    )
    generate_s = time.perf_counter() - start
    found = re.search(r"(\d+) exams", out.stdout)
    exams = int(found.group(1)) if found else None
    raw_mb = sum(p.stat().st_size for p in (root / "data" / "raw").iterdir()) / 2**20
    return {"exams": exams, "generate_s": generate_s, "raw_mb": raw_mb,
            "sites": min(sites, patients), "windows": {v["name"]: v["window"] for v in config["visits"]}}


# ----------------------------------------------------------------------------- measuring process


def _sample_tree(root_pid: int, interval: float, stop: threading.Event, found: dict) -> None:
    """Poll the process tree: peak summed RSS, and peak RSS and first/last sight per job script."""
    import psutil

    try:
        root = psutil.Process(root_pid)
    except psutil.Error:
        return
    while not stop.is_set():
        try:
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            break
        total = 0
        now = time.time()
        for process in processes:
            try:
                rss = process.memory_info().rss
                cmdline = " ".join(process.cmdline())
            except psutil.Error:
                continue
            total += rss
            match = SCRIPT_NAME.search(cmdline)
            if match:
                job = found["scripts"].setdefault(f"{match.group(1)}:{process.pid}", {"peak_rss": 0, "first": now})
                job["peak_rss"] = max(job["peak_rss"], rss)
                job["last"] = now
        found["tree_peak_rss"] = max(found["tree_peak_rss"], total)
        stop.wait(interval)


def measure(args: argparse.Namespace) -> int:
    """Hidden sub-command: run snakemake in cwd; JSON result on stdout. A process of its own, so
    that RUSAGE_CHILDREN covers this one snakemake run only."""
    env = library_env(Path.cwd())
    command = [sys.executable, "-m", "snakemake", "--cores", str(args.cores), "--keep-going",
               *args.snakemake_args.split()]
    found = {"tree_peak_rss": 0, "scripts": {}}
    start = time.perf_counter()
    with open("snakemake.stdout", "w") as stdout:
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
        stop = threading.Event()
        sampler = None
        try:
            import psutil  # noqa: F401

            sampler = threading.Thread(target=_sample_tree, args=(process.pid, args.sample, stop, found))
            sampler.start()
        except ImportError:
            found = None
        timed_out = False
        try:
            returncode = process.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGTERM)  # the group of the snakemake we started
            try:
                returncode = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                returncode = process.wait()
        wall = time.perf_counter() - start
        stop.set()
        if sampler:
            sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "returncode": returncode, "timed_out": timed_out, "wall_s": wall,
        "max_child_rss_mb": usage.ru_maxrss / 1024,  # Linux: KiB
        "children_cpu_s": usage.ru_utime + usage.ru_stime,
        "sampled": found,
    }))
    return 0


# ----------------------------------------------------------------------------- log parsing

STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
RULE = re.compile(r"^(?:local)?rule (\w+):$")
FINISHED = re.compile(r"^Finished jobid: (\d+) \(Rule: (\w+)\)")
ERROR = re.compile(r"^Error in rule (\w+):$")


def parse_log(project: Path) -> list[dict]:
    """Jobs of the (last) Snakemake log: rule, wildcards, start, end (None: never finished)."""
    logs = sorted((project / ".snakemake" / "log").glob("*.snakemake.log"))
    if not logs:
        return []
    jobs, stamp, current, failed = {}, None, None, False
    for line in logs[-1].read_text().splitlines():
        if m := STAMP.match(line.strip()):
            stamp = datetime.strptime(m.group(1), "%a %b %d %H:%M:%S %Y")
            current, failed = None, False
        elif m := RULE.match(line.strip()):
            current = {"rule": m.group(1), "start": stamp, "end": None, "wildcards": "", "failed": False}
        elif m := ERROR.match(line.strip()):
            failed = True  # the "jobid:" line that follows names the failed job
        elif failed and line.strip().startswith("jobid:"):
            if int(line.split(":")[1]) in jobs:
                jobs[int(line.split(":")[1])] |= {"end": stamp, "failed": True}
            failed = False
        elif current is not None and line.strip().startswith("jobid:"):
            jobs[int(line.split(":")[1])] = current
        elif current is not None and line.strip().startswith("wildcards:"):
            current["wildcards"] = line.split(":", 1)[1].strip()
        elif m := FINISHED.match(line.strip()):
            if int(m.group(1)) in jobs:
                jobs[int(m.group(1))]["end"] = stamp
    return list(jobs.values())


def per_rule(jobs: list[dict], scripts: dict | None, stopped_at: datetime | None) -> list[dict]:
    """Per rule: jobs, summed job seconds, longest job, peak script RSS (sampled)."""
    rules: dict[str, dict] = {}
    for job in jobs:
        entry = rules.setdefault(job["rule"], {"rule": job["rule"], "jobs": 0, "sum_s": 0.0, "max_s": 0.0,
                                                "unfinished": [], "failed": [], "peak_rss_mb": None})
        entry["jobs"] += 1
        end = job["end"] or stopped_at
        seconds = (end - job["start"]).total_seconds() if end and job["start"] else float("nan")
        entry["sum_s"] += seconds
        entry["max_s"] = max(entry["max_s"], seconds)
        if job["end"] is None:
            entry["unfinished"].append(job["wildcards"] or job["rule"])
        elif job.get("failed"):
            entry["failed"].append(job["wildcards"] or job["rule"])
    for key, job in (scripts or {}).items():
        name = key.split(":")[0]
        if name in rules:
            rss = job["peak_rss"] / 2**20
            rules[name]["peak_rss_mb"] = max(rules[name]["peak_rss_mb"] or 0, rss)
    return sorted(rules.values(), key=lambda r: -r["sum_s"])


# ----------------------------------------------------------------------------- driver


def growth_exponent(sizes, walls) -> float | None:
    points = [(n, w) for n, w in zip(sizes, walls) if n >= 1000 and w and w > 0]
    if len(points) < 2:
        return None
    x = [math.log(n) for n, _ in points]
    y = [math.log(w) for _, w in points]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)


def run_size(n: int, args, base: Path) -> dict:
    project = base / f"n{n}"
    days = [int(d) for d in args.visits.split(",")]
    setup = make_project(project, base / "snapshot", n, args.sites, days, args.seed)
    print(f"[n={n}] generated {setup['exams']} exams ({setup['raw_mb']:.1f} MB raw) in "
          f"{setup['generate_s']:.1f} s; running snakemake --cores {args.cores} in {project}", flush=True)
    shutil.rmtree(project / "results", ignore_errors=True)  # a fresh results dir
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "_measure", "--cores", str(args.cores),
         "--sample", str(args.sample), f"--snakemake-args={args.snakemake_args}"] + (["--timeout", str(args.timeout)] if args.timeout else []),
        cwd=project, capture_output=True, text=True, check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    jobs = parse_log(project)
    stopped_at = max((j["end"] or j["start"] for j in jobs if j["start"]), default=None)
    if result["timed_out"]:
        stopped_at = datetime.fromtimestamp((project / "snakemake.stdout").stat().st_mtime).replace(microsecond=0)
    rules = per_rule(jobs, (result["sampled"] or {}).get("scripts"), stopped_at)
    failed = sorted({f"{x['rule']}[{','.join(x['failed'])}]" for x in rules if x["failed"]})
    status = "ok" if result["returncode"] == 0 else ("TIMEOUT" if result["timed_out"] else
                                                     f"FAILED: {' '.join(failed) or result['returncode']}")
    if status != "ok":
        tail = (project / "snakemake.stdout").read_text().splitlines()[-25:]
        print(f"[n={n}] {status}; last lines of snakemake's output:\n  " + "\n  ".join(tail), flush=True)
    row = {"patients": n, "visits": len(days), "exams": setup["exams"], "status": status,
           "wall_s": result["wall_s"], "peak_mb": result["max_child_rss_mb"],
           "tree_peak_mb": (result["sampled"] or {}).get("tree_peak_rss", 0) / 2**20 or None,
           "children_cpu_s": result["children_cpu_s"], "generate_s": setup["generate_s"],
           "raw_mb": setup["raw_mb"], "sites": setup["sites"], "windows": setup["windows"],
           "rules": rules, "project": str(project)}
    print(f"[n={n}] {status}: wall {row['wall_s']:.1f} s, peak {row['peak_mb']:.0f} MB", flush=True)
    return row


def print_report(rows: list[dict]) -> None:
    print("\nPeak MB = getrusage(RUSAGE_CHILDREN).ru_maxrss: the largest SINGLE process of the snakemake tree.")
    print("Tree MB = peak of the summed RSS of all processes (psutil samples; concurrent jobs).\n")
    print(f"{'patients':>9} {'visits':>6} {'exams':>8} {'wall s':>8} {'peak MB':>8} {'tree MB':>8} "
          f"{'cpu s':>8}  status")
    for r in rows:
        tree = f"{r['tree_peak_mb']:8.0f}" if r["tree_peak_mb"] else f"{'-':>8}"
        print(f"{r['patients']:>9} {r['visits']:>6} {r['exams'] or 0:>8} {r['wall_s']:>8.1f} "
              f"{r['peak_mb']:>8.0f} {tree} {r['children_cpu_s']:>8.1f}  {r['status']}")
    ok = [r for r in rows if r["status"] == "ok"]
    b = growth_exponent([r["patients"] for r in ok], [r["wall_s"] for r in ok])
    used = [r["patients"] for r in ok if r["patients"] >= 1000]
    print(f"\nwall ~ a * n^b over n in {used}: b = {b:.2f}" if b is not None else
          "\nwall ~ a * n^b: needs two completed sizes >= 1000")
    for r in rows:
        print(f"\nper rule, n = {r['patients']} (job seconds from the snakemake log, 1 s resolution; "
              f"rss: sampled peak of the job's script process)")
        print(f"  {'rule':<20} {'jobs':>4} {'sum s':>7} {'max s':>7} {'peak MB':>8}  share")
        total = sum(x["sum_s"] for x in r["rules"]) or 1
        for x in r["rules"]:
            rss = f"{x['peak_rss_mb']:8.0f}" if x["peak_rss_mb"] else f"{'-':>8}"
            note = f"  UNFINISHED: {', '.join(x['unfinished'])}" if x["unfinished"] and x["rule"] != "all" else ""
            note += f"  FAILED: {', '.join(x['failed'])}" if x["failed"] else ""
            print(f"  {x['rule']:<20} {x['jobs']:>4} {x['sum_s']:>7.0f} {x['max_s']:>7.0f} {rss} "
                  f"{100 * x['sum_s'] / total:5.0f}%{note}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    inner = sub.add_parser("_measure", help=argparse.SUPPRESS)
    for p in (parser, inner):
        p.add_argument("--cores", type=int, default=2)
        p.add_argument("--timeout", type=float, default=None, help="stop a size's run after this many seconds")
        p.add_argument("--sample", type=float, default=0.2, help="psutil sampling interval, s")
        p.add_argument("--snakemake-args", default="", help="extra snakemake arguments, one string")
    parser.add_argument("--sizes", default="7,1000,10000,100000")
    parser.add_argument("--visits", default="0,30,90,180,365")
    parser.add_argument("--sites", type=int, default=10, help="capped at the number of patients")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects (paths printed)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to create the temporary projects")
    parser.add_argument("--json", type=Path, default=None, help="also write every measurement here")
    parser.add_argument("--source", choices=("worktree", "HEAD"), default="worktree",
                        help="snapshot the working tree (default) or the last commit")
    args = parser.parse_args(argv)
    if args.command == "_measure":
        return measure(args)

    base = Path(tempfile.mkdtemp(prefix="bench_pipeline_", dir=args.workdir))
    rows = []
    try:
        state = snapshot(base / "snapshot", args.source)
        print(f"snapshot of {state['source']} at {state['head'][:10]}"
              + (f" with {len(state['uncommitted'])} uncommitted changes" if state["uncommitted"] else ""), flush=True)
        for n in (int(s) for s in args.sizes.split(",")):
            rows.append(run_size(n, args, base))
            if args.json:
                args.json.write_text(json.dumps({"snapshot": state, "sizes": rows}, indent=1, default=str))
    finally:
        if rows:
            print_report(rows)
        if args.keep:
            print(f"\nkept the projects in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
