"""The manuscript: collect every number from results/ into a context and render the Jinja2
template of the .qmd. Nothing numeric is typed into the template; it all comes from here.

Text from the data (ids, sites, causes, adverse event terms, ...) is plain text, never Markdown:
table cells are escaped by `fmt.markdown_table`, and every data value that goes into a sentence
passes `fmt.plain_text` here, where the context is built."""

import json
import re
from pathlib import Path

import jinja2
import pandas as pd
import yaml

from caseseries.report import formatting as fmt
from caseseries import tables
from caseseries.analysis import exact, stats
from caseseries.analysis.safety import BEFORE_INFUSION
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
                       none_or_count=fmt.none_or_count, counted=fmt.counted, quantity=fmt.quantity,
                       and_list=fmt.words_list, comparisons=comparison_list)
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
    several_sites = characteristics["site"].nunique() > 1
    rows = pd.DataFrame(
        {
            "Patient": characteristics["patient_id"],
            **({"Site": characteristics["site"]} if several_sites else {}),
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
    return fmt.markdown_table(rows, "l" + ("l" if several_sites else "") + "lrrllccr" + ("r" if has_dose_per_kg else ""))


def _bold(label: str) -> str:
    """An outcome label in bold, for a table's Markdown column."""
    return f"**{fmt.plain_text(label)}**"


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
            row = {"Outcome": _bold(label) if i == 0 else "", "Statistic": name}
            row.update({visit_labels[v]: cell(of_outcome.loc[v]) for v in visit_labels})
            rows.append(row)
    return fmt.markdown_table(pd.DataFrame(rows), "ll" + "r" * len(visit_labels), markdown=("Outcome",))


def _change_rows(changes: pd.DataFrame, outcome_labels: dict, visit_labels: dict, cells: dict) -> pd.DataFrame:
    """One row per outcome and follow-up, the outcome named on its first row; `cells` maps each
    further column to a function of the paired_changes row."""
    rows = []
    for outcome, label in outcome_labels.items():
        for i, row in enumerate(changes[changes["outcome"] == outcome].itertuples()):
            first = {"Outcome": _bold(label) if i == 0 else "", "Visit": visit_labels[row.visit],
                     "n": fmt.count(row.n_pairs)}
            rows.append(first | {column: cell(row) for column, cell in cells.items()})
    return pd.DataFrame(rows)


UNREACHABLE, BELOW_NOMINAL = "\u2020", "\u2021"  # dagger: cannot reach alpha; double dagger: CI level
METHOD_WORDS = {"exact": "exact", "normal approximation": "normal approximation",
                "normal approximation with continuity correction": "normal approximation with continuity correction",
                "Monte Carlo": "Monte Carlo", "chi-square": "\u03c7\u00b2 approximation"}


def _method_marks(methods) -> dict:
    """p-value method -> superscript letter, only when a table mixes methods (else no marks)."""
    used = sorted(set(methods) - {""})
    return {m: f"^{chr(ord('a') + i)}^" for i, m in enumerate(used)} if len(used) > 1 else {}


def _unreachable(min_p, alpha: float) -> bool:
    return not fmt.is_missing(min_p) and min_p > alpha


def _p_cell(p, method: str, min_p, alpha: float, marks: dict) -> str:
    text = fmt.p_value(p)
    if fmt.is_missing(p):
        return text
    return text + (UNREACHABLE if _unreachable(min_p, alpha) else "") + marks.get(method, "")


def lost_text(reasons, visit_labels: dict, limit: int) -> str:
    """'P05 day90 missed; P03 day180 not determinable' -> 'P05 (day 90 missed), P03 (not determinable
    at day 180)', each patient once; beyond `limit` patients a count per reason."""
    by_patient: dict[str, dict[str, list[str]]] = {}
    for pid, visit, why in stats.parse_reasons(reasons):
        by_patient.setdefault(pid, {}).setdefault(why, []).append(fmt.inner(visit_labels.get(visit, visit)))
    if len(by_patient) > limit:
        order = [fmt.inner(label) for label in visit_labels.values()]
        counts = {}
        for why in (stats.MISSED, stats.NOT_DETERMINABLE):
            for visit in order:
                n = sum(visit in whys.get(why, []) for whys in by_patient.values())
                if n:
                    counts[f"{visit} missed" if why == stats.MISSED else f"not determinable at {visit}"] = n
        return ", ".join(f"{what}: {n}" for what, n in counts.items())
    parts = []
    for pid, whys in by_patient.items():
        said = [f"{fmt.words_list(whys[stats.MISSED])} missed"] if stats.MISSED in whys else []
        if stats.NOT_DETERMINABLE in whys:
            said.append(f"not determinable at {fmt.words_list(whys[stats.NOT_DETERMINABLE])}")
        parts.append(f"{pid} ({'; '.join(said)})")
    return ", ".join(parts)


def lost_table(changes: pd.DataFrame, friedman: pd.DataFrame, outcome_labels: dict, visit_labels: dict,
               limit: int) -> str:
    """Patients left out of each test and why, one row per group of tests that lost the same
    patients ('' when no test lost anyone)."""
    tests = [(visit_labels[r.visit], outcome_labels[r.outcome], r.missing_reasons) for r in changes.itertuples()]
    tests += [("All visits (Friedman)", outcome_labels[r.outcome], r.missing_reasons) for r in friedman.itertuples()]
    groups: dict[str, dict[str, list[str]]] = {}  # who was left out -> test visit -> outcomes
    for visit, outcome, reasons in tests:
        if text := lost_text(reasons, visit_labels, limit):
            groups.setdefault(text, {}).setdefault(visit, []).append(fmt.inner(outcome))
    if not groups:
        return ""
    named = ["; ".join(f"{visit}: {fmt.words_list(outcomes)}" for visit, outcomes in by_visit.items())
             for by_visit in groups.values()]
    return fmt.markdown_table(pd.DataFrame({"Tests": named, "Left out": list(groups)}), "ll")


def changes_table(changes: pd.DataFrame, outcome_labels: dict, visit_labels: dict, ci_percent: str,
                  alpha: float, ci_level: float) -> str:
    marks = _method_marks(changes["p_method"])
    cells = {
        "Up / same / down": lambda r: f"{r.n_improved} / {r.n_unchanged} / {r.n_worsened}",
        "Median change": lambda r: fmt.num(r.median_change),
        # no break inside the cell: the column widens instead of wrapping "0.00 (-1.50 to 1.50)"
        f"HL estimate ({ci_percent} CI)": lambda r: fmt.estimate_ci(r.hl_estimate, r.hl_ci_low, r.hl_ci_high,
                                                                    number=fmt.shift).replace(" ", "\u00a0")
        + (BELOW_NOMINAL if not fmt.is_missing(r.hl_ci_level_achieved) and r.hl_ci_level_achieved < ci_level else ""),
        "p": lambda r: _p_cell(r.p_value, r.p_method, r.min_attainable_p, alpha, marks),
        "p (adj.)": lambda r: fmt.p_value(r.p_adjusted),
        "r": lambda r: fmt.num(r.rank_biserial, 2),
    }
    rows = _change_rows(changes, outcome_labels, visit_labels, cells)
    primary = changes["role"].eq("primary").to_numpy()
    rows.loc[primary, "Visit"] = rows.loc[primary, "Visit"] + " (primary)"
    return fmt.markdown_table(rows, "llrcrrrrr", markdown=("Outcome", "p"))  # p: marks in superscript


def _percent(level: float) -> str:
    return f"{100 * level:.4g}%"


def changes_note(changes: pd.DataFrame, outcome_labels: dict, visit_labels: dict, statistics: dict,
                 limit: int) -> str:
    """The footnote of the table of changes: methods actually used, marks, lost patients."""
    alpha, ci_level = statistics["alpha"], statistics["ci_level"]
    marks = _method_marks(changes["p_method"])
    methods = sorted(set(changes["p_method"]) - {""})
    if marks:
        method_text = "; ".join(f"{mark.strip('^')}, {METHOD_WORDS[m]}" for m, mark in marks.items())
    else:
        method_text = fmt.words_list(METHOD_WORDS[m] for m in methods) or "not computable"
    notes = [f"n, pairs analysed; up / same / down, patients whose score rose / did not change / fell. "
             f"HL, Hodges–Lehmann estimate of the location shift (pseudomedian of the changes) with its "
             f"distribution-free confidence interval from the Walsh averages (conservative with ties or zero changes)"]
    levels = changes.dropna(subset=["hl_ci_level_achieved"]).groupby("n_pairs")["hl_ci_level_achieved"].first()
    if 0 < len(levels) <= 3:
        notes[-1] += "; achieved confidence level " + fmt.words_list(
            f"{_percent(level)} with {n} pairs" for n, level in levels.items())
    elif len(levels) > 3:
        notes[-1] += (f"; achieved confidence level {_percent(levels.min())} to {_percent(levels.max())} "
                      f"({levels.index.min()} to {levels.index.max()} pairs)")
    below = levels[levels < ci_level]
    if not below.empty:
        notes.append(f"{BELOW_NOMINAL} a {_percent(ci_level)} interval cannot be attained with "
                     f"{fmt.words_list(str(n) for n in below.index)} pairs; the interval shown has the level stated")
    notes.append(f"p, Wilcoxon signed-rank test ({method_text})")
    if changes.apply(lambda r: _unreachable(r.min_attainable_p, alpha), axis=1).any():
        notes.append(f"{UNREACHABLE} the smallest p-value these changes allow exceeds {fmt.num(alpha, 2)} "
                     f"(too few pairs changed): the test cannot reach significance, which is not evidence of no change")
    primary = "; the primary comparison is not adjusted" if changes["role"].eq("primary").any() else ""
    adjustment = _adjustment_words(statistics)
    if adjustment.startswith("not"):
        adjustment += " (multiplicity: none)" if statistics.get("multiplicity") == "none" else " (family: none)"
    notes.append("p (adj.), " + adjustment + primary)
    zero_method = statistics.get("zero_method", "wilcox")
    notes.append("r, matched-pairs rank-biserial correlation " + (
        "on the non-zero changes, not given (–) when fewer than half of the pairs changed"
        if zero_method == "wilcox" else "over all pairs (unchanged pairs count towards 0)"))
    if changes["missing_reasons"].ne("").any():
        notes.append("patients left out of a comparison, and why: @tbl-lost")
    return ". ".join(notes) + "."


def _adjustment_words(statistics: dict) -> str:
    method, family = statistics.get("multiplicity", "holm"), statistics.get("multiplicity_family", "secondary")
    if method == "none" or family == "none":
        return "not adjusted for multiplicity"
    scope = "all secondary comparisons" if family == "secondary" else "the follow-ups of each outcome"
    return f"{method.capitalize()}-adjusted across {scope}"


def sensitivity_table(changes: pd.DataFrame, outcome_labels: dict, visit_labels: dict, ci_percent: str) -> str:
    cells = {
        f"Mean change ({ci_percent} CI)": lambda r: fmt.estimate_ci(r.t_mean_change, r.t_ci_low, r.t_ci_high),
        "Paired t-test p": lambda r: fmt.p_value(r.t_p_value),
        "Wilcoxon p": lambda r: fmt.p_value(r.p_value),
    }
    return fmt.markdown_table(_change_rows(changes, outcome_labels, visit_labels, cells), "llrrrr", markdown=("Outcome",))


def _friedman_method(row) -> str:
    if row.p_method == "Monte Carlo":
        return f"Monte Carlo (SE {fmt.p_value(row.p_monte_carlo_se)})"
    return METHOD_WORDS.get(row.p_method, row.p_method) if row.p_method else fmt.DASH


def friedman_table(friedman: pd.DataFrame, outcome_labels: dict, alpha: float) -> str:
    rows = [
        {
            "Outcome": outcome_labels[row.outcome],
            "n (complete)": fmt.count(row.n_complete),
            "Q": fmt.num(row.statistic, 2),
            "df": fmt.count(row.df),
            "p": _p_cell(row.p_value, row.p_method, row.min_attainable_p, alpha, {}),
            "p from": _friedman_method(row),
            "Kendall’s W": fmt.num(row.kendall_w, 2),
        }
        for row in friedman.itertuples()
    ]
    return fmt.markdown_table(pd.DataFrame(rows), "lrrrrlr")


def friedman_note(friedman: pd.DataFrame, outcome_labels: dict, visit_labels: dict, alpha: float, limit: int) -> str:
    notes = ["Q, Friedman statistic corrected for ties (as R's friedman.test); p from the exact permutation "
             "distribution, a Monte Carlo estimate with its standard error (SE), or the χ² approximation, as stated "
             "per test; exploratory, not adjusted for multiplicity"]
    if friedman.apply(lambda r: _unreachable(r.min_attainable_p, alpha), axis=1).any():
        notes.append(f"{UNREACHABLE} the smallest p-value these data allow exceeds {fmt.num(alpha, 2)}: the test "
                     f"cannot reach significance")
    if friedman["missing_reasons"].ne("").any():
        notes.append("patients without complete data, left out, and why: @tbl-lost")
    return ". ".join(notes) + "."


def ais_shift_table(shift: pd.DataFrame, baseline_label: str, followup_label: str) -> str:
    shift = shift.set_index("baseline").reindex(index=list(AIS_GRADES), columns=list(AIS_GRADES), fill_value=0)
    rows = pd.DataFrame({f"{baseline_label} \\ {followup_label}": [f"AIS {g}" for g in AIS_GRADES]})
    for grade in AIS_GRADES:
        rows[f"AIS {grade}"] = shift[grade].astype(int).to_numpy()
    rows["Total"] = shift.sum(axis=1).astype(int).to_numpy()
    return fmt.markdown_table(rows, "l" + "r" * (len(AIS_GRADES) + 1))


def adverse_event_table(summary: pd.DataFrame, n_patients: int) -> str:
    # The terms under a heading of their own, not read as parts of the row above them (nor, when
    # that row counts the events before the infusion, as those events).
    heading = "By term (after the infusion)" if (summary["term"] == BEFORE_INFUSION).any() else "By term"
    rows, terms_headed = [], False
    for row in summary.itertuples():
        by_term = row.category == "by term"
        if by_term and not terms_headed:
            rows.append({"Event": heading})
            terms_headed = True
        rows.append(
            {
                "Event": f"\u2003{row.term}" if by_term else row.term,
                "Patients, n (%)": fmt.percent(int(row.patients), n_patients),
                "Events, n": fmt.count(row.events),
                "Highest grade": fmt.count(row.max_grade) if by_term else "",
                "Possibly related events": fmt.count(row.related_events) if by_term else "",
            }
        )
    return fmt.markdown_table(pd.DataFrame(rows).fillna(""), "lrrrr")


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
    has_organ_class = listing["system_organ_class"].notna().any()
    rows = pd.DataFrame(
        {
            # The id only on a patient's first event, as in a printed listing.
            "Patient": listing["patient_id"].where(~listing["patient_id"].duplicated(), ""),
            "Onset (day)": listing["onset_day"].map(fmt.num_signed),
            "Event": listing["term"],
            **({"System organ class": listing["system_organ_class"]} if has_organ_class else {}),
            "Grade": listing["grade"].map(fmt.count),
            "Serious": listing["serious"],
            "Relatedness": listing["relatedness"],
            "Outcome": listing["outcome"],
        }
    )
    return fmt.markdown_table(rows, "lrl" + ("l" if has_organ_class else "") + "rlll")


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
                    "Outcome (MCID source)": f"{_bold(outcome_labels[outcome])} [@{citations[outcome]}]" if i == 0 else "",
                    "Visit": visit_labels[row.visit] if first else "",
                    "Criterion": _criterion(row.criterion, row.points),
                    "Patients, n/N (%)": f"{row.patients}/{row.n_pairs}{share}",
                }
            )
    return fmt.markdown_table(pd.DataFrame(rows), "lllr", markdown=("Outcome (MCID source)",))


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
            rows.append({"Checklist": f"{_bold(checklist['short'])} [@{checklist['citation']}]" if i == 0 else "",
                         "Item": entry["item"], "Where in this report": met})
    return fmt.markdown_table(pd.DataFrame(rows), "lll", markdown=("Checklist", "Where in this report"))


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
        "causes": fmt.words_list(f"{fmt.plain_text(cause)} ({k})" for cause, k in causes.sort_index().items()),
        "dose_median": fmt.num(characteristics["cell_dose_1e8"].median(), 2),
        "dose_range": fmt.span(characteristics["cell_dose_1e8"].min(), characteristics["cell_dose_1e8"].max(), 2),
        "baseline_ais": fmt.words_list(
            f"AIS {g} ({baseline_ais[g]})" if g in AIS_GRADES else f"{g} ({baseline_ais[g]})"
            for g in (*AIS_GRADES, *GRADE_GAPS) if g in baseline_ais
        ),
    }


