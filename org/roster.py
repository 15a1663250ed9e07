"""People as a CSV file: reading one an admin uploads (to import accounts) and
writing one (to export them). Pure functions over bytes and rows, no I/O:
what needs the database (emails already taken, department names) is checked by
the import action (channels/actions/people.py) with ``check_existing``.

The file: a header row, then one person a row. Columns (English or Japanese
headers, any order; only ``email`` and ``name`` are required)::

    email,name,reading,department,role,start_date
    suzuki@example.co.jp,鈴木 一郎,すずき いちろう,営業部,member,2024-04-01

- Encoding: UTF-8 (with or without BOM). A file that is not UTF-8 but is valid
  Shift_JIS (cp932, what Excel writes on Japanese Windows) is read as that,
  deliberately, and the preview says so. Anything else is refused (``encoding``).
- Problems with the file as a whole raise ``RosterError`` with a stable
  ``reason`` (``encoding``, ``empty``, ``missing_columns``, ``unknown_columns``,
  ``duplicate_columns``, ``too_many_rows``, ``no_rows``, ``malformed``).
- Problems with a row are listed on it, each a field and a stable ``code``
  that the browser translates (``email_invalid``, ``email_duplicate``,
  ``email_taken``, ``name_missing``, ``name_invisible``, ``reading_not_kana``,
  ``too_long``, ``department_unknown``, ``role_unknown``, ``date_invalid``,
  ``extra_cells``, ``word_blocked``: the name holds a word the company's word
  check blocks).
- A name with a **warn** word of the word check is accepted (the admin chose
  it; the import records it as sent past the warning, ``wordcheck.overridden``
  with ``what`` ``import``); the preview marks the row (``warned``). A
  **block** word fails the row, so nothing is imported.
- Export neutralises cells that a spreadsheet would run as a formula (starting
  with ``=``, ``+``, ``-``, ``@``, tab or carriage return) with a leading
  apostrophe; import takes such an apostrophe off again, so an export
  re-imports as it was.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic_core import PydanticCustomError

from core.errors import InvalidError
from core.text import check_name, check_reading, fold
from words.match import Match, Matcher

MAX_ROWS = 5000
MAX_BYTES = 4 * 1024 * 1024
COLUMNS = ("email", "name", "reading", "department", "role", "start_date")
REQUIRED = ("email", "name")
EXPORT_COLUMNS = (*COLUMNS, "active")
# Header spellings accepted, by their folded form (core/text.py's fold).
_ALIASES = {
    "email": ("email", "e-mail", "mail", "メール", "メールアドレス"),
    "name": ("name", "display_name", "displayname", "氏名", "名前", "表示名"),
    "reading": ("reading", "kana", "よみ", "よみがな", "ふりがな", "読み", "読みがな"),
    "department": ("department", "dept", "部署", "部署名", "所属"),
    "role": ("role", "権限", "役割"),
    "start_date": ("start_date", "startdate", "入社日"),
    # Written by the export; new accounts are always active, so ignored on import.
    "active": ("active", "有効"),
}
_HEADERS = {fold(alias): column for column, aliases in _ALIASES.items() for alias in aliases}
_ROLES = {
    fold(spelling): role
    for role, spellings in (
        ("member", ("", "member", "メンバー", "一般")),
        ("moderator", ("moderator", "モデレーター")),
        ("admin", ("admin", "administrator", "管理者")),
    )
    for spelling in spellings
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class RosterError(InvalidError):
    """The file as a whole cannot be read; ``reason`` is a stable code and
    ``details`` what the message names (columns, limits)."""

    def __init__(self, reason: str, message: str, **details: Any) -> None:
        super().__init__(message, {"csv": reason, **details})
        self.reason = reason


@dataclass
class RowError:
    field: str  # a column, or "row"
    code: str
    row: int | None = None  # for email_duplicate: the row it repeats

    def public(self) -> dict[str, Any]:
        found: dict[str, Any] = {"field": self.field, "code": self.code}
        if self.row is not None:
            found["row"] = self.row
        return found


@dataclass
class RosterRow:
    """One person of the file: ``row`` is its row number as a spreadsheet shows
    it (the header is row 1)."""

    row: int
    email: str
    name: str
    reading: str = ""
    department: str = ""
    department_id: int | None = None
    role: str = "member"
    start_date: date | None = None
    errors: list[RowError] = field(default_factory=list)
    # The word check's warn-level words in the name (accepted: ``check_words``).
    warned: list[Match] = field(default_factory=list)

    def fail(self, field_name: str, code: str, row: int | None = None) -> None:
        self.errors.append(RowError(field_name, code, row))


@dataclass
class Roster:
    encoding: str  # "utf-8" or "shift_jis"
    columns: list[str]
    rows: list[RosterRow]

    @property
    def invalid(self) -> int:
        return sum(1 for r in self.rows if r.errors)


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read as."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "shift_jis"
    except UnicodeDecodeError:
        raise RosterError(
            "encoding", "the file is neither UTF-8 nor Shift_JIS: save it as CSV UTF-8"
        ) from None


def _cell(value: str) -> str:
    """A cell as the person meant it: trimmed, and without the apostrophe an
    export puts before what a spreadsheet would take for a formula."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        value = value[1:].strip()
    return value


