from caseseries.steps import tables_workbook, run

run(snakemake, tables_workbook)  # noqa: F821 (snakemake is injected by the script directive)
