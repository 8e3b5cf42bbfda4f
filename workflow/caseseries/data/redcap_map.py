"""The map file of a REDCap import: which export field fills which contract column, and how.

The format is documented in README ("Your own data") and shown, commented, in
examples/redcap/map.yaml. `read_map(path, dictionary)` checks the whole file against the contract
and the data dictionary and returns a `Map`, or raises ImportFailed listing every problem, each
with its place in the map (e.g. `tables.patients.columns.sex`).

Shape (every key but `dataset`, `infusion_date` and `tables.patients` is optional):

    dataset: {name, version, synthetic, licence, description}   -> dataset.yaml
    record_id: FIELD               the record id field (default: the dictionary's first field)
    patient_ids: {prefix: P}       pseudonyms P01, P02, ... in the export's record order
    infusion_date: {field: FIELD, event: EVENT}                  day 0 of every record
    injury_date: {field: FIELD, event: EVENT}                    dates before it are reported
    isncsci: {date: exam_date, standard: ISNCSCI-2019, recorded_ais: true}
    tables:
      patients: {columns: {COLUMN: SPEC, ...}}                   one row per record
      scim | adverse_events | safety_findings:
        rows: {form: FORM, events: [EVENT, ...]}                 one row per export row of FORM
        columns: {COLUMN: SPEC, ...}
        each: [{COLUMN: SPEC, ...}, ...]                         optional: one row per entry

A SPEC is a mapping with exactly one of these keys:
    field: FIELD              the value as it is (with `codes`: translated)
    constant: VALUE           the same value in every row
    study_day: FIELD          date minus the infusion date, in days
    completed_years: [FROM, TO]   whole years between two dates (age)
    years: [FROM, TO]         (TO - FROM) in days / 365.25, rounded half up to `decimals` (1)
    checkbox: FIELD           with `choice: CODE`: the column FIELD___CODE, 1 -> yes, 0 -> no
and optionally:
    event: EVENT              take the value from this event's row (field and study_day)
    codes: {CODE: VALUE, ...} or `dictionary` (the dictionary's choice labels)
    lowercase: true           lower-case the result (e.g. dictionary labels)
    decimals: N               for `years`
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from caseseries.data import contract as c
from caseseries.data.importing import ImportFailed, ImportProblem

KINDS = ("field", "constant", "study_day", "completed_years", "years", "checkbox")
OPTIONS = {
    "field": ("event", "codes", "lowercase"),
    "constant": (),
    "study_day": ("event",),
    "completed_years": (),
    "years": ("decimals",),
    "checkbox": ("choice", "codes", "lowercase"),
}
MAPPED_TABLES = ("patients", "scim", "adverse_events", "safety_findings")
TABLE_COLUMNS = {
    "patients": (c.PATIENT_COLUMNS, c.PATIENT_OPTIONAL_COLUMNS),
    "scim": (c.SCIM_COLUMNS, ()),
    "adverse_events": (c.ADVERSE_EVENT_COLUMNS, c.ADVERSE_EVENT_OPTIONAL_COLUMNS),
    "safety_findings": (c.SAFETY_FINDING_COLUMNS, ()),
}
DATASET_KEYS = ("name", "version", "synthetic", "licence", "description")
DATE_VALIDATIONS = re.compile(r"(date|datetime|time)(_|$)")
CODED_TYPES = ("dropdown", "radio", "checkbox", "yesno", "truefalse")


class _Loader(yaml.SafeLoader):
    """YAML as a person reads it: only true/false are booleans, so `{1: yes, 0: no}` and
    `{1: on}` stay text (YAML 1.1 would make them booleans)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class Spec:
    """How one contract column is filled; `fields` are the export columns it reads."""

    kind: str
    fields: tuple[str, ...] = ()
    event: str | None = None
    codes: dict[str, str] | None = None  # None: as it is
    lowercase: bool = False
    decimals: int = 1
    constant: str = ""
    path: str = ""


@dataclass
class TableMap:
    name: str
    form: str | None  # None for patients (one row per record)
    events: tuple[str, ...] | None
    columns: dict[str, Spec]
    each: list[dict[str, Spec]] = field(default_factory=list)

    def output_columns(self) -> list[str]:
        required, optional = TABLE_COLUMNS[self.name]
        mapped = set(self.columns) | {col for entry in self.each for col in entry}
        return list(required) + [col for col in optional if col in mapped]


@dataclass
class Map:
    dataset: dict
    record_id: str
    prefix: str
    infusion_date: Spec
    injury_date: Spec | None
    exam_date: str
    standard: str | None
    recorded_ais: bool
    tables: dict[str, TableMap]


def _text(value) -> str:
    return "" if value is None else str(value)


def _event(value) -> str | None:
    return None if value is None else str(value)


