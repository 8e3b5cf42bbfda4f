"""End to end: hostile free text in every free-text column of the raw data reaches the HTML, PDF
and DOCX manuscript exactly as written, as plain text, and the results CSVs cannot run formulas.

The catalogue (tests/hostile_text.py) puts HTML, Markdown, LaTeX, Typst, cross-references,
citations, Quarto shortcodes, Jinja, spreadsheet formulas, bidi controls, zero-width characters,
right-to-left text and very long words into the adverse event term, system organ class and
outcome, the cause and the site of the example data. One build per module: it is slow.
"""

import csv
import html
import json
import re
import unicodedata
import zipfile
from html.parser import HTMLParser

import pypandoc
import pytest
import yaml
from hostile_text import CATALOGUE, CAUSES, DATASET, SHOWN, SITES, WRITTEN, organ_class, outcome, write_hostile_data
from manuscript_helpers import MANUSCRIPT_ROLES, PROVENANCE, TABLE_FILES
from pypdf import PdfReader
from workflow_helpers import REPO, copy_project, digest, snakemake

from caseseries import tables
from caseseries.report import manuscript as ms

# On one xdist worker (--dist loadgroup): the module fixture (a build on hostile text) is made once.
pytestmark = pytest.mark.xdist_group("test_free_text")

RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff]")
FSI, PDI = "\u2068", "\u2069"


def _expected() -> dict[str, str]:
    """Every value in the hostile data -> the text the HTML and DOCX must show for it. The
    organ class and outcome are the term with a word added; a right-to-left value is isolated
    (FSI ... PDI) as a whole, word added included."""
    shown = {text: SHOWN[text] for text in [*SITES, *CAUSES, *WRITTEN, *DATASET.values()]}
    for written, term_shown in CATALOGUE:
        for decorated in (organ_class, outcome):
            isolated = term_shown.startswith(FSI) and not written.startswith(FSI)
            shown[decorated(written)] = FSI + decorated(written) + PDI if isolated else decorated(term_shown)
    return shown


EXPECTED = _expected()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("hostile"))
    write_hostile_data(project / "data" / "raw")
    raw_before = digest(project / "data" / "raw")
    snakemake(project, "--cores", "2", check=True)
    assert digest(project / "data" / "raw") == raw_before
    return project


class _HtmlText(HTMLParser):
    """The text of an HTML page (outside <style>), and every start tag with its attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.tags, self._style = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._style = tag == "style"

    def handle_endtag(self, tag):
        self._style = False

    def handle_data(self, data):
        if not self._style:
            self.parts.append(data)


def _html(project) -> _HtmlText:
    parser = _HtmlText()
    parser.feed((project / "results" / "report" / "manuscript.html").read_text(encoding="utf-8"))
    return parser


def _docx_text(project) -> str:
    """The text of each paragraph of the DOCX (its runs joined), one paragraph a line."""
    with zipfile.ZipFile(project / "results" / "report" / "manuscript.docx") as docx:
        document = docx.read("word/document.xml").decode("utf-8")
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", document, re.DOTALL)
    runs = (re.findall(r"<w:t(?: [^>]*)?>(.*?)</w:t>", paragraph, re.DOTALL) for paragraph in paragraphs)
    return "\n".join(html.unescape("".join(texts)) for texts in runs)


def _without_layout(text: str) -> str:
    """A PDF's text layer has its own line breaks and does not reliably keep invisible format
    characters (zero-width, bidi controls): compare without whitespace and format characters."""
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


def _one_space(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_html_shows_every_value_as_written(built):
    text = _one_space("".join(_html(built).parts))
    missing = [written for written, shown in EXPECTED.items() if _one_space(shown) not in text]
    assert missing == []


def test_the_docx_shows_every_value_as_written(built):
    text = _docx_text(built)
    missing = [written for written, shown in EXPECTED.items() if shown not in text]
    assert missing == []


def test_the_pdf_shows_every_value_as_written(built):
    pages = PdfReader(built / "results" / "report" / "manuscript.pdf").pages
    text = _without_layout("".join(page.extract_text() for page in pages))
    # A PDF keeps right-to-left text in the order it is drawn, not in reading order: for those
    # values, each run of letters must be there.
    missing = [written for written, shown in EXPECTED.items()
               if not (all(_without_layout(word) in text for word in re.findall(r"\w+", shown))
                       if RIGHT_TO_LEFT.search(shown) else _without_layout(shown) in text)]
    assert missing == []


def test_no_value_is_lost_from_the_safety_tables(built):
    listing = tables.read(built / "results" / "tables" / "adverse_event_listing.csv")
    assert sorted(listing["term"]) == sorted(WRITTEN)
    assert sorted(listing["system_organ_class"]) == sorted(map(organ_class, WRITTEN))
    assert sorted(listing["outcome"]) == sorted(map(outcome, WRITTEN))
    summary = tables.read(built / "results" / "tables" / "adverse_event_summary.csv")
    assert sorted(summary.loc[summary["category"] == "by term", "term"]) == sorted(WRITTEN)


def test_the_html_has_no_element_or_attribute_from_the_data(built):
    tags = _html(built).tags
    assert not [tag for tag, _ in tags if tag in ("script", "iframe", "object", "embed", "bdi", "b", "i")]
    links = [attributes.get("href", "") for tag, attributes in tags if tag == "a"]
    assert links and all(link.startswith(("#", "https://doi.org/")) for link in links), links
    assert all(attributes.get("src", "").startswith("data:image/") for tag, attributes in tags if tag == "img")
    attribute_names = {name for _, attributes in tags for name in attributes}
    assert not [name for name in attribute_names if name.startswith("on")]
    assert not [value for _, attributes in tags for value in attributes.values() if value and "evil.example" in value]


def test_no_results_table_starts_a_spreadsheet_formula(built):
    plain_number = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
    formulas = []
    for path in sorted((built / "results").rglob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                formulas += [(path.name, cell) for cell in row
                             if cell.startswith(tables.FORMULA_START) and not plain_number.fullmatch(cell)]
    assert formulas == []
    listing = (built / "results" / "tables" / "adverse_event_listing.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in listing and "''leading apostrophe" in listing


def test_a_cohort_report_shows_sites_and_causes_as_written(built, tmp_path):
    # Above listing_max_patients the report shows a per-site table and a cohort summary instead
    # of per-patient tables: the same values must read as written there.
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["report"]["listing_max_patients"] = 1
    results = built / "results"
    dataset = json.loads((results / "interim" / "validated" / "dataset.json").read_text())
    qmd = ms.render_template(REPO / "report" / "manuscript.qmd.j2", ms.build_context(_manuscript_inputs(results), config, dataset, PROVENANCE))
    assert "Patients by site" in qmd
    page = pypandoc.convert_text(qmd, "html", format="markdown")
    parser = _HtmlText()
    parser.feed(page)
    text = _one_space("".join(parser.parts))
    assert [value for value in SITES + CAUSES if _one_space(SHOWN[value]) not in text] == []


def _manuscript_inputs(results) -> dict:
    """The inputs the manuscript rule reads, by role (as in workflow/rules/report.smk)."""
    paths = {role: results / "tables" / TABLE_FILES[role] for role in [*MANUSCRIPT_ROLES, "responders"]}
    return paths | {"context": REPO / "report" / "context.yaml", "checklist": REPO / "report" / "checklist.yaml"}
