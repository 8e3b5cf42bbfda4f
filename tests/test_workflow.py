"""End to end: the whole workflow on the committed example data, in a temporary copy."""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from caseseries.contract import SCIM_ITEMS

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def copy_project(target: Path) -> Path:
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(REPO / name, target / name)
    for name in ("workflow", "report", "data", "envs"):
        shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("project"))
    raw_before = digest(root / "data" / "raw")
    result = subprocess.run([*SNAKEMAKE, "--cores", "2"], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-4000:]
    assert digest(root / "data" / "raw") == raw_before, "the workflow modified data/raw"
    return root


def test_every_report_format_is_built(project):
    report = project / "results" / "report"
    for fmt in ("html", "pdf", "docx"):
        assert (report / f"manuscript.{fmt}").stat().st_size > 10_000


def test_a_second_run_has_nothing_to_do(project):
    result = subprocess.run([*SNAKEMAKE, "--cores", "1", "--dry-run"], cwd=project, capture_output=True, text=True)
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_scim_descriptives_match_a_direct_computation_from_the_raw_file(project):
    # Independent of the pipeline: sum the raw items, take each patient's assessment nearest day 180
    # within [150, 210], and compare the mean and median with the pipeline's table.
    raw = pd.read_csv(project / "data" / "raw" / "scim.csv")
    raw["total"] = raw[list(SCIM_ITEMS)].sum(axis=1)
    window = raw[raw["day"].between(150, 210)].assign(distance=lambda f: (f["day"] - 180).abs())
    day180 = window.sort_values(["patient_id", "distance", "day"]).drop_duplicates("patient_id")["total"]
    table = pd.read_csv(project / "results" / "tables" / "descriptives.csv")
    row = table[(table["outcome"] == "scim_total") & (table["visit"] == "day180")].iloc[0]
    assert row["n"] == len(day180)
    assert row["mean"] == pytest.approx(day180.mean())
    assert row["median"] == pytest.approx(day180.median())


def test_the_pdf_reads_as_the_manuscript(project):
    pages = [page.extract_text() for page in PdfReader(project / "results" / "report" / "manuscript.pdf").pages]
    text = "\n".join(pages)
    assert "Synthetic data" in pages[0], "the synthetic-data notice must be on the first page"
    patients = pd.read_csv(project / "data" / "raw" / "patients.csv")
    assert f"{len(patients)} patients" in text.replace("\n", " ")
    for label in ("Table 1", "Table 2", "Figure 1", "Figure 2", "Figure 3"):
        assert label in text
    assert "??" not in text
    # The one published AIS improvement (C to D), from the pipeline's own classification.
    assert "C\u2192D" in text or "C->D" in text
    for name in ("patients.csv", "scim.csv", "isncsci.csv"):
        sha = hashlib.sha256((project / "data" / "raw" / name).read_bytes()).hexdigest()
        assert sha in text.replace("\n", ""), f"checksum of {name} missing from the provenance appendix"


def test_the_html_is_self_contained(project):
    html = (project / "results" / "report" / "manuscript.html").read_text(encoding="utf-8")
    assert 'src="http' not in html and "href=\"http" not in html.split("<body")[0]
    assert "data:image/png;base64" in html
