"""Number formatting for the manuscript (journal style), data text as plain Markdown text, and
Markdown pipe tables."""

import math
import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

DASH = "\u2013"  # en dash for ranges
MINUS = "\u2212"


def is_missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _round_half_up(value, digits: int) -> str:
    # As journals round (0.0625 -> 0.063, 3.25 -> 3.3), not float formatting's half-to-even.
    return str(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def num(value, digits: int = 1) -> str:
    """A number with fixed decimals and a true minus sign; '–' when missing."""
    if is_missing(value):
        return DASH
    text = _round_half_up(value, digits)
    if float(text) == 0:
        return text.lstrip("-")  # no "-0.0"
    return MINUS + text[1:] if text.startswith("-") else text


def shift(value) -> str:
    """A Hodges-Lehmann estimate or limit, everywhere with two decimals (1.75, 2.50, 4.00): of
    integer scores these are multiples of 0.25, which two decimals show exactly."""
    return num(value, 2)


def num_signed(value) -> str:
    """An integer with a true minus sign (day −60)."""
    return num(value, 0)


def none_or_count(n: int) -> str:
    """'none' for zero in running text, else the number in words below ten."""
    return "none" if n == 0 else number_word(n)


def counted(n: int, noun: str, plural: str | None = None, capital: bool = False) -> str:
    """'no serious adverse events', 'one serious adverse event', 'twelve ...' -> '12 ...'."""
    plural = plural or noun + "s"
    text = f"no {plural}" if n == 0 else f"{number_word(n)} {noun if n == 1 else plural}"
    return text[0].upper() + text[1:] if capital else text


def quantity(n: int, noun: str, plural: str | None = None) -> str:
    """'1 man', '5 men', '0 women': the number in digits, the noun agreeing with it."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


NOT_DETERMINABLE = "ND"


def determinable(value) -> str:
    """A computed level or grade as printed in a table: 'ND' (not determinable) where untestable
    segments leave several candidates ('C5,C6', 'A,B,C,D,E'); the candidates stay in the
    results tables."""
    if is_missing(value):
        return DASH
    return NOT_DETERMINABLE if "," in str(value) else str(value)


def has_undeterminable(*columns) -> bool:
    return any(determinable(value) == NOT_DETERMINABLE for column in columns for value in column)


def inner(label: str) -> str:
    """A label as it reads inside a sentence: 'Light-touch score' -> 'light-touch score', but
    acronyms ('SCIM-III total', 'AIS') keep their capitals."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def count(value) -> str:
    return DASH if is_missing(value) else f"{int(value)}"


def p_value(p) -> str:
    if is_missing(p):
        return DASH
    if p < 0.001:
        return "<0.001"
    return _round_half_up(p, 3)


def p_statement(formatted: str) -> str:
    """'p = 0.016' or 'p < 0.001' from a formatted p-value."""
    return f"p {formatted[0]} {formatted[1:]}" if formatted.startswith("<") else f"p = {formatted}"


def mean_sd(mean, sd, digits: int = 1) -> str:
    return DASH if is_missing(mean) else f"{num(mean, digits)} ({num(sd, digits)})"


def median_iqr(median, q1, q3, digits: int = 1) -> str:
    return DASH if is_missing(median) else f"{num(median, digits)} [{num(q1, digits)}{DASH}{num(q3, digits)}]"


def span(low, high, digits: int = 1) -> str:
    """A range 'low to high'; 'to' reads unambiguously when either end is negative."""
    if is_missing(low):
        return DASH
    joiner = " to " if low < 0 or high < 0 else DASH
    return f"{num(low, digits)}{joiner}{num(high, digits)}"


def estimate_ci(estimate, low, high, digits: int = 1, number=None) -> str:
    number = number or (lambda v: num(v, digits))
    if is_missing(estimate):
        return DASH
    if is_missing(low) or is_missing(high):  # e.g. one pair: an estimate but no interval
        return number(estimate)
    return f"{number(estimate)} ({number(low)} to {number(high)})"


def percent(part, whole, digits: int = 0) -> str:
    return f"{part} ({100 * part / whole:.{digits}f}%)" if whole else f"{part}"


def names_or_counts(items: list[str], limit: int, noun: str = "patients") -> str:
    """Name up to `limit` items; beyond that, count them (by kind when items are 'P01: C->D')."""
    if len(items) <= limit:
        return ", ".join(items)
    kinds = pd.Series([item.split(": ", 1)[-1] for item in items]).value_counts().sort_index()
    if len(kinds) < len(items):
        return ", ".join(f"{kind} {n}" for kind, n in kinds.items())
    return f"{len(items)} {noun}, listed in the results tables"


def words_list(items) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


NUMBER_WORDS = "zero one two three four five six seven eight nine ten".split()


def number_word(n: int, capital: bool = False) -> str:
    """Journal style: numbers below ten in words."""
    word = NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)
    return word.capitalize() if capital else word


