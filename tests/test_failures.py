"""The whole workflow on bad or incomplete data, killed runs and concurrent runs."""

import fcntl
import os
import shutil
import signal
import subprocess
import time

import pytest
import yaml
from manuscript_helpers import unescaped
from workflow_helpers import SNAKEMAKE, built_copy, change_one_scim_value, copy_project, digest, own_library, products, snakemake


@pytest.fixture
def reference(example_build):
    """An uninterrupted build of the example, to compare the others with."""
    return example_build


def edit_csv(path, edit):
    """Apply `edit(list of rows as lists)` to a CSV file, writing it back."""
    rows = [line.split(",") for line in path.read_text().splitlines()]
    rows = edit(rows)
    path.write_text("\n".join(",".join(row) for row in rows) + "\n")


def failed_run(project):
    raw_before = digest(project / "data" / "raw")
    result = snakemake(project, "--cores", "2")
    assert result.returncode != 0
    assert digest(project / "data" / "raw") == raw_before, "data/raw was modified"
    assert not list((project / "results" / "report").glob("manuscript.*")), "a report survived a failed run"
    return result.stderr


def test_bad_values_in_two_files_are_reported_together_and_the_old_report_removed(reference, tmp_path):
    project = built_copy(reference, tmp_path / "p")  # a good report exists before the data go bad

    def bad_scim(rows):
        rows[1][2] = "7"  # item_01 (feeding) allows 0-3
        return rows

    def bad_grade(rows):
        rows[1][rows[0].index("grade")] = "6"  # CTCAE grades are 1-5
        return rows

    edit_csv(project / "data" / "raw" / "scim.csv", bad_scim)
    edit_csv(project / "data" / "raw" / "adverse_events.csv", bad_grade)
    logs_before = digest(project / "results" / "logs")
    stderr = failed_run(project)
    assert "2 problems in the raw data" in stderr
    assert "adverse_events.csv line 2, column grade, value '6'" in stderr
    assert "scim.csv line 2, column item_01, value '7'" in stderr
    # Every raw file was checked before any job: no job started (each would rewrite its log).
    assert digest(project / "results" / "logs") == logs_before
    assert "Traceback" not in stderr and "No job was started." in stderr


def test_a_bad_file_stops_a_first_run_before_any_job(tmp_path):
    # A bad file costs no scoring work: the check of every raw file runs before any job.
    project = copy_project(tmp_path / "p")
    raw = project / "data" / "raw"
    (raw / "isncsci.csv").write_bytes(raw.joinpath("isncsci.csv").read_bytes().replace(b",5,", b",6,", 1))
    stderr = failed_run(project)
    assert "1 problem in the raw data" in stderr and "isncsci.csv line 2, column right_motor_" in stderr
    assert sorted(p.name for p in (project / "results").iterdir()) == [".run.lock"]  # no job, no output


def test_an_assessment_in_no_visit_window_is_an_error_naming_file_line_and_value(tmp_path):
    project = copy_project(tmp_path / "p")

    def late(rows):
        rows.append([rows[1][0], "400", *rows[1][2:]])  # a fourth assessment at day 400
        return rows

    edit_csv(project / "data" / "raw" / "scim.csv", late)
    stderr = failed_run(project)
    assert "scim.csv line 23, column day, value '400'" in stderr
    assert "no visit window" in stderr


def test_a_patient_without_baseline_is_an_error(tmp_path):
    project = copy_project(tmp_path / "p")
    drop_p03_baseline = lambda rows: [r for r in rows if not (r[0] == "P03" and int(r[1]) <= 0)]  # noqa: E731
    edit_csv(project / "data" / "raw" / "isncsci.csv", drop_p03_baseline)
    stderr = failed_run(project)
    assert "isncsci.csv, patient P03: no assessment in the baseline window [-60, 0]" in stderr


