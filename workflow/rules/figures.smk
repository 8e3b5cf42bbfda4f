# Each figure is a job of its own. In a local run on two or more cores they are drawn in the two
# worker processes, one in each at a time (caseseries.steps.start_worker_process); see
# drawing_slots and figure_threads.


rule trajectories:
    """Each patient's course over the visits (or medians by site above the listing limit)."""
    input:
        outcomes=TABLES / "outcomes_by_visit.csv",
        patients=validated("patients"),
        code=library("report.figures", "report.formatting"),
    output:
        trajectories=figure_files("trajectories"),
    log:
        LOGS / "trajectories.log",
    threads: figure_threads
    resources:
        drawing=drawing_slots,
    params:
        outcomes=config["outcomes"],
        visits=config["visits"],
        listing_max_patients=config["report"]["listing_max_patients"],
    run:
        steps.run(steps.trajectories, input, output, params, log)


rule distributions:
    """Per-visit distributions of each outcome."""
    input:
        outcomes=TABLES / "outcomes_by_visit.csv",
        code=library("report.figures", "report.formatting"),
    output:
        distributions=figure_files("distributions"),
    log:
        LOGS / "distributions.log",
    threads: figure_threads
    resources:
        drawing=drawing_slots,
    params:
        outcomes=config["outcomes"],
        visits=config["visits"],
        seed=config["report"]["seed"],
        listing_max_patients=config["report"]["listing_max_patients"],
    run:
        steps.run(steps.distributions, input, output, params, log)


rule ais_shift_figure:
    """AIS grade at baseline against the last visit (its own job: it waits for the statistics)."""
    input:
        ais_shift=TABLES / "ais_shift.csv",
        code=library("report.figures", "report.formatting"),
    output:
        ais_shift=figure_files("ais_shift"),
    log:
        LOGS / "ais_shift_figure.log",
    threads: figure_threads
    resources:
        drawing=drawing_slots,
    params:
        visits=config["visits"],
    run:
        steps.run(steps.ais_shift_figure, input, output, params, log)


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
    threads: figure_threads
    resources:
        drawing=drawing_slots,
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
    threads: figure_threads
    resources:
        drawing=drawing_slots,
    params:
        outcomes=config["outcomes"],
        visits=config["visits"],
        responders=RESPONDERS,
    run:
        steps.run(steps.waterfall, input, output, params, log)