def _key_results(changes: pd.DataFrame, outcome_labels: dict, visit_labels: dict, alpha: float) -> list[dict]:
    """One sentence-ready record per outcome and follow-up, for the abstract and results text.

    `significant`: the primary comparison at alpha unadjusted, a secondary one by its adjusted p.
    `unreachable`: the smallest p these changes allow exceeds alpha (inconclusive, not null).
    """
    results = []
    for row in changes.itertuples():
        decisive = row.p_value if row.role == "primary" else row.p_adjusted
        results.append(
            {
                "outcome": row.outcome,
                "label": outcome_labels[row.outcome],
                "visit": row.visit,
                "visit_label": visit_labels[row.visit],
                "role": row.role,
                "n": int(row.n_pairs),
                "n_changed": int(row.n_improved + row.n_worsened),
                "counts": f"{fmt.none_or_count(int(row.n_improved))} improved, "
                          f"{fmt.none_or_count(int(row.n_unchanged))} unchanged, "
                          f"{fmt.none_or_count(int(row.n_worsened))} worsened",
                "median_change": fmt.num(row.median_change),
                "hl_estimate": fmt.shift(row.hl_estimate),
                "hl_ci": f"{fmt.shift(row.hl_ci_low)} to {fmt.shift(row.hl_ci_high)}",
                "hl_ci_level": f"{100 * row.hl_ci_level_achieved:.4g}%" if not fmt.is_missing(row.hl_ci_level_achieved)
                else "",
                "p": fmt.p_value(row.p_value),
                "p_method": row.p_method,
                "p_adjusted": fmt.p_value(row.p_adjusted),
                "min_p": fmt.p_value(row.min_attainable_p),
                "testable": not fmt.is_missing(row.p_value),
                "unreachable": _unreachable(row.min_attainable_p, alpha),
                "significant": bool(decisive < alpha) if not fmt.is_missing(decisive) else False,
                "increase": bool(row.hl_estimate > 0) if not fmt.is_missing(row.hl_estimate) else False,
            }
        )
    return results


