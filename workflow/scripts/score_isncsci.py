from caseseries.steps import score_isncsci, run

run(snakemake, score_isncsci)  # noqa: F821 (snakemake is injected by the script directive)
