from caseseries.steps import validate_dataset, run

run(snakemake, validate_dataset)  # noqa: F821 (snakemake is injected by the script directive)
