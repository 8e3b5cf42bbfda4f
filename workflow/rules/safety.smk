rule safety:
    """Adverse-event summary and listing; scheduled safety checks."""
    input:
        adverse_events=validated("adverse_events"),
        findings=validated("safety_findings"),
        patients=validated("patients"),
        code=library("analysis.safety"),
    output:
        summary=reported(
            TABLES / "adverse_event_summary.csv", "adverse_events", "Safety"
        ),
        listing=TABLES / "adverse_event_listing.csv",
        checks=reported(TABLES / "safety_checks.csv", "safety_checks", "Safety"),
    log:
        LOGS / "safety.log",
    run:
        steps.run(steps.safety, input, output, params, log)