def test_a_recorded_grade_that_contradicts_the_exam_is_an_error_when_configured(tmp_path):
    project = copy_project(tmp_path / "p")
    config = yaml.safe_load((project / "config.yaml").read_text())
    config["data_quality"]["recorded_ais_mismatch"] = "error"
    (project / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    def wrong_grade(rows):
        column = rows[0].index("recorded_ais")
        rows[1][column] = "A" if rows[1][column] != "A" else "B"
        return rows

    edit_csv(project / "data" / "raw" / "isncsci.csv", wrong_grade)
    stderr = failed_run(project)
    assert "isncsci.csv line 2, column recorded_ais" in stderr and "classifies as AIS" in stderr


def test_a_missed_visit_is_not_an_error_but_named_in_the_report(tmp_path):
    project = copy_project(tmp_path / "p")
    drop_day90 = lambda rows: [r for r in rows if not (r[0] == "P05" and 60 <= int(r[1]) <= 120)]  # noqa: E731
    for name in ("isncsci.csv", "scim.csv"):
        edit_csv(project / "data" / "raw" / name, drop_day90)
    snakemake(project, "--cores", "2", check=True)
    qmd = unescaped((project / "results" / "report" / "manuscript.qmd").read_text())
    assert "Missing visits, excluded from the comparisons that need them: P05 (day 90)" in qmd
    changes = (project / "results" / "tables" / "paired_changes.csv").read_text()
    assert "motor_total,day90,6,P05," in changes  # six pairs, P05 named


# Each rule's log file appears when its job starts: kill the whole run at that moment.
KILL_POINTS = ["validate_isncsci", "split_isncsci_by_site", "score_isncsci_S1", "score_scim_S1", "outcomes_by_visit",
               "statistics",
               "patient_tables", "safety", "trajectories", "published_claims", "tables_workbook", "manuscript",
               "render_pdf"]


def run_killed_when_a_job_starts(project, log_names) -> str | None:
    """Start a run (one job at a time) and kill it, with the job it runs, the moment the log of one
    of `log_names` appears; unlock. Returns that name, or None if the run ended first. A job that
    started and ended between two looks is not counted: it was not killed."""
    logs = project / "results" / "logs"
    waiting = [logs / f"{name}.log" for name in log_names]
    run = subprocess.Popen([*SNAKEMAKE, "--cores", "1"], cwd=project, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True, env=own_library(project))
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline and not any(log.exists() for log in waiting):
        time.sleep(0.02)
    os.killpg(run.pid, signal.SIGKILL)  # snakemake and the job it is running
    run.wait()
    # A killed run leaves Snakemake's lock behind. Removed here as `snakemake --unlock` removes it
    # (its file backend deletes .snakemake/locks; the test below runs the command itself), which
    # spares the chain a Snakemake start per kill point: 13 of them, 1.7 s of CPU each.
    shutil.rmtree(project / ".snakemake" / "locks", ignore_errors=True)  # none if the run ended first
    appeared = [log for log in waiting if log.exists()]
    return max(appeared, key=lambda log: log.stat().st_mtime_ns).stem if appeared else None


def test_a_run_killed_in_any_rule_completes_on_restart_with_identical_outputs(reference, tmp_path):
    """One build, killed in each rule in turn: every restart continues the killed run (redoing the
    job it was killed in) until the next kill point, and the finished build equals an uninterrupted
    one. A kill point the chain passed (its job ran in an earlier run, or too briefly to be caught)
    gets a run of its own."""
    project = copy_project(tmp_path / "chain")
    logs = project / "results" / "logs"
    killed = []
    while waiting := [name for name in KILL_POINTS if not (logs / f"{name}.log").exists()]:
        name = run_killed_when_a_job_starts(project, waiting)
        if name is None:
            break
        killed.append(name)
    snakemake(project, "--cores", "2", check=True)
    assert products(project) == products(reference), f"killed in {killed}, in this order"
    for name in sorted(set(KILL_POINTS) - set(killed)):
        alone = copy_project(tmp_path / name)
        assert run_killed_when_a_job_starts(alone, [name]) == name, f"the run never reached {name}"
        snakemake(alone, "--cores", "2", check=True)
        assert products(alone) == products(reference), f"killed in {name}"
    print(f"killed in {len(killed)} rules in one chain: {', '.join(killed)}")


def test_two_runs_started_at_once_do_not_corrupt_each_other(reference, tmp_path):
    project = copy_project(tmp_path / "p")
    logs = [tmp_path / f"run{i}.log" for i in range(2)]
    runs = [subprocess.Popen([*SNAKEMAKE, "--cores", "1"], cwd=project, stdout=subprocess.DEVNULL,
                             stderr=log.open("w"), env=own_library(project)) for log in logs]
    codes = [run.wait() for run in runs]
    # One run builds everything; the other is turned away by a lock, unless it started after the
    # first had finished and found nothing to do.
    assert 0 in codes, [log.read_text()[-2000:] for log in logs]
    for code, log in zip(codes, logs):
        if code != 0:
            text = log.read_text()
            assert "another Snakemake run is using" in text or "LockException" in text, text[-2000:]
    snakemake(project, "--cores", "2", check=True)
    assert products(project) == products(reference)


def test_a_run_is_turned_away_while_another_holds_the_results_folder(tmp_path):
    # Snakemake's own lock can be passed by two runs started at the same instant; the run lock
    # (an flock on results/.run.lock) cannot. Hold it here as a running build would.
    project = copy_project(tmp_path / "p")
    (project / "results").mkdir()
    with open(project / "results" / ".run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = snakemake(project, "--cores", "1")
    assert result.returncode != 0
    assert "another Snakemake run is using results" in result.stderr
    assert sorted(p.name for p in (project / "results").iterdir()) == [".run.lock"]  # no job ran


def test_a_rebuild_killed_after_a_data_change_restarts_to_the_same_result_as_a_clean_build(reference, tmp_path):
    # The hard case for make-like tools: old downstream outputs exist while the job that would
    # refresh them was killed. The restart must not leave the report on the old data.
    clean = copy_project(tmp_path / "clean")
    change_one_scim_value(clean)
    snakemake(clean, "--cores", "2", check=True)

    project = built_copy(reference, tmp_path / "p")
    change_one_scim_value(project)
    log = project / "results" / "logs" / "score_scim_S1.log"
    log.unlink()
    run = subprocess.Popen([*SNAKEMAKE, "--cores", "1"], cwd=project, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True, env=own_library(project))
    while not log.exists() and run.poll() is None:
        time.sleep(0.02)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    snakemake(project, "--unlock", check=True)
    snakemake(project, "--cores", "2", check=True)
    assert products(project) == products(clean)
