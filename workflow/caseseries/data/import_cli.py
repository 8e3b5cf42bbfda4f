"""Import study data into the contract files (REDCap export or data-entry workbook).

`python -m caseseries import redcap RECORDS.csv --dictionary DICTIONARY.csv --map MAP.yaml
--out data/raw --key-out PRIVATE/keys.csv` and `python -m caseseries import excel WORKBOOK.xlsx
--out data/raw`. The importer's module is loaded only when its command runs.
"""

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sources = parser.add_subparsers(dest="source", required=True)
    redcap = sources.add_parser("redcap", help="a REDCap raw records export with its data dictionary")
    redcap.add_argument("records", type=Path, help="the records export (CSV, raw data)")
    redcap.add_argument("--dictionary", required=True, type=Path, help="the project's data dictionary (CSV)")
    redcap.add_argument("--map", required=True, type=Path, help="map of forms to contract columns (YAML)")
    redcap.add_argument("--out", required=True, type=Path, help="output folder (e.g. data/raw)")
    redcap.add_argument("--key-out", required=True, type=Path,
                        help="where the record id -> pseudonym key goes (outside data/raw and git)")
    excel = sources.add_parser("excel", help="a data-entry workbook (python -m caseseries template)")
    excel.add_argument("workbook", type=Path, help="the workbook (.xlsx)")
    excel.add_argument("--out", required=True, type=Path, help="output folder (e.g. data/raw)")


def run(args: argparse.Namespace) -> int:
    if args.source == "redcap":
        from caseseries.data import redcap

        return redcap.run(args)
    from caseseries.data import excel

    return excel.run_import(args)
