"""Tests of `python -m caseseries isncsci EXAMS.csv -o CLASSIFIED.csv`."""

import subprocess
import sys

import pandas as pd

from caseseries.data import contract
from caseseries.instruments import isncsci, isncsci_cli
from caseseries.__main__ import main


def intact_row(patient_id="P01", day="-10") -> dict:
    row = {"patient_id": patient_id, "day": day}
    row |= {c: "5" for c in contract.MOTOR_COLUMNS}
    row |= {c: "2" for c in contract.LIGHT_TOUCH_COLUMNS + contract.PIN_PRICK_COLUMNS}
    return row | {"vac": "Yes", "dap": "Yes"}


def complete_c5_row(patient_id="P02", day="90") -> dict:
    row = intact_row(patient_id, day)
    for side in contract.SIDES:
        for level in contract.SENSORY_LEVELS[contract.SENSORY_LEVELS.index("C6"):]:
            row[contract.light_touch_column(side, level)] = "0"
            row[contract.pin_prick_column(side, level)] = "0"
        for level in contract.MOTOR_LEVELS[1:]:
            row[contract.motor_column(side, level)] = "0"
    return row | {"vac": "No", "dap": "No"}


def generated_exams(path, seed: int, ids: list[str]):
    """A plain CSV of len(ids) generated exams (tests/oracle/generate.py), days -10, -9, ..."""
    from oracle import generate

    exams = generate.exams(len(ids), seed=seed).drop(columns="pattern").astype(str)
    exams.insert(0, "day", [str(d) for d in range(-10, len(ids) - 10)])
    exams.insert(0, "patient_id", ids)
    exams.to_csv(path, index=False)
    return path