def _friedman_results(friedman: pd.DataFrame, outcome_labels: dict, alpha: float) -> list[dict]:
    return [
        {
            "subject": f"the {fmt.inner(outcome_labels[row.outcome])}",
            "p": fmt.p_value(row.p_value),
            "method": _friedman_method(row),
            "testable": not fmt.is_missing(row.p_value),
            "significant": not fmt.is_missing(row.p_value) and row.p_value < alpha,
            "unreachable": _unreachable(row.min_attainable_p, alpha),
        }
        for row in friedman.itertuples()
    ]


def _lost_for(reason: str, changes: pd.DataFrame, friedman: pd.DataFrame, outcome_labels: dict,
              visit_labels: dict, limit: int) -> str:
    """Values the tests lost for one reason, by outcome: stats.NOT_DETERMINABLE (assessed, but e.g.
    untestable ISNCSCI segments) or stats.MISSED (the outcome's instrument not given at that visit)."""
    reasons = pd.concat([changes[["outcome", "missing_reasons"]], friedman[["outcome", "missing_reasons"]]])
    found = {}
    for row in reasons.itertuples():
        for pid, visit, why in stats.parse_reasons(row.missing_reasons):
            if why == reason:
                found.setdefault(row.outcome, set()).add((pid, visit))
    parts = []
    order = {visit: i for i, visit in enumerate(visit_labels)}
    for outcome, cases in found.items():
        items = [f"{pid} ({fmt.inner(visit_labels.get(visit, visit))})"
                 for pid, visit in sorted(cases, key=lambda case: (case[0], order.get(case[1], len(order))))]
        parts.append(f"{fmt.inner(outcome_labels[outcome])}: {fmt.names_or_counts(items, limit, 'examinations')}")
    return "; ".join(parts)


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
        "checks_not_assessed": [f"{fmt.inner(r.label)} ({fmt.plain_text(r.patients_not_assessed)})"
                                for r in checks.itertuples() if r.patients_assessed < n_patients],
        "pre_infusion_events": int(overall.loc[BEFORE_INFUSION, "events"]) if BEFORE_INFUSION in overall.index else 0,
        "checks_positive": [f"{fmt.inner(r.label)} ({fmt.plain_text(r.patients_positive)})" for r in positive.itertuples()],
        "checks_labels": fmt.words_list(fmt.inner(label) for label in checks["label"]),
        "terms": fmt.words_list(
            f"{fmt.plain_text(r.term)} ({r.events})" for r in summary[summary["category"] == "by term"].itertuples()
        ),
    }


