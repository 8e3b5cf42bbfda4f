from caseseries.steps import statistics, run

run(snakemake, statistics)  # noqa: F821 (snakemake is injected by the script directive)
