"""Plausibility bounds (caseseries.data.plausibility): config.yaml, the command line's --config,
and the workflow's check of every raw file before any job (validate.check_once)."""

import argparse
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_validate import build_valid_dataset, set_cell

from caseseries.data import plausibility, validate
from caseseries.data.plausibility import Bounds
from caseseries.data.validate import ContractError, check_once, load_raw

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    return build_valid_dataset(tmp_path / "raw")


def test_the_library_defaults_are_the_bounds_shipped_in_config_yaml():
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    assert plausibility.from_config(config["plausibility"]) == Bounds()


@pytest.mark.parametrize(
    "section, message",
    [
        ({"age": [50, 10]}, "plausibility.age must be [min, max] in numbers, min <= max (got [50, 10])"),
        ({"age": [0]}, "plausibility.age must be [min, max]"),
        ({"age": ["0", 120]}, "plausibility.age must be [min, max]"),
        ({"follow_up_days": [-1.5, 10]}, "plausibility.follow_up_days must be [min, max] in whole days"),
        ({"onset_days": [True, 10]}, "plausibility.onset_days must be [min, max]"),
        ({"weight": [0, 200]}, "unknown setting(s) weight"),
        (["age"], "must be a mapping"),
    ],
)
def test_a_wrong_bound_is_named(section, message):
    with pytest.raises(ValueError) as caught:
        plausibility.from_config(section)
    assert message in str(caught.value)


def test_a_partial_section_keeps_the_other_defaults():
    bounds = plausibility.from_config({"age": [18, 80]})
    assert bounds.age == (18, 80) and bounds.follow_up_days == Bounds().follow_up_days


def test_configured_bounds_decide(raw_dir):
    # Patient P01 is 34 (test_validate.PATIENTS); its exams are on days -7, 90 and 180.
    tight = Bounds(age=(40, 90), follow_up_days=(-30, 120))
    problems = problems_of_with(raw_dir, tight)
    where = [(p.file, p.row, p.column, p.value) for p in problems]
    assert where == [
        ("isncsci.csv", 4, "day", "180"), ("isncsci.csv", 7, "day", "180"),
        ("patients.csv", 2, "age", "34"),
        ("safety_findings.csv", 5, "day", "180"), ("safety_findings.csv", 6, "day", "180"),
        ("safety_findings.csv", 7, "day", "180"), ("safety_findings.csv", 11, "day", "180"),
        ("safety_findings.csv", 12, "day", "180"), ("safety_findings.csv", 13, "day", "180"),
        ("scim.csv", 4, "day", "180"), ("scim.csv", 7, "day", "180"),
    ]
    assert "outside the plausible range 40 to 90 years (config.yaml plausibility: age)" in problems[2].rule
    assert load_raw(raw_dir)["patients"]["age"].tolist() == [34.0, 51.5]  # the defaults accept them


def problems_of_with(raw_dir, bounds):
    with pytest.raises(ContractError) as caught:
        load_raw(raw_dir, bounds)
    return caught.value.problems


# --- the command line reads the same bounds --------------------------------------------------


def run_cli(*args: str) -> int:
    parser = argparse.ArgumentParser()
    validate.add_arguments(parser)
    return validate.run(parser.parse_args([str(a) for a in args]))


def write_config(path: Path, age) -> Path:
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    config["plausibility"]["age"] = age
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_cli_reads_the_bounds_of_the_given_config(raw_dir, tmp_path, capsys):
    config = write_config(tmp_path / "study.yaml", [0, 30])
    assert run_cli(raw_dir, "--config", config) == 1
    err = capsys.readouterr().err
    assert "patients.csv line 2, column age, value '34': outside the plausible range 0 to 30 years" in err


def test_cli_reads_config_yaml_of_the_current_folder(raw_dir, tmp_path, capsys, monkeypatch):
    write_config(tmp_path / "config.yaml", [0, 40])
    monkeypatch.chdir(tmp_path)
    assert run_cli(raw_dir) == 1
    assert "value '51.5': outside the plausible range 0 to 40 years" in capsys.readouterr().err


