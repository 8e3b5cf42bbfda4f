# Case-series report pipeline: data/raw -> validated -> scored -> statistics, safety, figures
# -> manuscript (.qmd) -> HTML, PDF, DOCX. The logic lives in workflow/caseseries; rules stay thin.

import os
import sys

from snakemake.utils import min_version, validate

min_version("9.0")

# Every job imports the library of this checkout, whatever the environment's (editable) install
# points to: first on sys.path here and on PYTHONPATH for the jobs this run starts.
LIBRARY_ROOT = os.path.join(workflow.basedir, "workflow")
sys.path.insert(0, LIBRARY_ROOT)
# (set, not required, so there is nothing for an `envvars:` directive to assert)
os.environ.update(
    PYTHONPATH=os.pathsep.join([LIBRARY_ROOT, *filter(None, [os.getenv("PYTHONPATH")])])
)


configfile: "config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/validate.smk"
include: "workflow/rules/score.smk"
include: "workflow/rules/stats.smk"
include: "workflow/rules/safety.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        report_outputs(),
        TABLES / "tables.xlsx",


onstart:
    hold_run_lock()
    check_raw_data()


onerror:
    remove_report()
