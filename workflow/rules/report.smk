REPORT_FIGURES = ["trajectories", "distributions", "ais_shift", "timeline"] + (
    ["waterfall"] if RESPONDERS else []
)


rule published_claims:
    """Check the facts the paper reports against this run's results."""
    input:
        claims="report/published_claims.yaml",
        characteristics=rules.patient_tables.output.characteristics,
        ais_summary=rules.statistics.output.ais_summary,
        changes=rules.statistics.output.changes,
        ae_summary=rules.safety.output.summary,
        safety_checks=rules.safety.output.checks,
        code=library("analysis.claims", "report.formatting"),
    output:
        reported(
            TABLES / "published_claims.csv", "published_claims", "Published claims"
        ),
    log:
        LOGS / "published_claims.log",
    run:
        steps.run(steps.published_claims, input, output, params, log)


rule tables_workbook:
    """The tables the report is built from, one sheet each, for readers of spreadsheets."""
    input:
        tables=[
            rules.patient_tables.output.characteristics,
            rules.patient_tables.output.summary,
            rules.patient_tables.output.sites,
            rules.patient_tables.output.listing,
            rules.outcomes_by_visit.output.outcomes,
            rules.statistics.output.descriptives,
            rules.statistics.output.changes,
            rules.statistics.output.friedman,
            rules.statistics.output.ais_shift,
            rules.safety.output.summary,
            rules.safety.output.listing,
            rules.safety.output.checks,
            rules.outcomes_by_visit.output.assignment,
            rules.outcomes_by_visit.output.ais_check,
            rules.published_claims.output[0],
        ],
        characteristics=rules.patient_tables.output.characteristics,
        code=library("data.spreadsheet", "report.workbook"),
    output:
        TABLES / "tables.xlsx",
    log:
        LOGS / "tables_workbook.log",
    params:
        listing_max_patients=config["report"]["listing_max_patients"],
    run:
        steps.run(steps.tables_workbook, input, output, params, log)


rule manuscript:
    """Fill the Jinja2 template with every number from results/ into a Quarto source folder."""
    input:
        template="report/manuscript.qmd.j2",
        bibliography="report/references.bib",
        context="report/context.yaml",
        checklist="report/checklist.yaml",
        quarto_project="report/_quarto.yml",
        citation_style="report/csl/vancouver-numeric.csl",
        text_filter="report/filters/verbatim-text.lua",
        characteristics=rules.patient_tables.output.characteristics,
        listing=rules.patient_tables.output.listing,
        cohort_summary=rules.patient_tables.output.summary,
        site_summary=rules.patient_tables.output.sites,
        descriptives=rules.statistics.output.descriptives,
        changes=rules.statistics.output.changes,
        friedman=rules.statistics.output.friedman,
        ais_shift=rules.statistics.output.ais_shift,
        ais_summary=rules.statistics.output.ais_summary,
        ae_summary=rules.safety.output.summary,
        ae_listing=rules.safety.output.listing,
        safety_checks=rules.safety.output.checks,
        assignment=rules.outcomes_by_visit.output.assignment,
        outcomes=rules.outcomes_by_visit.output.outcomes,
        ais_check=rules.outcomes_by_visit.output.ais_check,
        claims=rules.published_claims.output[0],
        responders=rules.responders.output.summary if RESPONDERS else [],
        raw=[raw(table) for table in RAW_FILES] + [RAW / DATASET_DESCRIPTION],
        dataset=INTERIM / "validated" / "dataset.json",
        code=library(
            "report.manuscript",
            "report.formatting",
            "report.provenance",
            "report.render",
            "analysis.stats",
        ),
    output:
        qmd=REPORT / "manuscript.qmd",
        # The configuration of the run, a supplementary file the appendix names with its SHA-256.
        config=REPORT / "manuscript.config.yaml",
        bibliography=REPORT / "references.bib",
        quarto_project=REPORT / "_quarto.yml",
        citation_style=REPORT / "vancouver-numeric.csl",
        text_filter=REPORT / "verbatim-text.lua",
    log:
        LOGS / "manuscript.log",
    params:
        config=config,
    run:
        steps.run(steps.manuscript, input, output, params, log)


rule manuscript_figures:
    """The figures the manuscript shows, copied next to it (a rule of its own: the manuscript's
    text is written while the figures are drawn)."""
    input:
        figures=[FIGURES / f"{name}.png" for name in REPORT_FIGURES],
        code=library(),
    output:
        figures=[REPORT / "figures" / f"{name}.png" for name in REPORT_FIGURES],
    log:
        LOGS / "manuscript_figures.log",
    run:
        steps.run(steps.manuscript_figures, input, output, params, log)


rule render:
    """Render the manuscript with Quarto when installed, else with the embedded pandoc + typst engine."""
    input:
        qmd=rules.manuscript.output.qmd,
        bibliography=rules.manuscript.output.bibliography,
        quarto_project=rules.manuscript.output.quarto_project,
        citation_style=rules.manuscript.output.citation_style,
        text_filter=rules.manuscript.output.text_filter,
        figures=rules.manuscript_figures.output.figures,
        code=library("report.render"),
        assets=[
            *Path("report/filters").glob("*.lua"),
            *Path("report/templates").glob("*"),
        ],
    output:
        reported(REPORT / "manuscript.{format}", "manuscript", "Manuscript"),
    log:
        LOGS / "render_{format}.log",
    wildcard_constraints:
        format="html|pdf|docx",
    priority: lambda wildcards: int(wildcards.format == "pdf")  # the longest (pandoc, then typst)
    params:
        engine=config["report"]["engine"],
    run:
        steps.run(steps.render, input, output, params, log)
