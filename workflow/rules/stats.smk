rule statistics:
    """Per-visit descriptives, paired change from baseline, Friedman, AIS shift."""
    input:
        TABLES / "outcomes_by_visit.csv",
        code=library("analysis.stats", "analysis.exact", "analysis.endpoints"),
    output:
        descriptives=reported(TABLES / "descriptives.csv", "descriptives", "Tables"),
        changes=reported(TABLES / "paired_changes.csv", "paired_changes", "Tables"),
        friedman=reported(TABLES / "friedman.csv", "friedman", "Tables"),
        ais_shift=reported(TABLES / "ais_shift.csv", "ais_shift_table", "Tables"),
        ais_summary=TABLES / "ais_summary.json",
    log:
        LOGS / "statistics.log",
    conda:
        ENV
    params:
        outcomes=config["outcomes"],
        visits=config["visits"],
        statistics=config["statistics"],
    script:
        "../scripts/statistics.py"


rule patient_tables:
    """Table 1 (one row per patient) and the per-patient listing of outcomes by visit."""
    input:
        patients=validated("patients"),
        outcomes=TABLES / "outcomes_by_visit.csv",
        code=library("analysis.cohort", "report.formatting"),
    output:
        characteristics=TABLES / "patient_characteristics.csv",
        listing=TABLES / "patient_listing.csv",
        summary=TABLES / "cohort_summary.csv",
        sites=TABLES / "site_summary.csv",
    log:
        LOGS / "patient_tables.log",
    conda:
        ENV
    params:
        visits=config["visits"],
    script:
        "../scripts/patient_tables.py"


rule responders:
    """Each patient's change against the minimal clinically important differences (config `responders`)."""
    input:
        outcomes=TABLES / "outcomes_by_visit.csv",
        code=library("analysis.responders"),
    output:
        changes=TABLES / "responder_changes.csv",
        summary=reported(TABLES / "responders.csv", "responders", "Tables"),
    log:
        LOGS / "responders.log",
    conda:
        ENV
    params:
        visits=config["visits"],
        responders=RESPONDERS,
    script:
        "../scripts/responders.py"
