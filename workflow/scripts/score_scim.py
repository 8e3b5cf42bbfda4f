from caseseries.steps import score_scim, run

run(snakemake, score_scim)  # noqa: F821 (snakemake is injected by the script directive)
