from caseseries.steps import validate_table, run

run(snakemake, validate_table)  # noqa: F821 (snakemake is injected by the script directive)
