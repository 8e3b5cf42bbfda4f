"""SCIM-III scoring: items to the three subscales and the total (contract.SCIM_ITEMS)."""

import pandas as pd

from caseseries.data.contract import SCIM_ITEMS, SCIM_SUBSCALES


class ScimValueError(ValueError):
    """An item holds a value that SCIM-III does not allow for that item."""


def check_item_values(scim: pd.DataFrame) -> None:
    """Raise listing every (row, item, value) whose value is not allowed for its item."""
    problems = []
    for item, (name, allowed) in SCIM_ITEMS.items():
        bad = ~scim[item].isin(allowed)
        for row, value in scim.loc[bad, item].items():
            problems.append(f"row {row}, {item} ({name}): {value!r} not in {list(allowed)}")
    if problems:
        raise ScimValueError(f"{len(problems)} SCIM-III item value(s) not allowed:\n" + "\n".join(problems))


def score(scim: pd.DataFrame) -> pd.DataFrame:
    """Subscales and total per assessment; keeps patient_id and day, drops the items."""
    check_item_values(scim)
    scored = scim[["patient_id", "day"]].copy()
    for subscale, items in SCIM_SUBSCALES.items():
        scored[subscale] = scim[list(items)].sum(axis=1).astype(float)
    scored["scim_total"] = scored[list(SCIM_SUBSCALES)].sum(axis=1)
    return scored
