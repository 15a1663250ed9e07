"""Departments and accounts. A department's channel follows its people: creating,
moving, importing and deactivating people changes its membership in the same
unit (so these actions live here, and ``org`` stays free of channels).

A department's channel is closed (members only, invisible to everyone else) or
open (everyone reads, its people post): the channel's ``is_private``, chosen
by an admin, closed unless opened. Deleting or merging a department archives
its channel (read-only; who may read it does not change, channels/access.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import CONTROL_TOPIC, Bus
from bus.messages import Access, Kick
from channels.actions.channels import add_member, remove_member
from channels.actions.common import current_people
from channels.facts import CHANNEL, ChannelUpdated, MemberJoined, MembershipAdded
from channels.models import Channel, ChannelKind, Membership, PersonRef
from core.clock import utcnow
from core.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from core.text import fold
from org import roster
from org.auth import ensure_email_free, new_reset, normalise_email
from org.facts import (
    AccountChanged,
    AccountCreated,
    DepartmentChanged,
    DepartmentCreated,
    DepartmentDeleted,
    DepartmentMerged,
    PeopleImported,
)
from org.models import (
    ApiToken,
    AuthSession,
    Department,
    DepartmentCreate,
    DepartmentUpdate,
    Invite,
    User,
    UserCreate,
    UserUpdate,
)
from org.newcomers import load_settings, set_start, until
from org.passwords import hash_password, require_strong
from org.profile import account_changed
from org.stream import PERSON
from streams.log import new_epoch
from streams.unit import Unit, run
from words import lists
from words.match import Match


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise ForbiddenError("admins only")


async def _department_channel(db: AsyncSession, department_id: int | None) -> Channel | None:
    if department_id is None:
        return None
    return (await db.exec(select(Channel).where(Channel.department_id == department_id))).first()


async def _department(db: AsyncSession, department_id: int) -> tuple[Department, Channel]:
    department = await db.get(Department, department_id)
    channel = await _department_channel(db, department_id)
    if department is None or channel is None:
        raise NotFoundError("no such department")
    return department, channel


# ---- departments ---------------------------------------------------------------------


async def do_create_department(
    db: AsyncSession, bus: Bus, actor: User, data: DepartmentCreate
) -> Department:
    """A department and its channel, closed unless ``data.closed`` is false."""
    _require_admin(actor)

    async def apply(unit: Unit) -> Department:
        department = Department(name=data.name, reading=data.reading)
        unit.db.add(department)
        await unit.db.flush()
        unit.db.add(
            Channel(
                kind=ChannelKind.department.value,
                name=data.name,
                is_private=data.closed,
                department_id=department.id,
                epoch=new_epoch(),
                created_by=actor.id,
            )
        )
        assert department.id is not None
        unit.note(
            DepartmentCreated(department_id=department.id, name=data.name, closed=data.closed)
        )
        return department

    return await run(db, bus, apply, actor_id=actor.id)


async def do_update_department(
    db: AsyncSession, bus: Bus, actor: User, department_id: int, data: DepartmentUpdate
) -> Department:
    """Rename, give a reading, close or open. Closing takes effect at once for
    every read (they all check ``is_private``); the channel's readers get a
    ``channel.updated`` saying so, and those who are not members lose it."""
    _require_admin(actor)

    async def apply(unit: Unit) -> Department:
        department, channel = await _department(unit.db, department_id)
        before = {
            "name": department.name,
            "reading": department.reading,
            "closed": channel.is_private,
        }
        if data.reading is not None:
            department.reading = data.reading
        told = False
        if data.name is not None and data.name != department.name:
            department.name = channel.name = data.name
            told = True
        if data.closed is not None and data.closed != channel.is_private:
            channel.is_private = data.closed
            told = True
            if data.closed:
                # Open sockets of people outside it follow it: every node checks them.
                assert channel.id is not None
                unit.send_after_commit(CONTROL_TOPIC, Access(channel=channel.id, user=None))
        unit.db.add(department)
        unit.db.add(channel)
        await unit.db.flush()
        if told:
            assert channel.id is not None
            await unit.append(CHANNEL, channel.id, ChannelUpdated.of(channel))
        after = {
            "name": department.name,
            "reading": department.reading,
            "closed": channel.is_private,
        }
        changed = [k for k in before if before[k] != after[k]]
        if changed:
            assert department.id is not None
            unit.note(
                DepartmentChanged(
                    department_id=department.id,
                    name=department.name,
                    old={k: before[k] for k in changed},
                    new={k: after[k] for k in changed},
                )
            )
        return department

    return await run(db, bus, apply, actor_id=actor.id)


async def _archive(unit: Unit, department: Department, channel: Channel) -> None:
    """The department goes; its channel stays, read-only, for whoever could read it."""
    assert channel.id is not None
    channel.archived_at = utcnow()
    channel.department_id = None
    unit.db.add(channel)
    await unit.db.flush()
    await unit.db.delete(department)
    await unit.append(CHANNEL, channel.id, ChannelUpdated.of(channel))


async def do_delete_department(
    db: AsyncSession, bus: Bus, actor: User, department_id: int
) -> Channel:
    """Delete an empty department; its channel is archived.

    Deactivated people still in it are moved to no department, and pending
    invitations to it invite to no department.

    Raises:
        ConflictError: active people are in it (``details.people``): move them
            first, or merge the department into another.
    """
    _require_admin(actor)

    async def apply(unit: Unit) -> Channel:
        department, channel = await _department(unit.db, department_id)
        people = list(
            (await unit.db.exec(select(User).where(User.department_id == department_id))).all()
        )
        active = sum(1 for p in people if p.is_active)
        if active:
            raise ConflictError(
                f"{active} people are in this department: move them first, or merge it",
                {"people": active},
            )
        for person in people:
            await _move(unit, person, channel, None, None)
        await unit.db.exec(
            update(Invite)
            .where(col(Invite.department_id) == department_id)
            .values(department_id=None)
        )
        unit.note(DepartmentDeleted(department_id=department_id, name=department.name))
        await _archive(unit, department, channel)
        return channel

    return await run(db, bus, apply, actor_id=actor.id)


async def do_merge_department(
    db: AsyncSession, bus: Bus, actor: User, department_id: int, into: int
) -> Department:
    """Move everyone of one department into another (their department channel
    membership follows, with its events), then delete it: its channel is
    archived. Pending invitations to it invite to the other."""
    _require_admin(actor)
    if department_id == into:
        raise InvalidError("into: a department cannot be merged into itself")

    async def apply(unit: Unit) -> Department:
        source, source_channel = await _department(unit.db, department_id)
        target, target_channel = await _department(unit.db, into)
        people = (
            await unit.db.exec(
                select(User).where(User.department_id == department_id).order_by(col(User.id))
            )
        ).all()
        for person in people:
            await _move(unit, person, source_channel, target_channel, into)
        await unit.db.exec(
            update(Invite)
            .where(col(Invite.department_id) == department_id)
            .values(department_id=into)
        )
        unit.note(
            DepartmentMerged(
                department_id=department_id, name=source.name, into_id=into, into_name=target.name
            )
        )
        await _archive(unit, source, source_channel)
        return target

    return await run(db, bus, apply, actor_id=actor.id)


# ---- accounts -----------------------------------------------------------------------


async def _move(
    unit: Unit, user: User, old: Channel | None, new: Channel | None, department_id: int | None
) -> None:
    """A person to another department (or none): out of the old department's
    channel and into the new one's, each with its events in the channel's and
    the person's streams; every node forgets what it cached about them."""
    assert user.id is not None
    user.department_id = department_id
    unit.db.add(user)
    await unit.db.flush()
    person = (await current_people(unit.db, [user.id], active_only=False))[user.id][1]
    if old is not None:
        await remove_member(unit, old, person)
    if new is not None:
        await add_member(unit, new, person)
    await account_changed(unit, user)


