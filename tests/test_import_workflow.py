"""End to end from a REDCap export: import the fixture, validate it, build the whole manuscript, and
find no identifier of the fixture in any file under data/raw or results/."""

import re
import subprocess
import sys
import zipfile

import pandas as pd
import pytest
from pypdf import PdfReader
from test_redcap import DICTIONARY, FIXTURE, MAP, RECORD_OF, RECORDS, fixture_identifiers
from workflow_helpers import copy_project, own_library, snakemake

from caseseries import tables

# On one xdist worker (--dist loadgroup): the module fixture (a build from the REDCap fixture) is made once.
pytestmark = pytest.mark.xdist_group("test_import_workflow")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("redcap-project"))
    key = tmp_path_factory.mktemp("private") / "keys.csv"
    for path in (root / "data" / "raw").iterdir():
        path.unlink()  # only what the import writes
    command = [sys.executable, "-m", "caseseries"]
    env = own_library(root)
    imported = subprocess.run(
        [*command, "import", "redcap", str(FIXTURE / RECORDS), "--dictionary", str(FIXTURE / DICTIONARY),
         "--map", str(MAP), "--out", "data/raw", "--key-out", str(key)],
        cwd=root, env=env, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    validated = subprocess.run([*command, "validate", "data/raw"], cwd=root, env=env, capture_output=True, text=True)
    assert validated.returncode == 0 and "OK: 7 patients" in validated.stdout, validated.stderr
    snakemake(root, "--cores", "2", check=True)
    return root


def test_the_manuscript_and_the_tables_workbook_are_built(project):
    for name in ("report/manuscript.html", "report/manuscript.pdf", "report/manuscript.docx", "tables/tables.xlsx"):
        assert (project / "results" / name).stat().st_size > 5_000, name


def test_the_report_says_the_data_were_imported_and_synthetic(project):
    first_page = PdfReader(project / "results" / "report" / "manuscript.pdf").pages[0].extract_text()
    text = " ".join(first_page.split())
    assert "Synthetic data" in text and "imported with the project" in text
    assert "generator" not in text


def test_the_missing_visit_stays_missing_and_the_recorded_grades_agree(project):
    outcomes = pd.read_csv(project / "results" / "tables" / "outcomes_by_visit.csv")
    p04 = outcomes[outcomes["patient_id"] == "P04"].set_index("visit")
    assert pd.isna(p04.loc["day90", "day"]) and pd.isna(p04.loc["day90", "motor_total"])
    assert p04.loc["day180", "day"] == 181
    check = pd.read_csv(project / "results" / "tables" / "recorded_ais_check.csv")
    assert len(check) == 20 and set(check["agrees"]) == {"yes"}


# --- no identifier anywhere ----------------------------------------------------------------------
DATA_URI = re.compile(rb"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+")
TEXT_SUFFIXES = {".csv", ".json", ".yaml", ".yml", ".qmd", ".md", ".log", ".bib", ".csl", ".html", ".txt", ".lock"}


def views(path) -> tuple[list[bytes], list[str]]:
    """(every byte view of the file, its text views): the bytes as stored, each member of a zip
    (DOCX, XLSX), a PDF's extracted text, an Arrow file's table; text views leave out what is not text (images,
    base64 data, PDF object numbers, SVG path coordinates)."""
    data = path.read_bytes()
    raw, text = [data], []
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                member = archive.read(name)
                raw.append(member)
                if name.endswith(".xml"):  # the text between the tags (markup holds GUIDs)
                    text.append(" ".join(re.findall(r">([^<]+)<", member.decode("utf-8", "replace"))))
    elif path.suffix == ".pdf":
        extracted = "\n".join(page.extract_text() for page in PdfReader(path).pages)
        raw.append(extracted.encode())
        text.append(extracted)
    elif path.suffix == ".arrow":  # compressed: its table as CSV
        table = tables.read(path).to_csv(index=False)
        raw.append(table.encode())
        text.append(table)
    elif path.suffix == ".svg":
        text += re.findall(r"<!-- (.*?) -->", data.decode("utf-8", "replace"))  # matplotlib's text labels
    elif path.suffix in TEXT_SUFFIXES:
        text.append(DATA_URI.sub(b"", data).decode("utf-8", "replace"))
    return raw, text


def test_no_identifier_of_the_fixture_reaches_data_raw_or_results(project):
    identifiers = sorted(fixture_identifiers())  # names, dates, times, free-text comments
    files = [p for folder in ("data/raw", "results") for p in sorted((project / folder).rglob("*")) if p.is_file()]
    assert len(files) > 40
    leaks = []
    for path in files:
        raw, text = views(path)
        for identifier in identifiers:  # byte-wise, in every view
            if any(identifier.encode() in view for view in raw):
                leaks.append((str(path.relative_to(project)), identifier))
        # Record ids are three digits: as bytes they occur by chance in compressed streams and
        # images, so they are searched as numbers of their own in the text of each file; the end of
        # a page range ("197–203" in a reference) is not a record id.
        for record in RECORD_OF.values():
            pattern = rf"(?<![0-9A-Za-z.])(?<![0-9][-–])(?<![0-9]--){record}(?![0-9A-Za-z]|\.[0-9])"
            if any(re.search(pattern, view) for view in text):
                leaks.append((str(path.relative_to(project)), record))
    assert leaks == []
