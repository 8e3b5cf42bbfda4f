from caseseries.steps import run, timeline

run(snakemake, timeline)  # noqa: F821 (snakemake is injected by the script directive)
