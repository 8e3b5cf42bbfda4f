from caseseries.steps import run, responders

run(snakemake, responders)  # noqa: F821 (snakemake is injected by the script directive)
