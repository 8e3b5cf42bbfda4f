from caseseries.steps import run, waterfall

run(snakemake, waterfall)  # noqa: F821 (snakemake is injected by the script directive)
