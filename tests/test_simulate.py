"""Tests of the synthetic-data generator (caseseries.data.simulate).

The committed example in data/raw/ must be exactly the generator's --example output; every
generated ISNCSCI exam must classify (ISNCSCI 2019) to the level and grade it was built for,
checked both with the classification engine and with hand-written rules here.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from caseseries.data import contract as c
from caseseries.data import simulate

# On one xdist worker (--dist loadgroup): the module fixture (a generated cohort) is made once.
pytestmark = pytest.mark.xdist_group("test_simulate")

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"
ALL_FILES = tuple(c.RAW_FILES.values()) + (c.DATASET_DESCRIPTION,)
EXAMPLE_OPTIONS = ["--patients", "7", "--sites", "1", "--seed", "6072", "--visits", "0,90,180",
                   "--profile", "case-series", "--mark-rate", "0.01"]
COHORT = dict(n_patients=400, n_sites=3, seed=11, visit_days=(0, 30, 90, 180, 365), missing_rate=0.1, nt_rate=0.02)
# Segment order, written out here independently of the module: C1 .. S3, S4_5.
SEGMENT_ORDER = ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"] + [f"T{i}" for i in range(1, 13)] + [
    "L1", "L2", "L3", "L4", "L5", "S1", "S2", "S3", "S4_5"]


def run_cli(argv) -> int:
    parser = argparse.ArgumentParser()
    simulate.add_arguments(parser)
    return simulate.run(parser.parse_args([str(a) for a in argv]))


def read(directory: Path, key: str) -> pd.DataFrame:
    return pd.read_csv(directory / c.RAW_FILES[key], dtype=str, keep_default_na=False)


def written_cohort(tmp_path: Path, **options) -> tuple[dict, Path]:
    tables = simulate.simulate_dataset(**options)
    simulate.write_dataset(tables, tmp_path, simulate.describe_dataset(**options))
    return tables, tmp_path


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    return written_cohort(tmp_path_factory.mktemp("cohort"), **COHORT)


# --- the committed example ---------------------------------------------------------------------
def test_committed_example_is_the_generator_output(tmp_path):
    assert run_cli(["--example", "--out", tmp_path]) == 0
    for name in ALL_FILES:
        assert (tmp_path / name).read_bytes() == (RAW / name).read_bytes(), name


def test_example_flag_equals_its_documented_options(tmp_path):
    run_cli(["--example", "--out", tmp_path / "a"])
    run_cli(EXAMPLE_OPTIONS + ["--out", tmp_path / "b"])
    for name in ALL_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert " ".join(EXAMPLE_OPTIONS) in simulate.EXAMPLE_HELP


def test_module_command_line_writes_the_example(tmp_path):
    from caseseries.__main__ import main

    assert main(["simulate", "--example", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "isncsci.csv").read_bytes() == (RAW / "isncsci.csv").read_bytes()


def test_example_rejects_other_options(tmp_path):
    with pytest.raises(SystemExit):
        run_cli(["--example", "--seed", "1", "--out", tmp_path])


def test_example_passes_the_contract_validator():
    from caseseries.data.validate import load_raw

    loaded = load_raw(RAW)
    assert len(loaded["patients"]) == 7


def test_dataset_description():
    description = yaml.safe_load((RAW / c.DATASET_DESCRIPTION).read_text(encoding="utf-8"))
    assert description["synthetic"] is True
    assert description["licence"] == "CC0-1.0"
    assert description["source"]["seed"] == 6072
    assert description["source"]["command"] == "python -m caseseries simulate " + " ".join(EXAMPLE_OPTIONS)
    assert "not patient data" in description["note"]
    assert {"name", "version", "description"} <= set(description)


# --- the published-series shape ----------------------------------------------------------------
def test_example_patients_look_like_the_published_series():
    patients = read(RAW, "patients")
    assert list(patients["patient_id"]) == [f"P0{i}" for i in range(1, 8)]
    assert set(patients["site"]) == {"S1"}
    years = patients["years_since_injury"].astype(float)
    assert years.min() == 1.3 and years.max() == 27.0
    ages = patients["age"].astype(int)
    assert ages.between(20, 70).all()
    assert (ages - years >= 14).all()  # injured as a teenager at the earliest
    assert patients["cause"].nunique() >= 3
    assert patients["cell_dose_1e8"].astype(float).between(0.5, 1.5).all()
    per_kg = patients["cell_dose_per_kg_1e6"].astype(float)
    assert per_kg.between(0.4, 3.4).all()  # 0.5-1.5 x 10^8 cells over 45-110 kg
    assert set(patients["sex"]) <= set(c.SEXES)
    assert "arm" not in patients


def test_example_has_one_c_to_d_conversion_and_all_grades_at_baseline():
    exams = read(RAW, "isncsci")
    grades = exams.groupby("patient_id")["recorded_ais"].agg(list)
    assert {g[0] for g in grades} == {"A", "B", "C", "D"}
    changed = {pid: g for pid, g in grades.items() if len(set(g)) > 1}
    assert len(changed) == 1
    (trajectory,) = changed.values()
    assert trajectory == ["C", "C", "D"]


def test_example_visits_are_in_their_windows():
    for key in ("isncsci", "scim"):
        days = read(RAW, key).groupby("patient_id")["day"].agg(lambda d: sorted(int(x) for x in d))
        assert len(days) == 7
        for baseline, day90, day180 in days:
            assert -30 <= baseline <= -1 and 84 <= day90 <= 99 and 170 <= day180 <= 195
    assert read(RAW, "isncsci")[["patient_id", "day"]].equals(read(RAW, "scim")[["patient_id", "day"]])


def test_example_safety_is_clean():
    events = read(RAW, "adverse_events")
    assert len(events) >= 3
    assert set(events["serious"]) == {"no"}
    assert set(events["grade"]) <= {"1", "2"}
    assert set(events["outcome"]) <= {"recovered", "recovering"}
    assert set(events["relatedness"]) <= set(c.RELATEDNESS) and events["relatedness"].nunique() >= 2
    findings = read(RAW, "safety_findings")
    assert set(findings["result"]) == {"no"}
    exams = read(RAW, "isncsci")
    follow_ups = exams.loc[exams["day"].astype(int) > 0, ["patient_id", "day"]]
    expected = {(p, d, check) for p, d in follow_ups.itertuples(index=False) for check in c.SAFETY_CHECKS}
    assert set(findings[["patient_id", "day", "check"]].itertuples(index=False, name=None)) == expected
    assert len(findings) == 7 * 2 * 3


def test_example_has_no_not_testable_cells():
    exams = read(RAW, "isncsci")
    assert not exams[list(c.ISNCSCI_EXAM_COLUMNS)].isin(["NT", "NT*", "NT**"]).any().any()


def test_example_shows_both_non_sci_marks_and_the_standard_of_its_grades():
    exams = read(RAW, "isncsci")
    cells = pd.Series(exams[list(c.ISNCSCI_EXAM_COLUMNS)].to_numpy().ravel())
    assert cells.str.fullmatch(r"[0-4]\*").any() and cells.str.fullmatch(r"[0-4]\*\*").any()
    assert set(exams["standard"]) == {"ISCSCI-92"}  # as the published paper graded them


def points(cells: pd.DataFrame) -> pd.DataFrame:
    """The examined grade of each cell ("4**" counts 4), as the totals count it."""
    return cells.apply(lambda column: column.str.rstrip("*").astype(int))


def test_example_scores_improve_a_little_for_most_patients():
    from scipy.stats import wilcoxon

    scim = read(RAW, "scim").astype({item: int for item in c.SCIM_ITEMS})
    total = scim[list(c.SCIM_ITEMS)].sum(axis=1).groupby(scim["patient_id"]).agg(list)
    change = np.array([t[-1] - t[0] for t in total])
    assert (change > 0).sum() >= 5 and change.max() <= 15
    exams = read(RAW, "isncsci")
    sensory = points(exams[list(c.LIGHT_TOUCH_COLUMNS + c.PIN_PRICK_COLUMNS)]).sum(axis=1)
    per_patient = sensory.groupby(exams["patient_id"]).agg(list)
    sensory_change = np.array([s[-1] - s[0] for s in per_patient])
    assert (sensory_change > 0).sum() >= 5 and sensory_change.max() <= 25
    motor = points(exams[list(c.MOTOR_COLUMNS)]).sum(axis=1).groupby(exams["patient_id"]).agg(list)
    motor_change = np.array([m[-1] - m[0] for m in motor])
    assert (motor_change >= 0).all() and motor_change.max() <= 10
    # A Wilcoxon test at n = 7 is significant for some outcomes, not for all (motor: the
    # complete thoracic injuries cannot change).
    assert wilcoxon(change).pvalue < 0.05
    assert wilcoxon(motor_change, zero_method="wilcox").pvalue > 0.05


# --- ISNCSCI exams: the classification engine ------------------------------------------------
def classified_against_targets(tables: dict) -> pd.DataFrame:
    # Fails loudly (ImportError) when the engine is missing: these exams must be checked by it.
    from caseseries.instruments import isncsci

    exams = tables["isncsci"].astype({col: str for col in c.ISNCSCI_EXAM_COLUMNS})
    result = isncsci.classify(exams)
    targets = tables[simulate.EXAM_TARGETS]
    return pd.DataFrame({
        "target_ais": targets["ais"].to_numpy(), "ais": result["ais"].to_numpy(),
        "target_nli": targets["neurological_level"].to_numpy(), "nli": result["neurological_level"].to_numpy(),
    })


def assert_all_match(compared: pd.DataFrame) -> None:
    wrong = compared[(compared["ais"] != compared["target_ais"]) | (compared["nli"] != compared["target_nli"])]
    assert wrong.empty, wrong.head(10).to_string()


def test_engine_classifies_every_example_exam_as_intended():
    assert_all_match(classified_against_targets(simulate.simulate_dataset(**simulate.EXAMPLE)))


def test_engine_classifies_every_cohort_exam_as_intended(cohort):
    tables, _ = cohort
    compared = classified_against_targets(tables)
    assert_all_match(compared)
    assert set(compared["target_ais"]) == {"A", "B", "C", "D"}
    assert compared["target_nli"].nunique() == len(simulate.NLI_WEIGHTS)


@pytest.mark.parametrize("ais", ["A", "B", "C", "D"])
def test_engine_classifies_single_exams_at_every_level(ais):
    from caseseries.instruments import isncsci

    rows, targets = [], []
    for nli in simulate.NLI_WEIGHTS:
        for lower_side in (None, "right", "left"):
            for seed in range(3):
                for gain in (0.0, 1.5):
                    rows.append(simulate.build_exam(nli, ais, np.random.default_rng(seed), lower_side, gain))
                    targets.append(nli)
    result = isncsci.classify(pd.DataFrame(rows))
    assert list(result["ais"]) == [ais] * len(rows)
    assert list(result["neurological_level"]) == targets


# --- ISNCSCI exams: hand-derived rules ---------------------------------------------------------
def exam_arrays(exams: pd.DataFrame):
    """Per side: motor (n, 10) and light touch / pin prick (n, 28) as floats (NT -> NaN)."""
    def grid(column_of, levels):
        return np.stack([
            exams[[column_of(side, lv) for lv in levels]].replace({"NT": np.nan}).astype(float).to_numpy()
            for side in c.SIDES], axis=1)
    return (grid(c.motor_column, c.MOTOR_LEVELS), grid(c.light_touch_column, c.SENSORY_LEVELS),
            grid(c.pin_prick_column, c.SENSORY_LEVELS))


def test_exams_follow_the_isncsci_rules_for_their_grade(cohort):
    tables, directory = cohort
    exams = read(directory, "isncsci")
    targets = tables[simulate.EXAM_TARGETS]
    assert list(exams["recorded_ais"]) == list(targets["ais"])
    motor, lt, pp = exam_arrays(exams)
    muscle_position = np.array([SEGMENT_ORDER.index(lv) for lv in c.MOTOR_LEVELS])
    dermatome_position = np.arange(1, 29)
    sacral_sparing = (lt[:, :, -1] > 0).any(axis=1) | (pp[:, :, -1] > 0).any(axis=1) | (exams["dap"] == "Yes")
    checked = set()
    for i, (nli_name, ais) in enumerate(targets[["neurological_level", "ais"]].itertuples(index=False)):
        nli = SEGMENT_ORDER.index(nli_name)
        # Everything rostral to the NLI is normal; the dermatome below it is not, on some side.
        assert (lt[i][:, dermatome_position <= nli] == 2).all() and (pp[i][:, dermatome_position <= nli] == 2).all()
        below = dermatome_position == nli + 1
        assert ((lt[i][:, below] < 2) | (pp[i][:, below] < 2)).any()
        assert (motor[i][:, muscle_position < nli] == 5).all()
        below_nli = motor[i][:, muscle_position > nli]
        if ais == "A":
            assert (lt[i][:, -1] == 0).all() and (pp[i][:, -1] == 0).all()
            assert exams.at[i, "dap"] == "No" and exams.at[i, "vac"] == "No"
        elif ais == "B":
            assert sacral_sparing[i] and exams.at[i, "vac"] == "No"
            # The motor level on either side is at most one segment below the NLI, so no
            # muscle more than four segments below the NLI may work.
            assert (motor[i][:, muscle_position > nli + 4] == 0).all()
        else:
            assert exams.at[i, "vac"] == "Yes"
            strong = (below_nli >= 3).sum()
            assert (strong < below_nli.size / 2) if ais == "C" else (strong >= below_nli.size / 2)
        checked.add(ais)
    assert checked == {"A", "B", "C", "D"}


def test_cell_values_are_contract_values(cohort):
    _, directory = cohort
    exams = read(directory, "isncsci")
    assert list(exams.columns) == list(c.ISNCSCI_COLUMNS) + ["recorded_ais", "standard"]
    assert set(exams["standard"]) == {"ISNCSCI-2019"}
    assert exams[list(c.MOTOR_COLUMNS)].isin(["0", "1", "2", "3", "4", "5"]).all().all()
    sensory = exams[list(c.LIGHT_TOUCH_COLUMNS + c.PIN_PRICK_COLUMNS)]
    assert sensory.isin(["0", "1", "2", "NT"]).all().all()
    nt_share = (sensory == "NT").to_numpy().mean()
    assert 0 < nt_share < 0.02  # rare, and only where asked for
    assert exams[["vac", "dap"]].isin(["Yes", "No"]).all().all()
    scim = read(directory, "scim")
    for item, (_, allowed) in c.SCIM_ITEMS.items():
        assert scim[item].astype(int).isin(allowed).all(), item


# --- SCIM-III ------------------------------------------------------------------------------------
def test_scim_follows_severity_and_improves_a_little(cohort):
    tables, _ = cohort
    scim = tables["scim"].copy()
    targets = tables[simulate.EXAM_TARGETS]
    for subscale, items in c.SCIM_SUBSCALES.items():
        scim[subscale] = scim[list(items)].sum(axis=1)
    scim["total"] = scim[list(c.SCIM_SUBSCALES)].sum(axis=1)
    cervical = targets["neurological_level"].str.startswith("C")
    complete = targets["ais"].isin(["A", "B"])
    baseline = scim["day"] < 0
    self_care = scim.loc[baseline, "scim_self_care"]
    assert self_care[cervical & complete].mean() + 5 < self_care[~cervical & complete].mean()
    mobility = scim.loc[baseline, "scim_mobility"]
    assert mobility[complete].mean() + 5 < mobility[targets["ais"] == "D"].mean()
    assert (scim[list(c.SCIM_SUBSCALES)].max() <= pd.Series(c.SCIM_SUBSCALE_MAX)).all()
    first_last = scim.groupby("patient_id")["total"].agg(["first", "last"])
    change = first_last["last"] - first_last["first"]
    assert 0 < change.mean() < 8 and change.median() >= 0 and change.quantile(0.9) <= 15


def test_marks_and_non_key_muscles_never_change_the_classification():
    # X* only on cells graded 3/4 (motor) or 1 (sensory), X** only on normal cells, non-key muscles
    # only where they cannot make B a C: the official rules classify every exam as without them
    # (tests/test_isncsci.py has the hand-worked cases; tests/test_isncsci_official.py the
    # algorithm itself). Totals count the examined grade: each "**" lowers its total by one.
    from caseseries.instruments import isncsci

    options = dict(COHORT, n_patients=300)
    plain = simulate.simulate_dataset(**options)["isncsci"]
    marked = simulate.simulate_dataset(**options, mark_rate=0.05, nonkey_rate=0.5)["isncsci"]
    cells = pd.Series(marked[list(c.ISNCSCI_EXAM_COLUMNS)].astype(str).to_numpy().ravel())
    assert cells.str.fullmatch(r"[34]\*").any() and cells.str.fullmatch(r"1\*").any()
    assert cells.str.fullmatch(r"4\*\*").any() and cells.str.fullmatch(r"1\*\*").any()
    assert (marked[list(c.NONKEY_MUSCLE_COLUMNS)] != "").any().all()
    before, after = isncsci.classify(plain), isncsci.classify(marked)
    levels_and_grades = [col for col in isncsci.OUTPUT_COLUMNS if col not in isncsci.TOTAL_COLUMNS]
    assert before[levels_and_grades].equals(after[levels_and_grades])
    double = marked[list(c.MOTOR_COLUMNS)].astype(str).apply(lambda col: col.str.endswith("**")).sum(axis=1)
    lowered = before["motor_total"] - after["motor_total"]
    assert (lowered[before["motor_total"].notna()] == double[before["motor_total"].notna()]).all()


def test_non_key_muscles_are_opt_in():
    assert not set(c.NONKEY_MUSCLE_COLUMNS) & set(simulate.simulate_dataset(10, seed=3)["isncsci"].columns)


# --- options -------------------------------------------------------------------------------------
def test_same_arguments_give_identical_bytes_and_another_seed_differs(tmp_path):
    options = dict(COHORT, n_patients=60, arms=("msc", "placebo"))
    written_cohort(tmp_path / "a", **options)
    written_cohort(tmp_path / "b", **options)
    written_cohort(tmp_path / "c", **dict(options, seed=12))
    for name in ALL_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "isncsci.csv").read_bytes() != (tmp_path / "c" / "isncsci.csv").read_bytes()


def test_files_are_plain_utf8_with_unix_line_endings():
    for name in c.RAW_FILES.values():
        data = (RAW / name).read_bytes()
        data.decode("utf-8")
        assert b"\r" not in data and data.endswith(b"\n") and not data.startswith(b"\xef\xbb\xbf")
    lines = (RAW / "patients.csv").read_text().splitlines()
    # The example is a single-arm series: the optional dose per kg, no `arm` column.
    assert lines[0] == ",".join(c.PATIENT_COLUMNS + ("cell_dose_per_kg_1e6",))
    assert all(len(line.split(",")[6].split(".")[1]) == 2 for line in lines[1:])  # fixed decimals


def test_rows_are_sorted(cohort):
    _, directory = cohort
    for key, order in (("isncsci", ["patient_id", "day"]), ("scim", ["patient_id", "day"]),
                       ("adverse_events", ["patient_id", "onset_day"])):
        table = read(directory, key)
        keys = list(zip(table[order[0]], table[order[1]].astype(int)))
        assert keys == sorted(keys), key


def test_visits_option_and_missed_visits(cohort):
    tables, _ = cohort
    exams = tables["isncsci"]
    assert exams["patient_id"].nunique() == COHORT["n_patients"]
    per_patient = exams.groupby("patient_id").size()
    assert per_patient.max() == 5 and per_patient.min() < 5  # some follow-ups missed
    assert (exams.groupby("patient_id")["day"].min() < 0).all()  # the baseline never is
    ranges = [simulate.visit_day_range(d) for d in COHORT["visit_days"]]
    in_some_range = np.zeros(len(exams), dtype=bool)
    for low, high in ranges:
        in_some_range |= exams["day"].between(low, high).to_numpy()
    assert in_some_range.all()
    assert simulate.visit_day_range(90) == (85, 98) and simulate.visit_day_range(180) == (170, 195)


@pytest.mark.parametrize("visits", [(90, 180), (0, 180, 90), (0, 7, 8)])
def test_bad_visit_lists_are_refused(visits):
    with pytest.raises(ValueError):
        simulate.simulate_dataset(5, visit_days=visits)


def test_arms_are_opt_in_and_balanced():
    without = simulate.simulate_dataset(10, seed=3)["patients"]
    assert "arm" not in without
    patients = simulate.simulate_dataset(101, seed=3, arms=("msc", "placebo"))["patients"]
    counts = patients["arm"].value_counts()
    assert set(counts.index) == {"msc", "placebo"} and abs(counts["msc"] - counts["placebo"]) <= 1
    assert (patients.loc[patients["arm"] == "placebo", "cell_dose_1e8"] == 0).all()
    assert (patients.loc[patients["arm"] == "msc", "cell_dose_1e8"] >= 0.5).all()


def test_cohort_has_sites_and_rare_serious_events(cohort):
    tables, _ = cohort
    assert set(tables["patients"]["site"]) == {"S1", "S2", "S3"}
    events = tables["adverse_events"]
    serious = events[events["serious"] == "yes"]
    assert 0 < len(serious) < 0.1 * COHORT["n_patients"] and (serious["grade"] >= 3).all()
    assert not events.duplicated(["patient_id", "term"]).any()
    assert set(tables["safety_findings"]["result"]) == {"no"}


def test_writer_refuses_values_it_would_have_to_quote(tmp_path):
    with pytest.raises(ValueError, match="quote"):
        simulate.write_table(pd.DataFrame({"term": ["Injury, poisoning"]}), tmp_path / "x.csv")


def test_ten_thousand_patients_are_quick(tmp_path):
    start = time.perf_counter()
    options = dict(n_patients=10_000, seed=5, visit_days=(0, 30, 90, 180, 365))
    tables, _ = written_cohort(tmp_path, **options)
    assert len(tables["isncsci"]) == 50_000
    assert time.perf_counter() - start < 20  # measured about 2 s on 2 cores
