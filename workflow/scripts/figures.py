from caseseries.steps import figures, run

run(snakemake, figures)  # noqa: F821 (snakemake is injected by the script directive)
