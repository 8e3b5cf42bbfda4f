"""Every target of the speed issue in one run; with --readme, rewrite the README's benchmark table.

Run: .venv/bin/python benchmarks/run.py [--readme] [--repeat R] [--skip-pipeline] [--suite]

Measures, on a copy of the project (Snakefile, config, workflow/, report/, data/, envs/, profiles/):
- a cold `snakemake --cores 4` of the example, a no-op rebuild, and the rebuild after one changed
  SCIM value: median wall time and median CPU time (getrusage of the snakemake process tree) of R
  runs; for reference, the floors under the last two: Snakemake alone (a two-rule Snakefile with
  nothing to do) and a run that redoes only the three renders;
- ISNCSCI classify() on 10^5 generated exams in this process and the official algorithm (Node, the
  pinned test oracle) on the same exams in the same run, and `python -m caseseries isncsci` CSV in
  -> CSV out (benchmarks/bench_isncsci.py, medians of R runs);
- 10^3, 10^4, 10^5 patients x 5 visits, cold, `--cores 2` (benchmarks/bench_pipeline.py): wall,
  peak memory of the largest process, growth exponent of wall time;
- with --suite, the CI test suite (`pytest`, as `make test` runs it): wall and CPU time, once.
The machine is shared: its CPU model, cores and load average (before and after) are printed and
written beside the table.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO / "tests"), str(REPO / "workflow")]

import bench_isncsci  # noqa: E402
import bench_pipeline  # noqa: E402
from workflow_helpers import change_one_scim_value, copy_project, own_library  # noqa: E402

START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"


def machine() -> str:
    return f"{bench_isncsci.cpu_name()}, {os.cpu_count()} cores"


def timed_run(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the process and every child it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


# Snakemake's own cost, the floor under any no-op: two rules, one file, nothing to do.
TWO_RULES = """\
rule all:
    input: "b.txt"

rule copy:
    input: "a.txt"
    output: "b.txt"
    shell: "cp {input} {output}"
