"""caseseries.data.csvfile: what counts as whitespace and as a line break, distinct_values, code sizes."""

import sys
import unicodedata

from test_validate import build_valid_dataset, set_cell

from caseseries.data import csvfile


def test_whitespace_is_the_documented_set():
    # Independent of the constant: space, tab, CR, LF, every space separator (Unicode category Zs),
    # the line and paragraph separators, and the zero-width U+200B, U+2060 and U+FEFF.
    expected = {" ", "\t", "\r", "\n", "\u2028", "\u2029", "\u200b", "\u2060", "\ufeff"}
    expected |= {chr(i) for i in range(sys.maxunicode + 1) if unicodedata.category(chr(i)) == "Zs"}
    assert set(csvfile.WHITESPACE) == expected
    # Control characters other than tab and line breaks are never stripped: they are reported.
    assert {ch for ch in csvfile.WHITESPACE if unicodedata.category(ch) == "Cc"} == {"\t", "\r", "\n"}


def test_line_breaks_count_as_an_editor_counts_them():
    assert csvfile.line_breaks("a\nb\r\nc\rd") == 3
    assert csvfile.line_breaks(b"\r\r\n\n") == 3  # CR, CRLF, LF
    assert csvfile.line_breaks("no break") == 0


def test_distinct_values_read_as_validation_reads(tmp_path):
    raw = build_valid_dataset(tmp_path / "raw")
    set_cell(raw, "patients.csv", 2, "site", "\u00a0A\u2009")  # stripped as validation strips
    assert sorted(csvfile.distinct_values(raw / "patients.csv", "site")) == ["A", "B"]
    assert csvfile.distinct_values(raw / "patients.csv", "no such column") == []
    assert csvfile.distinct_values(raw / "missing.csv", "site") == []
    (raw / "bad.csv").write_bytes(b"\xff\xfe" + "site\nA\n".encode("utf-16-le"))
    assert csvfile.distinct_values(raw / "bad.csv", "site") == []



def test_batches_merge_into_the_smallest_codes():
    # Memory of a 200 MB file depends on it: a column's codes for all rows are held until the
    # table is built, so 4 distinct values must take 1 byte per row, not 8 (np.append widened them).
    import pyarrow as pa

    column = csvfile._Codes()
    column.add(pa.array(["b", None, "a", "b"]).dictionary_encode())  # batch 1: dictionary [b, a]
    column.add(pa.array(["c", "a", None]).dictionary_encode())  # batch 2: dictionary [c, a]
    codes, values = column.result()
    assert values.to_pylist() == ["b", "a", "c"]
    assert codes.tolist() == [0, -1, 1, 0, 2, 1, -1]
    assert codes.dtype == "int8"