# Every ASCII punctuation character. Pandoc Markdown reads any of them after a backslash as the
# character itself (all_symbols_escapable), so with all of them escaped no data text can start
# emphasis, a link, raw HTML/LaTeX/Typst, math, a reference, a citation, a list, a table cell
# boundary or a smart quote/dash/ellipsis: whatever the context it lands in.
_ASCII_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
# Control characters (validation rejects them in data) are shown as their visible Control
# Pictures symbol (U+2400..): a line break would end a table row, NUL cannot be written to DOCX.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Unicode bidi controls: openers of an embedding/override (LRE RLE LRO RLO) or an isolate
# (LRI RLI FSI), their closers (PDF, PDI) and the directional marks (LRM RLM ALM).
_BIDI_OPENERS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c",
                 "\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"}
_BIDI_CLOSERS = {"\u202c": "\u202a", "\u2069": "\u2066"}  # closer -> an opener it can close
_BIDI_MARKS = "\u200e\u200f\u061c"
_BIDI = re.compile(f"[{''.join(_BIDI_OPENERS)}{''.join(_BIDI_CLOSERS)}{_BIDI_MARKS}]")
FSI, PDI = "\u2068", "\u2069"
# Letters written right to left (Hebrew, Arabic, Syriac, Thaana, NKo, ...; not U+FEFF).
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff]")


def _inert_bidi(control: str) -> str:
    """A bidi control that can reorder nothing: an opener closed at once, a closer given an
    empty opener to close, a mark isolated on its own. Every character of the data stays."""
    if control in _BIDI_OPENERS:
        return control + _BIDI_OPENERS[control]
    if control in _BIDI_CLOSERS:
        return _BIDI_CLOSERS[control] + control
    return FSI + control + PDI


def plain_text(value) -> str:
    """A value from the data as pandoc Markdown that reads exactly as written in HTML, PDF and DOCX.

    The one place where data text becomes Markdown: every ASCII punctuation character is
    backslash-escaped; control characters become visible symbols; bidi controls are made inert
    (see `_inert_bidi`) and a value with right-to-left letters is isolated (FSI ... PDI), so that
    no value can reorder the text around it or show its characters in another order than stored.
    Runs of spaces read as one space, as everywhere in Markdown.
    """
    text = "" if is_missing(value) else str(value)
    text = _CONTROL.sub(lambda m: chr(0x2421 if m.group() == "\x7f" else 0x2400 + ord(m.group())), text)
    text = _ASCII_PUNCTUATION.sub(lambda m: "\\" + m.group(), text)
    text = _BIDI.sub(lambda m: _inert_bidi(m.group()), text)
    if _RIGHT_TO_LEFT.search(text):
        text = FSI + text + PDI
    return text


def code_span(value) -> str:
    """A value shown as inline code, verbatim: a backtick fence longer than any run inside."""
    text = str(value)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_table(frame: pd.DataFrame, align: str | None = None, markdown: tuple[str, ...] = ()) -> str:
    """A pandoc pipe table; `align` has one of l/r/c per column (default: first left, rest right).

    Every header and cell is plain text (`plain_text`), except the cells of the `markdown`
    columns: Markdown written by this code (a bold label, a code span), which must keep any
    data inside it plain and escape `|` itself."""
    align = align or "l" + "r" * (len(frame.columns) - 1)
    rule = {"l": ":---", "r": "---:", "c": ":---:"}

    def cell(value, is_markdown: bool = False) -> str:
        if is_missing(value):
            return DASH
        return str(value) if is_markdown else plain_text(value)

    is_markdown = [column in markdown for column in frame.columns]
    lines = ["| " + " | ".join(cell(c) for c in frame.columns) + " |", "|" + "|".join(rule[a] for a in align) + "|"]
    lines += ["| " + " | ".join(map(cell, row, is_markdown)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)