"""


def example_builds(repeat: int, base: Path) -> dict:
    snakemake = [sys.executable, "-m", "snakemake", "--cores", "4"]
    cold, noop, scim, renders, alone = [], [], [], [], []
    minimal = base / "two_rules"
    minimal.mkdir()
    (minimal / "Snakefile").write_text(TWO_RULES)
    (minimal / "a.txt").write_text("a\n")
    subprocess.run(snakemake, cwd=minimal, check=True, capture_output=True)
    for i in range(repeat):
        project = copy_project(base / f"example{i}")
        env = own_library(project)
        cold.append(timed_run(snakemake, project, env))
        noop.append(timed_run(snakemake, project, env))
        alone.append(timed_run(snakemake, minimal))
        change_one_scim_value(project)
        report = project / "results" / "report" / "manuscript.pdf"
        built = report.stat().st_mtime_ns
        scim.append(timed_run(snakemake, project, env))
        assert report.stat().st_mtime_ns != built, "the changed SCIM value did not rebuild the report"
        # The floor under any change that reaches the report: start-up and the three renders.
        renders.append(timed_run([*snakemake, "--forcerun", "render"], project, env))
        shutil.rmtree(project)
    return {"cold": medians(cold), "noop": medians(noop), "scim": medians(scim), "renders": medians(renders),
            "snakemake_alone": medians(alone)}


def isncsci_rates(repeat: int, n: int, seed: int, base: Path) -> dict:
    from caseseries.instruments import isncsci, isncsci_cli
    from oracle import generate, official

    exams = generate.exams(n, seed)
    path = bench_isncsci.written_exams(exams, base)
    as_strings = bench_isncsci.pd.read_csv(path, dtype=str, keep_default_na=False)
    as_read = isncsci_cli._read_plain(path)  # the cells as the command line reads them
    as_read = as_strings if as_read is None else as_read
    ours = bench_isncsci.median_seconds(lambda: isncsci.classify(as_read), repeat)
    _, theirs = official.classify(as_strings)
    command = [sys.executable, "-m", "caseseries", "isncsci", str(path), "-o", str(base / "out.csv")]
    env = {**os.environ, "PYTHONPATH": str(REPO / "workflow")}
    cli = [timed_run(command, base, env) for _ in range(repeat)]
    return {"n": n, "seed": seed, "ours": n / ours, "official": n / theirs, "cli": medians(cli)}


def pipeline(base: Path) -> dict:
    json_path = base / "pipeline.json"
    bench_pipeline.main(["--sizes", "1000,10000,100000", "--cores", "2", "--workdir", str(base),
                         "--json", str(json_path)])
    import json

    rows = json.loads(json_path.read_text())["sizes"]
    ok = [r for r in rows if r["status"] == "ok"]
    largest = next((r for r in rows if r["patients"] == 100_000), None)
    return {
        "wall": largest["wall_s"] if largest else None,
        "cpu": largest["children_cpu_s"] if largest else None,
        "peak_mb": largest["peak_mb"] if largest else None,
        "status": largest["status"] if largest else "not run",
        "exponent": bench_pipeline.growth_exponent([r["patients"] for r in ok], [r["wall_s"] for r in ok]),
    }


def suite() -> tuple[float, float]:
    return timed_run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], REPO)


def verdict(ok: bool | str | None) -> str:
    if isinstance(ok, str):
        return ok
    return "not measured" if ok is None else ("met" if ok else "**not met**")


def table(found: dict, when: str) -> str:
    ex, iso = found["example"], found["isncsci"]
    rows = [
        ("cold build, example, `snakemake --cores 4`", "≤ 5 s wall, ≤ 8 s CPU",
         f"{ex['cold'][0]:.1f} s wall, {ex['cold'][1]:.1f} s CPU", ex["cold"][0] <= 5 and ex["cold"][1] <= 8),
        ("no-op rebuild", "≤ 1.0 s", f"{ex['noop'][0]:.2f} s wall, {ex['noop'][1]:.2f} s CPU", ex["noop"][0] <= 1.0),
        ("*for reference:* Snakemake alone, two rules, nothing to do", "", f"{ex['snakemake_alone'][0]:.2f} s wall, "
         f"{ex['snakemake_alone'][1]:.2f} s CPU", "the no-op's floor"),
        ("one changed SCIM value", "≤ 3 s", f"{ex['scim'][0]:.1f} s wall, {ex['scim'][1]:.1f} s CPU",
         ex["scim"][0] <= 3),
        ("*for reference:* only the three renders (`--forcerun render`)", "",
         f"{ex['renders'][0]:.1f} s wall, {ex['renders'][1]:.1f} s CPU", "the floor of a change that reaches the report"),
        ("ISNCSCI classify, one process", "≥ 2.5×10^5 exams/s, ≥ 15× official",
         f"{iso['ours']:,.0f} exams/s; official {iso['official']:,.0f} exams/s: "
         f"{iso['ours'] / iso['official']:.1f}×", iso["ours"] >= 2.5e5 and iso["ours"] / iso["official"] >= 15),
        ("CLI, 10^5 exams CSV in → CSV out", "≤ 1.5 s", f"{iso['cli'][0]:.2f} s wall, {iso['cli'][1]:.2f} s CPU",
         iso["cli"][0] <= 1.5),
    ]
    pipe = found.get("pipeline")
    if pipe and pipe["wall"] is not None:
        exponent = f"{pipe['exponent']:.2f}" if pipe["exponent"] is not None else "-"
        rows.append(("10^5 patients × 5 visits, cold, 2 cores", "≤ 30 s, ≤ 1 GB, exponent ≤ 1.0",
                     f"{pipe['wall']:.1f} s wall, {pipe['cpu']:.1f} s CPU, {pipe['peak_mb']:,.0f} MB, "
                     f"exponent {exponent} ({pipe['status']})",
                     pipe["status"] == "ok" and pipe["wall"] <= 30 and pipe["peak_mb"] <= 1024
                     and pipe["exponent"] is not None and pipe["exponent"] <= 1.0))
    else:
        rows.append(("10^5 patients × 5 visits, cold, 2 cores", "≤ 30 s, ≤ 1 GB, exponent ≤ 1.0", "not run", None))
    if found.get("suite"):
        wall, cpu = found["suite"]
        rows.append(("`make test` (the CI suite)", "≤ 5 min", f"{wall / 60:.1f} min wall, {cpu / 60:.1f} min CPU",
                     wall <= 300))
    else:
        rows.append(("`make test` (the CI suite)", "≤ 5 min", "not run (`--suite`)", None))
    lines = [
        f"Measured {when} on {found['machine']}, load average {found['load_before']} before and "
        f"{found['load_after']} after (1, 5, 15 min); medians of {found['repeat']} runs; ISNCSCI on "
        f"{iso['n']:,} generated exams (seed {iso['seed']}), the official algorithm in the same run.",
        "",
        "| what | target | measured | |",
        "|---|---|---|---|",
        *(f"| {what} | {target} | {measured} | {verdict(ok)} |" for what, target, measured, ok in rows),
    ]
    return "\n".join(lines)


def rewrite_readme(text: str) -> None:
    readme = REPO / "README.md"
    content = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(content):
        raise SystemExit(f"README.md has no {START} ... {END} section to rewrite")
    readme.write_text(pattern.sub(lambda _: f"{START}\n{text}\n{END}", content), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", action="store_true", help="rewrite the README's benchmark table")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--exams", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--skip-pipeline", action="store_true", help="leave out the 10^3..10^5 patient runs")
    parser.add_argument("--suite", action="store_true", help="also time the CI test suite (minutes)")
    args = parser.parse_args()
    found = {"machine": machine(), "load_before": bench_isncsci.load_average(), "repeat": args.repeat}
    with tempfile.TemporaryDirectory(prefix="bench_run_") as tmp:
        base = Path(tmp)
        found["example"] = example_builds(args.repeat, base)
        print(found["example"], flush=True)
        found["isncsci"] = isncsci_rates(args.repeat, args.exams, args.seed, base)
        print(found["isncsci"], flush=True)
        if not args.skip_pipeline:
            found["pipeline"] = pipeline(base)
        if args.suite:
            found["suite"] = suite()
    found["load_after"] = bench_isncsci.load_average()
    text = table(found, time.strftime("%Y-%m-%d"))
    print(text)
    if args.readme:
        rewrite_readme(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
