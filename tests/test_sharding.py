from pathlib import Path

import pandas as pd
import pytest

from caseseries.data.sharding import shard_name, split_by_site

PATIENTS = pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "site": ["Oslo", "São Paulo/2", "Oslo"]})


def test_shard_names_are_safe_file_names():
    assert shard_name("Oslo") == "Oslo"
    assert shard_name("São Paulo/2") == "S_o_Paulo_2"


def test_rows_go_to_their_site_in_raw_order_with_their_raw_line():
    rows = pd.DataFrame({"patient_id": ["P3", "P1", "P2", "P1"], "day": [0, 0, 0, 90]})
    parts = split_by_site(rows, PATIENTS, ["Oslo", "S_o_Paulo_2", "Empty"])
    oslo = parts["Oslo"]
    assert oslo["patient_id"].tolist() == ["P3", "P1", "P1"]
    assert oslo["line"].tolist() == [2, 3, 5]  # header is line 1
    assert parts["S_o_Paulo_2"]["line"].tolist() == [4]
    assert parts["Empty"].empty and list(parts["Empty"].columns) == ["patient_id", "day", "line"]


def test_a_row_whose_site_has_no_planned_shard_is_an_error_not_a_silent_loss():
    rows = pd.DataFrame({"patient_id": ["P1", "P2"], "day": [0, 0]})
    with pytest.raises(ValueError, match="S_o_Paulo_2"):
        split_by_site(rows, PATIENTS, ["Oslo"])


def test_a_row_of_a_patient_not_in_patients_is_an_error():
    rows = pd.DataFrame({"patient_id": ["P1", "P9"], "day": [0, 0]})
    with pytest.raises(ValueError, match="unknown"):
        split_by_site(rows, PATIENTS, ["Oslo", "S_o_Paulo_2"])


@pytest.mark.parametrize("site", ["all rows", "optional text empty throughout", "no exam"])
def test_a_site_scores_to_the_same_bytes_from_its_arrow_copy_as_from_a_csv_copy(tmp_path, site):
    # The per-site copies were CSV files: read back, a column empty throughout one site became a
    # float column and an empty site kept no row to type its columns from. Scoring must not care.
    from caseseries import steps, tables
    from manuscript_helpers import REPO, Files, example_config

    config = example_config()
    validated = tmp_path / "isncsci.csv"
    steps.validate_table(Files(), Files(validated), Files(raw_dir=REPO / "data" / "raw", plausibility=config["plausibility"]))
    exams = tables.read(validated).assign(line=lambda frame: range(2, len(frame) + 2))
    if site == "optional text empty throughout":
        optional = ["standard", "right_lowest_nonkey_muscle", "left_lowest_nonkey_muscle", "recorded_ais"]
        for column in optional:
            exams[column] = exams[column].where(exams[column].isna())  # all missing, same dtype
    elif site == "no exam":
        exams = exams.iloc[:0]
    scored = {}
    for copy in ("site.csv", "site.arrow"):
        tables.write(exams, tmp_path / copy)
        steps.score_isncsci(Files(exams=tmp_path / copy), Files(tmp_path / f"{copy}.scored.csv"), Files(visits=config["visits"]))
        scored[copy] = (tmp_path / f"{copy}.scored.csv").read_bytes()
    assert scored["site.arrow"] == scored["site.csv"]
    assert scored["site.csv"].count(b"\n") == len(exams) + 1


@pytest.mark.parametrize("seed", [7, 2024])
def test_an_arrow_validated_copy_of_the_assessments_gives_the_same_scores_and_outcomes_as_a_csv_one(tmp_path, seed):
    # The workflow keeps the assessments' validated copies as Arrow files: the frame validation made,
    # not what a CSV read gives back (categories where a CSV read gives text, text where it gives
    # floats). Split, scored and gathered, they must give the same tables. A generated multicentre
    # cohort with missed visits, NT cells, non-SCI marks and non-key muscles.
    import os
    import subprocess
    import sys

    from caseseries import steps
    from caseseries.data.contract import ISNCSCI_EXAM_COLUMNS
    from manuscript_helpers import REPO, Files, example_config

    print("seed", seed)
    raw = tmp_path / "raw"
    subprocess.run([sys.executable, "-m", "caseseries", "simulate", "--patients", "300", "--sites", "4",
                    "--seed", str(seed), "--missing-rate", "0.1", "--nt-rate", "0.05", "--mark-rate", "0.05",
                    "--nonkey-rate", "0.2", "--out", str(raw)],
                   check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO / "workflow")})
    # The first exam all NT: validation's categories then come in another order than the contract's
    # (NT first), which a reader that trusted pandas' dtype equality decoded wrongly.
    exams = pd.read_csv(raw / "isncsci.csv", dtype=str, keep_default_na=False)
    exams.loc[0, list(ISNCSCI_EXAM_COLUMNS)] = "NT"
    exams.to_csv(raw / "isncsci.csv", index=False)
    config = example_config()
    checks = Files(raw_dir=raw, plausibility=config["plausibility"])
    patients = tmp_path / "patients.csv"
    steps.validate_table(Files(), Files(patients), checks)
    shards = sorted({shard_name(site) for site in pd.read_csv(patients, dtype=str)["site"]})
    assert len(shards) == 4
    built = {}
    for suffix in ("csv", "arrow"):
        folder = tmp_path / suffix
        scored = {}
        for instrument, score, role in (("isncsci", steps.score_isncsci, "exams"), ("scim", steps.score_scim, "scim")):
            validated = folder / f"{instrument}.{suffix}"
            steps.validate_table(Files(), Files(validated), checks)
            sites = [folder / shard / f"{instrument}.arrow" for shard in shards]
            steps.split_by_site(Files(assessments=validated, patients=patients), Files(*sites), Files())
            scored[instrument] = [site.with_name(f"{instrument}_scored.csv") for site in sites]
            for site, out in zip(sites, scored[instrument]):
                score(Files(**{role: site}), Files(out), Files(visits=config["visits"]))
                built[suffix, out.parent.name, out.name] = out.read_bytes()
        outputs = Files(outcomes=folder / "outcomes.csv", assignment=folder / "assignment.csv", ais_check=folder / "ais.csv")
        steps.outcomes_by_visit(Files(isncsci=scored["isncsci"], scim=scored["scim"], patients=patients), outputs,
                                Files(visits=config["visits"], data_quality=config["data_quality"]))
        for name in ("outcomes", "assignment", "ais_check"):
            built[suffix, name] = Path(getattr(outputs, name)).read_bytes()
    for (suffix, *what), text in built.items():
        assert text == built["csv", *what], what
    assert built["arrow", "outcomes"].count(b"\n") == 300 * 3 + 1
