"""The results tables a manuscript reads, built in-process from a raw dataset by the same step
functions the workflow's rules call (without Snakemake and the figures), and the manuscript text
rendered from them: fast enough to read the text under many datasets."""

import json
import re
from pathlib import Path

import pandas as pd
import yaml
from workflow_helpers import REPO

from caseseries import steps
from caseseries.data.contract import RAW_FILES
from caseseries.data.sharding import shard_name
from caseseries.report import manuscript as ms
from caseseries.tables import validated_file

PROVENANCE = {"report_date": "2024-01-01", "git": {"commit": "abc", "dirty": False}, "engine": "test engine",
              "versions": {p: "1" for p in ("python", "pandas", "scipy", "pingouin", "statsmodels", "seaborn")},
              "checksum_table": "", "version_table": "",
              "config_file": {"name": "manuscript.config.yaml", "sha256": "0" * 64}}


class Files(list):
    """Paths with positional and named access, as Snakemake's input/output/params give them."""

    def __init__(self, *positional, **named):
        super().__init__([*positional, *named.values()])
        self._names = list(named)
        self.__dict__.update(named)

    def keys(self):
        return self._names


def example_config() -> dict:
    return yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))


def build_tables(raw: Path, out: Path, config: dict) -> dict:
    """Run validation, scoring, outcomes by visit, statistics, patient tables, safety, responders
    and published claims on `raw`; return {role: path} as the manuscript rule passes them."""
    validated, tables = out / "validated", out / "tables"
    for table in RAW_FILES:  # as the workflow writes them
        steps.validate_table(Files(), Files(validated / validated_file(table)),
                             Files(raw_dir=raw, plausibility=config["plausibility"]))
    steps.validate_dataset(Files(), Files(validated / "dataset.json"), Files(raw_dir=raw, plausibility=config["plausibility"]))
    visits = Files(visits=config["visits"])
    shards = sorted({shard_name(site) for site in pd.read_csv(validated / "patients.csv", dtype=str)["site"]})
    sites = [out / "sites" / shard for shard in shards]
    for instrument in ("isncsci", "scim"):
        steps.split_by_site(Files(assessments=validated / validated_file(instrument),
                                  patients=validated / "patients.csv"),
                            Files(*[site / f"{instrument}.arrow" for site in sites]), Files())
    for site in sites:
        steps.score_isncsci(Files(exams=site / "isncsci.arrow"), Files(site / "isncsci_scored.csv"), visits)
        steps.score_scim(Files(scim=site / "scim.arrow"), Files(site / "scim_scored.csv"), visits)
    t = {name: tables / f"{file}" for name, file in TABLE_FILES.items()}
    steps.outcomes_by_visit(
        Files(isncsci=[site / "isncsci_scored.csv" for site in sites], scim=[site / "scim_scored.csv" for site in sites],
              patients=validated / "patients.csv"),
        Files(outcomes=t["outcomes"], assignment=t["assignment"], ais_check=t["ais_check"]),
        Files(visits=config["visits"], data_quality=config["data_quality"]),
    )
    steps.statistics(
        Files(t["outcomes"]),
        Files(descriptives=t["descriptives"], changes=t["changes"], friedman=t["friedman"],
              ais_shift=t["ais_shift"], ais_summary=t["ais_summary"]),
        Files(outcomes=config["outcomes"], visits=config["visits"], statistics=config["statistics"]),
    )
    steps.patient_tables(
        Files(patients=validated / "patients.csv", outcomes=t["outcomes"]),
        Files(characteristics=t["characteristics"], listing=t["listing"], summary=t["cohort_summary"],
              sites=t["site_summary"]),
        Files(visits=config["visits"]),
    )
    steps.safety(
        Files(adverse_events=validated / "adverse_events.csv", findings=validated / "safety_findings.csv",
              patients=validated / "patients.csv"),
        Files(summary=t["ae_summary"], listing=t["ae_listing"], checks=t["safety_checks"]),
        Files(),
    )
    steps.published_claims(
        Files(claims=REPO / "report" / "published_claims.yaml", characteristics=t["characteristics"],
              ais_summary=t["ais_summary"], changes=t["changes"], ae_summary=t["ae_summary"],
              safety_checks=t["safety_checks"]),
        Files(t["claims"]),
        Files(),
    )
    paths = {role: t[role] for role in MANUSCRIPT_ROLES}
    if config.get("responders"):
        steps.responders(Files(outcomes=t["outcomes"]), Files(changes=t["responder_changes"], summary=t["responders"]),
                         Files(visits=config["visits"], responders=config["responders"]))
        paths["responders"] = t["responders"]
    paths["context"] = REPO / "report" / "context.yaml"
    paths["checklist"] = REPO / "report" / "checklist.yaml"
    paths["dataset"] = validated / "dataset.json"
    return paths


TABLE_FILES = {
    "characteristics": "patient_characteristics.csv", "listing": "patient_listing.csv",
    "cohort_summary": "cohort_summary.csv", "site_summary": "site_summary.csv",
    "descriptives": "descriptives.csv", "changes": "paired_changes.csv", "friedman": "friedman.csv",
    "ais_shift": "ais_shift.csv", "ais_summary": "ais_summary.json", "ae_summary": "adverse_event_summary.csv",
    "ae_listing": "adverse_event_listing.csv", "safety_checks": "safety_checks.csv",
    "assignment": "visit_assignment.csv", "outcomes": "outcomes_by_visit.csv", "ais_check": "recorded_ais_check.csv",
    "claims": "published_claims.csv", "responders": "responders.csv", "responder_changes": "responder_changes.csv",
}
MANUSCRIPT_ROLES = [role for role in TABLE_FILES if role not in ("responders", "responder_changes")]


def manuscript_context(paths: dict, config: dict) -> dict:
    """The template context for these tables, as the manuscript rule builds it."""
    dataset = json.loads(Path(paths["dataset"]).read_text(encoding="utf-8"))
    roles = {role: path for role, path in paths.items() if role != "dataset"}
    return ms.build_context(roles, config, dataset, PROVENANCE)


def manuscript_source(paths: dict, config: dict) -> str:
    """The rendered .qmd for these tables, as the manuscript rule writes it."""
    return ms.render_template(REPO / "report" / "manuscript.qmd.j2", manuscript_context(paths, config))


def manuscript_text(paths: dict, config: dict) -> str:
    """The rendered .qmd for these tables, whitespace collapsed (a sentence may span lines)."""
    return as_read(manuscript_source(paths, config))


def as_read(text: str) -> str:
    """The .qmd text as a reader sees it: whitespace collapsed (a sentence may span lines), escapes
    removed."""
    return unescaped(" ".join(text.split()))


def unescaped(markdown: str) -> str:
    """Markdown without the backslash escapes `fmt.plain_text` puts before ASCII punctuation."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)
