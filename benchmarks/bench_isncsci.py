"""Speed of the ISNCSCI engine and its command line, against the official algorithm in the same run.

Run: .venv/bin/python benchmarks/bench_isncsci.py [--exams N] [--repeat R] [--seed S]

On N generated exams (default 10^5; tests/oracle/generate.py: injuries, near-normal exams, sacral
sparing, NT, both non-SCI marks, non-key muscles) it reports, as a Markdown table with the machine:
- classify() and totals() exams/s in this process (median of R runs), on the exams as the command
  line reads them (exam cells as categoricals) and as pandas reads them (`dtype=str`);
- the official ISNCSCI algorithm (npm `isncsci`, the pinned test oracle) on the same exams in Node:
  exams/s inside the algorithm, and for the whole Node process; the ratio to classify();
- `python -m caseseries isncsci` on the same exams as a CSV file: wall time of the whole process
  (median of R runs), and where the time goes inside it (read, classify, write);
- that the engine and the official algorithm agree on all 16 fields of every exam.
The engine imported is the one on PYTHONPATH, so the same script measures an older checkout.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from oracle import generate, official  # noqa: E402

from caseseries.instruments import isncsci, isncsci_cli  # noqa: E402


def median_seconds(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cpu_name() -> str:
    try:
        return next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def machine() -> str:
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{cpu_name()}, {os.cpu_count()} cores, load average {load_average()}; Python {platform.python_version()}, "
            f"NumPy {np.__version__}, pandas {pd.__version__}, Node {node}")


def written_exams(exams: pd.DataFrame, folder: Path) -> Path:
    table = exams.drop(columns="pattern").astype(str)
    table.insert(0, "day", (np.arange(len(table)) % 400 - 30).astype(str))
    table.insert(0, "patient_id", [f"P{i:06d}" for i in range(len(table))])
    path = folder / "exams.csv"
    table.to_csv(path, index=False)
    return path


def cli_phases(path: Path, folder: Path) -> dict:
    """Seconds per phase of the command line, measured inside one process."""
    phases = {}
    start = time.perf_counter()
    exams = isncsci_cli._read_plain(path) if hasattr(isncsci_cli, "_read_plain") else None
    if exams is None:
        exams = pd.read_csv(path, dtype=str, keep_default_na=False)
    phases["read"] = time.perf_counter() - start
    start = time.perf_counter()
    classified = pd.concat([exams[["patient_id", "day"]].astype(str), isncsci.classify(exams)], axis=1)
    phases["classify"] = time.perf_counter() - start
    start = time.perf_counter()
    if hasattr(isncsci_cli, "write_csv"):
        isncsci_cli.write_csv(classified, folder / "phases.csv")
    else:
        classified.to_csv(folder / "phases.csv", index=False, float_format="%g")
    phases["write"] = time.perf_counter() - start
    return phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exams", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    n = args.exams
    exams = generate.exams(n, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = written_exams(exams, folder)
        as_read = isncsci_cli._read_plain(path) if hasattr(isncsci_cli, "_read_plain") else None
        as_strings = pd.read_csv(path, dtype=str, keep_default_na=False)
        rows = []
        if as_read is not None:
            seconds = median_seconds(lambda: isncsci.classify(as_read), args.repeat)
            rows.append(("classify(), cells as the CLI reads them (categorical)", n / seconds, seconds))
        seconds = median_seconds(lambda: isncsci.classify(as_strings), args.repeat)
        rows.append(("classify(), cells as strings (pandas dtype=str)", n / seconds, seconds))
        frame = as_read if as_read is not None else as_strings
        seconds = median_seconds(lambda: isncsci.totals(frame), args.repeat)
        rows.append(("totals()", n / seconds, seconds))

        start = time.perf_counter()
        theirs, algorithm_seconds = official.classify(as_strings)
        node_seconds = time.perf_counter() - start
        rows.append(("official algorithm (Node), inside the algorithm", n / algorithm_seconds, algorithm_seconds))
        rows.append(("official algorithm (Node), whole process incl. I/O", n / node_seconds, node_seconds))

        command = [sys.executable, "-m", "caseseries", "isncsci", str(path), "-o", str(folder / "out.csv")]
        cli_seconds = median_seconds(lambda: subprocess.run(command, check=True), args.repeat)
        phases = cli_phases(path, folder)

        ours = isncsci.classify(frame)
        for column in isncsci.TOTAL_COLUMNS:
            ours[column] = ["" if np.isnan(v) else str(int(v)) for v in ours[column]]
        columns = list(isncsci.OUTPUT_COLUMNS)
        agree = (ours[columns].astype(str).to_numpy() == theirs[columns].to_numpy()).all(axis=1).mean()

    fastest = rows[0][1]
    print(f"ISNCSCI engine, {n:,} generated exams (seed {args.seed}); {machine()}\n")
    print("| what | exams/s | seconds |")
    print("|---|---:|---:|")
    for name, rate, seconds in rows:
        print(f"| {name} | {rate:,.0f} | {seconds:.3f} |")
    print(f"| `python -m caseseries isncsci`, CSV in -> CSV out, whole process | {n / cli_seconds:,.0f} "
          f"| {cli_seconds:.2f} |")
    print()
    print(f"classify() / official algorithm: {fastest / (n / algorithm_seconds):.1f}x; "
          f"agreement on all 16 fields: {agree:.2%} of exams")
    print("inside the command line: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))


if __name__ == "__main__":
    main()
