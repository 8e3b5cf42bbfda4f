# Scoring runs as one job per site (SHARDS, from patients.csv), so that a cluster can score the
# sites of a multicentre trial in parallel; outcomes_by_visit gathers them.


rule split_by_site:
    """Split one instrument's validated assessments by site (as Arrow files: caseseries.tables)."""
    input:
        assessments=lambda wildcards: validated(wildcards.instrument),
        patients=validated("patients"),
        code=library("data.sharding"),
    output:
        per_site("{instrument}.arrow"),
    log:
        LOGS / "split_{instrument}_by_site.log",
    wildcard_constraints:
        instrument="isncsci|scim",
    # The per-site chain (split, scoring) before the jobs off it (safety), the exams' first.
    priority: lambda wildcards: 2 if wildcards.instrument == "isncsci" else 1
    run:
        steps.run(steps.split_by_site, input, output, params, log)


rule score_isncsci:
    """ISNCSCI totals, levels and AIS grade per exam, and the visit each exam counts for."""
    input:
        exams=INTERIM / "sites" / "{site}" / "isncsci.arrow",
        code=library("instruments.isncsci", "analysis.visits"),
    output:
        INTERIM / "sites" / "{site}" / "isncsci_scored.csv",
    log:
        LOGS / "score_isncsci_{site}.log",
    priority: 1
    params:
        visits=config["visits"],
    run:
        steps.run(steps.score_isncsci, input, output, params, log)


rule score_scim:
    """SCIM-III subscales and total per assessment, and the visit each counts for."""
    input:
        scim=INTERIM / "sites" / "{site}" / "scim.arrow",
        code=library("instruments.scim", "analysis.visits"),
    output:
        INTERIM / "sites" / "{site}" / "scim_scored.csv",
    log:
        LOGS / "score_scim_{site}.log",
    priority: 1
    params:
        visits=config["visits"],
    run:
        steps.run(steps.score_scim, input, output, params, log)


rule outcomes_by_visit:
    """One row per patient and visit with every outcome; every assessment's visit status;
    the recorded against the computed AIS grade of every exam."""
    input:
        isncsci=per_site("isncsci_scored.csv"),
        scim=per_site("scim_scored.csv"),
        patients=validated("patients"),
        code=library("analysis.visits", "analysis.quality"),
    output:
        outcomes=TABLES / "outcomes_by_visit.csv",
        assignment=reported(
            TABLES / "visit_assignment.csv", "visit_assignment", "Data quality"
        ),
        ais_check=TABLES / "recorded_ais_check.csv",
    log:
        LOGS / "outcomes_by_visit.log",
    params:
        visits=config["visits"],
        data_quality=config["data_quality"],
    run:
        steps.run(steps.outcomes_by_visit, input, output, params, log)
