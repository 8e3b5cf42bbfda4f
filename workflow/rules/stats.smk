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
    # Before the figure jobs, which wait for the worker process: most of the report waits for it.
    priority: 1
    params:
        outcomes=config["outcomes"],
        visits=config["visits"],
        statistics=config["statistics"],
    run:
        steps.run(steps.statistics, input, output, params, log)


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
    params:
        visits=config["visits"],
    run:
        steps.run(steps.patient_tables, input, output, params, log)


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
    params:
        visits=config["visits"],
        responders=RESPONDERS,
    run:
        steps.run(steps.responders, input, output, params, log)
