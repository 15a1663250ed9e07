"""Reporting, deciding reports, lifting sanctions, appealing and deciding
appeals. Every action is one unit (streams/unit.py): its rows, the channel
events of hidden content, the notifications it sends and the facts it notes
for the audit log commit together or not at all.

Who may: anyone reports what they can see (a post or comment they may read,
any active person), never themself; moderators and admins decide, read as
they are now in the write's own transaction (a moderator demoted a moment ago
is refused, whatever an open session remembers), and never about themselves.
The person reported is never told who reported: no answer, notification or
event they get names the reporter.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import CONTROL_TOPIC, Bus
from bus.messages import Forget, Kick
from channels.access import access_post
from channels.actions.common import current_person
from channels.actions.posts import delete_post, set_hidden
from channels.models import Post
from core.clock import utcnow
from core.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from moderation.facts import (
    AppealDecided,
    AppealFiled,
    ContentUnhidden,
    ReportDecided,
    ReportFiled,
    SanctionLifted,
)
from moderation.models import (
    Action,
    AppealDecision,
    AppealOutcome,
    Decision,
    Report,
    ReportCreate,
    ReportStatus,
    Sanction,
    SanctionKind,
)
from notify.deliver import Note, deliver
from notify.models import NotificationKind
from org.models import AuthSession, User
from streams.unit import Unit, run


class SelfReportError(InvalidError):
    code = "self_report"


class AlreadyDecidedError(ConflictError):
    code = "already_decided"


class AlreadyAppealedError(ConflictError):
    code = "already_appealed"


async def moderator(db: AsyncSession, actor: User) -> User:
    """``actor`` as they are now, if a moderator or an admin (else 403)."""
    fresh = await db.get(User, actor.id)
    if fresh is None or not fresh.is_active or not fresh.can_moderate:
        raise ForbiddenError("moderators and admins only")
    return fresh


def _notice(user_id: int, kind: NotificationKind, what: str) -> Note:
    """A notification about no channel that names nobody: ``what`` is a code
    the client words in its language."""
    return Note(
        user_id=user_id, kind=kind, actor=None, channel_id=None, channel_name="", excerpt=what
    )


def _named(person: User) -> dict[str, object]:
    assert person.id is not None
    return {"user_id": person.id, "display_name": person.display_name, "email": person.email}


# ---- reporting --------------------------------------------------------------------


async def do_report(db: AsyncSession, bus: Bus, actor: User, data: ReportCreate) -> Report:
    """Report a post or comment one may read, or an active person; not oneself,
    and not the same thing twice while one's first report is open."""

    async def apply(unit: Unit) -> Report:
        me, _ = await current_person(unit.db, actor)
        assert me.id is not None
        post_id = channel_id = None
        if data.post_id is not None:
            post, _ = await access_post(unit.db, me, data.post_id)
            if post.author_id == me.id:
                raise SelfReportError("you cannot report what you wrote")
            target_type = "comment" if post.parent_id else "post"
            person_id, post_id, channel_id = post.author_id, post.id, post.channel_id
        else:
            assert data.user_id is not None
            person_id = data.user_id
            found = await unit.db.get(User, person_id)
            if found is None or not found.is_active:
                raise NotFoundError("no such person")
            if person_id == me.id:
                raise SelfReportError("you cannot report yourself")
            target_type = "person"
        again = (
            await unit.db.exec(
                select(Report.id).where(
                    Report.reporter_id == me.id,
                    Report.person_id == person_id,
                    Report.target_type == target_type,
                    Report.post_id == post_id
                    if post_id is not None
                    else col(Report.post_id).is_(None),
                    Report.status == ReportStatus.open.value,
                )
            )
        ).first()
        if again is not None:
            raise ConflictError("you reported this already: moderators have it")
        report = Report(
            reporter_id=me.id,
            target_type=target_type,
            post_id=post_id,
            channel_id=channel_id,
            person_id=person_id,
            reason=data.reason.value,
            note=data.note,
        )
        unit.db.add(report)
        await unit.db.flush()
        assert report.id is not None
        person = await unit.db.get(User, person_id)
        assert person is not None
        unit.note(
            ReportFiled(
                **_named(person),
                report_id=report.id,
                target_type=target_type,
                post_id=post_id,
                reason=data.reason.value,
            )
        )
        return report

    return await run(db, bus, apply, actor_id=actor.id)


# ---- deciding -----------------------------------------------------------------------