async def do_create_user(db: AsyncSession, bus: Bus, actor: User, data: UserCreate) -> User:
    """An admin creates an account."""
    _require_admin(actor)
    return await run(db, bus, lambda unit: create_user(unit, data), actor_id=actor.id)


async def _checked_name(unit: Unit, name: str, *, acknowledged: bool) -> list[Match]:
    """A display name under the word check, as a profile's is (org/profile.py):
    a block word refuses it (``word_blocked``, field ``display_name``); a warn
    word refuses it unless ``acknowledged``, and answers the matches to record."""
    words = await lists.matcher_now(unit.db)
    return lists.check(words, [("display_name", name)], acknowledged=acknowledged)


async def create_user(
    unit: Unit, data: UserCreate, how: str = "admin", *, acknowledged: bool = True
) -> User:
    """An account, in the caller's unit (first-run setup and invitations run it
    with their own checks; ``do_create_user`` for admins), noted as
    ``account.created`` (``how``: "admin", "invite" or "setup").

    Its name goes through the word check: a block word refuses it; a warn word
    refuses it unless ``acknowledged`` (a person choosing their own name at an
    invitation says so, as on their profile; an admin's name for someone is
    taken as acknowledged, and recorded as sent past the warning)."""
    email = normalise_email(data.email)
    await ensure_email_free(unit.db, email)
    if data.department_id is not None and await unit.db.get(Department, data.department_id) is None:
        raise InvalidError("no such department")
    warned = await _checked_name(unit, data.display_name, acknowledged=acknowledged)
    await require_strong(data.password, email, data.display_name)
    user = User(
        email=email,
        display_name=data.display_name,
        reading=data.reading,
        department_id=data.department_id,
        role=data.role.value,
        password_hash=await hash_password(data.password),
    )
    if data.start_date is not None:
        set_start(user, data.start_date, (await load_settings(unit.db)).newcomer_days)
    unit.db.add(user)
    await unit.db.flush()
    assert user.id is not None
    # Who saw the warning and went on: the admin, or the person naming themself.
    what = "account" if unit.actor_id is not None else "profile"
    await lists.record_override(unit, unit.actor_id or user.id, what, warned)
    unit.note(
        AccountCreated(
            user_id=user.id,
            email=user.email,
            display_name=user.display_name,
            role=user.role,
            department_id=user.department_id,
            how=how,
        )
    )
    channel = await _department_channel(unit.db, user.department_id)
    if channel is not None:
        person = (await current_people(unit.db, [user.id]))[user.id][1]
        await add_member(unit, channel, person)
    return user


