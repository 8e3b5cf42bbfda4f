"""The SLURM profile (profiles/slurm) end to end, on a real one-node SLURM cluster started here.

The cluster (Debian's slurm-wlm: munged, slurmctld, slurmd; `tests/slurm/install.sh` installs them)
runs from a temporary folder with its own slurm.conf, MUNGE key and socket and free ports, and is
torn down after the module, also when a test fails. The end-to-end test skips only when the SLURM
or MUNGE programs are missing, when not root, or when the daemons do not come up; a failing
pipeline is a failure.
"""

import ctypes
import os
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from workflow_helpers import REPO, copy_project, own_library

PROFILE = REPO / "profiles" / "slurm"
TEMPLATE = REPO / "tests" / "slurm" / "slurm.conf.in"
PROGRAMS = (
    "munged", "mungekey", "slurmctld", "slurmd", "sbatch", "srun", "squeue", "sinfo", "scontrol", "scancel",
)
START_TIMEOUT = 60  # seconds for the node to show up idle
RUN_TIMEOUT = 600  # seconds for the whole pipeline through SLURM


def test_the_profile_submits_to_slurm_with_defaults_a_user_can_change():
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    assert profile["executor"] == "slurm"
    assert profile["jobs"] >= 1
    assert {"mem_mb", "runtime"} <= profile["default-resources"].keys()
    assert profile["rerun-incomplete"] is True
    assert profile["retries"] >= 1 and profile["latency-wait"] >= 5
    text = (PROFILE / "config.yaml").read_text()
    for hint in ("slurm_account", "slurm_partition"):
        assert hint in text, f"the profile should say how to set {hint}"


def test_snakemake_accepts_the_profile(tmp_path):
    # Needs no cluster: parses the profile and the plugin's settings and plans the jobs.
    project = copy_project(tmp_path / "project")
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--profile", "profiles/slurm", "--dry-run"],
        cwd=project, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "render" in result.stdout


# ---------------------------------------------------------------------------------------------
# The cluster


