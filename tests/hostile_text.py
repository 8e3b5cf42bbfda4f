"""A catalogue of hostile free text, and a copy of the example data that carries it in every
free-text column (adverse event term, system organ class and outcome; cause; site)."""

from pathlib import Path

import pandas as pd
import yaml

# (text as written in the data, text as the HTML and DOCX must show it). The second differs only
# for bidi controls, which the report makes inert by adding their closing partner (U+202C PDF,
# U+2069 PDI) or an isolate (U+2068 FSI ... U+2069 PDI), so that they cannot reorder any text.
CATALOGUE = [
    # HTML
    ('<script>alert("x")</script>',) * 2,
    ("<img src=x onerror=alert(1)> <iframe src=https://evil.example>",) * 2,
    ("<b>bold</b> &amp; &lt;tag&gt; &#x41; &nbsp;",) * 2,
    ("<!-- hidden --> <bdi>x</bdi>",) * 2,
    # Markdown
    ("*emphasis* **strong** _under_ __double__",) * 2,
    ("[click](https://evil.example/x) <https://evil.example> https://evil.example/?a=1&b=2",) * 2,
    ("![image](https://evil.example/p.png)",) * 2,
    ("# Heading",) * 2,
    ("- dash item",) * 2,
    ("+ plus item",) * 2,
    ("1. numbered",) * 2,
    ("2) numbered",) * 2,
    ("| a | b |",) * 2,
    ("> quoted",) * 2,
    ("::: {.callout-note}",) * 2,
    ("[^1] ^[inline note] (@) example",) * 2,
    ("~sub~ ^sup^ ~~strike~~ ==mark==",) * 2,
    ("`code` ``` fence",) * 2,
    ("word {#id .class key=val}",) * 2,
    ("%title line",) * 2,
    (":smile: :+1: -> <- => <=>",) * 2,
    # math, LaTeX, Typst
    ("$x^2$ and $$y$$",) * 2,
    (r"\textbf{bold} \\ \newpage \(x\)",) * 2,
    ("#set text(red) #pagebreak()",) * 2,
    ("= Typst heading",) * 2,
    ("/ Term: description",) * 2,
    ("<label> @ref *strong* _emph_",) * 2,
    # references and citations, Quarto shortcodes, Jinja
    ("@fig-trajectories @tbl-patients @sec-methods",) * 2,
    ("@fig-nowhere [@casestudy2024] [-@tbl-x] [@unknown, p. 3]",) * 2,
    ("{{< pagebreak >}}",) * 2,
    ("{{ 7*7 }} {% if true %}yes{% endif %} {# c #}",) * 2,
    # typography that Markdown or Typst would change
    ("...ellipsis -- en --- em -?soft -1 minus ~tilde",) * 2,
    ("'single' \"double\" it's",) * 2,
    (r"back\slash\ and \\ double C:\path\to",) * 2,
    ("trailing punctuation!?.;:,",) * 2,
    ('He said "hi, there", then left',) * 2,
    # spreadsheet formulas
    ('=HYPERLINK("https://evil.example","click")',) * 2,
    ("+cmd|' /C calc'!A0",) * 2,
    ("@SUM(1+1)",) * 2,
    ("-2+3",) * 2,
    ("'leading apostrophe",) * 2,
    # values a CSV reader may take for missing or a number
    ("NA",) * 2,
    ("N/A",) * 2,
    ("None",) * 2,
    ("007",) * 2,
    # Unicode: bidi controls, zero-width characters, right-to-left text, no-break space
    ("abc\u202edef\u202cghi", "abc\u202e\u202cdef\u202a\u202cghi"),  # RLO ... PDF
    ("\u2067right isolate", "\u2067\u2069right isolate"),  # RLI, never closed
    ("x\u200fy 12", "x\u2068\u200f\u2069y 12"),  # RLM
    ("zero\u200bwidth\u200cnon\u200djoiner\u2060wj\ufeffbom",) * 2,
    ("שלום (peace)", "\u2068שלום (peace)\u2069"),
    ("non\u00a0breaking",) * 2,
    # very long words
    ("Pneumonoultramicroscopicsilicovolcanoconiosis" * 3,) * 2,
    ("very-long-" * 12 + "end",) * 2,
]
WRITTEN = [written for written, _ in CATALOGUE]
SHOWN = dict(CATALOGUE)

# Sites and causes (Table 1 and the text) carry their own strings, so that a test can tell them
# from the adverse event columns.
SITES = ["<i>North</i> & *South*", "=Site|2 @tbl-patients"]
CAUSES = ["fall *from* <b>height</b>", "$sport$", "traffic [accident](https://evil.example)", "- other",
          "\u202eesuac", "1. violence", "`diving`"]
SHOWN |= {text: text for text in SITES + CAUSES} | {"\u202eesuac": "\u202e\u202cesuac"}
# dataset.yaml: its name, version and licence are printed, its source command as code.
DATASET = {"name": "*synthetic* <b>set</b> @fig-x", "version": "1.0 [@v]", "licence": "CC0-1.0 $x$",
           "command": "python -m caseseries simulate `--example` $HOME"}
SHOWN |= {text: text for text in DATASET.values()}


def organ_class(text: str) -> str:
    return f"{text} soc"


def outcome(text: str) -> str:
    return f"{text} outcome"


def write_hostile_data(raw: Path) -> None:
    """Put the catalogue into the example data in `raw` (a copy of data/raw)."""
    patients = pd.read_csv(raw / "patients.csv", dtype=str, keep_default_na=False)
    patients["site"] = [SITES[i % len(SITES)] for i in range(len(patients))]
    patients["cause"] = [CAUSES[i % len(CAUSES)] for i in range(len(patients))]
    patients.to_csv(raw / "patients.csv", index=False)
    ids = patients["patient_id"].tolist()
    events = pd.DataFrame(
        {
            "patient_id": [ids[i % len(ids)] for i in range(len(WRITTEN))],
            "onset_day": [str(1 + i) for i in range(len(WRITTEN))],
            "term": WRITTEN,
            "system_organ_class": [organ_class(text) for text in WRITTEN],
            "grade": "1",
            "serious": "no",
            "relatedness": "unlikely",
            "outcome": [outcome(text) for text in WRITTEN],
        }
    )
    events.to_csv(raw / "adverse_events.csv", index=False)
    description = yaml.safe_load((raw / "dataset.yaml").read_text())
    description |= {key: DATASET[key] for key in ("name", "version", "licence")}
    description["source"]["command"] = DATASET["command"]
    (raw / "dataset.yaml").write_text(yaml.safe_dump(description, allow_unicode=True))
