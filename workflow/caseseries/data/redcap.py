"""Import a REDCap project export (raw records CSV + data dictionary) into the contract files.

`python -m caseseries import redcap RECORDS.csv --dictionary DICTIONARY.csv --map MAP.yaml
--out data/raw --key-out PRIVATE/keys.csv`

* The ISNCSCI exam is read from the field names and codes of the public REDCap ISNCSCI
  instrument, without configuration: `{side}_{light_touch|motor|pinprick}_{level}_value` cells
  (`0`-`5`, `nt`, and `ab-X` starred values whose `_considernormal` companion says 1 = classify
  as normal -> contract `X**`, 2 = not normal -> `X*`), `voluntary_anal_contraction`,
  `deep_anal_pressure`, `lowest_non_key_muscle_with_motor_function_{side}`, and the recorded
  `asia_impairment_scale` (trailing `*` stripped; a single grade only). Every export row with an
  exam cell or an exam date is one exam; its day comes from `exam_date`.
* Every other form is mapped by the map file (caseseries.data.redcap_map): per contract column,
  the source field, the event, and the transform (copy, codes, constant, study day, completed
  years, years to a given decimal, checkbox choice).
* Record ids become pseudonyms (P01, ... in the export's record order); the key goes only to
  --key-out (outside the output folder and outside anything git could commit). An existing key
  file is reused, so that a later export keeps every patient's id.
* Calendar dates become days from the infusion date; nothing else of a date is kept. Names and
  free text are never copied unless the map asks for a field by name, and the map may not copy
  dates or fields the dictionary flags as identifiers. The privacy guard checks the result.
* Only "raw" exports (codes) are supported. A "labels" export is refused: labels are free text
  the project can edit or translate, so a map written against them would break silently.
* Every problem is listed at once with record, event, field and value, and nothing is written
  when there is any (caseseries.data.importing).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from caseseries.data import contract as c
from caseseries.data.importing import (
    ImportFailed,
    ImportProblem,
    assign_pseudonyms,
    contract_files,
    export_location_problems,
    key_bytes,
    key_location_problems,
    publish,
    read_key,
)
from caseseries.data.redcap_map import CODED_TYPES, TABLE_COLUMNS, Map, Spec, TableMap, read_map

EVENT, INSTRUMENT, INSTANCE = "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance"
RAW_EVENT_NAME = re.compile(r"[a-z0-9_]+")
DICTIONARY_COLUMNS = {  # key -> words that start the header of that column in REDCap's layout
    "name": "variable / field name",
    "form": "form name",
    "type": "field type",
    "label": "field label",
    "choices": "choices, calculations, or slider labels",
    "validation": "text validation type",
    "identifier": "identifier?",
}

# --- the public REDCap ISNCSCI instrument ------------------------------------------------------
REDCAP_SENSES = {"lt": "light_touch", "pp": "pinprick"}
MOTOR_CODES = ("0", "1", "2", "3", "4", "5", "nt") + tuple(f"ab-{v}" for v in ("0", "1", "2", "3", "4", "nt"))
SENSORY_CODES = ("0", "1", "2", "nt") + tuple(f"ab-{v}" for v in ("0", "1", "nt"))
CONSIDER_NORMAL = {"1": "**", "2": "*"}  # 1 = classify as normal (X**), 2 = not normal (X*)
ANAL_FIELDS = {"vac": "voluntary_anal_contraction", "dap": "deep_anal_pressure"}
NONKEY_FIELDS = {f"{side}_lowest_nonkey_muscle": f"lowest_non_key_muscle_with_motor_function_{side}"
                 for side in c.SIDES}
RECORDED_AIS_FIELD = "asia_impairment_scale"


def _cell_fields() -> dict[str, str]:
    """Contract exam column -> REDCap field (`right_motor_C5` <- `right_motor_c5_value`)."""
    fields = {}
    for side in c.SIDES:
        for level in c.MOTOR_LEVELS:
            fields[c.motor_column(side, level)] = f"{side}_motor_{level.lower()}_value"
        for level in c.SENSORY_LEVELS:
            fields[c.light_touch_column(side, level)] = f"{side}_{REDCAP_SENSES['lt']}_{level.lower()}_value"
            fields[c.pin_prick_column(side, level)] = f"{side}_{REDCAP_SENSES['pp']}_{level.lower()}_value"
    return fields


CELL_FIELDS = _cell_fields()


# --- data dictionary ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    form: str
    type: str
    label: str
    choices: dict[str, str]
    validation: str
    identifier: bool


@dataclass
class Dictionary:
    fields: dict[str, Field]
    record_field: str

    @property
    def forms(self) -> set[str]:
        return {f.form for f in self.fields.values()}

    def choices(self, name: str) -> dict[str, str]:
        about = self.fields.get(name)
        return about.choices if about is not None else {}

    def form_of(self, column: str) -> str | None:
        """Form of an export column (a checkbox column `field___code` belongs to its field)."""
        about = self.fields.get(column) or self.fields.get(column.split("___")[0])
        return about.form if about is not None else None


def _choices(field_type: str, text: str) -> dict[str, str]:
    if field_type == "yesno":
        return {"1": "Yes", "0": "No"}
    if field_type == "truefalse":
        return {"1": "True", "0": "False"}
    if field_type not in ("dropdown", "radio", "checkbox") or not text.strip():
        return {}
    choices = {}
    for part in text.split("|"):
        code, _, label = part.partition(",")
        choices[code.strip()] = label.strip()
    return choices


def _read_csv(path: Path, problems: list[ImportProblem]) -> tuple[list[str], list[list[str]]] | None:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        problems.append(ImportProblem(path.name, None, f"cannot be read ({error.strerror})"))
        return None
    except UnicodeDecodeError as error:
        problems.append(ImportProblem(path.name, None, f"not valid UTF-8 ({error.reason}); export it again"))
        return None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        problems.append(ImportProblem(path.name, None, f"cannot be read as CSV ({error})"))
        return None
    if not rows:
        problems.append(ImportProblem(path.name, None, "empty file"))
        return None
    return rows[0], [row for row in rows[1:] if any(cell for cell in row)]


def read_dictionary(path: Path) -> Dictionary:
    problems: list[ImportProblem] = []
    parsed = _read_csv(path, problems)
    if parsed is None:
        raise ImportFailed(path.name, problems)
    header, rows = parsed
    lower = [h.strip().lower() for h in header]
    where = {}
    for key, start in DICTIONARY_COLUMNS.items():
        found = [i for i, h in enumerate(lower) if h.startswith(start)]
        if found:
            where[key] = found[0]
        elif key in ("name", "form", "type"):
            problems.append(ImportProblem(path.name, None, f"not a REDCap data dictionary: no column {start!r}"))
    if problems:
        raise ImportFailed(path.name, problems)
    fields = {}
    for number, row in enumerate(rows, start=2):
        def cell(key):
            i = where.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        name, field_type = cell("name"), cell("type")
        if not name:
            problems.append(ImportProblem(f"{path.name} line {number}", None, "no field name"))
            continue
        fields[name] = Field(name, cell("form"), field_type, cell("label"), _choices(field_type, cell("choices")),
                             cell("validation"), cell("identifier").lower() == "y")
    if problems or not fields:
        raise ImportFailed(path.name, problems or [ImportProblem(path.name, None, "no fields")])
    return Dictionary(fields, next(iter(fields)))


# --- the export --------------------------------------------------------------------------------


@dataclass
class Row:
    """One export row: a record's event, or one instance of a repeating instrument."""

    values: dict[str, str]
    record: str
    event: str
    instrument: str
    instance: str

    def place(self, field: str | None = None) -> str:
        parts = [f"record {self.record}"]
        if self.event:
            parts.append(f"event {self.event}")
        if self.instrument:
            parts.append(f"{self.instrument} #{self.instance}")
        elif self.instance:
            parts.append(f"instance {self.instance}")
        if field:
            parts.append(f"field {field}")
        return ", ".join(parts)