def write(tmp_path, rows, name="exams.csv"):
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_cli_writes_one_row_per_exam_in_the_design_column_order(tmp_path):
    exams = write(tmp_path, [intact_row(), complete_c5_row()])
    output = tmp_path / "out" / "classified.csv"
    completed = subprocess.run([sys.executable, "-m", "caseseries", "isncsci", str(exams), "-o", str(output)],
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    table = pd.read_csv(output, dtype=str, keep_default_na=False)
    assert list(table.columns) == ["patient_id", "day", *isncsci.OUTPUT_COLUMNS]
    assert table.patient_id.tolist() == ["P01", "P02"] and table.day.tolist() == ["-10", "90"]
    # intact -> E, INT, totals at maximum; complete C5 -> A (see tests/test_isncsci.py derivations)
    assert table.loc[0, ["ais", "neurological_level", "motor_total", "right_motor_zpp"]].tolist() == ["E", "INT", "100", "NA"]
    assert table.loc[1, ["ais", "neurological_level", "complete", "uems", "left_sensory_zpp"]].tolist() == ["A", "C5", "yes", "10", "C5"]


def test_cli_reports_every_illegal_value_and_writes_nothing(tmp_path, capsys):
    bad = intact_row() | {contract.motor_column("left", "C7"): "6"}
    worse = intact_row("P03") | {contract.light_touch_column("right", "T4"): "3", "vac": "maybe"}
    exams = write(tmp_path, [intact_row("P02"), bad, worse])
    output = tmp_path / "classified.csv"
    assert main(["isncsci", str(exams), "-o", str(output)]) == 2
    assert not output.exists()
    err = capsys.readouterr().err
    # CSV rows: header is line 1, so the 2nd and 3rd exams are rows 3 and 4
    assert "row 3, column left_motor_C7: value '6'" in err
    assert "row 4, column right_lt_T4: value '3'" in err
    assert "row 4, column vac: value 'maybe'" in err
    assert "exams.csv" in err and "3 problem(s)" in err


def test_cli_reports_missing_columns(tmp_path, capsys):
    row = intact_row()
    del row["dap"], row[contract.pin_prick_column("left", "S1")]
    exams = write(tmp_path, [row])
    assert main(["isncsci", str(exams), "-o", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "missing column(s)" in err and "left_pp_S1" in err and "dap" in err
    assert not (tmp_path / "x.csv").exists()


def test_cli_reports_unreadable_file(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    assert main(["isncsci", str(missing), "-o", str(tmp_path / "x.csv")]) == 2
    assert "nope.csv: cannot read the file" in capsys.readouterr().err


def test_cli_keeps_nt_and_lists_possible_values(tmp_path):
    row = intact_row() | {contract.light_touch_column("right", "C6"): "NT"}
    exams = write(tmp_path, [row])
    output = tmp_path / "classified.csv"
    assert main(["isncsci", str(exams), "-o", str(output)]) == 0
    table = pd.read_csv(output, dtype=str, keep_default_na=False)
    # derivation in tests/test_isncsci.py::test_nt_dermatome_lists_both_sensory_levels
    assert table.loc[0, ["right_sensory_level", "ais", "lt_total"]].tolist() == ["C5,INT", "D,E", ""]


def test_fast_and_pandas_paths_write_the_same_bytes(tmp_path):
    # A plain file takes the NumPy fast path; the same exams with a quoted cell, Windows line
    # endings or a byte-order mark take the pandas path. Every variant must give the same output.
    plain = generated_exams(tmp_path / "plain.csv", 5, [f"P{i:03d}" for i in range(300)])
    text = plain.read_text()
    variants = {
        "quoted": text.replace("\nP000,", '\n"P000",', 1),
        "crlf": text.replace("\n", "\r\n"),
        "bom": "\ufeff" + text,
    }
    assert isncsci_cli._read_plain(plain) is not None
    assert main(["isncsci", str(plain), "-o", str(tmp_path / "plain.out")]) == 0
    expected = (tmp_path / "plain.out").read_bytes()
    for name, content in variants.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(content.encode("utf-8"))
        assert isncsci_cli._read_plain(path) is None, name
        assert main(["isncsci", str(path), "-o", str(tmp_path / f"{name}.out")]) == 0
        assert (tmp_path / f"{name}.out").read_bytes() == expected, name
    # lists of possible values are quoted: "C5,C6" is one CSV field
    table = pd.read_csv(tmp_path / "plain.out", dtype=str, keep_default_na=False)
    assert table["ais"].str.contains(",").any() and len(table) == 300


def test_a_plain_file_with_a_bad_cell_is_reported_like_any_other(tmp_path, capsys):
    rows = [intact_row("P01"), intact_row("P02") | {contract.motor_column("right", "C5"): "5*"}]
    exams = write(tmp_path, rows)
    assert main(["isncsci", str(exams), "-o", str(tmp_path / "x.csv")]) == 2
    assert "row 3, column right_motor_C5: value '5*'" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_non_key_muscle_columns_are_used_and_checked(tmp_path, capsys):
    # Complete C5 with right S4-5 light touch spared (B); a non-key muscle at T1 on the right is
    # more than three levels below the motor level C5 -> C (tests/test_isncsci.py derives it).
    spared = complete_c5_row() | {contract.light_touch_column("right", "S4_5"): "1"}
    rows = [spared | {"right_lowest_nonkey_muscle": "", "left_lowest_nonkey_muscle": ""},
            spared | {"right_lowest_nonkey_muscle": "T1", "left_lowest_nonkey_muscle": ""}]
    exams = write(tmp_path, rows)
    output = tmp_path / "classified.csv"
    assert main(["isncsci", str(exams), "-o", str(output)]) == 0
    assert pd.read_csv(output, dtype=str)["ais"].tolist() == ["B", "C"]
    bad = write(tmp_path, [rows[1] | {"left_lowest_nonkey_muscle": "T5"}], name="bad.csv")
    assert main(["isncsci", str(bad), "-o", str(tmp_path / "y.csv")]) == 2
    assert "row 2, column left_lowest_nonkey_muscle: value 'T5'" in capsys.readouterr().err


def test_written_fields_read_back_as_the_classified_texts_for_keys_that_need_quotes(tmp_path):
    # Keys with a comma, a quote, a line break or a carriage return (the pandas path keeps them):
    # the csv module's reader gives back every classified text; fields are quoted only when needed
    # (a bare "\r" is quoted too, unlike csv.writer with "\n" line ends, so no reader splits there).
    import csv

    ids = ['P,1', 'P"2', "P\n3", "P\r4", "P5"]
    rows = [intact_row(patient_id=i) for i in ids[:4]] + [complete_c5_row(patient_id=ids[4])]
    path = tmp_path / "exams.csv"
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    assert main(["isncsci", str(path), "-o", str(tmp_path / "out.csv")]) == 0
    classified, _ = isncsci_cli.classify_file(path)
    expected = [list(classified.columns)] + [
        ["" if isinstance(v, float) and v != v else f"{v:.0f}" if isinstance(v, float) else v for v in row]
        for row in classified.itertuples(index=False)
    ]
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as file:
        assert list(csv.reader(file)) == expected
    text = (tmp_path / "out.csv").read_bytes().decode("utf-8")
    assert '\n"P\r4",' in text and "\nP5," in text and text.startswith("patient_id,day,")
    assert list(pd.read_csv(tmp_path / "out.csv", dtype=str)["patient_id"]) == ids


def test_a_large_file_read_in_blocks_of_rows_gives_the_same_exams(tmp_path, monkeypatch):
    # Above BLOCK_BYTES a plain file is cut into blocks of whole rows, parsed in threads. Cut small
    # here: every block must give the cells pandas reads, and a bad row in a later block is found.
    path = generated_exams(tmp_path / "exams.csv", 6, [f"P{i}" for i in range(300)])  # ids of 2 to 4 characters
    monkeypatch.setattr(isncsci_cli, "BLOCK_BYTES", 4096)
    monkeypatch.setattr(isncsci_cli, "_usable_cores", lambda: 7)
    text = path.read_text()
    assert len(isncsci_cli._row_blocks(bytearray(text.encode()), text.index("\n") + 1, len(text))) - 1 == 7
    as_read = isncsci_cli._read_plain(path)
    by_pandas = pd.read_csv(path, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(as_read.astype(str), by_pandas, check_dtype=False)
    *rows, last = text.splitlines(keepends=True)
    cells = last.rstrip("\n").split(",")
    for name, bad in {"bad cell": ",".join([*cells[:2], "9", *cells[3:]]) + "\n",  # column 3: an exam cell
                      "short row": ",".join(cells[:-1]) + "\n", "blank line": "\n" + last}.items():
        (tmp_path / "bad.csv").write_text("".join(rows) + bad)
        assert isncsci_cli._read_plain(tmp_path / "bad.csv") is None, name
