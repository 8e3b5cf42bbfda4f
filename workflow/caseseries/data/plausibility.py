"""Plausible ranges of raw values: the study's bounds (config.yaml `plausibility`) and their rules.

A value the contract allows can still be implausible: a raw cell count typed into the
cells x 10^8 column (the manuscript would print a dose of 126,000,000), an age of 430, a
day 20 years after the infusion. `Bounds` holds the [min, max] (inclusive) of each quantity;
the workflow reads them from config.yaml, and so does `python -m caseseries validate
--config config.yaml`. The defaults here are the values shipped in config.yaml (a test keeps
them equal), used when a caller gives no bounds.

Kept free of pandas: Snakemake checks the configured bounds when the workflow starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

SETTING = "config.yaml plausibility"


@dataclass(frozen=True)
class Bounds:
    """[min, max] of each quantity, inclusive."""

    age: tuple[float, float] = (0, 120)  # years at infusion
    years_since_injury: tuple[float, float] = (0, 100)  # and never above age
    cell_dose_1e8: tuple[float, float] = (0.01, 100)  # cells x 10^8 (0 only in a comparator arm)
    cell_dose_per_kg_1e6: tuple[float, float] = (0.01, 100)  # cells x 10^6 per kg
    follow_up_days: tuple[int, int] = (-365, 3650)  # day of every assessment and safety check
    onset_days: tuple[int, int] = (-365, 3650)  # adverse-event onset day


DAY_SETTINGS = ("follow_up_days", "onset_days")


def from_config(section: dict | None) -> Bounds:
    """Bounds from config.yaml's `plausibility` section (None: the defaults); ValueError says
    which setting is wrong."""
    if section is None:
        return Bounds()
    if not isinstance(section, dict):
        raise ValueError(f"{SETTING} must be a mapping of [min, max] ranges")
    names = [f.name for f in fields(Bounds)]
    unknown = sorted(set(section) - set(names))
    if unknown:
        raise ValueError(f"{SETTING}: unknown setting(s) {', '.join(map(str, unknown))} (known: {', '.join(names)})")
    chosen = {}
    for name, value in section.items():
        kind = int if name in DAY_SETTINGS else (int, float)
        if (
            not isinstance(value, (list, tuple))
            or len(value) != 2
            or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value)
            or value[0] > value[1]
        ):
            what = "whole days" if name in DAY_SETTINGS else "numbers"
            raise ValueError(f"{SETTING}.{name} must be [min, max] in {what}, min <= max (got {value!r})")
        chosen[name] = tuple(value)
    return Bounds(**chosen)


def _span(low, high) -> str:
    return f"{low:g} to {high:g}"


def range_rule(setting: str, value: float, bounds: Bounds, unit: str = "") -> str | None:
    """The rule a number outside its plausible range breaks, or None."""
    low, high = getattr(bounds, setting)
    if low <= value <= high:
        return None
    return f"outside the plausible range {_span(low, high)}{unit} ({SETTING}: {setting})"


# column -> (cells per unit, the unit as the contract writes it, what a raw count counts)
DOSE_UNITS = {
    "cell_dose_1e8": (1e8, "cells x 10^8", "cells"),
    "cell_dose_per_kg_1e6": (1e6, "cells x 10^6 per kg", "cells per kg"),
}
RAW_COUNT = 1e4  # no plausible dose reaches 10^4 units (10^12 cells): such a value is a count


def dose_rule(column: str, value: float, bounds: Bounds) -> str | None:
    """Range rule of a dose column, with a hint at the unit the value was probably typed in."""
    rule = range_rule(column, value, bounds)
    if rule is None or value < getattr(bounds, column)[0] or math.isinf(value):
        return rule
    per_unit, unit, counted = DOSE_UNITS[column]
    if value >= RAW_COUNT:
        return f"{rule}; a raw cell count? {value:g} {counted} is {value / per_unit:.3g} in this column ({unit})"
    return f"{rule}; another unit? this column is in {unit}: 1.26 means {1.26 * per_unit:,.0f} {counted}"
