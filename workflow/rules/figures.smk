rule figures:
    """Individual trajectories, per-visit distributions and AIS shifts, as PNG and SVG."""
    input:
        outcomes=TABLES / "outcomes_by_visit.csv",
        ais_shift=TABLES / "ais_shift.csv",
        patients=validated("patients"),
        code=library("report.figures"),
    output:
        trajectories=figure_files("trajectories"),
        distributions=figure_files("distributions"),
        ais_shift=figure_files("ais_shift"),
    log:
        LOGS / "figures.log",
    conda:
        ENV
    params:
        outcomes=config["outcomes"],
        visits=config["visits"],
        seed=config["report"]["seed"],
        listing_max_patients=config["report"]["listing_max_patients"],
    script:
        "../scripts/figures.py"
