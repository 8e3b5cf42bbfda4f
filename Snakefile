# Case-series report pipeline: data/raw -> validated -> scored -> statistics, safety, figures
# -> manuscript (.qmd) -> HTML, PDF, DOCX. The logic lives in workflow/caseseries; rules stay thin.

import atexit
import gc
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


# On exit, Python's last garbage collections walk every object of the libraries the jobs imported
# (0.6 s after a build); frozen, they are skipped. Files and logs are closed before that.
atexit.register(gc.freeze)


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
    start_worker_process()
    check_raw_data()
    prepare_jobs()


onsuccess:
    stop_scheduler_timers()


onerror:
    remove_report()
    stop_scheduler_timers()
