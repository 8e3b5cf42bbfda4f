"""Time of `python -m caseseries import redcap` on the synthetic fixture (7 records, 29 rows x 618
columns), and of the Excel round trip of the committed example.

Run: .venv/bin/python benchmarks/bench_import.py [REPEATS]
Reports, for each, the median and the fastest of REPEATS runs: the whole command (a new Python
process: start-up, imports, reading, the contract check, writing) and the import alone, in this
process, after a first warm-up run.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

from caseseries.data import excel, redcap  # noqa: E402

FIXTURE = REPO / "tests" / "data" / "redcap"
MAP = REPO / "examples" / "redcap" / "map.yaml"
EXAMPLE = REPO / "data" / "raw"


def timed(function, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def report(name: str, times: list[float]) -> None:
    print(f"{name:<44} median {statistics.median(times):6.3f} s   fastest {min(times):6.3f} s   ({len(times)} runs)")


def main(repeats: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "workflow")}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        redcap_args = [str(FIXTURE / "records.csv"), "--dictionary", str(FIXTURE / "data_dictionary.csv"),
                       "--map", str(MAP), "--out", str(scratch / "raw"), "--key-out", str(scratch / "keys.csv")]
        command = [sys.executable, "-m", "caseseries", "import", "redcap", *redcap_args]
        report("import redcap, whole command", timed(lambda: subprocess.run(command, check=True, env=env,
                                                                              capture_output=True), repeats))

        def in_process():
            redcap.import_redcap(FIXTURE / "records.csv", FIXTURE / "data_dictionary.csv", MAP, scratch / "raw",
                                 scratch / "keys.csv")

        in_process()
        report("import redcap, in process", timed(in_process, repeats))
        workbook = scratch / "example.xlsx"
        report("template --data (example, in process)", timed(lambda: excel.template(workbook, EXAMPLE), repeats))
        report("import excel (example, in process)",
               timed(lambda: excel.import_workbook(workbook, scratch / "from-excel"), repeats))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
