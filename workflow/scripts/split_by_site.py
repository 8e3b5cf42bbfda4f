from caseseries.steps import run, split_by_site

run(snakemake, split_by_site)  # noqa: F821 (snakemake is injected by the script directive)
