rule validate:
    """Check every raw file against the data contract; all problems are reported together."""
    input:
        raw=[raw(table) for table in RAW_FILES],
        dataset=RAW / DATASET_DESCRIPTION,
    output:
        **{table: INTERIM / "validated" / name for table, name in RAW_FILES.items()},
    log:
        LOGS / "validate.log",
    conda:
        ENV
    params:
        raw_dir=RAW,
    script:
        "../scripts/validate.py"
