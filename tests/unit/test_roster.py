"""CSV files of people with bytes alone (org/roster.py): encodings, headers,
per-row problems, limits, and an export that a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from org import roster
from org.roster import RosterError, parse

HEADER = "email,name,reading,department,role,start_date\r\n"


def _codes(found: roster.Roster) -> dict[int, list[tuple[str, str]]]:
    return {r.row: [(e.field, e.code) for e in r.errors] for r in found.rows if r.errors}


def test_a_good_file_reads_into_rows() -> None:
    data = (
        HEADER
        + "Suzuki@Example.co.jp,鈴木 一郎,スズキ イチロウ,営業部,管理者,2024/4/1\r\n"
        + "\r\n"  # blank lines are skipped
        + 'tanaka@example.co.jp,"田中, 花子",たなか はなこ,,,\r\n'
        + "mori@example.co.jp,森,もり,,ﾓﾃﾞﾚｰﾀｰ,\r\n"
    ).encode()
    found = parse(data)
    assert found.encoding == "utf-8" and found.invalid == 0
    first, second, third = found.rows
    assert third.role == "moderator"
    assert (first.row, first.email, first.name, first.reading) == (
        2,
        "suzuki@example.co.jp",
        "鈴木 一郎",
        "スズキ イチロウ",
    )
    assert (first.department, first.role, first.start_date) == ("営業部", "admin", date(2024, 4, 1))
    assert (second.row, second.name, second.role, second.start_date) == (
        4,
        "田中, 花子",
        "member",
        None,
    )


def test_japanese_headers_in_any_order_and_a_bom() -> None:
    data = "\ufeff氏名,メールアドレス,入社日\r\n山田 太郎,yamada@example.com,2023年10月1日\r\n"
    found = parse(data.encode())
    assert found.columns == ["name", "email", "start_date"]
    assert found.rows[0].start_date == date(2023, 10, 1) and not found.rows[0].errors


def test_shift_jis_is_read_deliberately_and_said_so() -> None:
    data = (
        HEADER + "sato@example.com,佐藤 花子,サトウ ハナコ,総務部,member,2024-04-01\r\n"
    ).encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    found = parse(data)
    assert found.encoding == "shift_jis"
    assert (found.rows[0].name, found.rows[0].reading, found.rows[0].department) == (
        "佐藤 花子",
        "サトウ ハナコ",
        "総務部",
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfee\x00m\x00a\x00i\x00l\x00", "encoding"),  # UTF-16
        (b"\x80\x81\xfd\xfe\xff", "encoding"),  # neither UTF-8 nor Shift_JIS
        (b"email,name\r\na@b.c,\x00x\r\n", "encoding"),  # NUL: not a text file
        (b"", "empty"),
        (b"\r\n\r\n", "empty"),
        (b"email,reading\r\na@b.c,x\r\n", "missing_columns"),
        (b"name\r\nx\r\n", "missing_columns"),
        (b"email,name,salary\r\na@b.c,A,100\r\n", "unknown_columns"),
        (b"email,name,mail\r\na@b.c,A,b@c.d\r\n", "duplicate_columns"),
        (HEADER.encode(), "no_rows"),
        (b'email,name\r\n"a@b.c,A\r\n', "malformed"),
    ],
)
def test_files_that_cannot_be_read_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(RosterError) as caught:
        parse(data)
    assert caught.value.reason == reason
    assert caught.value.details is not None and caught.value.details["csv"] == reason


def test_unknown_and_missing_columns_are_named() -> None:
    with pytest.raises(RosterError) as caught:
        parse(b"email,name,salary,bonus\r\na@b.c,A,1,2\r\n")
    assert caught.value.details == {"csv": "unknown_columns", "columns": ["salary", "bonus"]}
    with pytest.raises(RosterError) as caught:
        parse(b"reading\r\nx\r\n")
    assert caught.value.details == {"csv": "missing_columns", "columns": ["email", "name"]}


def test_each_row_says_what_is_wrong_with_it() -> None:
    data = (
        HEADER
        + "a@example.com,Aiko,あいこ,,,\r\n"
        + "not-an-email,Ben,,,,\r\n"
        + "A@example.com,Aiko again,,,,\r\n"  # the same email, in other case
        + "c@example.com,,,,,\r\n"
        + "d@example.com,Da\u200bn,,,,\r\n"
        + "e@example.com,Eri,江利,,,\r\n"
        + "f@example.com,Fumi,,,boss,\r\n"
        + "g@example.com,Gen,,,,2024-02-30\r\n"
        + "h@example.com,Hana,,,,,surplus\r\n"
        + ","
        + "x" * 101
        + ",,,,\r\n"
    ).encode()
    found = parse(data)
    assert _codes(found) == {
        3: [("email", "email_invalid")],
        4: [("email", "email_duplicate")],
        5: [("name", "name_missing")],
        6: [("name", "name_invisible")],
        7: [("reading", "reading_not_kana")],
        8: [("role", "role_unknown")],
        9: [("start_date", "date_invalid")],
        10: [("row", "extra_cells")],
        11: [("email", "email_missing"), ("name", "too_long")],
    }
    assert found.rows[2].errors[0].row == 2  # which row it repeats
    assert found.invalid == 9


def test_what_needs_the_database_is_checked_against_what_it_holds() -> None:
    found = parse((HEADER + "a@x.jp,A,,営業部,,\r\nb@x.jp,B,,経理部,,\r\n").encode())
    roster.check_existing(found, {"a@x.jp"}, {"営業部": 3})
    assert _codes(found) == {
        2: [("email", "email_taken")],
        3: [("department", "department_unknown")],
    }
    assert found.rows[0].department_id == 3


def test_rows_beyond_the_limit_are_refused_whole() -> None:
    rows = "".join(f"p{i}@example.com,P{i},,,,\r\n" for i in range(10_000))
    with pytest.raises(RosterError) as caught:
        parse((HEADER + rows).encode())
    assert caught.value.reason == "too_many_rows"
    assert caught.value.details == {"csv": "too_many_rows", "limit": roster.MAX_ROWS}
    assert len(parse((HEADER + rows[: rows.index("p5000@")]).encode()).rows) == roster.MAX_ROWS


def test_the_export_neutralises_formulas_and_reimports_as_it_was() -> None:
    cells = [
        ["eq@example.com", '=HYPERLINK("http://evil","x")', "", "", "member", "", "true"],
        ["plus@example.com", "+81 3 0000", "", "", "member", "", "true"],
        ["minus@example.com", "-1+1", "", "", "member", "", "true"],
        ["at@example.com", "@SUM(A1)", "", "", "member", "", "true"],
        ["tab@example.com", "\tTab", "", "", "member", "", "true"],
        ["ok@example.com", "鈴木 一郎", "すずき", "営業部", "admin", "2024-04-01", "false"],
    ]
    data = roster.export(cells)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert read[0] == list(roster.EXPORT_COLUMNS)
    assert [r[1] for r in read[1:]] == [
        '\'=HYPERLINK("http://evil","x")',
        "'+81 3 0000",
        "'-1+1",
        "'@SUM(A1)",
        "'\tTab",
        "鈴木 一郎",
    ]
    assert all(not cell.startswith(roster.FORMULA_STARTS) for row in read for cell in row)
    # Read back, the apostrophes are gone again (the tab, leading space, is trimmed).
    back = parse(data)
    assert [r.name for r in back.rows] == [
        '=HYPERLINK("http://evil","x")',
        "+81 3 0000",
        "-1+1",
        "@SUM(A1)",
        "Tab",
        "鈴木 一郎",
    ]
    assert back.rows[5].role == "admin" and back.rows[5].start_date == date(2024, 4, 1)
