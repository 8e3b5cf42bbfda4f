"""Command line: `python -m caseseries COMMAND ...`; each command lives in its own module."""

import argparse
import importlib
import sys

# command -> module; each module has `add_arguments(parser)` and `run(args) -> int`.
COMMANDS = {
    "simulate": "caseseries.data.simulate",
    "isncsci": "caseseries.instruments.isncsci_cli",
    "validate": "caseseries.data.validate",
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m caseseries")
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        modules[name] = module
        module.add_arguments(sub.add_parser(name, help=module.__doc__.strip().splitlines()[0]))
    args = parser.parse_args(argv)
    return modules[args.command].run(args)


if __name__ == "__main__":
    sys.exit(main())
