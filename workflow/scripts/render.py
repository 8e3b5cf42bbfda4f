from caseseries.steps import render, run

run(snakemake, render)  # noqa: F821 (snakemake is injected by the script directive)
