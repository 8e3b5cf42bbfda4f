rule score_isncsci:
    """ISNCSCI totals, levels and AIS grade per exam, and the visit each exam counts for."""
    input:
        exams=validated("isncsci"),
        code=library("isncsci", "visits"),
    output:
        INTERIM / "isncsci_scored.csv",
    log:
        LOGS / "score_isncsci.log",
    conda:
        ENV
    params:
        visits=config["visits"],
    script:
        "../scripts/score_isncsci.py"


rule score_scim:
    """SCIM-III subscales and total per assessment, and the visit each counts for."""
    input:
        scim=validated("scim"),
        code=library("scim", "visits"),
    output:
        INTERIM / "scim_scored.csv",
    log:
        LOGS / "score_scim.log",
    conda:
        ENV
    params:
        visits=config["visits"],
    script:
        "../scripts/score_scim.py"


rule outcomes_by_visit:
    """One row per patient and visit with every outcome; every assessment's visit status."""
    input:
        isncsci=rules.score_isncsci.output[0],
        scim=rules.score_scim.output[0],
        patients=validated("patients"),
        code=library("visits", "quality"),
    output:
        outcomes=TABLES / "outcomes_by_visit.csv",
        assignment=reported(
            TABLES / "visit_assignment.csv", "visit_assignment", "Data quality"
        ),
    log:
        LOGS / "outcomes_by_visit.log",
    conda:
        ENV
    params:
        visits=config["visits"],
        data_quality=config["data_quality"],
    script:
        "../scripts/outcomes_by_visit.py"
