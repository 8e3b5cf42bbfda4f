"""Cohort summaries for large datasets."""

import pytest

from caseseries.analysis import cohort
from caseseries.data.contract import SENSORY_LEVELS


@pytest.mark.parametrize(
    "level, region",
    [
        ("C5", "cervical"), ("T12", "thoracic"), ("L1", "lumbar"), ("S1", "sacral"), ("INT", "intact"),
        ("C7,C8", "cervical"), ("T12,L1", "undetermined"), (None, "missing"),
        # An exam with every cell NT leaves every level open, from C1 down to intact.
        (",".join(("C1", *SENSORY_LEVELS[:-1], "INT")), "undetermined"),
    ],
)
def test_region_of_a_neurological_level(level, region):
    assert cohort._region(level) == region
