"""The declared endpoints (config `statistics.primary_endpoint`): which comparison is primary.

Kept free of heavy imports: the workflow checks the configuration with it when it starts.
"""

PRIMARY, SECONDARY = "primary", "secondary"


def role(outcome: str, visit: str, statistics: dict) -> str:
    """'primary' for the declared primary endpoint (outcome at visit), 'secondary' otherwise."""
    primary = statistics.get("primary_endpoint") or {}
    return PRIMARY if (primary.get("outcome"), primary.get("visit")) == (outcome, visit) else SECONDARY


def endpoint_problems(statistics: dict, outcome_names, followups) -> list[str]:
    """What is wrong with the declared primary endpoint (empty when it is usable)."""
    primary = statistics.get("primary_endpoint")
    if not primary:
        return []
    problems = []
    if primary.get("outcome") not in outcome_names:
        problems.append(f"statistics.primary_endpoint.outcome {primary.get('outcome')!r} is not one of the "
                        f"configured outcomes ({', '.join(outcome_names)})")
    if primary.get("visit") not in followups:
        problems.append(f"statistics.primary_endpoint.visit {primary.get('visit')!r} is not a follow-up visit "
                        f"({', '.join(followups)})")
    return problems
