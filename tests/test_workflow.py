"""End to end: the whole workflow on the committed example data, in a temporary copy."""

import hashlib

import pandas as pd
import pytest
from pypdf import PdfReader
from workflow_helpers import built_copy, change_one_scim_value, copy_project, products, snakemake

from caseseries.data.contract import SCIM_ITEMS


@pytest.fixture
def project(example_build):
    return example_build


def test_every_report_format_is_built(project):
    report = project / "results" / "report"
    for fmt in ("html", "pdf", "docx"):
        assert (report / f"manuscript.{fmt}").stat().st_size > 10_000


def test_a_second_run_has_nothing_to_do(project):
    result = snakemake(project, "--cores", "1", "--dry-run", check=True)
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
    # The configuration is a supplementary file next to the manuscript, named with its checksum.
    config = project / "results" / "report" / "manuscript.config.yaml"
    assert hashlib.sha256(config.read_bytes()).hexdigest() in text.replace("\n", "")
    assert "responders:" in config.read_text() and "raw_dir: data/raw" not in text


def test_the_html_is_self_contained(project):
    html = (project / "results" / "report" / "manuscript.html").read_text(encoding="utf-8")
    assert 'src="http' not in html and "href=\"http" not in html.split("<body")[0]
    assert "data:image/png;base64" in html


def test_two_clean_builds_are_byte_identical(project, tmp_path):
    # A second build in another folder: tables, figures, HTML, PDF and DOCX must not differ by a byte.
    # On one core, so that its figures are drawn in the Snakemake process, not in the worker process.
    again = copy_project(tmp_path / "again")
    snakemake(again, "--cores", "1", check=True)
    for name in ("trajectories", "distributions", "ais_shift_figure", "timeline", "waterfall"):
        assert "in the worker process" in (project / "results" / "logs" / f"{name}.log").read_text()
        assert "in the worker process" not in (again / "results" / "logs" / f"{name}.log").read_text()
    first, second = products(project), products(again)
    assert first.keys() == second.keys()
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []
    assert {"report/manuscript.pdf", "report/manuscript.html", "tables/paired_changes.csv", "tables/tables.xlsx"} <= first.keys()


def planned_jobs(project) -> dict:
    """Rule -> number of jobs a dry run plans, from Snakemake's job-stats table."""
    out = snakemake(project, "--dry-run", check=True).stdout
    table = out.split("Job stats:")[1].split("total")[0].splitlines()[3:]
    return {line.split()[0]: int(line.split()[1]) for line in table if line.strip()}


def test_changing_one_scim_value_reruns_only_what_depends_on_scim(project, tmp_path):
    copy = built_copy(project, tmp_path / "incremental")
    change_one_scim_value(copy)
    assert planned_jobs(copy) == {
        "validate_assessments": 1, "split_by_site": 1, "score_scim": 1, "outcomes_by_visit": 1, "statistics": 1, "patient_tables": 1,
        "trajectories": 1, "distributions": 1, "ais_shift_figure": 1, "timeline": 1, "responders": 1, "waterfall": 1,
        "published_claims": 1, "manuscript": 1, "manuscript_figures": 1, "render": 3,
        "tables_workbook": 1, "all": 1,
    }  # not: score_isncsci, safety, the other validations (tables_workbook: it holds the SCIM-III tables)


def test_changing_the_drawing_code_reruns_the_figures_and_the_render_not_the_manuscript_text(project, tmp_path):
    copy = built_copy(project, tmp_path / "drawing")
    code = copy / "workflow" / "caseseries" / "report" / "figures.py"
    code.write_text(code.read_text() + "\n")
    assert planned_jobs(copy) == {
        "trajectories": 1, "distributions": 1, "ais_shift_figure": 1, "timeline": 1, "waterfall": 1,
        "manuscript_figures": 1, "render": 3, "all": 1,
    }


def test_changing_the_report_template_reruns_only_the_report(project, tmp_path):
    copy = built_copy(project, tmp_path / "template")
    template = copy / "report" / "manuscript.qmd.j2"
    template.write_text(template.read_text() + "\n")
    assert planned_jobs(copy) == {"manuscript": 1, "render": 3, "all": 1}