def _data_quality(
    assignment: pd.DataFrame, outcomes: pd.DataFrame, ais_check: pd.DataFrame, visit_labels: dict, limit: int
) -> dict:
    outside = assignment[assignment["visit_status"] == "outside windows"]
    unused = assignment[assignment["visit_status"] == "not selected"]
    missing = outcomes[outcomes["day"].isna()]
    missing_list = [f"{r.patient_id} ({fmt.inner(visit_labels[r.visit])})" for r in missing.itertuples()]
    missing_text = fmt.plain_text(fmt.names_or_counts(missing_list, limit, "missed visits"))
    discrepant = ais_check[ais_check["agrees"] == "no"]
    discrepancy_rows = pd.DataFrame(
        {
            "Patient": discrepant["patient_id"],
            "Day": discrepant["day"].map(fmt.num_signed),
            "Recorded AIS": discrepant["recorded_ais"],
            "Graded under": discrepant["standard"].fillna("not stated"),
            "Computed AIS": discrepant["ais"].map(fmt.determinable),
            "Computed NLI": discrepant["neurological_level"].map(fmt.determinable),
        }
    )
    return {
        "n_assessments": len(assignment),
        "outside": fmt.plain_text(fmt.names_or_counts(
            [f"{r.instrument} of {r.patient_id} on day {fmt.num_signed(r.day)}" for r in outside.itertuples()], limit, "assessments"
        )),
        "n_unused": len(unused),
        "missing_visits": missing_text,
        "n_recorded_ais": len(ais_check),
        # the standards the recorded grades were given under (the computed ones always use 2019)
        "recorded_standards": fmt.words_list(sorted(ais_check["standard"].dropna().unique())),
        "n_standard_not_stated": int(ais_check["standard"].isna().sum()),
        "ais_discrepancies": len(discrepant),
        # Beyond the listing limit the exams are listed in results/tables/recorded_ais_check.csv only.
        "ais_discrepancy_table": fmt.markdown_table(discrepancy_rows, "lrcccl") if 0 < len(discrepant) <= limit else "",
        "ais_discrepancy_nd": fmt.has_undeterminable(discrepant["ais"], discrepant["neurological_level"]),
    }


