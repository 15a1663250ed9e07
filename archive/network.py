"""The whole network out of one installation and into a fresh one.

An export is a zip file:

- ``manifest.json``: ``{"format": "kaisha-export", "version": 1,
  "exported_at": ..., "records": {"post": 1234, ...}, "files": 56}``;
- ``records.jsonl``: one record a line, ``{"type": "account", "data": {...}}``,
  the types in ``archive/records.py``'s order;
- ``files/<key>/<variant>``: the bytes of every live file (``f/<id>/original``,
  an image's ``display`` and ``thumb``), stored as they are.

An import takes such a file into a fresh installation only: one whose
database holds nothing but the administrator who set it up (no other account,
no department, channel or post). It replaces that administrator with the
export's people (who sign in with their own passwords). Everything is checked
before anything is written: the zip's names (no path leaves ``files/``, no
name twice, nothing the format does not know), its sizes (what it unpacks to
is bounded, and an entry that unpacks to more than ``MAX_RATIO`` times its
packed size is a zip bomb), every line (JSON, a known type, every field known
and of its column's type, no id twice) and every reference (to an id the file
holds). Then the rows go in one transaction, the files' bytes are written
before it commits, and a failure anywhere rolls the rows back and removes the
bytes written: nothing is ever half imported. Ids are kept as they were, so
every reference still holds (PostgreSQL's id sequences move past them).
"""

from __future__ import annotations

import contextlib
import json
import operator
import re
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from archive.records import BY_NAME, RECORDS, Record, RecordError, key_of, references, row_of
from archive.records import to_json as value_json
from channels import search
from channels.attachments import Attachment
from channels.models import Channel, Post
from core.clock import iso, utcnow
from core.errors import ConflictError, InvalidError
from core.tables import table_of
from files.storage import Storage
from org.models import Department, User
from streams.unit import Unit

FORMAT = "kaisha-export"
VERSION = 1
MANIFEST, RECORDS_NAME = "manifest.json", "records.jsonl"
VARIANTS = ("original", "display", "thumb")
FILE_NAME = re.compile(r"^files/(f/[A-Za-z0-9_-]{16,32})/(original|display|thumb)$")
MAX_LINE = 4 * 1024 * 1024  # one record's line, at most
MAX_RATIO = 200  # unpacked / packed, past which an entry is a zip bomb
RATIO_FROM = 1024 * 1024  # entries smaller than this are never judged a bomb
CHUNK = 256 * 1024


class ImportFileError(InvalidError):
    """The file is not an export this installation can take: says why (and
    where: ``details.line`` for a record, ``details.name`` for a zip entry)."""

    code = "import_invalid"


class NotFreshError(ConflictError):
    code = "not_empty"


# ---- export ---------------------------------------------------------------------------


@dataclass(slots=True)
class Exported:
    records: dict[str, int] = field(default_factory=dict)
    files: int = 0

    @property
    def total(self) -> int:
        return sum(self.records.values())


async def export(conn: AsyncConnection, storage: Storage, out: IO[bytes]) -> Exported:
    """Write the network's export to ``out`` (a seekable binary file), every
    table read in one snapshot (a like is never exported without its post):
    PostgreSQL's REPEATABLE READ; on SQLite the caller holds the write lock."""
    if conn.dialect.name == "postgresql" and not conn.in_transaction():
        await conn.execution_options(isolation_level="REPEATABLE READ")
    done = Exported()
    keys: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        with zf.open(RECORDS_NAME, "w", force_zip64=True) as lines:
            for record in RECORDS:
                table = record.table
                query = select(table).order_by(*[table.c[k] for k in record.key])
                count = 0
                result = await conn.stream(query)
                async for row in result:
                    data = {k: value_json(v) for k, v in row._mapping.items()}
                    line = {"type": record.name, "data": data}
                    lines.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
                    count += 1
                    if record.model is Attachment and data["deleted_at"] is None:
                        keys.append(data["key"])
                done.records[record.name] = count
        for key in keys:
            for variant in VARIANTS:
                name = f"{key}/{variant}"
                if await storage.stat(name) is None:
                    continue
                download = await storage.read(name)
                async with download:
                    with zf.open(f"files/{name}", "w", force_zip64=True) as entry:
                        async for chunk in download:
                            entry.write(chunk)
                done.files += 1
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": iso(utcnow()),
            "records": done.records,
            "files": done.files,
        }
        zf.writestr(MANIFEST, json.dumps(manifest, indent=2))
    return done


# ---- reading an import ------------------------------------------------------------------


@dataclass(slots=True)
class Parsed:
    """A checked export: its rows by type (in ``RECORDS`` order) and which zip
    entries hold which stored keys."""

    rows: dict[str, list[dict[str, Any]]]
    files: dict[str, str]  # stored key ("f/<id>/display") -> zip entry name

    @property
    def total(self) -> int:
        return sum(len(r) for r in self.rows.values())