class Export:
    def __init__(self, path: Path, dictionary: Dictionary, record_field: str):
        self.path = path
        self.dictionary = dictionary
        self.record_field = record_field
        problems: list[ImportProblem] = []
        parsed = _read_csv(path, problems)
        if parsed is None:
            raise ImportFailed(path.name, problems)
        header, body = parsed
        duplicates = sorted({h for h in header if header.count(h) > 1})
        if duplicates:
            raise ImportFailed(path.name, [ImportProblem(path.name, None, f"duplicate columns: {', '.join(duplicates)}")])
        if record_field not in header:
            raise ImportFailed(path.name, [self._missing_record_field(header)])
        self.columns = header
        self.rows: list[Row] = []
        for number, cells in enumerate(body, start=2):
            if len(cells) != len(header):
                problems.append(ImportProblem(f"{path.name} line {number}", None,
                                              f"{len(cells)} fields but the header has {len(header)}"))
                continue
            values = dict(zip(header, cells))
            if not values[record_field]:
                problems.append(ImportProblem(f"{path.name} line {number}", None, "no record id"))
                continue
            self.rows.append(Row(values, values[record_field], values.get(EVENT, ""),
                                 values.get(INSTRUMENT, ""), values.get(INSTANCE, "")))
        if problems:
            raise ImportFailed(path.name, problems)
        self.records = list(dict.fromkeys(row.record for row in self.rows))
        self._form_columns: dict[str, list[str]] = {}
        for column in header:
            form = dictionary.form_of(column)
            about = dictionary.fields.get(column.split("___")[0])
            if form and about and about.type not in ("descriptive", "calc") and column != record_field:
                self._form_columns.setdefault(form, []).append(column)

    def _missing_record_field(self, header: list[str]) -> ImportProblem:
        labels = {f.label for f in self.dictionary.fields.values()} | {"Record ID", "Event Name", "Repeat Instrument"}
        if sum(h in labels for h in header) >= max(2, len(header) // 2):
            return ImportProblem(self.path.name, None, "has field labels as column headers (a 'labels' export); "
                                 + LABEL_EXPORT_ADVICE)
        return ImportProblem(self.path.name, None, f"has no record id column {self.record_field!r} (the map's "
                                                   "`record_id`, else the dictionary's first field)")

    def has_data(self, row: Row, form: str) -> bool:
        """Whether a row holds data of `form` (a checkbox counts only when ticked)."""
        if row.instrument:
            return row.instrument == form
        for column in self._form_columns.get(form, ()):
            value = row.values.get(column, "")
            if value and not ("___" in column and value == "0"):
                return True
        return False

    def rows_of(self, form: str, events=None) -> list[Row]:
        return [row for row in self.rows if self.has_data(row, form) and (events is None or row.event in events)]

    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


LABEL_EXPORT_ADVICE = ("only 'raw' exports (codes) are supported, because labels are text the project can edit "
                       "or translate: in REDCap, export the data again as 'CSV / Microsoft Excel (raw data)'")


def label_export_problems(export: Export) -> list[ImportProblem]:
    """Cells that hold a choice label where a raw export holds the code: one problem, with examples."""
    examples = []
    for row in export.rows:
        if row.event and not RAW_EVENT_NAME.fullmatch(row.event):
            examples.append(f"{EVENT} {row.event!r}")
        if row.instrument and not RAW_EVENT_NAME.fullmatch(row.instrument):
            examples.append(f"{INSTRUMENT} {row.instrument!r}")
        for column, value in row.values.items():
            if not value:
                continue
            name, _, code = column.partition("___")
            about = export.dictionary.fields.get(name)
            if about is None or about.type not in CODED_TYPES:
                continue
            if code:  # checkbox: a raw export holds 0/1
                if value not in ("0", "1"):
                    examples.append(f"field {column} {value!r}")
            elif value not in about.choices and value.lower() in {label.lower() for label in about.choices.values()}:
                examples.append(f"field {column} {value!r}")
        if len(examples) >= 3:
            break
    if not examples:
        return []
    return [ImportProblem(export.path.name, None, f"is a 'labels' export (choice labels where codes belong: "
                                                  f"{'; '.join(examples[:3])}); {LABEL_EXPORT_ADVICE}")]


# --- values ------------------------------------------------------------------------------------

DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?)?")