class _Reader:
    """Walks the YAML, collecting every problem with its place in the file."""

    def __init__(self, source: str, dictionary):
        self.source = source
        self.dictionary = dictionary
        self.problems: list[ImportProblem] = []

    def problem(self, path: str, rule: str, value=None) -> None:
        self.problems.append(ImportProblem(f"{self.source}: {path}", None if value is None else str(value), rule))

    def mapping(self, value, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            self.problem(path, "must be a mapping (key: value lines)")
            return {}
        for key in value:
            if key not in allowed:
                self.problem(f"{path}.{key}", f"unknown key (allowed: {', '.join(allowed)})")
        for key in required:
            if key not in value:
                self.problem(path, f"missing key {key!r}")
        return value

    def known_field(self, name, path: str) -> str:
        """A dictionary field, or one of REDCap's own columns (redcap_data_access_group, ...)."""
        name = _text(name)
        if name not in self.dictionary.fields and not name.startswith("redcap_"):
            self.problem(path, "not a field of the data dictionary", name)
        return name

    def codes(self, value, path: str, field_name: str) -> dict[str, str] | None:
        if value is None:
            return None
        if value == "dictionary":
            choices = self.dictionary.choices(field_name)
            if not choices:
                self.problem(path, f"field {field_name} has no choices in the data dictionary")
            return dict(choices)
        if not isinstance(value, dict) or not value:
            self.problem(path, "must be a mapping CODE: VALUE, or `dictionary`")
            return {}
        return {_text(code): _text(label) for code, label in value.items()}

    def spec(self, value, path: str) -> Spec | None:
        if not isinstance(value, dict):
            self.problem(path, f"must be a mapping with one of: {', '.join(KINDS)}")
            return None
        kinds = [key for key in KINDS if key in value]
        if len(kinds) != 1:
            self.problem(path, f"needs exactly one of: {', '.join(KINDS)}")
            return None
        kind = kinds[0]
        self.mapping(value, path, (kind, *OPTIONS[kind]))
        source = value[kind]
        if kind == "constant":
            return Spec(kind, constant=_text(source), path=path)
        if kind in ("completed_years", "years"):
            if not (isinstance(source, list) and len(source) == 2):
                self.problem(f"{path}.{kind}", "must be a list of two date fields [FROM, TO]")
                return None
            fields = tuple(self.known_field(name, f"{path}.{kind}") for name in source)
            decimals = value.get("decimals", 1)
            if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
                self.problem(f"{path}.decimals", "must be a whole number 0-6", decimals)
                decimals = 1
            return Spec(kind, fields, decimals=decimals, path=path)
        name = self.known_field(source, f"{path}.{kind}")
        codes = self.codes(value.get("codes"), f"{path}.codes", name)
        lowercase = value.get("lowercase", False)
        if not isinstance(lowercase, bool):
            self.problem(f"{path}.lowercase", "must be true or false", lowercase)
        if kind == "checkbox":
            if self.dictionary.fields.get(name) and self.dictionary.fields[name].type != "checkbox":
                self.problem(f"{path}.checkbox", "not a checkbox field in the data dictionary", name)
            choice = _text(value.get("choice"))
            if "choice" not in value:
                self.problem(path, "missing key 'choice' (the checkbox option's code)")
            elif choice not in self.dictionary.choices(name):
                self.problem(f"{path}.choice", f"not a choice code of {name}", choice)
            return Spec(kind, (f"{name}___{choice}".lower(),), codes=codes or {"1": "yes", "0": "no"},
                        lowercase=lowercase is True, path=path)
        if kind == "field":
            self._refuse_identifier(name, codes, path)
        return Spec(kind, (name,), event=_event(value.get("event")), codes=codes,
                    lowercase=lowercase is True, path=path)

    def _refuse_identifier(self, name: str, codes, path: str) -> None:
        """A value copied as it is must not be a date, a flagged identifier or a name."""
        from caseseries.data import privacy

        if codes is not None:
            return  # translated through the map's own labels
        about = self.dictionary.fields.get(name)
        if name == self.dictionary.record_field:
            why = "the record id (patients get pseudonyms)"
        elif about is not None and about.identifier:
            why = "a field the data dictionary flags as an identifier"
        elif about is not None and DATE_VALIDATIONS.match(about.validation):
            why = f"a {about.validation} field (dates become days: use study_day, completed_years or years)"
        elif privacy.column_kind(name) is not None:
            why = f"a field whose name says it holds a {privacy.column_kind(name)}"
        else:
            return
        self.problem(f"{path}.field", f"would copy {why} into the raw data", name)


def load_yaml(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)


def read_map(path: Path, dictionary) -> Map:
    """Check and parse the map file; ImportFailed lists every problem in it."""
    source = path.name
    try:
        raw = load_yaml(path)
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFailed(source, [ImportProblem(source, None, f"cannot be read ({error})")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source} line {mark.line + 1}" if mark is not None else source
        raise ImportFailed(source, [ImportProblem(where, None, f"not valid YAML ({getattr(error, 'problem', error)})")]) from None
    reader = _Reader(source, dictionary)
    top = reader.mapping(
        raw, "(top level)",
        ("dataset", "record_id", "patient_ids", "infusion_date", "injury_date", "isncsci", "tables"),
        ("dataset", "infusion_date", "tables"),
    )
    dataset = _dataset(reader, top.get("dataset"))
    record_id = _text(top.get("record_id", dictionary.record_field))
    ids = reader.mapping(top.get("patient_ids", {}), "patient_ids", ("prefix",))
    prefix = _text(ids.get("prefix", "P"))
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,9}", prefix):
        reader.problem("patient_ids.prefix", "must be letters (then letters, digits, '-', '_'), at most 10", prefix)
    infusion = _date_spec(reader, top.get("infusion_date"), "infusion_date")
    injury = _date_spec(reader, top["injury_date"], "injury_date") if "injury_date" in top else None
    isncsci = reader.mapping(top.get("isncsci", {}), "isncsci", ("date", "standard", "recorded_ais"))
    exam_date = _text(isncsci.get("date", "exam_date"))
    recorded_ais = isncsci.get("recorded_ais", True)
    if not isinstance(recorded_ais, bool):
        reader.problem("isncsci.recorded_ais", "must be true or false", recorded_ais)
    tables = _tables(reader, top.get("tables"))
    if reader.problems:
        raise ImportFailed(source, reader.problems)
    return Map(dataset, record_id, prefix, infusion, injury, exam_date,
               _text(isncsci.get("standard")) or None, recorded_ais is True, tables)


def _dataset(reader: _Reader, value) -> dict:
    dataset = reader.mapping(value, "dataset", DATASET_KEYS, ("name", "synthetic", "licence"))
    if "synthetic" in dataset and not isinstance(dataset["synthetic"], bool):
        reader.problem("dataset.synthetic", "must be true (invented data) or false (patient data)", dataset["synthetic"])
    for key in ("name", "licence"):
        if key in dataset and not _text(dataset[key]).strip():
            reader.problem(f"dataset.{key}", "missing value")
    return dataset


def _date_spec(reader: _Reader, value, path: str) -> Spec:
    spec = reader.mapping(value, path, ("field", "event"), ("field",))
    name = reader.known_field(spec.get("field"), f"{path}.field") if "field" in spec else ""
    return Spec("field", (name,), event=_event(spec.get("event")), path=path)


def _tables(reader: _Reader, value) -> dict[str, TableMap]:
    tables = reader.mapping(value, "tables", MAPPED_TABLES, ("patients",))
    result = {}
    for name, table in tables.items():
        if name not in MAPPED_TABLES:
            continue
        path = f"tables.{name}"
        if name == "patients":
            spec = reader.mapping(table, path, ("columns",), ("columns",))
            form, events = None, None
        else:
            spec = reader.mapping(table, path, ("rows", "columns", "each"), ("rows",))
            rows = reader.mapping(spec.get("rows", {}), f"{path}.rows", ("form", "events"), ("form",))
            form = _text(rows.get("form"))
            if form and form not in reader.dictionary.forms:
                reader.problem(f"{path}.rows.form", "not a form of the data dictionary", form)
            events = rows.get("events")
            if events is not None:
                if not isinstance(events, list):
                    reader.problem(f"{path}.rows.events", "must be a list of event names")
                    events = None
                else:
                    events = tuple(_text(e) for e in events)
        columns = _columns(reader, spec.get("columns", {}), f"{path}.columns", name)
        each = []
        entries = spec.get("each", [])
        if not isinstance(entries, list):
            reader.problem(f"{path}.each", "must be a list of column mappings")
            entries = []
        for i, entry in enumerate(entries):
            each.append(_columns(reader, entry, f"{path}.each[{i}]", name))
            for column in set(each[-1]) & set(columns):
                reader.problem(f"{path}.each[{i}].{column}", "also given under columns")
        mapped = set(columns) | {col for entry in each for col in entry}
        required = [col for col in TABLE_COLUMNS[name][0] if col != "patient_id"]
        for column in required:
            if column not in mapped:
                reader.problem(path, f"contract column {column!r} is not mapped")
            elif each and column not in columns and any(column not in entry for entry in each):
                reader.problem(f"{path}.each", f"every entry must map {column!r} (or map it under columns)")
        result[name] = TableMap(name, form, events, columns, each)
    return result


def _columns(reader: _Reader, value, path: str, table: str) -> dict[str, Spec]:
    required, optional = TABLE_COLUMNS[table]
    allowed = tuple(col for col in (*required, *optional) if col != "patient_id")
    columns = reader.mapping(value, path, allowed)
    specs = {}
    for column, spec_value in columns.items():
        if column in allowed:
            spec = reader.spec(spec_value, f"{path}.{column}")
            if spec is not None:
                specs[column] = spec
    return specs