def comparison_list(records: list[dict]) -> str:
    """'the pin-prick score at day 90 (rise) and day 180 (rise), and the SCIM-III total at day 180'
    from key_results records, grouped by outcome; the direction only for significant changes."""
    groups: dict[str, list[str]] = {}
    for r in records:
        direction = (" (rise)" if r["increase"] else " (fall)") if r["significant"] else ""
        groups.setdefault(r["label"], []).append(f"{fmt.inner(r['visit_label'])}{direction}")
    parts = [f"the {fmt.inner(label)} at {fmt.words_list(visits)}" for label, visits in groups.items()]
    return ", ".join(parts[:-1]) + (", and " if len(parts) > 2 else " and ") + parts[-1] if len(parts) > 1 \
        else "".join(parts)


def method_counts(methods: pd.Series, what: str) -> str:
    """'every p-value is exact' or '16 p-values are exact and 2 come from the normal approximation'."""
    counts = methods[methods != ""].map(lambda m: METHOD_WORDS.get(m, m)).value_counts(sort=False)
    if counts.empty:
        return f"no {what} could be computed"
    phrases = {"exact": ("is exact", "are exact"),
               "Monte Carlo": ("is a Monte Carlo estimate", "are Monte Carlo estimates")}

    def said(method: str, plural: bool) -> str:
        return phrases.get(method, (f"comes from the {method}", f"come from the {method}"))[plural]

    if len(counts) == 1:
        return f"every {what} {said(counts.index[0], False)}"
    (first, n_first), *others = counts.items()
    head = f"{n_first} {what}{'s' if n_first != 1 else ''} {said(first, n_first != 1)}"
    return fmt.words_list([head, *(f"{n} {said(method, n != 1)}" for method, n in others)])