def parse(path: str, *, max_unpacked: int) -> Parsed:
    """Read and check an export file completely (blocking: run it in a
    thread). ``ImportFileError`` says what is wrong."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(f"not a zip file ({exc})") from None
    with zf:
        infos = _checked_entries(zf, max_unpacked)
        manifest = _manifest(zf, infos)
        rows = _records(zf, infos)
        _check_references(rows)
        files = _files(infos, rows)
        _check_counts(manifest, rows)
    return Parsed(rows, files)


def _checked_entries(zf: zipfile.ZipFile, max_unpacked: int) -> dict[str, zipfile.ZipInfo]:
    infos: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in zf.infolist():
        name = info.filename
        if name in infos:
            raise ImportFileError(f"{name!r} is in the file twice", {"name": name})
        if name not in (MANIFEST, RECORDS_NAME) and not FILE_NAME.match(name):
            # Absolute paths, "..", backslashes, anything else: not ours.
            raise ImportFileError(f"{name[:200]!r} is not part of an export", {"name": name[:200]})
        if info.flag_bits & 0x1:
            raise ImportFileError(f"{name!r} is encrypted", {"name": name})
        total += info.file_size
        if total > max_unpacked:
            raise ImportFileError(
                f"the file unpacks to more than {max_unpacked} bytes", {"name": name}
            )
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportFileError(
                f"{name!r} unpacks to {info.file_size // max(info.compress_size, 1)} times its"
                " size: refused as a zip bomb",
                {"name": name},
            )
        infos[name] = info
    for needed in (MANIFEST, RECORDS_NAME):
        if needed not in infos:
            raise ImportFileError(f"{needed} is missing: not a Kaisha export", {"name": needed})
    return infos


def _manifest(zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> dict[str, Any]:
    if infos[MANIFEST].file_size > MAX_LINE:
        raise ImportFileError("manifest.json is too large", {"name": MANIFEST})
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except (ValueError, zipfile.BadZipFile) as exc:
        raise ImportFileError(f"manifest.json is not JSON ({exc})", {"name": MANIFEST}) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ImportFileError("manifest.json: not a Kaisha export", {"name": MANIFEST})
    if manifest.get("version") != VERSION:
        raise ImportFileError(
            f"manifest.json: version {manifest.get('version')!r}; this server reads {VERSION}",
            {"name": MANIFEST},
        )
    return manifest


def _lines(zf: zipfile.ZipFile) -> Iterator[tuple[int, bytes]]:
    try:
        with zf.open(RECORDS_NAME) as raw:
            number = 0
            while True:
                line = raw.readline(MAX_LINE + 1)
                if not line:
                    return
                number += 1
                if len(line) > MAX_LINE:
                    raise ImportFileError(
                        f"line {number}: longer than {MAX_LINE} bytes", {"line": number}
                    )
                if line.strip():
                    yield number, line
    except zipfile.BadZipFile as exc:
        raise ImportFileError(f"records.jsonl is damaged ({exc})") from None


def _records(
    zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]
) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {r.name: [] for r in RECORDS}
    seen: dict[str, set[tuple[Any, ...]]] = {r.name: set() for r in RECORDS}
    for number, line in _lines(zf):
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise ImportFileError(f"line {number}: not JSON ({exc})", {"line": number}) from None
        if not isinstance(item, dict) or set(item) != {"type", "data"}:
            raise ImportFileError(
                f'line {number}: not a record ({{"type": ..., "data": ...}})', {"line": number}
            )
        kind = item["type"]
        record = BY_NAME.get(kind) if isinstance(kind, str) else None
        if record is None:
            raise ImportFileError(
                f"line {number}: unknown record type {str(kind)[:40]!r}", {"line": number}
            )
        try:
            row = row_of(record, item["data"])
        except RecordError as exc:
            raise ImportFileError(f"line {number} ({kind}): {exc}", {"line": number}) from None
        key = key_of(record, row)
        if key in seen[kind]:
            raise ImportFileError(f"line {number}: {kind} {key} twice", {"line": number})
        seen[kind].add(key)
        rows[kind].append(row)
    for record in RECORDS:  # parents before children (a comment after its post)
        if len(record.key) == 1:
            rows[record.name].sort(key=operator.itemgetter(record.key[0]))
    return rows


def _check_references(rows: dict[str, list[dict[str, Any]]]) -> None:
    ids: dict[tuple[str, str], set[Any]] = {}
    for record in RECORDS:
        for column, (target, target_column) in references(record).items():
            if target not in BY_NAME:
                raise ImportFileError(f"{record.name}.{column} refers to {target}, not exported")
            known = ids.setdefault(
                (target, target_column), {r[target_column] for r in rows[target]}
            )
            for row in rows[record.name]:
                value = row[column]
                if value is not None and value not in known:
                    raise ImportFileError(
                        f"{record.name} {key_of(record, row)}: {column} {value!r} refers to a"
                        f" {target} the file does not hold"
                    )


def _files(
    infos: dict[str, zipfile.ZipInfo], rows: dict[str, list[dict[str, Any]]]
) -> dict[str, str]:
    live = {r["key"]: r for r in rows["attachment"] if r["deleted_at"] is None}
    files: dict[str, str] = {}
    for name in infos:
        match = FILE_NAME.match(name)
        if match is None:
            continue
        key, variant = match.groups()
        if key not in live:
            raise ImportFileError(f"{name!r} belongs to no file of the export", {"name": name})
        files[f"{key}/{variant}"] = name
    for key, row in live.items():
        main = f"{key}/{'display' if row['is_image'] else 'original'}"
        if main not in files:
            raise ImportFileError(f"the bytes of file {row['id']!r} are missing", {"name": main})
    return files


def _check_counts(manifest: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> None:
    counts = manifest.get("records")
    if not isinstance(counts, dict):
        raise ImportFileError("manifest.json: no record counts", {"name": MANIFEST})
    for name, found in rows.items():
        if counts.get(name, 0) != len(found):
            raise ImportFileError(
                f"manifest.json says {counts.get(name, 0)} {name} records; the file holds"
                f" {len(found)} (cut short?)",
                {"name": MANIFEST},
            )


# ---- taking it in ---------------------------------------------------------------------


async def require_fresh(unit: Unit, importer_id: int | None) -> None:
    """``NotFreshError`` unless the installation holds nothing but its first
    administrator (the one importing)."""
    conn = await unit.db.connection()
    people = (await conn.execute(select(table_of(User).c.id))).scalars().all()
    others = [i for i in people if i != importer_id]
    filled = [
        name
        for name, model in (("departments", Department), ("channels", Channel), ("posts", Post))
        if (await conn.execute(select(func.count()).select_from(table_of(model)))).scalar_one()
    ]
    if others:
        filled.insert(0, "other accounts")
    if filled:
        raise NotFreshError(
            "import goes into a fresh installation only; this one has "
            + ", ".join(filled)
            + " (set up a new one with an empty database, then import there)",
            {"has": filled},
        )


async def take_in(unit: Unit, parsed: Parsed) -> None:
    """Replace the fresh installation's rows with the export's, in ``unit``
    (nothing is committed here)."""
    conn = await unit.db.connection()
    # The fresh installation's own rows (its administrator, their sessions,
    # the audit entries of their setup) go: the export's replace them.
    for table in reversed(SQLModel.metadata.sorted_tables):
        await conn.execute(delete(table))
    await conn.execute(text("DELETE FROM post_search"))
    for record in RECORDS:
        rows = parsed.rows[record.name]
        for start in range(0, len(rows), 500):
            await conn.execute(insert(record.table), rows[start : start + 500])
    live = _searchable(parsed.rows["post"])
    for start in range(0, len(live), 500):
        await search.write_index(conn, live[start : start + 500])
    if conn.dialect.name == "postgresql":
        for record in RECORDS:
            await _move_sequence(conn, record)


def _searchable(posts: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """What the search index holds: live posts, and the live comments of live
    posts (a deleted post's comments went out of it with the post)."""
    gone = {p["id"] for p in posts if p["deleted_at"] is not None}
    return [
        (p["id"], p["body"])
        for p in posts
        if p["deleted_at"] is None and p["parent_id"] not in gone and p["body"]
    ]


async def _move_sequence(conn: AsyncConnection, record: Record) -> None:
    """Move a serial id's sequence past the ids imported (PostgreSQL)."""
    if len(record.key) != 1:
        return
    table, column = record.table, record.key[0]
    sequence = (
        await conn.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column}
        )
    ).scalar_one()
    if sequence is None:
        return
    top = (await conn.execute(select(func.max(table.c[column])))).scalar_one()
    await conn.execute(text("SELECT setval(:s, :v, false)"), {"s": sequence, "v": (top or 0) + 1})


async def write_files(storage: Storage, path: str, parsed: Parsed, written: list[str]) -> None:
    """Copy the export's files into ``storage``, noting each key in ``written``
    as it starts (so that a failure can remove what was written)."""
    with zipfile.ZipFile(path) as zf:
        for key, name in sorted(parsed.files.items()):
            written.append(key)
            with zf.open(name) as entry:
                await storage.write(key, _chunks(entry))


async def _chunks(entry: IO[bytes]) -> AsyncIterator[bytes]:
    while True:
        chunk = entry.read(CHUNK)
        if not chunk:
            return
        yield chunk


async def remove_files(storage: Storage, keys: list[str]) -> None:
    for key in keys:
        with contextlib.suppress(Exception):
            await storage.delete(key)


__all__ = ["ImportFileError", "NotFreshError", "Parsed", "export", "parse", "take_in"]