async def do_update_user(
    db: AsyncSession, bus: Bus, actor: User, user_id: int, data: UserUpdate
) -> User:
    """Admins rename people, move them between departments, change roles and
    start dates, deactivate. Every node forgets what it cached about the
    person at once; a deactivated person's sessions end and their live
    connections are closed."""
    _require_admin(actor)
    fields = data.model_fields_set
    demoted = data.role is not None and data.role.value != actor.role
    if user_id == actor.id and (data.is_active is False or demoted):
        raise InvalidError("admins cannot demote or deactivate themselves")

    async def apply(unit: Unit) -> User:
        user = await unit.db.get(User, user_id)
        if user is None:
            raise NotFoundError("no such person")
        before = _account_values(user)
        moving = "department_id" in fields and data.department_id != user.department_id
        if (
            moving
            and data.department_id is not None
            and await unit.db.get(Department, data.department_id) is None
        ):
            raise InvalidError("no such department")
        if data.display_name is not None and data.display_name != user.display_name:
            # An admin's name for someone: a block word refuses it, a warn word
            # is taken and recorded as sent past the warning.
            warned = await _checked_name(unit, data.display_name, acknowledged=True)
            assert actor.id is not None
            await lists.record_override(unit, actor.id, "account", warned)
        if data.display_name is not None:
            user.display_name = data.display_name
        if data.reading is not None:
            user.reading = data.reading
        if "start_date" in fields:
            set_start(user, data.start_date, (await load_settings(unit.db)).newcomer_days)
        if data.role is not None:
            user.role = data.role.value
        if data.is_active is not None:
            user.is_active = data.is_active
            if not data.is_active:
                # Every credential ends: reactivating the account revives none of them.
                await unit.db.exec(delete(AuthSession).where(col(AuthSession.user_id) == user_id))
                await unit.db.exec(delete(ApiToken).where(col(ApiToken.user_id) == user_id))
                unit.send_after_commit(
                    CONTROL_TOPIC, Kick(user=user_id, credential=None, reason="deactivated")
                )
        if moving:
            old = await _department_channel(unit.db, user.department_id)
            new = await _department_channel(unit.db, data.department_id)
            await _move(unit, user, old, new, data.department_id)
        else:
            unit.db.add(user)
            await unit.db.flush()
            await account_changed(unit, user)
        after = _account_values(user)
        changed = [k for k in before if before[k] != after[k]]
        if changed:
            assert user.id is not None
            if "department_id" in changed:
                names = await _department_names(
                    unit.db, [before["department_id"], after["department_id"]]
                )
                before["department"] = names.get(before["department_id"])
                after["department"] = names.get(after["department_id"])
                changed.append("department")
            unit.note(
                AccountChanged(
                    user_id=user.id,
                    email=user.email,
                    display_name=user.display_name,
                    old={k: before[k] for k in changed},
                    new={k: after[k] for k in changed},
                )
            )
        return user

    return await run(db, bus, apply, actor_id=actor.id)


def _account_values(user: User) -> dict[str, object]:
    """What an admin may change of an account, as the audit log shows it."""
    return {
        "display_name": user.display_name,
        "reading": user.reading,
        "department_id": user.department_id,
        "role": user.role,
        "is_active": user.is_active,
        "start_date": user.start_date.isoformat() if user.start_date else None,
    }


async def _department_names(db: AsyncSession, ids: Sequence[object]) -> dict[object, str]:
    wanted = [i for i in ids if isinstance(i, int)]
    if not wanted:
        return {}
    rows = await db.exec(
        select(Department.id, Department.name).where(col(Department.id).in_(wanted))
    )
    return {i: n for i, n in rows.all()}


# ---- importing people from a CSV file --------------------------------------------------


