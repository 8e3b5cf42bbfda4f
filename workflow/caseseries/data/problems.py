"""A problem found in the raw data, and the error that lists all of them at once.

Every check of the raw data (reading, contract, plausibility, privacy) reports `Problem`s, each
naming the file, the line a user sees in an editor (header = line 1), the column, the value and
the rule it breaks; `ContractError` carries all of them, sorted by file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass

LISTING_LIMIT = 200  # lines of the error message; `.problems` always holds all of them
SHOWN_VALUE_LENGTH = 40


@dataclass(frozen=True)
class Problem:
    """One contract violation; `row` is the line in the file (header = 1), None if file-level."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} line {self.row}"
        parts = [where]
        if self.column is not None:
            parts.append(f"{'key' if self.file.endswith('.yaml') else 'column'} {self.column}")
        if self.value is not None:
            shown = self.value if len(self.value) <= SHOWN_VALUE_LENGTH else self.value[:37] + "..."
            parts.append(f"value {shown!r}")  # repr: control characters and odd spaces show escaped
        rule = " ".join(self.rule.split())  # one problem per line, whatever a parser's message holds
        return f"{', '.join(parts)}: {rule}"


def _sort_key(problem: Problem):
    return (problem.file, -1 if problem.row is None else problem.row, problem.column or "", problem.rule)


class ContractError(Exception):
    """The raw data break the contract; `.problems` lists every violation found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_sort_key)
        super().__init__(self._listing())

    def _listing(self) -> str:
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in the raw data (see the data contract):"]
        lines += [f"  {p}" for p in self.problems[:LISTING_LIMIT]]
        if n > LISTING_LIMIT:
            lines.append(f"  ... and {n - LISTING_LIMIT} more")
        return "\n".join(lines)
