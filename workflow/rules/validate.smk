# One job per raw file, so that a change in one file reruns only what depends on it. Before any
# job starts, check_raw_data (common.smk, run on start) has checked every raw file: a bad file
# stops the run with all problems of all files, before any scoring job. A job that still finds a
# problem (a file changed meanwhile) checks every file and reports all problems together.

VALIDATION_CODE = library(
    "data.validate",
    "data.csvfile",
    "data.plausibility",
    "data.privacy",
    "data.problems",
)


rule validate_table:
    """Check one raw table against the data contract; write its typed, cleaned copy."""
    input:
        table=lambda wildcards: raw(wildcards.table),
        patients=raw("patients"),
        code=VALIDATION_CODE,
    output:
        INTERIM / "validated" / "{table}.csv",
    log:
        LOGS / "validate_{table}.log",
    wildcard_constraints:
        table="|".join(set(RAW_FILES) - set(ASSESSMENTS)),
    # The exam table first (in validate_assessments, which inherits this): the widest, and its jobs
    # (split, scoring) are the longest chain.
    priority: lambda wildcards: int(wildcards.table == "isncsci")
    params:
        raw_dir=RAW,
        plausibility=config["plausibility"],
    run:
        steps.run(steps.validate_table, input, output, params, log)


use rule validate_table as validate_assessments with:
    output:
        INTERIM / "validated" / "{table}.arrow",
    wildcard_constraints:
        table="|".join(ASSESSMENTS),


rule validate_dataset:
    """Check dataset.yaml (name, version, synthetic, source, licence)."""
    input:
        dataset=RAW / DATASET_DESCRIPTION,
        code=VALIDATION_CODE,
    output:
        INTERIM / "validated" / "dataset.json",
    log:
        LOGS / "validate_dataset.log",
    params:
        raw_dir=RAW,
        plausibility=config["plausibility"],
    run:
        steps.run(steps.validate_dataset, input, output, params, log)
