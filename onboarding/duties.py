"""What onboarding follows on the write path (streams/unit.py): a newcomer's
deeds tick their checklist in the unit that wrote them.

- ``member.joined`` of a newcomer (a group joined: ``join_groups``);
- ``post.created`` / ``comment.created`` by a newcomer (in their department
  channel: ``introduce``; a question, in a Q&A channel or flagged so to a
  mentor in a direct conversation, anonymous or not, or a post or comment
  mentioning one of their mentors: ``ask_question``);
- ``account.updated`` (a start date set, a department changed: the checklist
  is another one now, told to them and their mentors).

Events carry whether their person is a newcomer (``PersonRef.newcomer``), so
the posts and joins of everyone else cost these duties no query at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from channels import mentions
from channels.facts import CHANNEL  # noqa: F401  (registers the kinds followed here)
from onboarding.checklist import refresh
from onboarding.models import ChecklistKind
from org.facts import AccountUpdated  # noqa: F401
from org.models import User
from org.newcomers import is_newcomer, mentors_of, newcomer_now_or_soon
from streams.unit import Appended, Unit, duty


@duty("post.created", "comment.created", "member.joined")
async def _newcomer_deeds(unit: Unit, appended: Sequence[Appended]) -> None:
    asked: dict[int, bool] = {}  # newcomer -> whether a write of theirs mentions a mentor
    for item in appended:
        data = item.event.data
        person = data["user"] if item.event.kind == "member.joined" else data["post"]["author"]
        if not person.get("newcomer"):
            continue
        # An anonymous question names nobody: its writer is the event's actor.
        user_id = int(item.actor_id or 0) if person.get("anonymous") else int(person["id"])
        asked.setdefault(user_id, False)
        if item.event.kind == "post.created" and data["post"].get("question"):
            asked[user_id] = True
        elif item.event.kind != "member.joined":
            named = mentions.mentioned(data["post"].get("html")).people
            if named and set(named) & set(await mentors_of(unit.db, user_id)):
                asked[user_id] = True
    for user_id, mentioned_mentor in sorted(asked.items()):
        user = await unit.db.get(User, user_id)
        if user is None or not is_newcomer(user):
            continue
        await refresh(unit, user, (ChecklistKind.ask_question,) if mentioned_mentor else ())


@duty("account.updated")
async def _account_changed(unit: Unit, appended: Sequence[Appended]) -> None:
    for user_id in sorted({item.event.key for item in appended}):
        user = await unit.db.get(User, user_id)
        if user is not None and newcomer_now_or_soon(user):
            await refresh(unit, user, always=True)