async def do_decide_report(
    db: AsyncSession, bus: Bus, actor: User, report_id: int, decision: Decision
) -> Report:
    """Act on an open report: dismiss it, hide or delete its content, warn, mute
    or suspend the person. The reporter is told the outcome, the person what
    was done (not by whom, nor on whose report)."""

    async def apply(unit: Unit) -> Report:
        me = await moderator(unit.db, actor)
        assert me.id is not None
        report = (
            await unit.db.exec(select(Report).where(Report.id == report_id).with_for_update())
        ).first()
        if report is None:
            raise NotFoundError("no such report")
        if report.status != ReportStatus.open.value:
            raise AlreadyDecidedError("this report was decided already")
        if report.person_id == me.id:
            raise ForbiddenError("a report about you is for another moderator to decide")
        person = await unit.db.get(User, report.person_id)
        assert person is not None and person.id is not None
        post = await unit.db.get(Post, report.post_id) if report.post_id is not None else None
        action = decision.action
        if action in (Action.hide, Action.delete):
            if post is None:
                raise InvalidError("this report is about a person: there is no content to act on")
            if post.deleted_at is not None:
                raise ConflictError("this was deleted already")
        if action in (Action.mute, Action.suspend) and person.is_admin and not me.is_admin:
            raise ForbiddenError("only an admin may mute or suspend an admin")
        now = utcnow()
        record: dict[str, object] = {"decision": action.value, "reason": decision.reason}
        sanction: Sanction | None = None
        told = "deleted"

        def sanctioned(
            kind: SanctionKind,
            *,
            post_id: int | None = None,
            clause: str = "",
            ends_at: datetime | None = None,
        ) -> Sanction:
            assert person.id is not None
            return Sanction(
                user_id=person.id,
                kind=kind.value,
                reason=decision.reason,
                clause=clause,
                report_id=report.id,
                post_id=post_id,
                created_by=me.id,
                created_at=now,
                ends_at=ends_at,
            )

        if action is Action.hide:
            assert post is not None
            await set_hidden(unit, post, decision.reason, me.id)
            sanction = sanctioned(SanctionKind.hidden, post_id=post.id)
        elif action is Action.delete:
            assert post is not None
            await delete_post(unit, post)
        elif action is Action.warn:
            sanction = sanctioned(SanctionKind.warning, clause=decision.clause)
            record["clause"] = decision.clause
        elif action in (Action.mute, Action.suspend):
            assert decision.duration_seconds is not None
            ends = now + timedelta(seconds=decision.duration_seconds)
            record["ends_at"] = ends.isoformat()
            if action is Action.mute:
                person.muted_until = _later(person.muted_at(now), ends)
                sanction = sanctioned(SanctionKind.mute, ends_at=ends)
                unit.send_after_commit(CONTROL_TOPIC, Forget(user=person.id))
            else:
                person.suspended_until = _later(person.suspended_at(now), ends)
                sanction = sanctioned(SanctionKind.suspension, ends_at=ends)
                await _end_sessions(unit, person.id)
            unit.db.add(person)
        if sanction is not None:
            unit.db.add(sanction)
            told = sanction.kind
        report.status = (
            ReportStatus.dismissed.value
            if action is Action.dismiss
            else ReportStatus.actioned.value
        )
        report.decision = action.value
        report.decision_reason = decision.reason
        report.decided_at = now
        report.decided_by = me.id
        unit.db.add(report)
        await unit.db.flush()
        assert report.id is not None
        unit.note(
            ReportDecided(
                **_named(person),
                report_id=report.id,
                post_id=report.post_id,
                new=record,
            )
        )
        notes = [_notice(report.reporter_id, NotificationKind.report, action.value)]
        if action is not Action.dismiss:
            notes.append(_notice(person.id, NotificationKind.moderation, told))
        await deliver(unit, notes)
        return report

    return await run(db, bus, apply, actor_id=actor.id)


def _later(current: datetime | None, ends: datetime) -> datetime:
    return ends if current is None or ends > current else current


async def _end_sessions(unit: Unit, user_id: int) -> None:
    """A suspended person's every session ends and every socket closes, on every
    node, as a deactivation does (their API tokens stay, refused while the
    suspension lasts: org/auth.py)."""
    await unit.db.exec(delete(AuthSession).where(col(AuthSession.user_id) == user_id))
    unit.send_after_commit(CONTROL_TOPIC, Kick(user=user_id, credential=None, reason="suspended"))


# ---- lifting, appeals, unhiding ---------------------------------------------------------


async def _lift(unit: Unit, sanction: Sanction, by: User, reason: str) -> None:
    """End a sanction now: what is in force on the account is what its other
    sanctions still say; hidden content comes back."""
    now = utcnow()
    sanction.lifted_at, sanction.lifted_by, sanction.lift_reason = now, by.id, reason
    unit.db.add(sanction)
    await unit.db.flush()
    if sanction.kind in (SanctionKind.mute.value, SanctionKind.suspension.value):
        person = await unit.db.get(User, sanction.user_id)
        assert person is not None
        ends = (
            await unit.db.exec(
                select(Sanction.ends_at).where(
                    Sanction.user_id == sanction.user_id,
                    Sanction.kind == sanction.kind,
                    col(Sanction.lifted_at).is_(None),
                    col(Sanction.ends_at) > now,
                )
            )
        ).all()
        still = max((e for e in ends if e is not None), default=None)
        if sanction.kind == SanctionKind.mute.value:
            person.muted_until = still
        else:
            person.suspended_until = still
        unit.db.add(person)
        unit.send_after_commit(CONTROL_TOPIC, Forget(user=sanction.user_id))
    elif sanction.kind == SanctionKind.hidden.value and sanction.post_id is not None:
        post = await unit.db.get(Post, sanction.post_id)
        if post is not None and post.deleted_at is None and post.hidden_at is not None:
            await set_hidden(unit, post, None, by.id)