def _analysis(read: dict, statistics: dict, outcome_labels: dict, visit_labels: dict, limit: int) -> dict:
    """Endpoints, the methods actually used and the verdicts the text reports."""
    results = _key_results(read["changes"], outcome_labels, visit_labels, statistics["alpha"])
    secondary = [r for r in results if r["role"] == "secondary"]
    friedman = _friedman_results(read["friedman"], outcome_labels, statistics["alpha"])
    friedman_shown = read["friedman"] if statistics["friedman"] else read["friedman"].iloc[:0]
    method, family = statistics.get("multiplicity", "holm"), statistics.get("multiplicity_family", "secondary")
    return {
        "primary": next((r for r in results if r["role"] == "primary"), None),
        "secondary": secondary,
        "secondary_significant": [r for r in secondary if r["significant"]],
        "secondary_testable": [r for r in secondary if r["testable"]],
        "secondary_unreachable": [r for r in secondary if r["unreachable"]],
        "adjusted": method != "none" and family != "none",
        "adjustment": _adjustment_words(statistics),
        "family_words": "across all secondary comparisons" if family == "secondary"
        else "across the follow-ups of each outcome",
        "wilcoxon_mode": statistics.get("wilcoxon_mode", "exact"),
        "wilcoxon_methods": fmt.words_list(METHOD_WORDS[m] for m in sorted(set(read["changes"]["p_method"]) - {""})),
        "wilcoxon_method_counts": method_counts(read["changes"]["p_method"], "p-value"),
        "wilcoxon_exact_max_n": exact.WILCOXON_EXACT_MAX_N,
        "friedman": friedman,
        "friedman_significant": [r for r in friedman if r["significant"]],
        "friedman_testable": [r for r in friedman if r["testable"]],
        "friedman_unreachable": [r for r in friedman if r["unreachable"]],
        "friedman_method_counts": method_counts(read["friedman"]["p_method"], "Friedman p-value"),
        "friedman_exact_max_cells": f"{exact.FRIEDMAN_EXACT_MAX_CELLS:,}",
        "friedman_exact_min_n": exact.friedman_exact_guaranteed_n(len(visit_labels)),
        "friedman_chi_square_min_n": exact.FRIEDMAN_CHI_SQUARE_MIN_N,
        "monte_carlo_resamples": f"{statistics.get('monte_carlo_resamples', 20000):,}",
        "monte_carlo_seed": statistics.get("monte_carlo_seed", 0),
        "n_visits": len(visit_labels),
        "not_determinable": _lost_for(stats.NOT_DETERMINABLE, read["changes"], read["friedman"], outcome_labels,
                                      visit_labels, limit),
        "not_assessed": _lost_for(stats.MISSED, read["changes"], read["friedman"], outcome_labels, visit_labels,
                                  limit),
        "changes_note": changes_note(read["changes"], outcome_labels, visit_labels, statistics, limit),
        "friedman_note": friedman_note(read["friedman"], outcome_labels, visit_labels, statistics["alpha"], limit),
        "lost_table": lost_table(read["changes"], friedman_shown, outcome_labels, visit_labels, limit),
    }


