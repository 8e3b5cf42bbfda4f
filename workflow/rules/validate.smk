# One job per raw file, so that a change in one file reruns only what depends on it. A job that
# finds a problem checks every file and reports all problems of all files together.


rule validate_table:
    """Check one raw table against the data contract; write its typed, cleaned copy."""
    input:
        table=lambda wildcards: raw(wildcards.table),
        patients=raw("patients"),
        code=library("data.validate", "data.privacy"),
    output:
        INTERIM / "validated" / "{table}.csv",
    log:
        LOGS / "validate_{table}.log",
    wildcard_constraints:
        table="|".join(RAW_FILES),
    conda:
        ENV
    params:
        raw_dir=RAW,
    script:
        "../scripts/validate_table.py"


rule validate_dataset:
    """Check dataset.yaml (name, version, synthetic, source, licence)."""
    input:
        dataset=RAW / DATASET_DESCRIPTION,
        code=library("data.validate", "data.privacy"),
    output:
        INTERIM / "validated" / "dataset.json",
    log:
        LOGS / "validate_dataset.log",
    conda:
        ENV
    params:
        raw_dir=RAW,
    script:
        "../scripts/validate_dataset.py"