def _header(cells: Sequence[str]) -> list[str]:
    columns: list[str] = []
    unknown: list[str] = []
    for cell in cells:
        column = _HEADERS.get(fold(_cell(cell)))
        if column is None:
            unknown.append(cell.strip())
        columns.append(column or "")
    if unknown:
        raise RosterError(
            "unknown_columns",
            f"unknown columns: {', '.join(unknown)} (known: {', '.join(COLUMNS)})",
            columns=unknown,
        )
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise RosterError(
            "duplicate_columns", f"columns given twice: {', '.join(repeated)}", columns=repeated
        )
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise RosterError(
            "missing_columns", f"missing columns: {', '.join(missing)}", columns=missing
        )
    return columns


def _check(row: RosterRow) -> None:
    """What a row can be judged on alone."""
    if not row.email:
        row.fail("email", "email_missing")
    elif len(row.email) > 254:
        row.fail("email", "too_long")
    elif not _EMAIL.match(row.email):
        row.fail("email", "email_invalid")
    if not row.name:
        row.fail("name", "name_missing")
    elif len(row.name) > 100:
        row.fail("name", "too_long")
    else:
        try:
            check_name(row.name)
        except PydanticCustomError as exc:
            row.fail("name", exc.type)
    if len(row.reading) > 100:
        row.fail("reading", "too_long")
    elif row.reading:
        try:
            row.reading = check_reading(row.reading)
        except PydanticCustomError as exc:
            row.fail("reading", exc.type)
    if len(row.department) > 100:
        row.fail("department", "too_long")


def _role(value: str) -> str | None:
    return _ROLES.get(fold(value))


def _date(value: str) -> date | str | None:
    """The date, None for an empty cell, or "" when it is not a date."""
    if not value:
        return None
    found = _DATE.match(fold(value))
    if found is None:
        return ""
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return ""


def parse(data: bytes, *, max_rows: int = MAX_ROWS) -> Roster:
    """Read a file into rows, each with the problems it has on its own.

    Raises:
        RosterError: the file as a whole cannot be read (see the module's docstring).
    """
    text, encoding = decode(data)
    if "\x00" in text:
        raise RosterError("encoding", "the file holds NUL characters: is it a spreadsheet file?")
    try:
        records = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = next(records, None)
        while header is not None and not any(c.strip() for c in header):
            header = next(records, None)
        if header is None:
            raise RosterError("empty", "the file is empty")
        columns = _header(header)
        rows: list[RosterRow] = []
        seen: dict[str, int] = {}
        number = 1
        for cells in records:
            number += 1
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= max_rows:
                raise RosterError(
                    "too_many_rows",
                    f"more than {max_rows} people in one file: split it into several",
                    limit=max_rows,
                )
            values = dict(zip(columns, (_cell(c) for c in cells), strict=False))
            row = RosterRow(
                row=number,
                email=values.get("email", "").lower(),
                name=values.get("name", ""),
                reading=values.get("reading", ""),
                department=values.get("department", ""),
            )
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                row.fail("row", "extra_cells")
            _check(row)
            role = _role(values.get("role", ""))
            if role is None:
                row.fail("role", "role_unknown")
            else:
                row.role = role
            when = _date(values.get("start_date", ""))
            if when == "":
                row.fail("start_date", "date_invalid")
            else:
                row.start_date = when if isinstance(when, date) else None
            if row.email:
                first = seen.setdefault(row.email, row.row)
                if first != row.row:
                    row.fail("email", "email_duplicate", first)
            rows.append(row)
    except csv.Error as exc:
        raise RosterError("malformed", f"the file is not valid CSV: {exc}") from None
    if not rows:
        raise RosterError("no_rows", "the file has a header but nobody in it")
    return Roster(encoding=encoding, columns=[c for c in columns if c], rows=rows)


def check_existing(roster: Roster, taken: set[str], departments: dict[str, int]) -> None:
    """What needs the database: emails of existing accounts (``taken``, lower
    case) and department names (``departments``: folded name -> id). Unknown
    departments are errors; the import never creates one (a typo would make a
    department, and a channel, nobody meant)."""
    for row in roster.rows:
        if row.email in taken:
            row.fail("email", "email_taken")
        if row.department:
            found = departments.get(fold(row.department))
            if found is None:
                row.fail("department", "department_unknown")
            else:
                row.department_id = found


def check_words(roster: Roster, words: Matcher) -> None:
    """The word check on every name, as on a name an admin types: a block word
    fails the row (``word_blocked``), warn words are kept on it (``warned``)."""
    for row in roster.rows:
        matches = words.find(row.name)
        if any(m.level == "block" for m in matches):
            row.fail("name", "word_blocked")
        else:
            row.warned = matches


def warned(roster: Roster) -> list[Match]:
    """Every warn-level match of the file's names (what the import records)."""
    return [m for row in roster.rows for m in row.warned]


# ---- export -----------------------------------------------------------------


def neutralise(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export(rows: Iterable[Sequence[str]]) -> bytes:
    """UTF-8 with a BOM (so Excel reads Japanese right), CRLF line ends, the
    header first, every cell neutralised."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
