from caseseries.steps import safety, run

run(snakemake, safety)  # noqa: F821 (snakemake is injected by the script directive)