class Cluster:
    def __init__(self, root: Path):
        self.root = root
        self.conf = root / "slurm.conf"
        self.daemons: dict[str, subprocess.Popen] = {}
        # Commands see this cluster only through SLURM_CONF. The srun shim: the job-step executor
        # inside each SLURM job (snakemake-executor-plugin-slurm-jobstep 0.6.1) removes every SLURM_*
        # variable but a few before it calls `srun`, SLURM_CONF included, so srun would look for
        # /etc/slurm/slurm.conf. On a real cluster the conf is there; here the shim puts it back.
        self.bin = root / "bin"
        # Nothing from an outer SLURM job or the user's sbatch defaults may leak in.
        self.env = {
            name: value for name, value in os.environ.items()
            if not name.startswith(("SLURM_", "SBATCH_", "SRUN_", "SQUEUE_", "SINFO_"))
        }
        self.env |= {"SLURM_CONF": str(self.conf), "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}"}

    def run(self, *command: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=timeout)

    def log(self, name: str, lines: int = 40) -> str:
        path = self.root / "log" / name
        if not path.exists():
            return f"({path.name}: none)"
        return f"--- {path.name} ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def logs(self) -> str:
        names = ("munged.log", "munged.out", "slurmctld.log", "slurmctld.out", "slurmd.log", "slurmd.out")
        present = [name for name in names if (self.root / "log" / name).exists()]
        return "\n".join(self.log(name) for name in present if (self.root / "log" / name).stat().st_size)

    def start(self, name: str, *command: str) -> None:
        with open(self.root / "log" / f"{name}.out", "w") as out:
            self.daemons[name] = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, preexec_fn=die_with_parent,
            )

    def alive(self) -> list[str]:
        return [name for name, process in self.daemons.items() if process.poll() is None]

    def stop(self) -> None:
        if "slurmctld" in self.alive():
            try:  # end any job still queued or running, so that no slurmstepd outlives the test
                self.run("scancel", "--full", "--user", "root", timeout=15)
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    active = self.run(
                        "squeue", "--noheader", "--states=PENDING,RUNNING,COMPLETING,CONFIGURING", timeout=15
                    )
                    if active.returncode != 0 or not active.stdout.strip():
                        break
                    time.sleep(0.5)
            except subprocess.TimeoutExpired:
                pass
        for name in ("slurmd", "slurmctld", "munged"):  # reverse order of start, by our own pids
            process = self.daemons.get(name)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def unavailable(reason: str):
    """Skip: SLURM cannot run here. With SLURM_TEST_REQUIRED=1 (for a CI machine that ran
    tests/slurm/install.sh) it is a failure instead, so that a broken setup cannot hide as a skip."""
    if os.environ.get("SLURM_TEST_REQUIRED") == "1":
        pytest.fail(f"SLURM_TEST_REQUIRED=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def die_with_parent() -> None:
    """In the daemon, before exec: get SIGTERM when the test process dies, even by SIGKILL, so
    that no daemon outlives an interrupted test run (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def program(name: str) -> str | None:
    """Where a SLURM or MUNGE program is: on PATH, or in /usr/sbin when PATH lacks it."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def node_line() -> str:
    """This machine as slurmd sees it: 'NodeName=... CPUs=... RealMemory=...' (`slurmd -C`)."""
    out = subprocess.run([program("slurmd"), "-C"], capture_output=True, text=True, timeout=30).stdout
    line = next((line for line in out.splitlines() if line.startswith("NodeName=")), None)
    if line is None:
        unavailable(f"`slurmd -C` did not describe this machine: {out!r}")
    return line.strip()


def write_conf(root: Path, node: str) -> Path:
    host = re.match(r"NodeName=(\S+)", node).group(1)
    text = string.Template(TEMPLATE.read_text()).substitute(
        root=root, host=host, ctld_port=free_port(), slurmd_port=free_port(), node_line=node
    )
    conf = root / "slurm.conf"
    conf.write_text(text)
    return conf


@pytest.fixture(scope="module")
def slurm():
    missing = [name for name in PROGRAMS if not program(name)]
    if missing:
        unavailable(f"SLURM/MUNGE not installed (missing {', '.join(missing)}): run tests/slurm/install.sh")
    if os.geteuid() != 0:
        unavailable("starting slurmd, which runs the jobs, needs root")
    # Not under pytest's tmp_path: munged wants every folder above its socket searchable by all,
    # and pytest's base folder is private (0700).
    root = Path(tempfile.mkdtemp(prefix="slurm-test-", dir="/tmp"))
    root.chmod(0o755)
    cluster = Cluster(root)
    try:
        for folder in ("run", "munge", "state", "spool", "log", "bin"):
            (root / folder).mkdir()
            (root / folder).chmod(0o700 if folder == "munge" else 0o755)  # the key: root only
        srun = program("srun")
        (cluster.bin / "srun").write_text(f'#!/bin/sh\nSLURM_CONF="{cluster.conf}" exec {srun} "$@"\n')
        (cluster.bin / "srun").chmod(0o755)
        write_conf(root, node_line())

        key = root / "munge" / "munge.key"
        made = cluster.run("mungekey", "--create", f"--keyfile={key}")
        if made.returncode != 0:
            unavailable(f"cannot create a MUNGE key: {made.stderr.strip()}")
        cluster.start(
            "munged", program("munged"), "--foreground", f"--key-file={key}",
            f"--socket={root / 'run' / 'munge.socket'}", f"--pid-file={root / 'run' / 'munged.pid'}",
            f"--log-file={root / 'log' / 'munged.log'}", f"--seed-file={root / 'munge' / 'munged.seed'}",
        )
        wait_for(lambda: (root / "run" / "munge.socket").exists() or not cluster.alive(), 15)
        if not (root / "run" / "munge.socket").exists():
            unavailable(f"munged did not start:\n{cluster.logs()}")
        cluster.start("slurmctld", program("slurmctld"), "-D", "-f", str(cluster.conf))
        cluster.start("slurmd", program("slurmd"), "-D", "-f", str(cluster.conf))

        def idle():
            if len(cluster.alive()) < 3:
                return True
            state = cluster.run("sinfo", "--noheader", "--format=%t", timeout=10)
            return state.returncode == 0 and state.stdout.strip() == "idle"

        wait_for(idle, START_TIMEOUT)
        if len(cluster.alive()) < 3:
            dead = sorted(set(cluster.daemons) - set(cluster.alive()))
            unavailable(f"SLURM daemons did not start ({', '.join(dead)} exited):\n{cluster.logs()}")
        state = cluster.run("sinfo", "--noheader", "--format=%t %N", timeout=10)
        if state.stdout.split()[:1] != ["idle"]:
            unavailable(
                f"the SLURM node did not become idle in {START_TIMEOUT}s (sinfo: {state.stdout.strip()!r}):\n"
                f"{cluster.logs()}"
            )
        yield cluster
    finally:
        cluster.stop()
        left = cluster.alive()
        shutil.rmtree(root, ignore_errors=True)
        assert left == [], f"SLURM daemons still running after teardown: {left}"


def wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)


