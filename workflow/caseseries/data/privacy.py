"""Refuse direct identifiers in the raw data (DESIGN.md, 'Data contract': pseudonymous ids only).

`identifier_problems(file, frame, lines)` returns one `validate.Problem` per column name or cell
that looks like a direct identifier; `validate.load_raw` and `validate.load_table` call it on
every file before anything else uses the data, and `without_echoes` then drops their other
messages about the same cells, so a log never repeats an identifier.

Rules
-----
* Column names: split into words (separators ' ', '-', '_', '.', and camelCase), then matched
  against the identifier words below (name, date_of_birth, visit_date, phone, email, address,
  postcode, mrn, nhs_number, ...). A contract column never matches. A flagged column gets one
  problem (which replaces "unknown column"); its cells are not listed one by one.
* Cells, in every column: e-mail addresses and calendar dates (2024-03-05, 05/03/2024, 5.3.2024,
  5 March 2024, March 5, 2024, March 2024). No contract value can look like either.
* Cells in patient_id, in the free-text columns (site, cause, term, system_organ_class, outcome)
  and in columns unknown to the contract, also: record numbers ("MRN 12345", "NHS no. 123", or any
  run of 6+ digits; in patient_id only an id of 6+ bare digits, since P000001 is a pseudonym)
  and phone numbers (7+ digits joined by spaces, dashes or parentheses, with
  an optional leading +). Numeric contract columns (age, day, scores) are not checked for these:
  a day or a dose is a number, not a phone number.
* patient_id must look pseudonymous: besides the checks above, it may not contain a space or
  a run of 3+ lowercase letters (a word such as "smith"). So P01, P0042, S03-P0042 and
  SITE1-001 pass; "JohnSmith", "smith_j" and "123456789" (a record number) do not. A name typed
  all in capitals ("JSMITH") cannot be told from a site code and passes: ids are the sites' job.
* Free text: a title followed by a capitalised word ("Dr Example") is a person's name.
* The value shown in a problem is masked: an e-mail keeps its first characters and the top-level
  domain (j***@e***.org), anything else only its first character (1***). A cell is reported
  once, with the first kind that matches in the order e-mail, date, record number, phone, name.
"""

from __future__ import annotations

import functools
import re

import pandas as pd

from caseseries.data import contract as c
from caseseries.data.problems import Problem

# --- column names ------------------------------------------------------------------------------

PSEUDONYMS_ONLY = "the contract allows pseudonymous patient ids only"
# (kind, advice, whole words, parts of the name with separators removed); first match wins, so
# "email_address" is an e-mail and "date_of_birth" a birth date.
IDENTIFIER_COLUMNS = (
    ("e-mail address", PSEUDONYMS_ONLY, {"email", "emails", "mail"}, ("email",)),
    ("phone number", PSEUDONYMS_ONLY, {"phone", "tel", "mobile", "fax"}, ("phone",)),
    ("birth date", "the contract allows age at infusion only", {"dob", "birth", "born"}, ("birth",)),
    (
        "calendar date",
        "the contract allows days from infusion only",
        {"date", "dates", "datetime", "timestamp"},
        ("visitdate", "admissiondate", "dischargedate", "injurydate", "infusiondate", "examdate"),
    ),
    (
        "record number",
        PSEUDONYMS_ONLY,
        {"mrn", "nhs", "ssn", "chi", "passport"},
        (
            "recordnumber",
            "medicalrecord",
            "hospitalnumber",
            "hospitalno",
            "nhsnumber",
            "socialsecurity",
            "insurancenumber",
            "patientnumber",
            "casenumber",
            "nationalid",
        ),
    ),
    (
        "address",
        PSEUDONYMS_ONLY,
        {"address", "street", "postcode", "zip", "zipcode", "city", "town"},
        ("address", "street", "postcode", "postalcode", "zipcode"),
    ),
    (
        "name",
        PSEUDONYMS_ONLY,
        {"name", "names", "initials", "surname", "forename"},
        ("firstname", "lastname", "surname", "familyname", "givenname", "forename", "maidenname", "fullname"),
    ),
)


def column_kind(column: str) -> str | None:
    """The kind of identifier a column name looks like ('birth date', ...), or None."""
    return _column_match(column)[0]


