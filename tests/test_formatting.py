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


def test_hodges_lehmann_shifts_keep_quarter_points():
    assert [fmt.shift(v) for v in (1.75, 2.5, 4.0, -0.25)] == ["1.75", "2.5", "4.0", "\u22120.25"]


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


def test_counted_nouns_agree_with_their_number():
    assert fmt.counted(0, "serious adverse event") == "no serious adverse events"
    assert fmt.counted(1, "serious adverse event") == "one serious adverse event"
    assert fmt.counted(3, "adverse event", capital=True) == "Three adverse events"
    assert fmt.counted(12, "adverse event") == "12 adverse events"
    assert fmt.quantity(1, "man", "men") == "1 man" and fmt.quantity(0, "woman", "women") == "0 women"
    assert fmt.quantity(5, "patient") == "5 patients"


def test_values_left_open_by_untestable_segments_print_as_not_determinable():
    assert fmt.determinable("C5") == "C5" and fmt.determinable("D") == "D"
    assert fmt.determinable("C5,C6") == "ND" and fmt.determinable("A,B,C,D,E") == "ND"
    assert fmt.determinable(None) == "\u2013"
    assert fmt.has_undeterminable(pd.Series(["A", None]), pd.Series(["T1,T2"]))
    assert not fmt.has_undeterminable(pd.Series(["A", None]), pd.Series(["T1"]))


def test_inner_keeps_acronyms():
    assert fmt.inner("CNS tumour on MRI") == "CNS tumour on MRI"
    assert fmt.inner("Urinary tract infection") == "urinary tract infection"
