"""Instrument scoring: ISNCSCI classification and totals, SCIM-III."""
