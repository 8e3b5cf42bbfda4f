from caseseries.steps import outcomes_by_visit, run

run(snakemake, outcomes_by_visit)  # noqa: F821 (snakemake is injected by the script directive)
