"""Command line: `python -m caseseries COMMAND ...`; each command lives in its own module."""

import argparse
import importlib
import sys

# command -> (module, one-line help); each module has `add_arguments(parser)` and `run(args) -> int`.
# Only the module of the command that runs is imported (start-up time).
COMMANDS = {
    "simulate": ("caseseries.data.simulate", "generate a deterministic synthetic dataset in the contract format"),
    "isncsci": ("caseseries.instruments.isncsci_cli", "classify ISNCSCI exams (2019 International Standards)"),
    "validate": ("caseseries.data.validate", "check a raw-data folder against the data contract"),
    "import": ("caseseries.data.import_cli", "import a REDCap export or a data-entry workbook into data/raw"),
    "template": ("caseseries.data.excel", "write a data-entry workbook (Excel) for the contract tables"),
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m caseseries")
    sub = parser.add_subparsers(dest="command", required=True)
    chosen = None
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if argv and argv[0] == name:
            chosen = importlib.import_module(module_name)
            chosen.add_arguments(command)
    args = parser.parse_args(argv)
    return chosen.run(args)


if __name__ == "__main__":
    sys.exit(main())
