import pandas as pd
import pytest

from caseseries.instruments import scim
from caseseries.data.contract import SCIM_ITEMS


def assessment(**items):
    row = {"patient_id": "P01", "day": 0, **{item: 0 for item in SCIM_ITEMS}}
    row.update(items)
    return pd.DataFrame([row])


def test_maximum_scores_give_the_published_subscale_maxima():
    best = assessment(**{item: max(allowed) for item, (_, allowed) in SCIM_ITEMS.items()})
    scored = scim.score(best).iloc[0]
    # SCIM-III (Catz 2007): self-care 0-20, respiration and sphincter management 0-40, mobility 0-40.
    assert (scored["scim_self_care"], scored["scim_respiration_sphincter"], scored["scim_mobility"]) == (20, 40, 40)
    assert scored["scim_total"] == 100


def test_hand_computed_assessment():
    # SCIM-III form numbering: 7 respiration, 8 bladder, 9 bowel, 10 use of toilet.
    # self-care 2+1+0+3+1+2 = 9; respiration 10 + bladder 11 + bowel 8 + toilet 2 = 31;
    # mobility 4+1+1+2+1+0+0+1+0 = 10; total 50.
    scored = scim.score(
        assessment(item_01=2, item_02=1, item_04=3, item_05=1, item_06=2, item_07=10, item_08=11, item_09=8,
                   item_10=2, item_11=4, item_12=1, item_13=1, item_14=2, item_15=1, item_18=1)
    ).iloc[0]
    assert (scored["scim_self_care"], scored["scim_respiration_sphincter"], scored["scim_mobility"]) == (9, 31, 10)
    assert scored["scim_total"] == 50


@pytest.mark.parametrize("item, value", [("item_07", 7), ("item_08", 7), ("item_09", 3), ("item_10", 3), ("item_11", 5), ("item_19", 2), ("item_01", -1)])
def test_values_an_item_does_not_allow_are_refused(item, value):
    with pytest.raises(scim.ScimValueError, match=item):
        scim.score(assessment(**{item: value}))


def test_every_bad_value_is_listed_at_once():
    with pytest.raises(scim.ScimValueError) as error:
        scim.score(assessment(item_07=7, item_09=3))
    assert "2 SCIM-III item value(s)" in str(error.value)
