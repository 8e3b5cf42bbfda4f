from caseseries.steps import validate, run

run(snakemake, validate)  # noqa: F821 (snakemake is injected by the script directive)
