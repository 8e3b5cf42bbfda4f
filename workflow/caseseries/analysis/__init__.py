"""Analysis: visit windows, data-quality checks, statistics, cohort tables, safety, published claims."""
