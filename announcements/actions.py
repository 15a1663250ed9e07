"""Every change to announcements, each in one unit (streams/unit.py):
publishing (now, or scheduled and published later by the job on exactly one
node), editing, confirming, reminding, naming announcers.

Publishing appends ``announcement.published`` to every recipient's own stream
in a few statements however many they are (``append_each``); their devices
pin it at once. A confirmation is a row per (announcement, person, round) and
``announcement.confirmed`` in the confirmer's stream only: confirmations of
different people never wait for one another (no shared head to lock).

Publishing, editing and commenting ask what posts ask of their writer: an
active account that accepted the terms in force, not muted, and text past the
word check (a ``block`` word refuses, a ``warn`` word needs
``acknowledge_warning``, recorded as ``wordcheck.overridden``). A comment
changed tells nodes with ``Commented`` after commit; each node then tells the
connections of the people who may read the announcement (server/comment_relay.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from announcements import reads
from announcements.facts import (
    AnnouncementCommentRemoved,
    AnnouncementConfirmed,
    AnnouncementPublished,
    AnnouncementUpdated,
    AnnouncerNamed,
    AnnouncerRemoved,
)
from announcements.models import (
    Announcement,
    AnnouncementComment,
    AnnouncementCommentCreate,
    AnnouncementCommentPublic,
    AnnouncementCreate,
    AnnouncementDepartment,
    AnnouncementEdit,
    AnnouncementPublic,
    AnnouncementRead,
    AnnouncementReminded,
    Announcer,
    AnnouncerChange,
    Confirmation,
)
from bus.base import CONTROL_TOPIC, Bus
from bus.messages import Commented, Tallied
from channels import attachments, mentions
from channels.actions.common import checked_writer, current_writer, require_unmuted
from channels.render import render
from core.clock import utcnow
from core.errors import ForbiddenError, InvalidError, NotFoundError, UnauthorizedError
from core.tables import table_of
from notify.deliver import Note
from notify.deliver import deliver as deliver_notes
from notify.duties import MAX_MENTIONS
from notify.models import ActorRef, NotificationKind
from org.models import Department, User
from org.stream import PERSON
from streams.catalogue import Fact
from streams.log import Slot
from streams.unit import Unit, run
from words import lists

CLAIM_BATCH = 20  # scheduled announcements one claim publishes at most

_A, _AD, _AR = table_of(Announcement), table_of(AnnouncementDepartment), table_of(AnnouncementRead)
_AC = table_of(AnnouncementComment)
_DEPT, _USER = table_of(Department), table_of(User)


async def _current(db: AsyncSession, actor: User) -> User:
    """``actor`` as they are now (an open socket's copy may be older)."""
    me = await db.get(User, actor.id, populate_existing=True)
    if me is None or not me.is_active:
        raise UnauthorizedError("this account is deactivated")
    return me


async def _html(db: AsyncSession, body: str) -> str:
    return render(body, mentions.known(body, await mentions.people_named(db, [body])))


class CommentsClosedError(ForbiddenError):
    """Its author closed the comments: the ones there stay, none is added."""

    code = "comments_closed"


async def _tell(
    unit: Unit, announcement_id: int, kind: type[AnnouncementPublished] | type[AnnouncementUpdated]
) -> int:
    """The announcement to each of its recipients' own streams, as each sees it."""
    conn = await unit.db.connection()
    people = (await conn.execute(reads.recipients_query(announcement_id))).all()
    if not people:
        return 0
    author = (
        await conn.execute(select(_A.c.author_id, _A.c.round).where(_A.c.id == announcement_id))
    ).one()
    confirmed = {
        u
        for (u,) in await conn.execute(
            select(_AR.c.user_id).where(
                _AR.c.announcement_id == announcement_id, _AR.c.round == author.round
            )
        )
    }
    # What every recipient's copy shares, then what is each one's own.
    base = await reads.card(conn, announcement_id)
    roles = {i: r for i, r in people}

    def card(user_id: int) -> AnnouncementPublic:
        return base.model_copy(
            update={
                "confirmed": user_id in confirmed,
                "recipient": True,
                "can_manage": user_id == author.author_id or roles[user_id] == "admin",
            }
        )

    keys = [i for i, _ in people]

    async def make(slots: list[Slot]) -> list[tuple[Fact, int | None]]:
        return [(kind(announcement=card(s.key)), unit.actor_id) for s in slots]

    await unit.append_each(PERSON, keys, make)
    return len(keys)


async def _departments(db: AsyncSession, ids: Sequence[int]) -> list[int]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    found = {
        i
        for (i,) in await (await db.connection()).execute(
            select(_DEPT.c.id).where(_DEPT.c.id.in_(wanted))
        )
    }
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InvalidError(f"departments: no such department ({missing[0]})")
    return wanted


async def do_publish_announcement(
    db: AsyncSession, bus: Bus, actor: User, data: AnnouncementCreate
) -> AnnouncementPublic:
    """Publish now, or schedule (``publish_at`` in the future). Admins address
    anyone; a department's announcers their departments only."""

    async def apply(unit: Unit) -> int:
        texts = [("title", data.title), ("body", data.body)]
        me, warned = await checked_writer(unit.db, actor, texts, data.acknowledge_warning)
        departments = await _departments(unit.db, data.departments)
        targets: list[int | None] = list(departments) or [None]
        for target in targets:
            if not await reads.may_announce(unit.db, me, target):
                raise ForbiddenError(
                    "only admins announce to the whole company"
                    if target is None
                    else "you may not announce to this department"
                )
        now = utcnow()
        publish_at = data.publish_at if data.publish_at is not None else now
        assert me.id is not None
        uploads = await attachments.usable(unit.db, me.id, data.files)
        announcement = Announcement(
            author_id=me.id,
            title=data.title,
            body=data.body,
            html=await _html(unit.db, data.body),
            must_read=data.must_read,
            company_wide=not departments,
            publish_at=publish_at,
            published_at=now if publish_at <= now else None,
            created_at=now,
            comments_enabled=data.comments_enabled,
        )
        unit.db.add(announcement)
        await unit.db.flush()
        assert announcement.id is not None
        if uploads:
            announcement.files = await attachments.attach(
                unit.db, uploads, announcement_id=announcement.id
            )
            unit.db.add(announcement)
            await unit.db.flush()
        await lists.record_override(unit, me.id, "announcement", warned)
        if departments:
            await (await unit.db.connection()).execute(
                insert(_AD),
                [{"announcement_id": announcement.id, "department_id": d} for d in departments],
            )
        if announcement.published_at is not None:
            await _tell(unit, announcement.id, AnnouncementPublished)
        return announcement.id

    announcement_id = await run(db, bus, apply, actor_id=actor.id)
    return await reads.one(db, actor, announcement_id)


async def do_edit_announcement(
    db: AsyncSession, bus: Bus, actor: User, announcement_id: int, data: AnnouncementEdit
) -> AnnouncementPublic:
    """Change the title, body or must-read; a published one is marked updated,
    and with ``ask_again`` everyone confirms again (a new round)."""

    async def apply(unit: Unit) -> None:
        # Who may not edit it learns nothing, not even what the word check says.
        a = await reads.require_manager(unit.db, await _current(unit.db, actor), announcement_id)
        texts = [(f, v) for f, v in (("title", data.title), ("body", data.body)) if v is not None]
        me, warned = await checked_writer(unit.db, actor, texts, data.acknowledge_warning)
        assert me.id is not None
        values: dict[str, Any] = {}
        if data.title is not None:
            values["title"] = data.title
        if data.body is not None:
            values["body"] = data.body
            values["html"] = await _html(unit.db, data.body)
        if data.must_read is not None:
            values["must_read"] = data.must_read
        if data.files is not None:
            # Kept files stay whoever uploaded them; new ones are the editor's own.
            uploads = await attachments.usable(
                unit.db, me.id, data.files, announcement_id=announcement_id
            )
            await attachments.release(unit.db, announcement_id=announcement_id, keep=data.files)
            values["files"] = await attachments.attach(
                unit.db, uploads, announcement_id=announcement_id
            )
        # Opening or closing the comments is no change of what it says.
        talk_changed = (
            data.comments_enabled is not None and data.comments_enabled != a.comments_enabled
        )
        if talk_changed:
            values["comments_enabled"] = data.comments_enabled
        if not values and not data.ask_again and data.comments_enabled is None:
            raise InvalidError(
                "nothing to change: give title, body, must_read, files, comments_enabled"
                " or ask_again"
            )
        published = a.published_at is not None
        if published and (set(values) - {"comments_enabled"} or data.ask_again):
            values["edited_at"] = utcnow()
            if data.ask_again:
                values["round"] = a.round + 1
        if values:
            await (await unit.db.connection()).execute(
                update(_A).where(_A.c.id == announcement_id).values(values)
            )
        await lists.record_override(unit, me.id, "announcement", warned)
        if published and values:
            await _tell(unit, announcement_id, AnnouncementUpdated)
        if published and talk_changed:
            unit.send_after_commit(CONTROL_TOPIC, Commented(announcement=announcement_id))
        if published and data.ask_again:
            unit.send_after_commit(
                CONTROL_TOPIC, Tallied(announcement=announcement_id, author=a.author_id)
            )

    await run(db, bus, apply, actor_id=actor.id)
    return await reads.one(db, actor, announcement_id)


async def do_confirm_announcement(
    db: AsyncSession, bus: Bus, actor: User, announcement_id: int
) -> Confirmation:
    """確認しました: one of its audience confirmed the current round (again:
    nothing changes). Four statements: where one stands (one's account as it
    is now, inside it), the row, one's stream's head and its event."""
    assert actor.id is not None
    me_id = actor.id

    async def apply(unit: Unit) -> Confirmation:
        found = await reads.standing(unit.db, me_id, announcement_id)
        answer = Confirmation(announcement_id=announcement_id, round=found.round, confirmed=True)
        if not found.recipient:
            raise ForbiddenError("only its recipients confirm an announcement")
        if found.confirmed:
            return answer
        conn = await unit.db.connection()
        insert_of = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        added = await conn.execute(
            insert_of(_AR)
            .values(
                announcement_id=announcement_id,
                user_id=me_id,
                round=found.round,
                confirmed_at=utcnow(),
            )
            .on_conflict_do_nothing()
            .returning(_AR.c.user_id)
        )
        if added.first() is None:
            return answer  # confirmed at the same moment on another device
        await unit.append(
            PERSON, me_id, AnnouncementConfirmed(announcement_id=announcement_id, round=found.round)
        )
        # Its author and admins watching the rate hear of it (server/tallies.py).
        unit.send_after_commit(
            CONTROL_TOPIC, Tallied(announcement=announcement_id, author=found.author_id)
        )
        return answer

    return await run(db, bus, apply, actor_id=actor.id)


async def do_remind_unconfirmed(
    db: AsyncSession, bus: Bus, actor: User, announcement_id: int
) -> AnnouncementReminded:
    """A notification to each recipient who has not confirmed yet."""

    async def apply(unit: Unit) -> AnnouncementReminded:
        me = await _current(unit.db, actor)
        a = await reads.require_manager(unit.db, me, announcement_id)
        if a.published_at is None:
            raise InvalidError("not published yet: nobody to remind")
        conn = await unit.db.connection()
        pending = [i for (i,) in await conn.execute(reads.pending_query(announcement_id, a.round))]
        assert me.id is not None
        actor_ref = ActorRef(id=me.id, display_name=me.display_name)
        await deliver_notes(
            unit,
            [
                Note(
                    user_id=i,
                    kind=NotificationKind.announcement,
                    actor=actor_ref,
                    channel_id=None,
                    channel_name="",
                    excerpt=a.title[:120],
                    subject_id=announcement_id,
                )
                for i in pending
            ],
        )
        await conn.execute(
            update(_A).where(_A.c.id == announcement_id).values(reminded_at=utcnow())
        )
        return AnnouncementReminded(reminded=len(pending))

    return await run(db, bus, apply, actor_id=actor.id)


# ---- comments ------------------------------------------------------------------------


async def do_comment_announcement(
    db: AsyncSession,
    bus: Bus,
    actor: User,
    announcement_id: int,
    data: AnnouncementCommentCreate,
) -> AnnouncementCommentPublic:
    """A comment under a published announcement, by one who may read it (its
    audience, its author, admins) while its comments are open. Rendered as a
    post is (safe Markdown, mention chips)."""

    async def apply(unit: Unit) -> AnnouncementCommentPublic:
        me, _, rules = await current_writer(unit.db, actor)
        assert me.id is not None
        talk = await reads.talk(unit.db, me.id, announcement_id)
        require_unmuted(me)
        if not talk.comments_enabled:
            raise CommentsClosedError("comments are closed on this announcement")
        words = await lists.matcher(unit.db, rules.words)
        warned = lists.check(words, [("body", data.body)], acknowledged=data.acknowledge_warning)
        comment = AnnouncementComment(
            announcement_id=announcement_id,
            author_id=me.id,
            body=data.body,
            html=await _html(unit.db, data.body),
        )
        unit.db.add(comment)
        await unit.db.flush()
        await lists.record_override(unit, me.id, "announcement_comment", warned)
        await _tell_of_comment(unit, me, announcement_id, talk, comment.html)
        unit.send_after_commit(CONTROL_TOPIC, Commented(announcement=announcement_id))
        row = (
            await (await unit.db.connection()).execute(
                reads.comments_query().where(_AC.c.id == comment.id)
            )
        ).one()
        return reads.comment_public(row, me, talk)

    return await run(db, bus, apply, actor_id=actor.id)


async def _tell_of_comment(
    unit: Unit, me: User, announcement_id: int, talk: reads.Talk, html: str
) -> None:
    """A comment notifies the announcement's author (``announcement_comment``)
    and the people it mentions who may read the announcement as they are now
    (``announcement_mention``; as in posts, the first ``MAX_MENTIONS``):
    someone outside its audience learns nothing of it. Nobody hears of their
    own comment; an author mentioned in one hears of it once."""
    assert me.id is not None
    named = [
        i
        for i in mentions.mentioned(html).people[:MAX_MENTIONS]
        if i not in (me.id, talk.author_id)
    ]
    readers: set[int] = set()
    if named:
        conn = await unit.db.connection()
        readers = {i for (i,) in await conn.execute(reads.readers_query(announcement_id, named))}
    told = [(i, NotificationKind.announcement_mention) for i in named if i in readers]
    if talk.author_id != me.id:
        told.append((talk.author_id, NotificationKind.announcement_comment))
    if not told:
        return
    actor = ActorRef(id=me.id, display_name=me.display_name)
    await deliver_notes(
        unit,
        [
            Note(
                user_id=i,
                kind=kind,
                actor=actor,
                channel_id=None,
                channel_name="",
                excerpt=talk.title[:120],
                subject_id=announcement_id,
            )
            for i, kind in told
        ],
    )


async def do_delete_announcement_comment(
    db: AsyncSession, bus: Bus, actor: User, announcement_id: int, comment_id: int
) -> None:
    """Delete a comment (its row): its author, the announcement's author,
    moderators and admins; noted for the audit log when not its author."""

    async def apply(unit: Unit) -> None:
        me = await _current(unit.db, actor)
        assert me.id is not None
        talk = await reads.talk(unit.db, me.id, announcement_id)
        conn = await unit.db.connection()
        row = (
            await conn.execute(
                select(_AC.c.author_id).where(
                    _AC.c.id == comment_id, _AC.c.announcement_id == announcement_id
                )
            )
        ).first()
        if row is None:
            raise NotFoundError("no such comment")
        if not reads.may_delete_comment(me, row.author_id, talk):
            raise ForbiddenError(
                "only its writer, the announcement's author, moderators and admins delete a comment"
            )
        await conn.execute(delete(_AC).where(_AC.c.id == comment_id))
        if row.author_id != me.id:
            unit.note(
                AnnouncementCommentRemoved(
                    announcement_id=announcement_id,
                    comment_id=comment_id,
                    author_id=row.author_id,
                )
            )
        unit.send_after_commit(CONTROL_TOPIC, Commented(announcement=announcement_id))

    await run(db, bus, apply, actor_id=actor.id)


async def publish_due(unit: Unit, now: datetime) -> list[int]:
    """Claim and publish the scheduled announcements due at ``now`` (at most
    ``CLAIM_BATCH``). The claim is a conditional update (``published_at IS
    NULL``) after ``FOR UPDATE SKIP LOCKED`` (PostgreSQL): a node running at
    the same moment skips the rows another holds, and an update that finds
    one already published matches nothing, so each is published once."""
    conn = await unit.db.connection()
    due = select(_A.c.id).where(_A.c.published_at.is_(None), _A.c.publish_at <= now)
    due = due.order_by(_A.c.publish_at, _A.c.id).limit(CLAIM_BATCH)
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = [i for (i,) in await conn.execute(due)]
    if not ids:
        return []
    claimed = [
        i
        for (i,) in await conn.execute(
            update(_A)
            .where(_A.c.id.in_(ids), _A.c.published_at.is_(None))
            .values(published_at=now)
            .returning(_A.c.id)
        )
    ]
    for announcement_id in sorted(claimed):
        await _tell(unit, announcement_id, AnnouncementPublished)
    return sorted(claimed)


async def do_publish_due(db: AsyncSession, bus: Bus, now: datetime) -> list[int]:
    """One round of the scheduling job (server/announce_schedule.py)."""

    async def apply(unit: Unit) -> list[int]:
        return await publish_due(unit, now)

    return await run(db, bus, apply)


# ---- announcers ----------------------------------------------------------------------


def _named(person: User, department: Department) -> dict[str, Any]:
    assert person.id is not None and department.id is not None
    return {
        "user_id": person.id,
        "display_name": person.display_name,
        "email": person.email,
        "department_id": department.id,
        "department": department.name,
    }


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise ForbiddenError("administrators only")


async def do_name_announcer(db: AsyncSession, bus: Bus, actor: User, data: AnnouncerChange) -> None:
    """An admin names ``user_id`` an announcer for ``department_id``."""
    _require_admin(actor)

    async def apply(unit: Unit) -> None:
        department = await unit.db.get(Department, data.department_id)
        if department is None:
            raise InvalidError("department_id: no such department")
        person = await unit.db.get(User, data.person_id)
        if person is None or not person.is_active:
            raise InvalidError("person_id: no such person")
        exists = await unit.db.get(Announcer, (data.department_id, data.person_id))
        if exists is None:
            unit.db.add(
                Announcer(
                    department_id=data.department_id, user_id=data.person_id, named_by=actor.id
                )
            )
            unit.note(AnnouncerNamed(**_named(person, department)))

    await run(db, bus, apply, actor_id=actor.id)


async def do_remove_announcer(
    db: AsyncSession, bus: Bus, actor: User, data: AnnouncerChange
) -> None:
    _require_admin(actor)

    async def apply(unit: Unit) -> None:
        gone = await (await unit.db.connection()).execute(
            delete(table_of(Announcer)).where(
                table_of(Announcer).c.department_id == data.department_id,
                table_of(Announcer).c.user_id == data.person_id,
            )
        )
        if not gone.rowcount:
            raise NotFoundError("no such announcer")
        person = await unit.db.get(User, data.person_id)
        department = await unit.db.get(Department, data.department_id)
        assert person is not None and department is not None
        unit.note(AnnouncerRemoved(**_named(person, department)))

    await run(db, bus, apply, actor_id=actor.id)
