"""caseseries: the library behind the case-series report pipeline.

Modules: contract (the raw-data contract), simulate (synthetic datasets), validate (contract
checks), isncsci (ISNCSCI totals and classification), scim (SCIM-III scoring), visits (visit
windows), stats (paired statistics), safety, figures, render and manuscript (the report).
"""
