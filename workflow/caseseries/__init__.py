"""caseseries: the library behind the case-series report pipeline, grouped by stage.

data/         the raw-data contract, validation, privacy guard, synthetic generator, shards
instruments/  ISNCSCI classification and totals, SCIM-III scoring
analysis/     visit windows, data quality, statistics, cohort tables, safety, published claims
report/       figures, formatting, the manuscript source, provenance, rendering
steps         one function per Snakemake rule; tables: reading and writing result tables
"""