async def check_roster(db: AsyncSession, data: bytes) -> roster.Roster:
    """A file read and every row judged, against the accounts and departments
    there are now; writes nothing (the preview, and the import's first step).

    Raises:
        RosterError: the file as a whole cannot be read.
    """
    found = roster.parse(data)
    roster.check_words(found, await lists.matcher_now(db))
    emails = sorted({r.email for r in found.rows if r.email})
    taken: set[str] = set()
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        taken.update((await db.exec(select(User.email).where(col(User.email).in_(chunk)))).all())
    departments = {
        fold(name): id_
        for id_, name in (await db.exec(select(Department.id, Department.name))).all()
        if id_ is not None
    }
    roster.check_existing(found, taken, departments)
    return found


IMPORT_SLICE = 500  # accounts written per statement


@dataclass(frozen=True, slots=True)
class Imported:
    """An account the import made, and the one-time link its person chooses a
    password with (given out once: only its hash is stored)."""

    row: int
    user: User
    token: str


async def do_import_people(db: AsyncSession, bus: Bus, actor: User, data: bytes) -> list[Imported]:
    """Every person of a CSV file, or nobody: the file is judged again (never
    trust a preview), and if any row has a problem nothing is written
    (``InvalidError`` with the rows in ``details``). Otherwise one unit makes
    the accounts (no passwords: each gets a link to choose one), their
    department channel memberships with their events, and the links."""
    _require_admin(actor)

    async def apply(unit: Unit) -> list[Imported]:
        found = await check_roster(unit.db, data)
        if found.invalid:
            raise InvalidError(
                f"{found.invalid} rows have problems: nothing was imported",
                {"rows": [roster_row_public(r) for r in found.rows if r.errors]},
            )
        made = await import_people(unit, found.rows, created_by=actor.id)
        # Names past a warning are taken (a block word refused its row above),
        # and recorded as the admin's.
        assert actor.id is not None
        await lists.record_override(unit, actor.id, "import", roster.warned(found))
        emails = [m.user.email for m in made]
        unit.note(PeopleImported(count=len(made), emails=emails[:100]))
        return made

    return await run(db, bus, apply, actor_id=actor.id)


async def import_people(
    unit: Unit, rows: Sequence[roster.RosterRow], *, created_by: int | None
) -> list[Imported]:
    """Accounts for rows already judged valid, in the caller's unit: one insert
    for the accounts, one for the memberships, one batch of events per
    department channel, one event in each new person's stream."""
    days = (await load_settings(unit.db)).newcomer_days
    users = [
        User(
            email=normalise_email(r.email),
            display_name=r.name,
            reading=r.reading,
            department_id=r.department_id,
            role=r.role,
            start_date=r.start_date,
            newcomer_until=until(r.start_date, days),
            password_hash=None,
        )
        for r in rows
    ]
    # In slices, so that no statement outgrows the databases' parameter limits.
    for start in range(0, len(users), IMPORT_SLICE):
        unit.db.add_all(users[start : start + IMPORT_SLICE])
        await unit.db.flush()
    made = []
    links = []
    for r, user in zip(rows, users, strict=True):
        assert user.id is not None
        token, link = new_reset(user, created_by)
        links.append(link)
        made.append(Imported(r.row, user, token))
    unit.db.add_all(links)
    by_department: dict[int, list[User]] = {}
    for user in users:
        if user.department_id is not None:
            by_department.setdefault(user.department_id, []).append(user)
    channels = {
        c.department_id: c
        for c in (
            await unit.db.exec(
                select(Channel).where(col(Channel.department_id).in_(list(by_department)))
            )
        ).all()
    }
    names = {
        d.id: d.name
        for d in (
            await unit.db.exec(
                select(Department).where(col(Department.id).in_(list(by_department)))
            )
        ).all()
    }
    for department_id, people in sorted(by_department.items()):
        channel = channels[department_id]
        assert channel.id is not None
        unit.db.add_all([Membership(channel_id=channel.id, user_id=u.id or 0) for u in people])
        refs = [
            PersonRef(
                id=u.id or 0,
                display_name=u.display_name,
                department=names.get(department_id),
                reading=u.reading,
            )
            for u in people
        ]
        await unit.append_many(
            CHANNEL, channel.id, [(MemberJoined(user=ref), unit.actor_id, None) for ref in refs]
        )
        for ref in refs:
            await unit.append(
                PERSON, ref.id, MembershipAdded(channel_id=channel.id, name=channel.name)
            )
    return made


def roster_row_public(row: roster.RosterRow) -> dict[str, object]:
    """A row as the preview shows it (and the import's refusal lists it)."""
    return {
        "row": row.row,
        "email": row.email,
        "name": row.name,
        "reading": row.reading,
        "department": row.department,
        "department_id": row.department_id,
        "role": row.role,
        "start_date": row.start_date.isoformat() if row.start_date else None,
        "errors": [e.public() for e in row.errors],
        "warned": bool(row.warned),
    }
