rule figures:
    """Individual trajectories, per-visit distributions and AIS shifts, as PNG and SVG."""
    input:
        outcomes=TABLES / "outcomes_by_visit.csv",
        ais_shift=TABLES / "ais_shift.csv",
        patients=validated("patients"),
        code=library("report.figures", "report.formatting"),
    output:
        trajectories=figure_files("trajectories"),
        distributions=figure_files("distributions"),
        ais_shift=figure_files("ais_shift"),
    log:
        LOGS / "figures.log",
    params:
        outcomes=config["outcomes"],
        visits=config["visits"],
        seed=config["report"]["seed"],
        listing_max_patients=config["report"]["listing_max_patients"],
    run:
        steps.run(steps.figures, input, output, params, log)


rule timeline:
    """The patient timeline (CARE): injury, infusion, assessments, AIS grades, adverse events."""
    input:
        patients=validated("patients"),
        assignment=TABLES / "visit_assignment.csv",
        outcomes=TABLES / "outcomes_by_visit.csv",
        adverse_events=TABLES / "adverse_event_listing.csv",
        code=library("report.figures", "report.formatting"),
    output:
        timeline=figure_files("timeline"),
    log:
        LOGS / "timeline.log",
    params:
        visits=config["visits"],
        listing_max_patients=config["report"]["listing_max_patients"],
    run:
        steps.run(steps.timeline, input, output, params, log)


rule waterfall:
    """Each patient's change from baseline with the responder thresholds drawn."""
    input:
        changes=rules.responders.output.changes,
        code=library("report.figures", "report.formatting"),
    output:
        waterfall=figure_files("waterfall"),
    log:
        LOGS / "waterfall.log",
    params:
        outcomes=config["outcomes"],
        visits=config["visits"],
        responders=RESPONDERS,
    run:
        steps.run(steps.waterfall, input, output, params, log)
