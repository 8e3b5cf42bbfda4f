import math
import random
import re
import string

import pandas as pd
from hostile_text import SHOWN, WRITTEN

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


# --- data text as plain Markdown text ---------------------------------------------------------------
# The reference is pandoc's own Markdown reader: whatever plain_text makes of a value must parse
# back to nothing but words and spaces whose text is the value (as SHOWN in hostile_text).


def _pandoc_inlines(markdown: str) -> list:
    """Pandoc's reading of `markdown` (the reader the report uses), as its JSON AST blocks."""
    import json
    import subprocess

    import pypandoc

    result = subprocess.run([pypandoc.get_pandoc_path(), "--from=markdown", "--to=json"], input=markdown,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)["blocks"]


def _words(inlines: list) -> str:
    """The text of inlines that may only be words and spaces; any other element is an error."""
    kinds = {inline["t"] for inline in inlines} - {"Str", "Space"}
    assert not kinds, f"markup in plain text: {kinds} in {inlines}"
    return "".join(inline["c"] if inline["t"] == "Str" else " " for inline in inlines)


def _as_markdown_reads_it(text: str) -> str:
    """Runs of ASCII spaces read as one space in Markdown, and a cell or line is trimmed."""
    return re.sub(" +", " ", text).strip(" ")


def _random_texts(seed: int, n: int = 300) -> list[str]:
    alphabet = string.punctuation * 3 + string.ascii_letters + string.digits + "   " + "é\u00a0–ß中\u200b𝛼"
    rng = random.Random(seed)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(n)]
    return [text for text in texts if text.strip(" ")]


def _cases() -> list[tuple[str, str]]:
    seed = 20241006
    print(f"random texts from seed {seed}")
    return [(written, SHOWN[written]) for written in WRITTEN] + [(text, text) for text in _random_texts(seed)]


def test_plain_text_reads_back_as_written_in_a_sentence():
    cases = _cases()
    blocks = _pandoc_inlines("\n\n".join(f"Before {fmt.plain_text(written)} after." for written, _ in cases))
    assert len(blocks) == len(cases) and {block["t"] for block in blocks} == {"Para"}
    for block, (written, shown) in zip(blocks, cases):
        assert _words(block["c"]) == _as_markdown_reads_it(f"Before {shown} after."), repr(written)


def test_plain_text_reads_back_as_written_at_the_start_of_a_line():
    # "# x", "- x", "1. x", "> x", ": x", "::: x", "| x |" or "% x" on a line of their own are blocks.
    cases = _cases()
    blocks = _pandoc_inlines("\n\n".join(fmt.plain_text(written) for written, _ in cases))
    assert len(blocks) == len(cases) and {block["t"] for block in blocks} == {"Para"}
    for block, (written, shown) in zip(blocks, cases):
        assert _words(block["c"]) == _as_markdown_reads_it(shown), repr(written)


def test_every_table_cell_reads_back_as_written():
    cases = _cases()
    table = fmt.markdown_table(pd.DataFrame({"Written": [written for written, _ in cases], "n": range(len(cases))}))
    [parsed] = _pandoc_inlines(table)
    assert parsed["t"] == "Table"
    body_rows = parsed["c"][4][0][3]  # Table: attr, caption, colspecs, head, [TableBody: attr, n, head, rows]
    assert len(body_rows) == len(cases)
    for row, (written, shown), number in zip(body_rows, cases, range(len(cases))):
        first, second = (cell[4][0]["c"] for cell in row[1])  # Cell: attr, align, rows, cols, [Plain]
        assert _words(first) == _as_markdown_reads_it(shown), repr(written)
        assert _words(second) == str(number)


def test_bidi_controls_are_closed_at_once_and_right_to_left_values_isolated():
    # Written out by hand: each opener (RLO U+202E, RLI U+2067) is followed by its closer (PDF
    # U+202C, PDI U+2069); a closer without opener gets an empty opener before it (LRE U+202A,
    # LRI U+2066); a mark (RLM U+200F) sits in its own isolate (FSI U+2068 ... PDI U+2069); and a
    # value with Hebrew letters is isolated as a whole, so "(1)" after it stays after it.
    assert fmt.plain_text("a\u202eb") == "a\u202e\u202cb"
    assert fmt.plain_text("a\u2067b") == "a\u2067\u2069b"
    assert fmt.plain_text("a\u202cb\u2069c") == "a\u202a\u202cb\u2066\u2069c"
    assert fmt.plain_text("a\u200fb") == "a\u2068\u200f\u2069b"
    assert fmt.plain_text("שלום") == "\u2068שלום\u2069"
    assert fmt.plain_text("zero\u200bwidth\u200djoiner\ufeff") == "zero\u200bwidth\u200djoiner\ufeff"  # untouched


def test_control_characters_are_shown_as_visible_symbols():
    # Validation rejects them in data; should one get through, it must not end a table row.
    assert fmt.plain_text("a\nb\r\x00\x1b\x7f") == "a\u240ab\u240d\u2400\u241b\u2421"
    assert fmt.plain_text("tab\tkept") == "tab\tkept"


def test_a_code_span_shows_backticks_as_written():
    for text in ("python -m x", "a `b` c", "``x", "a ``` b"):
        [block] = _pandoc_inlines(fmt.code_span(text))
        [code] = block["c"]
        assert code["t"] == "Code" and code["c"][1] == text


def test_markdown_columns_of_a_table_are_left_as_written():
    frame = pd.DataFrame({"Label": ["**bold**"], "Value": ["**not bold**"]})
    table = fmt.markdown_table(frame, markdown=("Label",))
    assert table.splitlines()[2] == "| **bold** | \\*\\*not bold\\*\\* |"


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