def _transition(text: str) -> str:
    """'P01: A,B,C,D,E->D' -> 'P01: ND→D' (a grade NT left open is not determinable)."""
    patient, _, grades = text.rpartition(": ")
    before, after = grades.split("->")
    shift = f"{fmt.determinable(before)}\u2192{fmt.determinable(after)}"
    return f"{patient}: {shift}" if patient else shift


class _TablesByRole(dict):
    """The results tables by role, each read when first used: with many patients the report
    prints no per-patient listing, and those tables are the largest (10^6 rows at 10^5 patients)."""

    def __init__(self, paths: dict):
        super().__init__()
        self.paths = paths

    def __missing__(self, role: str) -> pd.DataFrame:
        self[role] = tables.read(self.paths[role])
        return self[role]


def build_context(paths: dict, config: dict, dataset: dict, provenance: dict) -> dict:
    """Everything the template prints, formatted; `paths` names the results tables by role."""
    read = _TablesByRole(paths)
    for role in ("changes", "friedman"):  # text columns: an empty cell reads back as NaN
        for column in ("p_method", "missing_reasons"):
            read[role][column] = read[role][column].astype(object).fillna("")
    ais_summary = json.loads(Path(paths["ais_summary"]).read_text())
    # Patients are named in the text only when the report lists them; above that, counted by kind.
    limit = config["report"]["listing_max_patients"]
    if len(read["characteristics"]) > limit:
        limit = 0
    for kind in ("improved", "worsened", "undetermined"):
        transitions = [_transition(t) for t in ais_summary[f"{kind}_transitions"]]
        ais_summary[f"{kind}_text"] = fmt.plain_text(fmt.names_or_counts(transitions, limit))
    ais_summary["missing_text"] = fmt.plain_text(fmt.names_or_counts(ais_summary["missing_ids"], limit))
    visits = config["visits"]
    visit_labels = {v["name"]: v["label"] for v in visits}
    first, last = visits[0]["name"], visits[-1]["name"]
    outcome_labels = {name: spec["label"] for name, spec in config["outcomes"].items()}
    statistics = config["statistics"]
    ci_percent = f"{100 * statistics['ci_level']:g}%"
    characteristics = read["characteristics"]
    n_patients = len(characteristics)
    listing_max = config["report"]["listing_max_patients"]
    show_listings = n_patients <= listing_max
    responders = config.get("responders") or {}
    table1_grades = [characteristics[c] for c in (f"{first}_neurological_level", f"{first}_ais", f"{last}_ais")]
    return {
        "config": config,
        # name, version, licence: plain text; the flag and the source (its command is a code span) stay as they are
        "dataset": {key: value if isinstance(value, (bool, dict)) else fmt.plain_text(value) for key, value in dataset.items()},
        "dataset_source": fmt.code_span(dataset["source"].get("command", str(dataset["source"]))
                                        if isinstance(dataset["source"], dict) else dataset["source"]),
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
        "analysis": _analysis(read, statistics, outcome_labels, visit_labels, listing_max),
        "ais": ais_summary,
        "safety": _safety(read["ae_summary"], read["safety_checks"], n_patients),
        "quality": _data_quality(read["assignment"], read["outcomes"], read["ais_check"], visit_labels, listing_max),
        "claims": {"n": len(read["claims"]), "source": fmt.plain_text(read["claims"]["source"].iloc[0]) if len(read["claims"]) else "", "agree": int((read["claims"]["agrees"] == "yes").sum()),
                   "disagree": read["claims"].loc[read["claims"]["agrees"] == "no", "claim"].map(fmt.plain_text).tolist()},
        "show_listings": show_listings,
        "listing_max": listing_max,
        # ND (not determinable) footnotes, only under tables that print ND.
        "nd": {
            "characteristics": show_listings and fmt.has_undeterminable(*table1_grades),
            "listing": show_listings and fmt.has_undeterminable(read["listing"]["ais"], read["listing"]["neurological_level"]),
        },
        "responders": _responders(read["responders"], responders, outcome_labels, visit_labels, limit)
        if responders else [],
        "context": yaml.safe_load(Path(paths["context"]).read_text(encoding="utf-8")),
        "checklist": yaml.safe_load(Path(paths["checklist"]).read_text(encoding="utf-8"))["checklists"],
        "tables": {
            "characteristics": patient_characteristics_table(characteristics, visit_labels, first, last)
            if show_listings else "",
            "cohort_summary": cohort_summary_table(read["cohort_summary"]),
            "sites": site_table(read["site_summary"], visit_labels[first], visit_labels[last]),
            "descriptives": descriptives_table(read["descriptives"], outcome_labels, visit_labels),
            "changes": changes_table(read["changes"], outcome_labels, visit_labels, ci_percent, statistics["alpha"],
                                     statistics["ci_level"]),
            "sensitivity": sensitivity_table(read["changes"], outcome_labels, visit_labels, ci_percent)
            if statistics["paired_t_sensitivity"]
            else "",
            "friedman": friedman_table(read["friedman"], outcome_labels, statistics["alpha"])
            if statistics["friedman"]
            else "",
            "ais_shift": ais_shift_table(read["ais_shift"], visit_labels[first], visit_labels[last]),
            "adverse_events": adverse_event_table(read["ae_summary"], n_patients),
            "safety_checks": safety_checks_table(read["safety_checks"]),
            "listing": listing_table(read["listing"], visit_labels) if show_listings else "",
            "claims": claims_table(read["claims"]),
            "adverse_event_listing": adverse_event_listing_table(read["ae_listing"]) if show_listings else "",
            "responders": responders_table(read["responders"], outcome_labels, visit_labels,
                                           {o: spec["citation"] for o, spec in responders.items()})
            if responders else "",
            "checklist": "",  # filled in by render_template, which knows the parts the manuscript has
        },
    }