async def _sanction(db: AsyncSession, sanction_id: int) -> Sanction:
    found = (
        await db.exec(select(Sanction).where(Sanction.id == sanction_id).with_for_update())
    ).first()
    if found is None:
        raise NotFoundError("no such sanction")
    return found


async def do_lift_sanction(
    db: AsyncSession, bus: Bus, actor: User, sanction_id: int, reason: str
) -> Sanction:
    async def apply(unit: Unit) -> Sanction:
        me = await moderator(unit.db, actor)
        sanction = await _sanction(unit.db, sanction_id)
        if sanction.lifted_at is not None:
            raise AlreadyDecidedError("this sanction was lifted already")
        if sanction.user_id == me.id:
            raise ForbiddenError("your own sanctions are for another moderator")
        await _lift(unit, sanction, me, reason)
        person = await unit.db.get(User, sanction.user_id)
        assert person is not None and sanction.id is not None
        unit.note(
            SanctionLifted(
                **_named(person),
                sanction_id=sanction.id,
                sanction=sanction.kind,
                reason=reason,
            )
        )
        await deliver(unit, [_notice(sanction.user_id, NotificationKind.moderation, "lifted")])
        return sanction

    return await run(db, bus, apply, actor_id=actor.id)


async def do_appeal(
    db: AsyncSession, bus: Bus, actor: User, sanction_id: int, note: str
) -> Sanction:
    """Appeal one of one's own sanctions, once."""

    async def apply(unit: Unit) -> Sanction:
        me, _ = await current_person(unit.db, actor)
        sanction = await _sanction(unit.db, sanction_id)
        if sanction.user_id != me.id:
            raise NotFoundError("no such sanction")
        if sanction.appealed_at is not None:
            raise AlreadyAppealedError("each sanction may be appealed once")
        sanction.appeal_note, sanction.appealed_at = note, utcnow()
        unit.db.add(sanction)
        assert sanction.id is not None
        unit.note(
            AppealFiled(
                **_named(me),
                sanction_id=sanction.id,
                sanction=sanction.kind,
            )
        )
        return sanction

    return await run(db, bus, apply, actor_id=actor.id)


async def do_decide_appeal(
    db: AsyncSession, bus: Bus, actor: User, sanction_id: int, decision: AppealDecision
) -> Sanction:
    """Uphold an appealed sanction, or lift it."""

    async def apply(unit: Unit) -> Sanction:
        me = await moderator(unit.db, actor)
        sanction = await _sanction(unit.db, sanction_id)
        if sanction.appealed_at is None:
            raise NotFoundError("no appeal of this sanction")
        if sanction.appeal_decision is not None:
            raise AlreadyDecidedError("this appeal was decided already")
        if sanction.user_id == me.id:
            raise ForbiddenError("your own appeals are for another moderator")
        lift = decision.outcome is AppealOutcome.lift
        if lift and sanction.lifted_at is None:
            await _lift(unit, sanction, me, decision.reason)
        sanction.appeal_decision = "lifted" if lift else "upheld"
        sanction.appeal_reason = decision.reason
        sanction.appeal_decided_at, sanction.appeal_decided_by = utcnow(), me.id
        unit.db.add(sanction)
        person = await unit.db.get(User, sanction.user_id)
        assert person is not None and sanction.id is not None
        unit.note(
            AppealDecided(
                **_named(person),
                sanction_id=sanction.id,
                sanction=sanction.kind,
                outcome=decision.outcome.value,
                reason=decision.reason,
            )
        )
        what = "appeal_lifted" if lift else "appeal_upheld"
        await deliver(unit, [_notice(sanction.user_id, NotificationKind.moderation, what)])
        return sanction

    return await run(db, bus, apply, actor_id=actor.id)


async def do_unhide(db: AsyncSession, bus: Bus, actor: User, post_id: int, reason: str) -> None:
    """Bring back a hidden post or comment (its hiding sanctions are lifted)."""

    async def apply(unit: Unit) -> None:
        me = await moderator(unit.db, actor)
        post = await unit.db.get(Post, post_id)
        # Only a hidden post is brought back; any other answers as one that does
        # not exist, so a moderator outside a closed department learns nothing
        # of its posts by asking.
        if post is None or post.deleted_at is not None or post.hidden_at is None:
            raise NotFoundError("no such hidden post")
        await set_hidden(unit, post, None, me.id)
        now = utcnow()
        for sanction in (
            await unit.db.exec(
                select(Sanction).where(
                    Sanction.post_id == post_id,
                    Sanction.kind == SanctionKind.hidden.value,
                    col(Sanction.lifted_at).is_(None),
                )
            )
        ).all():
            sanction.lifted_at, sanction.lifted_by, sanction.lift_reason = now, me.id, reason
            unit.db.add(sanction)
        author = await unit.db.get(User, post.author_id)
        assert author is not None
        unit.note(ContentUnhidden(**_named(author), post_id=post_id, reason=reason))
        await deliver(unit, [_notice(post.author_id, NotificationKind.moderation, "lifted")])

    await run(db, bus, apply, actor_id=actor.id)
