"""Which kinds are audited, and how an event or noted fact of each becomes an
entry.

A package declares its kinds with ``audited(kind, ...)`` (optionally with a
``describe`` of its own); from then on every unit that appends an event or
notes a fact of that kind writes its entry in the same transaction, before it
commits (a duty: streams/unit.py). Nothing else writes entries, and no action
can forget to: the entry follows from the fact, whoever states it.

    from audit.registry import audited
    audited("terms.published", "terms.accepted")

The default ``describe`` reads the fact's fields by their names: ``user_id``
(with ``display_name``/``email``) names a person, ``department_id`` (with
``name``) a department, ``key`` a setting, ``email`` alone an address; ``old``
and ``new`` are the values before and after; the rest is kept as details. A
person-stream event without those is about the stream's person, a channel
event about its channel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select

from audit.models import RETENTION_KEY, AuditEntry, AuditRules
from core.clock import utcnow
from core.tables import table_of
from org import settings as company
from org.models import User
from streams.unit import Appended, Unit, duty

_ENTRY, _USER = table_of(AuditEntry), table_of(User)
RETENTION_BATCH = 500  # entries past retention removed by one audited write, at most


@dataclass(slots=True)
class Draft:
    """What an entry says besides when, what kind and who acted (the unit's
    actor, unless ``actor_id`` says otherwise: a sign-in's is the person)."""

    target_type: str | None = None
    target_id: str | int | None = None
    target_label: str = ""
    subject_id: int | None = None
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    actor_id: int | None = None


Describe = Callable[[Unit, Appended], Awaitable[Draft | None]]
AUDITED: dict[str, Describe] = {}


def audited(*kinds: str, describe: Describe | None = None) -> None:
    """Declare ``kinds`` audited (each once). ``describe`` answers the entry's
    target and values for one event, or None to leave that one out (a group's
    membership is audited only when the group is private)."""
    for kind in kinds:
        if kind in AUDITED:
            raise ValueError(f"{kind!r} is audited already")
        AUDITED[kind] = describe or describe_by_fields
    duty(*kinds)(_write)


def person_label(name: str | None, email: str | None) -> str:
    if name and email:
        return f"{name} <{email}>"
    return name or email or ""


_NAMED = ("user_id", "display_name", "email", "department_id", "name", "key", "old", "new")


async def describe_by_fields(unit: Unit, item: Appended) -> Draft:
    data, event = item.event.data, item.event
    details = {k: v for k, v in data.items() if k not in _NAMED}
    draft = Draft(old=data.get("old"), new=data.get("new"), details=details)
    if data.get("user_id") is not None:
        draft.target_type, draft.target_id = "person", data["user_id"]
        draft.subject_id = data["user_id"]
        draft.target_label = person_label(data.get("display_name"), data.get("email"))
    elif data.get("department_id") is not None:
        draft.target_type, draft.target_id = "department", data["department_id"]
        draft.target_label = data.get("name") or ""
    elif data.get("key") is not None:
        draft.target_type, draft.target_id, draft.target_label = "setting", data["key"], data["key"]
    elif data.get("email") is not None:
        draft.target_type, draft.target_label = "email", data["email"]
    elif event.stream == "person":
        draft.target_type, draft.target_id, draft.subject_id = "person", event.key, event.key
    elif event.stream == "channel":
        draft.target_type, draft.target_id = "channel", event.key
    if "email" in data and draft.target_type != "email":
        draft.details.setdefault("email", data["email"])
    return draft


async def _write(unit: Unit, items: Sequence[Appended]) -> None:
    """The duty: one entry for each audited event or fact, in one insert, and
    the oldest entries past the retention set removed (a batch at most)."""
    made: list[tuple[Appended, Draft]] = []
    for item in items:
        draft = await AUDITED[item.event.kind](unit, item)
        if draft is not None:
            made.append((item, draft))
    if not made:
        return
    conn = await unit.db.connection()
    actors = {d.actor_id or i.actor_id for i, d in made} - {None}
    labels: dict[int, str] = {}
    if actors:
        rows = await conn.execute(
            select(_USER.c.id, _USER.c.display_name, _USER.c.email).where(
                _USER.c.id.in_(sorted(a for a in actors if a is not None))
            )
        )
        labels = {i: person_label(n, e) for i, n, e in rows}
    # People named only by id (a stream's person): their names as they are now.
    unnamed = {
        int(d.target_id)
        for _, d in made
        if d.target_type == "person" and not d.target_label and d.target_id is not None
    } - set(labels)
    if unnamed:
        rows = await conn.execute(
            select(_USER.c.id, _USER.c.display_name, _USER.c.email).where(
                _USER.c.id.in_(sorted(unnamed))
            )
        )
        labels.update({i: person_label(n, e) for i, n, e in rows})
    now = utcnow()
    values = []
    for item, draft in made:
        actor = draft.actor_id or item.actor_id
        target_label = draft.target_label
        if draft.target_type == "person" and not target_label and draft.target_id is not None:
            target_label = labels.get(int(draft.target_id), "")
        values.append(
            {
                "at": now,
                "action": item.event.kind,
                "actor_id": actor,
                "actor_label": labels.get(actor, "") if actor is not None else "",
                "target_type": draft.target_type,
                "target_id": str(draft.target_id) if draft.target_id is not None else None,
                "target_label": target_label[:400],
                "subject_id": draft.subject_id,
                "old": draft.old,
                "new": draft.new,
                "details": draft.details,
            }
        )
    await conn.execute(insert(_ENTRY), values)
    await _expire(unit)


async def _expire(unit: Unit) -> None:
    """Retention, at write time: entries older than the company's setting go,
    the oldest ``RETENTION_BATCH`` at most per audited write. No job, so
    nothing to run exactly once across nodes: two nodes deleting the same old
    rows at once delete each once, and a busy log keeps up by itself."""
    rules = await company.load(unit.db, RETENTION_KEY, AuditRules)
    cutoff = utcnow() - timedelta(days=rules.retention_days)
    conn = await unit.db.connection()
    oldest = (
        select(_ENTRY.c.id)
        .where(_ENTRY.c.at < cutoff)
        .order_by(_ENTRY.c.id)
        .limit(RETENTION_BATCH)
        .scalar_subquery()
    )
    await conn.execute(delete(_ENTRY).where(_ENTRY.c.id.in_(oldest)))
