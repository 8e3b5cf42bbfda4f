from caseseries.steps import patient_tables, run

run(snakemake, patient_tables)  # noqa: F821 (snakemake is injected by the script directive)