def _column_match(column: str) -> tuple[str | None, str | None]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(column))  # camelCase -> camel Case
    words = set(re.split(r"[^a-z0-9]+", spaced.lower())) - {""}
    compact = "".join(re.split(r"[^a-z0-9]+", spaced.lower()))
    for kind, advice, whole_words, parts in IDENTIFIER_COLUMNS:
        if words & whole_words or any(part in compact for part in parts):
            return kind, advice
    return None, None


# --- values ------------------------------------------------------------------------------------
# Patterns use only non-capturing groups and scoped flags: they are wrapped in one group below.

EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_YEAR = r"(?:19|20)\d{2}"
CALENDAR_DATE = (
    "(?i:"
    + "|".join(
        (
            rf"\b{_YEAR}[-/.]\d{{1,2}}[-/.]\d{{1,2}}\b",  # 2024-03-05
            r"\b\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})\b",  # 05/03/2024, 5.3.2024, 5-3-24
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+{_YEAR}\b",  # 5 March 2024
            rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+{_YEAR}\b",  # March 5, 2024
            rf"\b{_MONTH}\.?,?\s+{_YEAR}\b",  # March 2024
        )
    )
    + ")"
)
RECORD_NUMBER_LABELLED = (
    r"(?i:\b(?:mrn|nhs|ssn|(?:hospital|record|chart|medical record)\s*(?:no\b\.?|number|#))"
    r"\s*[:#.]?\s*\d{3,})"
)
RECORD_NUMBER = RECORD_NUMBER_LABELLED + r"|(?<!\d)\d{6,}"  # 6+ digits: longer than any day, dose or score
# In a patient id, a letter prefix makes a pseudonymous code (P000001 in a trial of 10^5 patients);
# only an id of bare digits, 6 or more, is taken for a record number.
ID_RECORD_NUMBER = RECORD_NUMBER_LABELLED + r"|^\d{6,}$"
PHONE_NUMBER = r"(?<![\w+])\+?\(?\d(?:[\s\-()]*\d){6,}"  # 7+ digits, separators between
TITLE_AND_NAME = r"\b(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof)\.?\s+[A-Z][a-z]+"  # case-sensitive on purpose
NAME_IN_ID = r"(?s:.*(?:\s|[a-z]{3,}).*)"  # the whole id, so its mask starts with its first character

VALUE_RULES = {
    "e-mail address": "looks like a direct identifier (e-mail address); remove it",
    "calendar date": (
        "looks like a direct identifier (calendar date); the contract allows days from infusion only"
    ),
    "record number": "looks like a direct identifier (record number: MRN, NHS no. or 6+ digits); remove it",
    "phone number": "looks like a direct identifier (phone number); remove it",
    "person name": "looks like a direct identifier (a person's name after a title); remove it",
    "name in patient id": (
        "patient id looks like a person's name (a space or a lowercase word of 3+ letters); "
        "use a pseudonymous code such as P01"
    ),
}
CODED_CHECKS = (("e-mail address", EMAIL), ("calendar date", CALENDAR_DATE))
TEXT_CHECKS = CODED_CHECKS + (("record number", RECORD_NUMBER), ("phone number", PHONE_NUMBER))
FREE_TEXT_CHECKS = TEXT_CHECKS + (("person name", TITLE_AND_NAME),)
PATIENT_ID_CHECKS = CODED_CHECKS + (
    ("record number", ID_RECORD_NUMBER),
    ("phone number", PHONE_NUMBER),
    ("name in patient id", NAME_IN_ID),
)

FREE_TEXT_COLUMNS = ("site", "cause", "term", "system_organ_class", "outcome")
CONTRACT_COLUMNS = {
    c.RAW_FILES["patients"]: c.PATIENT_COLUMNS + c.PATIENT_OPTIONAL_COLUMNS,
    c.RAW_FILES["isncsci"]: c.ISNCSCI_COLUMNS + c.ISNCSCI_OPTIONAL_COLUMNS,
    c.RAW_FILES["scim"]: c.SCIM_COLUMNS,
    c.RAW_FILES["adverse_events"]: c.ADVERSE_EVENT_COLUMNS + c.ADVERSE_EVENT_OPTIONAL_COLUMNS,
    c.RAW_FILES["safety_findings"]: c.SAFETY_FINDING_COLUMNS,
}


