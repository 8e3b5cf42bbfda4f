from caseseries.steps import manuscript, run

run(snakemake, manuscript)  # noqa: F821 (snakemake is injected by the script directive)
