"""Results CSVs: text cells that a spreadsheet would run as formulas are marked, numbers are not,
and the pipeline reads every value back exactly."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hostile_text import WRITTEN

from caseseries import tables
from caseseries.data.contract import exam_values


def test_text_a_spreadsheet_would_run_is_written_after_an_apostrophe(tmp_path):
    frame = pd.DataFrame(
        {
            "term": ['=HYPERLINK("https://evil.example")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\tx",
                     "'quoted", "-3", "+1.5e3", "a = b", "plain"],
            "day": [-3, 0, 1, 2, 3, 4, 5, 6, 7, 8],
            "change": [-1.5, 0.0, 1.25, -3.0, 2.0, 0.5, -0.25, 4.0, -7.0, 1.0],
        }
    )
    tables.write(frame, tmp_path / "t.csv")
    # Written out by hand: formula starts and a leading apostrophe get one apostrophe more; plain
    # numbers, in text ("-3", "+1.5e3") or numeric columns (-3, -1.5), and other text stay as they are.
    assert (tmp_path / "t.csv").read_text().splitlines() == [
        "term,day,change",
        '"\'=HYPERLINK(""https://evil.example"")",-3,-1.5',
        "'+cmd|' /C calc'!A0,0,0.0",
        "'-2+3,1,1.25",
        "'@SUM(1+1),2,-3.0",
        "'\tx,3,2.0",
        "''quoted,4,0.5",
        "-3,5,-0.25",
        "+1.5e3,6,4.0",
        "a = b,7,-7.0",
        "plain,8,1.0",
    ]
    back = tables.read(tmp_path / "t.csv")
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def test_a_carriage_return_at_the_start_is_marked_and_read_back(tmp_path):
    frame = pd.DataFrame({"term": ["\r=1+1", "x"]})
    tables.write(frame, tmp_path / "t.csv")
    # A carriage return inside a cell is only safe quoted (a reader takes a bare one for a line end).
    assert (tmp_path / "t.csv").read_bytes() == b'"term"\n"\'\r=1+1"\n"x"\n'
    assert tables.read(tmp_path / "t.csv")["term"].tolist() == ["\r=1+1", "x"]


def test_text_that_looks_missing_or_numeric_stays_text(tmp_path):
    frame = pd.DataFrame({"patient_id": ["P01", "P02", "P03", "P04"], "term": ["NA", "None", "N/A", "007"],
                          "outcome": ["null", "nan", "recovered", ""]})
    tables.write(frame, tmp_path / "t.csv")
    back = tables.read(tmp_path / "t.csv")
    assert back["term"].tolist() == ["NA", "None", "N/A", "007"]
    assert back["outcome"].tolist()[:3] == ["null", "nan", "recovered"]
    assert back["outcome"].isna().tolist() == [False, False, False, True]  # only an empty cell is missing


def test_the_hostile_catalogue_reads_back_exactly(tmp_path):
    frame = pd.DataFrame({"term": WRITTEN, "system_organ_class": WRITTEN[::-1]})
    tables.write(frame, tmp_path / "t.csv")
    back = tables.read(tmp_path / "t.csv")
    assert back["term"].tolist() == WRITTEN and back["system_organ_class"].tolist() == WRITTEN[::-1]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("=+-@'\t\r"),
                        min_size=1), min_size=1, max_size=8))
def test_any_text_reads_back_exactly_and_never_starts_a_formula(tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    tables.write(pd.DataFrame({"term": texts, "n": range(len(texts))}), path)
    written = pd.read_csv(path, dtype=str, keep_default_na=False)["term"]
    formula = written.str.startswith(tables.FORMULA_START) & ~written.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
    assert not formula.any(), written[formula].tolist()
    assert tables.read(path)["term"].tolist() == texts


def test_each_leading_apostrophe_is_kept(tmp_path):
    texts = ["'x", "''x", "'''x", "=x", "'=x"]
    tables.write(pd.DataFrame({"term": texts, "n": range(5)}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text().splitlines()[1:] == ["''x,0", "'''x,1", "''''x,2", "'=x,3", "''=x,4"]
    assert tables.read(tmp_path / "t.csv")["term"].tolist() == texts


def test_categorical_text_columns_are_guarded_and_read_back_as_written(tmp_path):
    # Validated tables hold text as categories (e.g. a site "=A"): the guard relabels them.
    frame = pd.DataFrame({"site": pd.Categorical(["=A", "B", "'c", "=A"]), "n": [1, -3, 2, 4]})
    tables.write(frame, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text().splitlines() == ["site,n", "'=A,1", "B,-3", "''c,2", "'=A,4"]
    assert tables.read(tmp_path / "t.csv")["site"].tolist() == ["=A", "B", "'c", "=A"]


# The fast writer (rows joined from per-column fields) against pandas.to_csv, the reference.
CELL_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=6)
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.1, 1.0, -0.0, 1e-05, 1e20, 123456789.125])


def mixed_frame(draw_rows: int, data) -> pd.DataFrame:
    n = draw_rows
    texts = data.draw(st.lists(CELL_TEXT | st.none(), min_size=n, max_size=n))
    return pd.DataFrame({
        "text": pd.array(texts, dtype="string"),
        "str": pd.Series([t or "" for t in texts], dtype="str"),
        "category": pd.Categorical(data.draw(st.lists(st.sampled_from(["5", "NT", "0*", 'a,"b"', "x\ny"]) | st.none(),
                                                      min_size=n, max_size=n))),
        "int": np.array(data.draw(st.lists(st.integers(-2**63, 2**63 - 1), min_size=n, max_size=n)), dtype=np.int64),
        "float": np.array(data.draw(st.lists(FLOATS, min_size=n, max_size=n)), dtype=float),
        "bool": np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool),
        "Int64": pd.array(data.draw(st.lists(st.integers(-1000, 1000) | st.none(), min_size=n, max_size=n)), dtype="Int64"),
        "boolean": pd.array(data.draw(st.lists(st.booleans() | st.none(), min_size=n, max_size=n)), dtype="boolean"),
        "object": pd.Series(data.draw(st.lists(CELL_TEXT | st.none() | st.integers(-99, 99) | st.booleans() | FLOATS,
                                               min_size=n, max_size=n)), dtype=object),
    })


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 6), st.data())
def test_fast_writer_writes_exactly_what_pandas_writes(rows, data):
    frame = mixed_frame(rows, data)
    columns = data.draw(st.lists(st.sampled_from(list(frame.columns)), min_size=2, max_size=9, unique=True))
    frame = frame[columns]
    assert tables.csv_text(frame) == frame.to_csv(index=False, lineterminator="\n")


def test_fast_writer_leaves_dates_and_single_columns_to_pandas(tmp_path):
    dates = pd.DataFrame({"day": pd.to_datetime(["2024-01-02"]), "n": [1]})
    assert tables.csv_text(dates) is None and tables.csv_text(pd.DataFrame({"n": [1]})) is None
    tables.write(dates, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == "day,n\n2024-01-02,1\n"


@pytest.mark.filterwarnings("ignore:Constructing a Categorical with a dtype")  # pandas 3 warns, then we stop
def test_an_exam_cell_that_is_not_a_contract_value_stops_the_read_naming_it(tmp_path):
    # Exam cells are read as categoricals of the contract's values: anything else must not
    # become a silently missing cell.
    path = tmp_path / "exams.csv"
    path.write_text("patient_id,right_motor_C5,vac\nP1,5,Yes\nP2,5 ,yes\nP3,,No\n")
    with pytest.raises(ValueError) as error:
        tables.read(path)
    message = str(error.value)
    assert "3 exam cell(s)" in message
    assert "row 2, column right_motor_C5: '5 '" in message and "row 3, column right_motor_C5: ''" in message
    assert "row 2, column vac: 'yes' is not one of Yes, No, NT" in message
    path.write_text("patient_id,right_motor_C5,vac\nP1,5,Yes\nP2,0**,NT\n")
    assert tables.read(path)[["right_motor_C5", "vac"]].astype(str).values.tolist() == [["5", "Yes"], ["0**", "NT"]]


@pytest.mark.parametrize("chunk_rows", [tables.CHUNK_ROWS, 999])  # the text is joined in pieces of rows
def test_fast_writer_on_a_large_table_with_runs_of_few_and_many_distinct_values(chunk_rows, monkeypatch):
    monkeypatch.setattr(tables, "CHUNK_ROWS", chunk_rows)
    # Adjacent coded columns are joined once per combination while the combinations stay few
    # (at most rows / 8): here some runs join, others stop at a column of many values.
    rng = np.random.default_rng(2024)
    rows = 4_000
    frame = pd.DataFrame({
        "id": pd.array([f"P{i:05d}" for i in range(rows)], dtype="string"),
        # 8-bit category codes times the next column's distinct values overflow 8 bits
        "site": pd.Categorical([f"S{i % 40:02d}" for i in range(rows)]),
        "visit": rng.integers(0, 5, rows),
        # text with few distinct values (missing, quoted) is coded too; pandas 3's default str as well
        "visit_name": pd.array(rng.choice(["baseline", "day90", 'a,"b"', None], rows), dtype="string"),
        "status": pd.Series(rng.choice(["selected", "extra"], rows), dtype="str"),
        **{f"cell_{i}": pd.Categorical(rng.choice(["0", "1", "5", "NT", "0*"], rows), categories=["0", "1", "5", "NT", "0*", "x,y"])
           for i in range(12)},
        "day": rng.integers(-30, 400, rows),
        "score": np.where(rng.random(rows) < 0.1, np.nan, rng.integers(0, 100, rows) / 2),
        "many": rng.integers(0, rows, rows),
        "grade": pd.Categorical(rng.choice(["A", "B", None], rows)),
        "flag": rng.random(rows) < 0.5,
    })
    frame.loc[7, "cell_3"] = "x,y"  # a category that needs quotes
    assert tables.csv_text(frame) == frame.to_csv(index=False, lineterminator="\n")


def test_a_read_of_some_columns_gives_them_as_a_full_read_does(tmp_path):
    frame = pd.DataFrame({"patient_id": ["P1", "=P2"], "right_motor_C5": pd.Categorical(["5", "NT"]), "day": [0, 90],
                          "ais": ["A", None], "uems": [12.5, None]})
    tables.write(frame, tmp_path / "t.csv")
    full = tables.read(tmp_path / "t.csv")
    some = tables.read(tmp_path / "t.csv", ["uems", "patient_id", "right_motor_C5", "ais"])
    assert list(some.columns) == ["patient_id", "right_motor_C5", "ais", "uems"]  # the file's order
    pd.testing.assert_frame_equal(some, full[list(some.columns)])
    assert some["patient_id"].tolist() == ["P1", "=P2"]  # the text guard is taken off as in a full read
    with pytest.raises(ValueError, match="no column uems_typo"):
        tables.read(tmp_path / "t.csv", ["patient_id", "uems_typo"])


def test_exam_cells_read_from_arrow_have_the_contracts_categories_in_its_order(tmp_path):
    # Validation's categories come in the order the values first appear; written as they are, they
    # read back in the contract's order (as from a CSV), with the same values.
    values = ["NT", "No", "Yes", "No"]
    frame = pd.DataFrame({"vac": pd.Series(values, dtype=pd.CategoricalDtype(["NT", "No", "Yes"]))})
    tables.write(frame, tmp_path / "t.arrow")
    tables.write(frame, tmp_path / "t.csv")
    back = tables.read(tmp_path / "t.arrow")
    assert list(back["vac"].cat.categories) == list(exam_values("vac")) == ["Yes", "No", "NT"]
    assert back["vac"].tolist() == values
    pd.testing.assert_frame_equal(back, tables.read(tmp_path / "t.csv"))


def test_an_arrow_table_reads_back_as_the_very_frame_written(tmp_path):
    # A site's rows of a validated table: a slice (index not 0..n-1), categorical exam cells,
    # text of both string dtypes with missing values, free text of any kind, numbers with gaps.
    n = len(WRITTEN)
    validated = pd.DataFrame({
        "patient_id": pd.array([f"P{i}" for i in range(n)], dtype="string"),
        "right_motor_C5": pd.Series(["5", "NT", "0*"] * (n // 3) + ["4"] * (n % 3), dtype=tables.EXAM_DTYPES[exam_values("right_motor_C5")]),
        "term": WRITTEN,
        "recorded_ais": pd.array(["A", None] * (n // 2) + ["D"] * (n % 2), dtype="string"),
        "day": np.arange(n) - 30,
        "uems": [12.5, np.nan] * (n // 2) + [0.0] * (n % 2),
        "standard": pd.Series([None] * n, dtype="str"),
        "flag": np.arange(n) % 2 == 0,
    })
    site = validated.iloc[1::2]
    tables.write(site, tmp_path / "t.arrow")
    back = tables.read(tmp_path / "t.arrow")
    pd.testing.assert_frame_equal(back, site.reset_index(drop=True))  # values and dtypes
    some = tables.read(tmp_path / "t.arrow", ["uems", "patient_id"])
    assert list(some.columns) == ["patient_id", "uems"]  # the file's order, as for a CSV
    with pytest.raises(ValueError, match="no column uems_typo"):
        tables.read(tmp_path / "t.arrow", ["patient_id", "uems_typo"])
    # A site without exams: its exam cells keep the contract's codes as categories, as from a CSV.
    tables.write(site.iloc[:0], tmp_path / "empty.arrow")
    tables.write(site.iloc[:0], tmp_path / "empty.csv")
    assert tables.read(tmp_path / "empty.arrow")["right_motor_C5"].dtype == tables.read(tmp_path / "empty.csv")["right_motor_C5"].dtype
    # Byte-stable, as every output: the same frame written by another process gives the same bytes.
    site.to_pickle(tmp_path / "site.pkl")
    subprocess.run([sys.executable, "-c", "import sys, pandas; from caseseries import tables; "
                    "tables.write(pandas.read_pickle(sys.argv[1]), sys.argv[2])", tmp_path / "site.pkl",
                    tmp_path / "again.arrow"], check=True)
    assert (tmp_path / "again.arrow").read_bytes() == (tmp_path / "t.arrow").read_bytes()