def mask(kind: str, text: str) -> str:
    """Enough of an identifier to find it in the file, not enough to read it."""
    if kind == "e-mail address" and "@" in text:
        local, _, domain = text.partition("@")
        host, _, top = domain.rpartition(".")
        return f"{local[:1]}***@{host[:1]}***.{top}"
    return f"{text[:1]}***"


def _checks_for(file: str, column: str):
    if column == "patient_id":
        return PATIENT_ID_CHECKS
    if column in FREE_TEXT_COLUMNS or column not in CONTRACT_COLUMNS.get(file, ()):
        return FREE_TEXT_CHECKS
    return CODED_CHECKS


@functools.cache
def _compiled(checks) -> tuple[re.Pattern, list[tuple[str, re.Pattern]]]:
    """Any-of pattern (one search rules out most values), and each check's own pattern."""
    anything = re.compile("|".join(f"(?:{pattern})" for _, pattern in checks))
    return anything, [(kind, re.compile(pattern)) for kind, pattern in checks]


def _identify(value: str, checks) -> tuple[str, str] | None:
    """(kind, masked match) if the value looks like an identifier: the first kind in `checks`
    that matches, masked from the leftmost match of that kind's pattern."""
    anything, patterns = _compiled(checks)
    if anything.search(value) is None:
        return None
    for kind, pattern in patterns:
        match = pattern.search(value)
        if match is not None:
            return kind, mask(kind, match.group())
    return None


def _identifiers_among(values, checks, memo: dict) -> dict[str, tuple[str, str]]:
    """{value: (kind, masked match)} for the values that look like an identifier. `memo` keeps
    the verdicts between files: the patient ids of every file are checked once."""
    verdicts = memo.setdefault(checks, {})
    found = {}
    for value in values:
        if value not in verdicts:
            verdicts[value] = _identify(value, checks)
        if verdicts[value] is not None:
            found[value] = verdicts[value]
    return found


def _distinct(values: pd.Series):
    """The distinct values of a column (of a categorical one: its categories, which may include
    values no row holds: harmless, since problems are found through the rows)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.categories
    return (v for v in values.unique() if isinstance(v, str))  # no NaN


def identifier_problems(file: str, frame: pd.DataFrame, lines: pd.Series, memo: dict | None = None) -> list[Problem]:
    """Problems for column names and cells of one file that look like direct identifiers.

    `lines` maps each frame index to its line in the file (header = 1), as validate reads it;
    `memo` (optional, one dict for all files of a dataset) spares checking a value twice.
    """
    memo = {} if memo is None else memo
    known = CONTRACT_COLUMNS.get(file, ())
    problems = []
    groups: dict[tuple, list[str]] = {}  # checks -> the columns they apply to
    for column in frame.columns:
        kind, advice = (None, None) if column in known else _column_match(column)
        if kind is None:
            groups.setdefault(_checks_for(file, column), []).append(column)
        else:
            rule = f"column looks like a direct identifier ({kind}); {advice}"
            problems.append(Problem(file, None, column, None, rule))
    for checks, columns in groups.items():
        # The regexes run once on the distinct values of all these columns: a coded column of
        # 10^6 cells holds a handful of them.
        distinct = set().union(*(_distinct(frame[col]) for col in columns))
        found = _identifiers_among(distinct, checks, memo)
        if not found:
            continue
        for column in columns:
            cells = frame[column]
            for index, value in cells[cells.isin(list(found))].items():
                kind, shown = found[value]
                problems.append(Problem(file, int(lines[index]), column, shown, VALUE_RULES[kind]))
    return problems


def without_echoes(identifiers: list[Problem], problems: list[Problem]) -> list[Problem]:
    """`problems` minus those about a cell or column already reported as an identifier.

    Their message would repeat the identifier ("not a pseudonymous patient id: 'Jane ...'",
    a duplicate key, a patient not in patients.csv) or say less ("unknown column").
    """
    flagged = {(p.file, p.row, p.column) for p in identifiers}
    flagged_columns = {(p.file, p.column) for p in identifiers if p.row is None}

    def echoes(problem: Problem) -> bool:
        columns = (problem.column or "").split("+")  # "patient_id+day" for a duplicate key
        if problem.row is None:
            return (problem.file, problem.column) in flagged_columns
        return any((problem.file, problem.row, col) in flagged for col in columns)

    return [p for p in problems if not echoes(p)]
