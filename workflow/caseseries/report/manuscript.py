"""The manuscript: collect every number from results/ into a context and render the Jinja2
template of the .qmd. Nothing numeric is typed into the template; it all comes from here."""

import json
import re
from pathlib import Path

import jinja2
import pandas as pd
import yaml

from caseseries.report import formatting as fmt
from caseseries import tables
from caseseries.analysis.cohort import GRADE_GAPS, cohort_grade
from caseseries.analysis.responders import WORSENED
from caseseries.data.contract import AIS_GRADES

# Jinja2's `{# ... #}` comments would swallow Quarto's `{#fig-x}` labels: use other delimiters.
COMMENT_START, COMMENT_END = "<#--", "--#>"


def environment(template_dir: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        undefined=jinja2.StrictUndefined,  # a missing number is an error, never an empty cell
        comment_start_string=COMMENT_START,
        comment_end_string=COMMENT_END,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# Quarto labels of sections, tables and figures, as written in the .qmd: `{#tbl-changes}`.
LABEL = re.compile(r"\{#((?:sec|tbl|fig)-[\w-]+)")


def render_template(template: Path, context: dict) -> str:
    env = environment(template.parent)
    env.filters.update(p_statement=fmt.p_statement, words=fmt.number_word, inner=fmt.inner, signed=fmt.num_signed,
                       none_or_count=fmt.none_or_count, counted=fmt.counted, quantity=fmt.quantity)
    page = env.get_template(template.name)
    text = page.render(**context)
    if context.get("checklist"):
        # The checklist points only to parts this manuscript has: render once to learn them.
        tables_with_checklist = {**context["tables"], "checklist": checklist_table(context["checklist"],
                                                                                    set(LABEL.findall(text)))}
        text = page.render(**{**context, "tables": tables_with_checklist})
    return text


# --- tables -------------------------------------------------------------------------------------------


def patient_characteristics_table(characteristics: pd.DataFrame, visit_labels: dict, first: str, last: str) -> str:
    has_dose_per_kg = "cell_dose_per_kg_1e6" in characteristics and characteristics["cell_dose_per_kg_1e6"].notna().any()
    rows = pd.DataFrame(
        {
            "Patient": characteristics["patient_id"],
            "Sex": characteristics["sex"],
            "Age (years)": characteristics["age"].map(lambda v: fmt.num(v, 0)),
            "Years since injury": characteristics["years_since_injury"].map(lambda v: fmt.num(v, 1)),
            "Cause": characteristics["cause"],
            "NLI": characteristics[f"{first}_neurological_level"].map(fmt.determinable),
            f"AIS, {visit_labels[first]}": characteristics[f"{first}_ais"].map(fmt.determinable),
            f"AIS, {visit_labels[last]}": characteristics[f"{last}_ais"].map(fmt.determinable),
            "Cells (×10⁸)": characteristics["cell_dose_1e8"].map(lambda v: fmt.num(v, 2)),
        }
    )
    if has_dose_per_kg:
        rows["Cells/kg (×10⁶)"] = characteristics["cell_dose_per_kg_1e6"].map(lambda v: fmt.num(v, 2))
    return fmt.markdown_table(rows, "llrrllccr" + ("r" if has_dose_per_kg else ""))


def descriptives_table(descriptives: pd.DataFrame, outcome_labels: dict, visit_labels: dict) -> str:
    rows = []
    for outcome, label in outcome_labels.items():
        of_outcome = descriptives[descriptives["outcome"] == outcome].set_index("visit")
        statistics = {
            "n": lambda r: fmt.count(r["n"]),
            "Mean (SD)": lambda r: fmt.mean_sd(r["mean"], r["sd"]),
            "Median [IQR]": lambda r: fmt.median_iqr(r["median"], r["q1"], r["q3"]),
            "Range": lambda r: fmt.span(r["min"], r["max"], 0),
        }
        for i, (name, cell) in enumerate(statistics.items()):
            row = {"Outcome": f"**{label}**" if i == 0 else "", "Statistic": name}
            row.update({visit_labels[v]: cell(of_outcome.loc[v]) for v in visit_labels})
            rows.append(row)
    return fmt.markdown_table(pd.DataFrame(rows), "ll" + "r" * len(visit_labels))


def _change_rows(changes: pd.DataFrame, outcome_labels: dict, visit_labels: dict, cells: dict) -> pd.DataFrame:
    """One row per outcome and follow-up, the outcome named on its first row; `cells` maps each
    further column to a function of the paired_changes row."""
    rows = []
    for outcome, label in outcome_labels.items():
        for i, row in enumerate(changes[changes["outcome"] == outcome].itertuples()):
            first = {"Outcome": f"**{label}**" if i == 0 else "", "Visit": visit_labels[row.visit],
                     "n": fmt.count(row.n_pairs)}
            rows.append(first | {column: cell(row) for column, cell in cells.items()})
    return pd.DataFrame(rows)


def changes_table(changes: pd.DataFrame, outcome_labels: dict, visit_labels: dict, ci_percent: str) -> str:
    cells = {
        "Median change": lambda r: fmt.num(r.median_change),
        f"HL estimate ({ci_percent} CI)": lambda r: fmt.estimate_ci(r.hl_estimate, r.hl_ci_low, r.hl_ci_high,
                                                                    number=fmt.shift),
        "p": lambda r: fmt.p_value(r.p_value),
        "p (adj.)": lambda r: fmt.p_value(r.p_adjusted),
        "r": lambda r: fmt.num(r.rank_biserial, 2),
    }
    return fmt.markdown_table(_change_rows(changes, outcome_labels, visit_labels, cells), "llrrrrrr")


def sensitivity_table(changes: pd.DataFrame, outcome_labels: dict, visit_labels: dict, ci_percent: str) -> str:
    cells = {
        f"Mean change ({ci_percent} CI)": lambda r: fmt.estimate_ci(r.t_mean_change, r.t_ci_low, r.t_ci_high),
        "Paired t-test p": lambda r: fmt.p_value(r.t_p_value),
        "Wilcoxon p": lambda r: fmt.p_value(r.p_value),
    }
    return fmt.markdown_table(_change_rows(changes, outcome_labels, visit_labels, cells), "llrrrr")


def friedman_table(friedman: pd.DataFrame, outcome_labels: dict) -> str:
    rows = [
        {
            "Outcome": outcome_labels[row.outcome],
            "n (complete)": fmt.count(row.n_complete),
            "χ²": fmt.num(row.statistic, 2),
            "df": fmt.count(row.df),
            "p": fmt.p_value(row.p_value),
            "Kendall's W": fmt.num(row.kendall_w, 2),
        }
        for row in friedman.itertuples()
    ]
    return fmt.markdown_table(pd.DataFrame(rows), "lrrrrr")


def ais_shift_table(shift: pd.DataFrame, baseline_label: str, followup_label: str) -> str:
    shift = shift.set_index("baseline").reindex(index=list(AIS_GRADES), columns=list(AIS_GRADES), fill_value=0)
    rows = pd.DataFrame({f"{baseline_label} \\\\ {followup_label}": [f"AIS {g}" for g in AIS_GRADES]})
    for grade in AIS_GRADES:
        rows[f"AIS {grade}"] = shift[grade].astype(int).to_numpy()
    rows["Total"] = shift.sum(axis=1).astype(int).to_numpy()
    return fmt.markdown_table(rows, "l" + "r" * (len(AIS_GRADES) + 1))


def adverse_event_table(summary: pd.DataFrame, n_patients: int) -> str:
    rows = []
    for row in summary.itertuples():
        by_term = row.category == "by term"
        rows.append(
            {
                "Event": f"\u2003{row.term}" if by_term else row.term,
                "Patients, n (%)": fmt.percent(int(row.patients), n_patients),
                "Events, n": fmt.count(row.events),
                "Highest grade": fmt.count(row.max_grade) if by_term else "",
                "Possibly related events": fmt.count(row.related_events) if by_term else "",
            }
        )
    return fmt.markdown_table(pd.DataFrame(rows), "lrrrr")


def safety_checks_table(checks: pd.DataFrame) -> str:
    rows = pd.DataFrame(
        {
            "Check": checks["label"],
            "Patients assessed": checks["patients_assessed"].map(fmt.count),
            "Assessments": checks["assessments"].map(fmt.count),
            "Positive findings": checks["positive_findings"].map(fmt.count),
            "Patients with a finding": checks["patients_positive"].astype("string").fillna("none"),
            "Last assessment (day)": checks["last_day_assessed"].map(fmt.count),
        }
    )
    return fmt.markdown_table(rows, "lrrrlr")


def cohort_summary_table(summary: pd.DataFrame) -> str:
    first_of_group = ~summary["characteristic"].duplicated()
    rows = pd.DataFrame(
        {
            "Characteristic": summary["characteristic"].where(first_of_group, ""),
            "": summary["level"].fillna(""),
            "Value": summary["value"],
        }
    )
    return fmt.markdown_table(rows, "llr")


def site_table(sites: pd.DataFrame, first_label: str, last_label: str) -> str:
    rows = pd.DataFrame(
        {
            "Site": sites["site"],
            "Patients": sites["patients"].map(fmt.count),
            "Age, median [IQR]": sites["age_median_iqr"],
            f"AIS A / B / C / D, {fmt.inner(first_label)}": sites["baseline_ais"],
            f"Assessed at {fmt.inner(last_label)}, n (%)": sites["completed_last_visit"],
            "Improved ≥1 AIS grade, n (%)": sites["improved_ais"],
        }
    )
    return fmt.markdown_table(rows, "lrrrrr")


def claims_table(claims: pd.DataFrame) -> str:
    rows = pd.DataFrame(
        {
            "Claim": claims["claim"],
            "Source": claims["where"],
            "Published": claims["published"],
            "This run": claims["this_run"].str.replace("->", "\u2192"),
            "Agrees": claims["agrees"],
        }
    )
    return fmt.markdown_table(rows, "lllll")


def listing_table(listing: pd.DataFrame, visit_labels: dict) -> str:
    rows = pd.DataFrame(
        {
            # The id only on a patient's first row, as in a printed listing.
            "Patient": listing["patient_id"].where(~listing["patient_id"].duplicated(), ""),
            "Visit": listing["visit"].map(visit_labels),
            "Day": listing["day"].map(fmt.num_signed),
            "AIS": listing["ais"].map(fmt.determinable),
            "NLI": listing["neurological_level"].map(fmt.determinable),
            "UEMS": listing["uems"].map(lambda v: fmt.num(v, 0)),
            "LEMS": listing["lems"].map(lambda v: fmt.num(v, 0)),
            "LT": listing["lt_total"].map(lambda v: fmt.num(v, 0)),
            "PP": listing["pp_total"].map(lambda v: fmt.num(v, 0)),
            "SCIM-III": listing["scim_total"].map(lambda v: fmt.num(v, 0)),
        }
    )
    return fmt.markdown_table(rows, "llrllrrrrr")


def adverse_event_listing_table(listing: pd.DataFrame) -> str:
    rows = pd.DataFrame(
        {
            # The id only on a patient's first event, as in a printed listing.
            "Patient": listing["patient_id"].where(~listing["patient_id"].duplicated(), ""),
            "Onset (day)": listing["onset_day"].map(fmt.num_signed),
            "Event": listing["term"],
            "Grade": listing["grade"].map(fmt.count),
            "Serious": listing["serious"],
            "Relatedness": listing["relatedness"],
            "Outcome": listing["outcome"],
        }
    )
    return fmt.markdown_table(rows, "lrlrlll")


def _criterion(name: str, points: float) -> str:
    """'improved ≥4 points (small)'; the worsened row: 'worsened ≥4 points'."""
    if name == WORSENED:
        return f"worsened ≥{points:g} points"
    return f"improved ≥{points:g} points ({fmt.inner(name)})"


def responders_table(summary: pd.DataFrame, outcome_labels: dict, visit_labels: dict, citations: dict) -> str:
    """Patients meeting each responder criterion per outcome and follow-up; the outcome cell cites
    the source of its thresholds."""
    rows = []
    for outcome, of_outcome in summary.groupby("outcome", sort=False):
        first_of_visit = ~of_outcome["visit"].duplicated()
        for i, (row, first) in enumerate(zip(of_outcome.itertuples(), first_of_visit)):
            share = f" ({100 * row.patients / row.n_pairs:.0f}%)" if row.n_pairs else ""
            rows.append(
                {
                    "Outcome (MCID source)": f"**{outcome_labels[outcome]}** [@{citations[outcome]}]" if i == 0 else "",
                    "Visit": visit_labels[row.visit] if first else "",
                    "Criterion": _criterion(row.criterion, row.points),
                    "Patients, n/N (%)": f"{row.patients}/{row.n_pairs}{share}",
                }
            )
    return fmt.markdown_table(pd.DataFrame(rows), "lllr")


def _responders(summary: pd.DataFrame, responders: dict, outcome_labels: dict, visit_labels: dict, limit: int) -> list[dict]:
    """Sentence-ready records: per outcome, its thresholds and citation, and per follow-up the
    patients reaching the smallest threshold and those worse by it, with who lacks a pair."""
    records = []
    for outcome, spec in responders.items():
        of_outcome = summary[summary["outcome"] == outcome]
        levels = sorted(spec["thresholds"].items(), key=lambda item: item[1])
        visits = []
        for visit, rows in of_outcome.groupby("visit", sort=False):
            by = rows.set_index("criterion")
            missing_ids = rows["missing_ids"].iloc[0]
            missing = [] if fmt.is_missing(missing_ids) else str(missing_ids).split(",")
            visits.append(
                {
                    "label": visit_labels[visit],
                    "n": int(rows["n_pairs"].iloc[0]),
                    "reached": {name: int(by.loc[name, "patients"]) for name, _ in levels},
                    "worsened": int(by.loc[WORSENED, "patients"]),
                    "missing": fmt.names_or_counts(missing, limit),
                }
            )
        records.append(
            {
                "label": outcome_labels[outcome],
                "citation": spec["citation"],
                "thresholds": fmt.words_list(f"≥{points:g} points {fmt.inner(name)}" for name, points in levels),
                "smallest": {"name": fmt.inner(levels[0][0]), "points": f"{levels[0][1]:g}"},
                "levels": [{"name": fmt.inner(name), "points": f"{points:g}", "key": name} for name, points in levels],
                "visits": visits,
            }
        )
    return records


def _is_label(part: str) -> bool:
    return re.fullmatch(r"(sec|tbl|fig)-[\w-]+", part) is not None


def checklist_table(checklists: list[dict], labels: set[str]) -> str:
    """Each checklist item with the parts of this manuscript that meet it (cross-references to
    labels it has, or named parts such as "Title"), or 'not available in these data'."""
    rows = []
    for checklist in checklists:
        for i, entry in enumerate(checklist["items"]):
            where = [f"@{part}" if _is_label(part) else part
                     for part in entry.get("where", []) if part in labels or not _is_label(part)]
            if where:
                met = ", ".join(where)
            else:
                reason = entry.get("not_available")
                met = "not available in these data" + (f" ({reason})" if reason else "")
            rows.append({"Checklist": f"**{checklist['short']}** [@{checklist['citation']}]" if i == 0 else "",
                         "Item": entry["item"], "Where in this report": met})
    return fmt.markdown_table(pd.DataFrame(rows), "lll")


# --- context -------------------------------------------------------------------------------------------


def _cohort(characteristics: pd.DataFrame, first: str) -> dict:
    n = len(characteristics)
    causes = characteristics["cause"].value_counts()
    baseline_ais = characteristics[f"{first}_ais"].map(cohort_grade).value_counts()
    return {
        "n": n,
        "n_word": fmt.number_word(n),
        "n_word_capital": fmt.number_word(n, capital=True),
        "n_female": int((characteristics["sex"] == "F").sum()),
        "n_male": int((characteristics["sex"] == "M").sum()),
        "n_sites": characteristics["site"].nunique(),
        "age_median": fmt.num(characteristics["age"].median(), 0),
        "age_range": fmt.span(characteristics["age"].min(), characteristics["age"].max(), 0),
        "years_median": fmt.num(characteristics["years_since_injury"].median(), 1),
        "years_min_value": float(characteristics["years_since_injury"].min()),
        # '1.3 to 27.0', or one number when every patient was injured as long ago
        "years_span": " to ".join(dict.fromkeys(fmt.num(characteristics["years_since_injury"].agg(end), 1)
                                                for end in ("min", "max"))),
        "causes": fmt.words_list(f"{fmt.inner(cause)} ({k})" for cause, k in causes.sort_index().items()),
        "dose_median": fmt.num(characteristics["cell_dose_1e8"].median(), 2),
        "dose_range": fmt.span(characteristics["cell_dose_1e8"].min(), characteristics["cell_dose_1e8"].max(), 2),
        "baseline_ais": fmt.words_list(
            f"AIS {g} ({baseline_ais[g]})" if g in AIS_GRADES else f"{g} ({baseline_ais[g]})"
            for g in (*AIS_GRADES, *GRADE_GAPS) if g in baseline_ais
        ),
    }


def _key_results(changes: pd.DataFrame, outcome_labels: dict, visit_labels: dict, alpha: float) -> list[dict]:
    """One sentence-ready record per outcome and follow-up, for the abstract and results text."""
    results = []
    for row in changes.itertuples():
        results.append(
            {
                "outcome": row.outcome,
                "label": outcome_labels[row.outcome],
                "visit": row.visit,
                "visit_label": visit_labels[row.visit],
                "n": int(row.n_pairs),
                "median_change": fmt.num(row.median_change),
                "hl_estimate": fmt.shift(row.hl_estimate),
                "hl_ci": f"{fmt.shift(row.hl_ci_low)}{' to ' if row.hl_ci_low < 0 else fmt.DASH}{fmt.shift(row.hl_ci_high)}",
                "p": fmt.p_value(row.p_value),
                "p_adjusted": fmt.p_value(row.p_adjusted),
                "significant": bool(row.p_adjusted < alpha) if not fmt.is_missing(row.p_adjusted) else False,
                "increase": bool(row.hl_estimate > 0) if not fmt.is_missing(row.hl_estimate) else False,
            }
        )
    return results


def _safety(summary: pd.DataFrame, checks: pd.DataFrame, n_patients: int) -> dict:
    overall = summary[summary["category"] == "overall"].set_index("term")
    any_ae, serious = overall.loc["Any adverse event"], overall.loc["Serious adverse event"]
    severe = overall.loc["CTCAE grade 3 or higher"]
    related = overall.loc["At least possibly related to the infusion"]
    positive = checks[checks["positive_findings"] > 0]
    return {
        "events": int(any_ae["events"]),
        "patients_with_event": int(any_ae["patients"]),
        "patients_with_event_percent": f"{100 * any_ae['patients'] / n_patients:.0f}%" if n_patients else "",
        "serious_events": int(serious["events"]),
        "severe_events": int(severe["events"]),
        "related_events": int(related["events"]),
        "checks_all_negative": positive.empty and (checks["patients_assessed"] == n_patients).all(),
        "checks_not_assessed": [f"{fmt.inner(r.label)} ({r.patients_not_assessed})"
                                for r in checks.itertuples() if r.patients_assessed < n_patients],
        "pre_infusion_events": int(overall.loc["Before the infusion (not counted above)", "events"])
        if "Before the infusion (not counted above)" in overall.index else 0,
        "checks_positive": [f"{fmt.inner(r.label)} ({r.patients_positive})" for r in positive.itertuples()],
        "checks_labels": fmt.words_list(fmt.inner(label) for label in checks["label"]),
        "terms": fmt.words_list(
            f"{fmt.inner(r.term)} ({r.events})" for r in summary[summary["category"] == "by term"].itertuples()
        ),
    }


def _data_quality(
    assignment: pd.DataFrame, outcomes: pd.DataFrame, ais_check: pd.DataFrame, visit_labels: dict, limit: int
) -> dict:
    outside = assignment[assignment["visit_status"] == "outside windows"]
    unused = assignment[assignment["visit_status"] == "not selected"]
    missing = outcomes[outcomes["day"].isna()]
    missing_list = [f"{r.patient_id} ({visit_labels[r.visit]})" for r in missing.itertuples()]
    missing_text = fmt.names_or_counts(missing_list, limit, "missed visits")
    discrepant = ais_check[ais_check["agrees"] == "no"]
    discrepancy_rows = pd.DataFrame(
        {
            "Patient": discrepant["patient_id"],
            "Day": discrepant["day"].map(fmt.num_signed),
            "Recorded AIS": discrepant["recorded_ais"],
            "Computed AIS": discrepant["ais"].map(fmt.determinable),
            "Computed NLI": discrepant["neurological_level"].map(fmt.determinable),
        }
    )
    return {
        "n_assessments": len(assignment),
        "outside": fmt.names_or_counts(
            [f"{r.instrument} of {r.patient_id} on day {r.day}" for r in outside.itertuples()], limit, "assessments"
        ),
        "n_unused": len(unused),
        "missing_visits": missing_text,
        "n_recorded_ais": len(ais_check),
        "ais_discrepancies": len(discrepant),
        # Beyond the listing limit the exams are listed in results/tables/recorded_ais_check.csv only.
        "ais_discrepancy_table": fmt.markdown_table(discrepancy_rows, "lrccl") if 0 < len(discrepant) <= limit else "",
        "ais_discrepancy_nd": fmt.has_undeterminable(discrepant["ais"], discrepant["neurological_level"]),
    }


def _transition(text: str) -> str:
    """'P01: A,B,C,D,E->D' -> 'P01: ND→D' (a grade NT left open is not determinable)."""
    patient, _, grades = text.rpartition(": ")
    before, after = grades.split("->")
    shift = f"{fmt.determinable(before)}\u2192{fmt.determinable(after)}"
    return f"{patient}: {shift}" if patient else shift


def build_context(paths: dict, config: dict, dataset: dict, provenance: dict) -> dict:
    """Everything the template prints, formatted; `paths` names the results tables by role."""
    read = {role: tables.read(path) for role, path in paths.items() if str(path).endswith(".csv")}
    ais_summary = json.loads(Path(paths["ais_summary"]).read_text())
    # Patients are named in the text only when the report lists them; above that, counted by kind.
    limit = config["report"]["listing_max_patients"]
    if len(read["characteristics"]) > limit:
        limit = 0
    for kind in ("improved", "worsened", "undetermined"):
        transitions = [_transition(t) for t in ais_summary[f"{kind}_transitions"]]
        ais_summary[f"{kind}_text"] = fmt.names_or_counts(transitions, limit)
    ais_summary["missing_text"] = fmt.names_or_counts(ais_summary["missing_ids"], limit)
    visits = config["visits"]
    visit_labels = {v["name"]: v["label"] for v in visits}
    first, last = visits[0]["name"], visits[-1]["name"]
    outcome_labels = {name: spec["label"] for name, spec in config["outcomes"].items()}
    statistics = config["statistics"]
    ci_percent = f"{100 * statistics['ci_level']:g}%"
    characteristics = read["characteristics"]
    n_patients = len(characteristics)
    listing_max = config["report"]["listing_max_patients"]
    responders = config.get("responders") or {}
    table1_grades = [characteristics[c] for c in (f"{first}_neurological_level", f"{first}_ais", f"{last}_ais")]
    return {
        "config": config,
        "dataset": dataset,
        "dataset_source": dataset["source"].get("command", str(dataset["source"]))
        if isinstance(dataset["source"], dict)
        else dataset["source"],
        "provenance": provenance,
        "visits": visits,
        "visit_labels": visit_labels,
        "baseline_label": visit_labels[first],
        "followup_labels": fmt.words_list(fmt.inner(visit_labels[v["name"]]) for v in visits[1:]),
        "last_label": visit_labels[last],
        "ci_percent": ci_percent,
        "alpha": fmt.num(statistics["alpha"], 2),
        "cohort": _cohort(characteristics, first),
        "key_results": _key_results(read["changes"], outcome_labels, visit_labels, statistics["alpha"]),
        "p_methods": sorted(set(read["changes"]["p_method"].dropna()) - {""}),
        "ais": ais_summary,
        "safety": _safety(read["ae_summary"], read["safety_checks"], n_patients),
        "quality": _data_quality(read["assignment"], read["outcomes"], read["ais_check"], visit_labels, listing_max),
        "claims": {"n": len(read["claims"]), "source": read["claims"]["source"].iloc[0] if len(read["claims"]) else "", "agree": int((read["claims"]["agrees"] == "yes").sum()),
                   "disagree": read["claims"].loc[read["claims"]["agrees"] == "no", "claim"].tolist()},
        "show_listings": n_patients <= listing_max,
        "listing_max": listing_max,
        # ND (not determinable) footnotes, only under tables that print ND.
        "nd": {
            "characteristics": fmt.has_undeterminable(*table1_grades),
            "listing": fmt.has_undeterminable(read["listing"]["ais"], read["listing"]["neurological_level"]),
        },
        "responders": _responders(read["responders"], responders, outcome_labels, visit_labels, limit)
        if responders else [],
        "context": yaml.safe_load(Path(paths["context"]).read_text(encoding="utf-8")),
        "checklist": yaml.safe_load(Path(paths["checklist"]).read_text(encoding="utf-8"))["checklists"],
        "tables": {
            "characteristics": patient_characteristics_table(characteristics, visit_labels, first, last),
            "cohort_summary": cohort_summary_table(read["cohort_summary"]),
            "sites": site_table(read["site_summary"], visit_labels[first], visit_labels[last]),
            "descriptives": descriptives_table(read["descriptives"], outcome_labels, visit_labels),
            "changes": changes_table(read["changes"], outcome_labels, visit_labels, ci_percent),
            "sensitivity": sensitivity_table(read["changes"], outcome_labels, visit_labels, ci_percent)
            if statistics["paired_t_sensitivity"]
            else "",
            "friedman": friedman_table(read["friedman"], outcome_labels) if statistics["friedman"] else "",
            "ais_shift": ais_shift_table(read["ais_shift"], visit_labels[first], visit_labels[last]),
            "adverse_events": adverse_event_table(read["ae_summary"], n_patients),
            "safety_checks": safety_checks_table(read["safety_checks"]),
            "listing": listing_table(read["listing"], visit_labels),
            "claims": claims_table(read["claims"]),
            "adverse_event_listing": adverse_event_listing_table(read["ae_listing"]),
            "responders": responders_table(read["responders"], outcome_labels, visit_labels,
                                           {o: spec["citation"] for o, spec in responders.items()})
            if responders else "",
            "checklist": "",  # filled in by render_template, which knows the parts the manuscript has
        },
    }