def tail(path: Path, lines: int = 30) -> str:
    return f"--- {path} ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def failed_job_logs(project: Path, jobs: str) -> str:
    """The SLURM log (the job's own Snakemake output) and the rule's log of every job that did
    not complete, for the failure message: the project folder may be gone when someone reads it."""
    found = []
    for line in jobs.splitlines():
        job_id, state, comment, _ = line.split("|")
        if state == "COMPLETED":
            continue
        found += [tail(path) for path in (project / ".snakemake" / "slurm_logs").rglob(f"{job_id}.log")]
        rule = re.sub(r"^rule_(\w+?)(_wildcards_.*)?$", r"\1", comment)
        found += [tail(path) for path in (project / "results" / "logs").glob(f"*{rule}*.log")]
    return "\n".join(found)


def test_the_pipeline_runs_through_slurm_with_the_profile(slurm, tmp_path):
    project = copy_project(tmp_path / "project")
    # The jobs import caseseries from the copy, not from the editable install in the work tree,
    # so that edits there while the pipeline runs (two minutes) cannot mix into this build.
    env = {**slurm.env, "PYTHONPATH": own_library(project)["PYTHONPATH"]}
    planned = subprocess.run(
        [sys.executable, "-m", "snakemake", "--dry-run"], cwd=project, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert planned.returncode == 0, planned.stderr[-4000:]
    table = planned.stdout.split("Job stats:")[1].split("total")[0].splitlines()[3:]
    counts = {line.split()[0]: int(line.split()[1]) for line in table if line.strip()}
    counts.pop("all")  # the target rule runs locally
    rules = set(counts)
    assert {"validate_table", "render"} <= rules, planned.stdout

    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable, "-m", "snakemake", "--profile", "profiles/slurm",
            # This cluster has no slurmdbd, so sacct cannot answer: poll squeue (MinJobAge is 1 h).
            "--slurm-status-command", "squeue",
            # Jobs here take seconds, not hours: look at their state often, and fail on the first error.
            "--slurm-init-seconds-before-status-checks", "2", "--seconds-between-status-checks", "2",
            "--retries", "0",
        ],
        cwd=project, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT,
        preexec_fn=die_with_parent,
    )
    elapsed = time.monotonic() - started
    jobs = slurm.run("squeue", "--noheader", "--states=all", "--format=%i|%T|%k|%j").stdout
    assert result.returncode == 0, (
        f"{result.stderr[-5000:]}\nSLURM jobs:\n{jobs}\n{failed_job_logs(project, jobs)}\n{slurm.logs()}"
    )
    print(f"pipeline through SLURM: {elapsed:.0f} s")

    # Every rule but the local target ran as a SLURM job (the plugin puts rule_<name> in the job
    # comment), all of them completed, and each left its log in .snakemake/slurm_logs.
    by_rule: dict[str, list[str]] = {}
    for line in jobs.splitlines():
        job_id, state, comment, _ = line.split("|")
        by_rule.setdefault(re.sub(r"^rule_(\w+?)(_wildcards_.*)?$", r"\1", comment), []).append(state)
    assert set(by_rule) == rules, jobs
    assert {rule: len(states) for rule, states in by_rule.items()} == counts, jobs
    assert all(state == "COMPLETED" for states in by_rule.values() for state in states), jobs
    logs = project / ".snakemake" / "slurm_logs"
    for rule in rules:
        assert list((logs / f"rule_{rule}").rglob("*.log")), f"no SLURM log for rule {rule}"
    for fmt in ("html", "pdf", "docx"):  # the job's own Snakemake output, from the node
        (log,) = (logs / "rule_render" / fmt).glob("*.log")
        assert "Finished jobid: 0 (Rule: render)" in log.read_text()

    report = project / "results" / "report"
    for fmt in ("html", "pdf", "docx"):
        assert (report / f"manuscript.{fmt}").stat().st_size > 10_000
