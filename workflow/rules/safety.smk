rule safety:
    """Adverse-event summary and listing; scheduled safety checks."""
    input:
        adverse_events=validated("adverse_events"),
        findings=validated("safety_findings"),
        patients=validated("patients"),
        code=library("safety"),
    output:
        summary=TABLES / "adverse_event_summary.csv",
        listing=TABLES / "adverse_event_listing.csv",
        checks=TABLES / "safety_checks.csv",
    log:
        LOGS / "safety.log",
    conda:
        ENV
    script:
        "../scripts/safety.py"