def test_cli_without_config_yaml_uses_the_defaults(raw_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no config.yaml here
    assert run_cli(raw_dir) == 0
    assert capsys.readouterr().out.startswith("OK: 2 patients")


@pytest.mark.parametrize("age, message", [([90, 10], "plausibility.age must be [min, max]"), (None, "cannot read")])
def test_cli_config_errors_exit_2(raw_dir, tmp_path, capsys, age, message):
    config = write_config(tmp_path / "config.yaml", age) if age else tmp_path / "missing.yaml"
    assert run_cli(raw_dir, "--config", config) == 2
    err = capsys.readouterr().err
    assert err.startswith("config error: ") and message in err and "Traceback" not in err


# --- the workflow's check before any job -----------------------------------------------------


def test_check_once_checks_again_only_when_something_changed(raw_dir, tmp_path):
    record = tmp_path / "checked.json"
    code = [Path(validate.__file__)]
    assert check_once(raw_dir, Bounds(), record, code) is True
    assert check_once(raw_dir, Bounds(), record, code) is False  # nothing changed
    assert check_once(raw_dir, Bounds(age=(0, 99)), record, code) is True  # other bounds
    scim = raw_dir / "scim.csv"
    os.utime(scim, ns=(scim.stat().st_atime_ns, scim.stat().st_mtime_ns + 10**9))  # a raw file touched
    assert check_once(raw_dir, Bounds(age=(0, 99)), record, code) is True


def _later(path: Path) -> None:
    """A second later modification time, as any editor's save gives (some file systems keep only
    seconds, so a rewrite within the same second could otherwise keep the old time)."""
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))


def _reads(monkeypatch) -> list[str]:
    """The files read from now on (by name)."""
    read, files = validate.csvfile.read_table, []

    def counted(path, *args):
        files.append(Path(path).name)
        return read(path, *args)

    monkeypatch.setattr(validate.csvfile, "read_table", counted)
    return files


def test_the_validate_jobs_take_the_tables_the_check_read(raw_dir, tmp_path, monkeypatch):
    fresh = {name: validate.load_table(raw_dir, name) for name in validate.c.RAW_FILES}
    assert check_once(raw_dir, Bounds(), tmp_path / "checked.json", []) is True
    reads = _reads(monkeypatch)
    for name, frame in fresh.items():
        pd.testing.assert_frame_equal(validate.load_table(raw_dir, name), frame)
    assert reads == []  # no checked file read again


def test_a_file_changed_after_the_check_is_read_again(raw_dir, tmp_path):
    assert check_once(raw_dir, Bounds(), tmp_path / "checked.json", []) is True
    set_cell(raw_dir, "scim.csv", 2, "item_01", "1")
    _later(raw_dir / "scim.csv")
    assert validate.load_table(raw_dir, "scim")["item_01"].iloc[0] == 1


def test_a_table_is_checked_again_when_patients_csv_changed_after_the_check(raw_dir, tmp_path):
    assert check_once(raw_dir, Bounds(), tmp_path / "checked.json", []) is True
    set_cell(raw_dir, "patients.csv", 2, "patient_id", "NEW01")
    _later(raw_dir / "patients.csv")
    with pytest.raises(ContractError, match="scim.csv line 2, column patient_id, value 'P01': patient not in"):
        validate.load_table(raw_dir, "scim")


def test_a_table_is_checked_again_under_other_bounds(raw_dir, tmp_path):
    assert check_once(raw_dir, Bounds(), tmp_path / "checked.json", []) is True
    with pytest.raises(ContractError, match="outside the plausible range"):
        validate.load_table(raw_dir, "patients", Bounds(age=(0, 1)))


def test_on_a_cluster_the_check_keeps_no_table(raw_dir, tmp_path, monkeypatch):
    assert check_once(raw_dir, Bounds(), tmp_path / "checked.json", [], keep_tables=False) is True
    reads = _reads(monkeypatch)
    validate.load_table(raw_dir, "scim")
    assert "scim.csv" in reads


def test_after_a_change_to_one_file_only_its_table_is_kept(raw_dir, tmp_path, monkeypatch):
    record = tmp_path / "checked.json"
    assert check_once(raw_dir, Bounds(), record, []) is True
    set_cell(raw_dir, "scim.csv", 2, "item_01", "1")
    _later(raw_dir / "scim.csv")
    assert check_once(raw_dir, Bounds(), record, []) is True  # only the scim job will run again
    reads = _reads(monkeypatch)
    assert validate.load_table(raw_dir, "scim")["item_01"].iloc[0] == 1 and reads == []
    validate.load_table(raw_dir, "isncsci")
    assert "isncsci.csv" in reads
    _later(raw_dir / "patients.csv")  # every table is checked against patients.csv: all kept
    assert check_once(raw_dir, Bounds(), record, []) is True
    reads.clear()
    for name in validate.c.RAW_FILES:
        validate.load_table(raw_dir, name)
    assert reads == []


def test_check_once_records_nothing_for_bad_data(raw_dir, tmp_path):
    record = tmp_path / "checked.json"
    set_cell(raw_dir, "scim.csv", 2, "item_01", "7")
    with pytest.raises(ContractError) as caught:
        check_once(raw_dir, Bounds(), record, [])
    assert [(p.file, p.row, p.column) for p in caught.value.problems] == [("scim.csv", 2, "item_01")]
    assert not record.exists()
    with pytest.raises(ContractError):  # still bad: checked (and refused) again
        check_once(raw_dir, Bounds(), record, [])