def parse_date(text: str) -> datetime.date | None:
    match = DATE.fullmatch(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def completed_years(start: datetime.date, end: datetime.date) -> int:
    """Whole years from start to end (an age: the birthday must have been reached)."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def years_between(start: datetime.date, end: datetime.date, decimals: int) -> str:
    """(end - start) in days / 365.25, rounded half up, exactly (no binary floating point)."""
    years = Fraction((end - start).days) / Fraction(1461, 4)
    scaled = years * 10**decimals
    rounded = (scaled + Fraction(1, 2)).__floor__()
    sign, digits = ("-", -rounded) if rounded < 0 else ("", rounded)
    whole, fraction = divmod(digits, 10**decimals)
    return f"{sign}{whole}" + (f".{fraction:0{decimals}d}" if decimals else "")


def _place(record: str, row: Row | None, field: str) -> str:
    return row.place(field) if row is not None else f"record {record}, field {field}"


class Builder:
    """Builds the contract tables of one export, collecting every problem."""

    def __init__(self, export: Export, mapping: Map):
        self.export = export
        self.map = mapping
        self.dictionary = export.dictionary
        self.problems: list[ImportProblem] = []
        self.by_record: dict[str, list[Row]] = {}
        for row in export.rows:
            self.by_record.setdefault(row.record, []).append(row)
        self.infusion: dict[str, datetime.date | None] = {}
        self.injury: dict[str, datetime.date | None] = {}
        for record in export.records:
            self.infusion[record] = self._record_date(record, mapping.infusion_date, required=True)
            self.injury[record] = self._record_date(record, mapping.injury_date) if mapping.injury_date else None
            if self.infusion[record] and self.injury[record] and self.infusion[record] < self.injury[record]:
                self.problem(f"record {record}, field {mapping.infusion_date.fields[0]}", None,
                             f"the infusion date is before the injury date ({mapping.injury_date.fields[0]})")

    def problem(self, where: str, value: str | None, rule: str) -> None:
        self.problems.append(ImportProblem(where, value, rule))

    # -- looking values up --
    def record_value(self, record: str, name: str, event: str | None = None) -> tuple[str, Row | None]:
        """A field's value for a record: from the one row of its form (in `event`, if given)."""
        form = self.dictionary.form_of(name)
        rows = [row for row in self.by_record[record]
                if (form is None or self.export.has_data(row, form)) and (event is None or row.event == event)
                and row.values.get(name, "")]
        values = {row.values[name] for row in rows}
        if len(values) > 1:
            found = ", ".join(f"{row.event or row.instance} {row.values[name]!r}" for row in rows)
            self.problem(f"record {record}, field {name}", None,
                         f"different values in several rows ({found}); give `event:` in the map")
        return (rows[0].values[name], rows[0]) if rows else ("", None)

    def value(self, record: str, row: Row | None, form: str | None, name: str, event: str | None = None):
        """(value, row it came from): from `row` when the field is of the row's form, else record-wide
        (the infusion and injury dates from the event the map gives for them)."""
        if row is not None and self.dictionary.form_of(name) == form and event is None:
            return row.values.get(name, ""), row
        if event is None:
            event = next((spec.event for spec in (self.map.infusion_date, self.map.injury_date)
                          if spec is not None and spec.fields[0] == name), None)
        return self.record_value(record, name, event)

    def _record_date(self, record: str, spec: Spec, required: bool = False) -> datetime.date | None:
        name = spec.fields[0]
        text, row = self.record_value(record, name, spec.event)
        where = row.place(name) if row else f"record {record}{f', event {spec.event}' if spec.event else ''}, field {name}"
        if not text:
            if required:
                self.problem(where, None, "no infusion date: study days count from it (day 0)")
            return None
        date = parse_date(text)
        if date is None:
            self.problem(where, text, "not a date (a raw export writes YYYY-MM-DD)")
        return date

    def date(self, record: str, text: str, where: str, after_injury: bool = False) -> datetime.date | None:
        """The date in `text`; with `after_injury`, one before the injury date is a problem."""
        if not text:
            return None
        date = parse_date(text)
        if date is None:
            self.problem(where, text, "not a date (a raw export writes YYYY-MM-DD)")
        elif after_injury and self.injury.get(record) and date < self.injury[record]:
            self.problem(where, text, f"before the injury date ({self.map.injury_date.fields[0]})")
        return date

    def study_day(self, record: str, text: str, where: str) -> str:
        date = self.date(record, text, where, after_injury=True)
        day0 = self.infusion[record]
        if date is None or day0 is None:
            return ""  # a missing date is reported as a missing day; a missing day 0 once per record
        return str((date - day0).days)

    def code(self, text: str, codes: dict[str, str] | None, name: str, where: str) -> str:
        if not text:
            return ""
        allowed = codes if codes is not None else self.dictionary.choices(name)
        if allowed and text not in allowed:
            self.problem(where, text, f"unknown code (codes: {', '.join(allowed)})")
            return ""
        return codes[text] if codes is not None else text

    # -- one contract cell from a spec --
    def apply(self, spec: Spec, record: str, row: Row | None, form: str | None) -> str:
        if spec.kind == "constant":
            return spec.constant
        if spec.kind in ("completed_years", "years"):
            dates = []
            for name in spec.fields:
                text, source = self.value(record, row, form, name)
                dates.append(self.date(record, text, _place(record, source or row, name)))
            if None in dates:
                return ""
            start, end = dates
            if end < start:
                self.problem(f"record {record}, fields {', '.join(spec.fields)}", None,
                             f"{spec.fields[1]} is before {spec.fields[0]}")
                return ""
            if spec.kind == "completed_years":
                return str(completed_years(start, end))
            return years_between(start, end, spec.decimals)
        name = spec.fields[0]
        text, source = self.value(record, row, form, name, spec.event)
        where = _place(record, source or row, name)
        if spec.kind == "study_day":
            return self.study_day(record, text, where)
        result = self.code(text, spec.codes, name, where)
        return result.lower() if spec.lowercase else result


# --- the contract tables -----------------------------------------------------------------------


@dataclass
class Table:
    """Contract columns, rows of text, and where each row and column came from."""

    columns: list[str]
    rows: list[list[str]]
    origins: list[Row | str]  # the export row (or "record X") of each contract row
    fields: dict[str, str]  # contract column -> export field(s)


def _sorted(table: Table, day_column: str) -> Table:
    """Rows by patient, then day (export order within a day)."""
    def key(i):
        row = table.rows[i]
        day = row[table.columns.index(day_column)]
        return (row[0], int(day) if re.fullmatch(r"-?\d+", day) else float("inf"), i)

    order = sorted(range(len(table.rows)), key=key)
    return Table(table.columns, [table.rows[i] for i in order], [table.origins[i] for i in order], table.fields)


def patients_table(builder: Builder, table_map: TableMap, ids: dict[str, str]) -> Table:
    columns = table_map.output_columns()
    rows, origins = [], []
    for record in builder.export.records:
        specs = table_map.columns
        rows.append([ids[record]] + [builder.apply(specs[col], record, None, None) if col in specs else ""
                                     for col in columns[1:]])
        origins.append(f"record {record}")
    return Table(columns, rows, origins, _spec_fields(table_map))


def _spec_fields(table_map: TableMap) -> dict[str, str]:
    fields = {}
    for specs in [table_map.columns, *table_map.each]:
        for column, spec in specs.items():
            fields.setdefault(column, ", ".join(spec.fields) or "(constant)")
    return fields


def form_table(builder: Builder, table_map: TableMap, ids: dict[str, str]) -> Table:
    """One contract row per export row of the table's form (per `each` entry, if given)."""
    columns = table_map.output_columns()
    rows, origins = [], []
    for row in builder.export.rows_of(table_map.form, table_map.events):
        base = {col: builder.apply(spec, row.record, row, table_map.form) for col, spec in table_map.columns.items()}
        for entry in table_map.each or [{}]:
            values = {col: builder.apply(spec, row.record, row, table_map.form) for col, spec in entry.items()}
            if entry and not any(values[col] for col, spec in entry.items() if spec.kind != "constant"):
                continue  # this entry was not filled in (e.g. a check not done)
            cells = {**base, **values}
            rows.append([ids[row.record]] + [cells.get(col, "") for col in columns[1:]])
            origins.append(row)
    day_column = "onset_day" if table_map.name == "adverse_events" else "day"
    return _sorted(Table(columns, rows, origins, _spec_fields(table_map)), day_column)


def _isncsci_cell(builder: Builder, row: Row, column: str, field: str) -> str:
    value = row.values.get(field, "")
    codes = MOTOR_CODES if column in c.MOTOR_COLUMNS else SENSORY_CODES
    if value not in codes:
        builder.problem(row.place(field), value, f"unknown code for this ISNCSCI cell (codes: {', '.join(codes)})")
        return ""
    if value == "nt":
        return "NT"
    if not value.startswith("ab-"):
        return value
    companion = field.removesuffix("_value") + "_considernormal"
    consider = row.values.get(companion, "")
    if consider not in CONSIDER_NORMAL:
        rule = ("starred value without its companion: fill in whether to classify it as normal (1) or not "
                "normal (2)" if not consider else "unknown code (codes: 1 = classify as normal, 2 = not normal)")
        builder.problem(row.place(companion), consider or None, rule)
        return ""
    grade = value.removeprefix("ab-").upper()
    return grade + CONSIDER_NORMAL[consider]


def isncsci_table(builder: Builder, ids: dict[str, str]) -> Table:
    export, mapping = builder.export, builder.map
    present = [col for col, field in CELL_FIELDS.items() if field in export.columns]
    if not present:
        builder.problem(export.path.name, None, "no ISNCSCI exam fields (e.g. right_motor_c5_value): the importer "
                                                "reads the field names of the public REDCap ISNCSCI instrument")
        return Table(list(c.ISNCSCI_COLUMNS), [], [], {})
    if len(present) < len(CELL_FIELDS):
        missing = [CELL_FIELDS[col] for col in CELL_FIELDS if col not in present]
        builder.problem(export.path.name, None, f"{len(missing)} ISNCSCI exam fields missing: {', '.join(missing[:5])}"
                                                + (" ..." if len(missing) > 5 else ""))
        return Table(list(c.ISNCSCI_COLUMNS), [], [], {})
    optional = []
    if mapping.recorded_ais and RECORDED_AIS_FIELD in export.columns:
        optional.append("recorded_ais")
    if mapping.standard:
        optional.append("standard")
    optional += [col for col, field in NONKEY_FIELDS.items() if field in export.columns]
    columns = list(c.ISNCSCI_COLUMNS) + optional
    fields = {"day": mapping.exam_date, **CELL_FIELDS, **ANAL_FIELDS, **NONKEY_FIELDS, "recorded_ais": RECORDED_AIS_FIELD}
    rows, origins = [], []
    exam_fields = [CELL_FIELDS[col] for col in present]
    for row in export.rows:
        filled = [f for f in exam_fields if row.values.get(f)]
        date_text = row.values.get(mapping.exam_date, "")
        if not filled and not date_text:
            continue  # not an exam row
        if not filled:
            builder.problem(row.place(mapping.exam_date), date_text, "an exam date but no exam cell filled in")
            continue
        if len(filled) < len(exam_fields):
            empty = [f for f in exam_fields if not row.values.get(f)]
            builder.problem(row.place(), None, f"{len(empty)} exam cell(s) empty (use nt for not testable): "
                                               f"{', '.join(empty[:5])}" + (" ..." if len(empty) > 5 else ""))
            continue
        if not date_text:
            builder.problem(row.place(mapping.exam_date), None, "an exam without a date")
        cells = {"patient_id": ids[row.record],
                 "day": builder.study_day(row.record, date_text, row.place(mapping.exam_date))}
        for column in present:
            cells[column] = _isncsci_cell(builder, row, column, CELL_FIELDS[column])
        for column, field in ANAL_FIELDS.items():
            cells[column] = builder.code(row.values.get(field, ""), {v: v for v in c.ANAL_VALUES}, field,
                                         row.place(field))
        if "recorded_ais" in optional:
            cells["recorded_ais"] = _recorded_ais(builder, row)
        if mapping.standard:
            cells["standard"] = mapping.standard
        for column, field in NONKEY_FIELDS.items():
            cells[column] = builder.code(row.values.get(field, ""), {v: v for v in c.MOTOR_LEVELS}, field,
                                         row.place(field))
        rows.append([cells.get(col, "") for col in columns])
        origins.append(row)
    return _sorted(Table(columns, rows, origins, fields), "day")


def _recorded_ais(builder: Builder, row: Row) -> str:
    value = row.values.get(RECORDED_AIS_FIELD, "")
    grade = value.rstrip("*")
    if value and grade not in c.AIS_GRADES:
        builder.problem(row.place(RECORDED_AIS_FIELD), value,
                        "not a single AIS grade A-E (the module lists several when NT cells leave the grade "
                        "open); correct it in REDCap, or set `isncsci: {recorded_ais: false}` in the map")
        return ""
    return grade


def empty_table(name: str) -> Table:
    return Table(list(TABLE_COLUMNS[name][0]), [], [], {})


# --- the import --------------------------------------------------------------------------------


def build(records: Path, dictionary_path: Path, map_path: Path, known_ids: dict[str, str] | None = None):
    """(tables, description, key) from an export; ImportFailed lists every problem found."""
    dictionary = read_dictionary(dictionary_path)
    mapping = read_map(map_path, dictionary)
    export = Export(records, dictionary, mapping.record_id)
    labels = label_export_problems(export)
    if labels:
        raise ImportFailed(records.name, labels)
    missing = sorted({name for table in mapping.tables.values() for specs in [table.columns, *table.each]
                      for spec in specs.values() for name in spec.fields
                      if name not in export.columns}
                     | {spec.fields[0] for spec in (mapping.infusion_date, mapping.injury_date)
                        if spec and spec.fields[0] not in export.columns})
    if missing:
        raise ImportFailed(records.name, [ImportProblem(f"{map_path.name}", None,
                                                        f"names fields that are not in {records.name}: "
                                                        f"{', '.join(missing)}")])
    ids = assign_pseudonyms(export.records, known_ids or {}, mapping.prefix)
    builder = Builder(export, mapping)
    tables = {"patients": patients_table(builder, mapping.tables["patients"], ids),
              "isncsci": isncsci_table(builder, ids)}
    for name in ("scim", "adverse_events", "safety_findings"):
        table_map = mapping.tables.get(name)
        tables[name] = form_table(builder, table_map, ids) if table_map else empty_table(name)
    if builder.problems:
        raise ImportFailed(records.name, builder.problems)
    description = describe(mapping.dataset, export, dictionary_path, map_path)
    return tables, description, ids


def describe(dataset: dict, export: Export, dictionary_path: Path, map_path: Path) -> dict:
    """dataset.yaml: the map's dataset keys, then the source: checksums, never file names or times."""
    description = {"name": str(dataset["name"]), "version": str(dataset.get("version", "1")),
                   "synthetic": dataset["synthetic"]}
    description["source"] = {
        "kind": "REDCap export (raw records and data dictionary)",
        "command": "python -m caseseries import redcap",
        "records_sha256": export.sha256(),
        "dictionary_sha256": hashlib.sha256(dictionary_path.read_bytes()).hexdigest(),
        "map_sha256": hashlib.sha256(map_path.read_bytes()).hexdigest(),
    }
    description["licence"] = str(dataset["licence"])
    if dataset.get("description"):
        description["description"] = str(dataset["description"])
    return description


def _locate(tables: dict[str, Table]):
    by_file = {c.RAW_FILES[name]: table for name, table in tables.items()}

    def locate(problem) -> str:
        table = by_file.get(problem.file)
        if table is None or problem.row is None or not 2 <= problem.row < 2 + len(table.origins):
            return f"{problem.file}" + (f" column {problem.column}" if problem.column else "")
        origin = table.origins[problem.row - 2]
        field = table.fields.get(problem.column or "")
        if problem.column == "patient_id":
            field = None
        where = origin.place(field) if isinstance(origin, Row) else origin + (f", field {field}" if field else "")
        return f"{where} ({problem.file} column {problem.column})" if problem.column else where

    return locate


def import_redcap(records: Path, dictionary: Path, map_path: Path, out_dir: Path, key_out: Path) -> dict:
    """Import an export into out_dir; return the tables' row counts. ImportFailed: nothing written."""
    inputs = [records, dictionary, map_path]
    refused = key_location_problems(key_out, out_dir, inputs) + export_location_problems(inputs[:2], out_dir)
    if refused:
        raise ImportFailed("the command line", refused)
    known, key_problems = read_key(key_out)
    if key_problems:
        raise ImportFailed("the command line", key_problems)
    tables, description, ids = build(records, dictionary, map_path, known)
    files = contract_files({name: (t.columns, t.rows) for name, t in tables.items()}, description)
    publish(files, out_dir, records.name, _locate(tables), private={key_out: key_bytes(ids)})
    return {name: len(table.rows) for name, table in tables.items()}


def run(args) -> int:
    try:
        counts = import_redcap(args.records, args.dictionary, args.map, args.out, args.key_out)
    except ImportFailed as error:
        print(error, file=sys.stderr)
        return 1
    print(f"imported {counts['patients']} patients, {counts['isncsci']} ISNCSCI exams, {counts['scim']} SCIM-III "
          f"assessments, {counts['adverse_events']} adverse events, {counts['safety_findings']} safety findings "
          f"into {args.out}; pseudonym key in {args.key_out} (keep it private)")
    return 0
