import math

import pandas as pd

from caseseries.report import formatting as fmt


def test_numbers_use_a_true_minus_and_no_negative_zero():
    assert fmt.num(-1.25, 1) == "\u22121.3"  # half away from zero, as journals round
    assert fmt.num(3.25, 1) == "3.3" and fmt.p_value(0.0625) == "0.063"
    assert fmt.num(-0.04, 1) == "0.0"
    assert fmt.num(math.nan) == "\u2013"


def test_p_values():
    assert fmt.p_value(0.0156) == "0.016"
    assert fmt.p_value(0.0004) == "<0.001"
    assert fmt.p_value(None) == "\u2013"


def test_hodges_lehmann_shifts_have_two_decimals_everywhere():
    # one rule for every HL estimate and limit: quarter points shown exactly, half up beyond
    assert [fmt.shift(v) for v in (1.75, 2.5, 4.0, -0.25, 3.25, 0.125)] == [
        "1.75", "2.50", "4.00", "\u22120.25", "3.25", "0.13"]


def test_summaries():
    assert fmt.mean_sd(12.345, 3.21) == "12.3 (3.2)"
    assert fmt.median_iqr(10, 8.5, 12) == "10.0 [8.5\u201312.0]"
    assert fmt.span(-3, 4, 0) == "\u22123 to 4"
    assert fmt.percent(3, 7) == "3 (43%)"
    assert fmt.words_list(["a", "b", "c"]) == "a, b and c"
    assert fmt.number_word(7, capital=True) == "Seven"
    assert fmt.number_word(12) == "12"


def test_markdown_table_escapes_pipes_and_aligns():
    table = fmt.markdown_table(pd.DataFrame({"a": ["x|y"], "b": [None]}), "lr")
    assert table.splitlines() == ["| a | b |", "|:---|---:|", "| x\\|y | \u2013 |"]
