"""What moderation notes for the audit log (streams/unit.py, ``Unit.note``):
reports filed and decided, sanctions lifted, appeals filed and decided,
content brought back. Each names the person concerned as they are at the
time (``user_id``, ``display_name``, ``email``). Hiding and bringing back a
post are channel events (channels/facts.py: ``post.hidden``, ``post.unhidden``);
one's notices are notifications (notify/: kinds ``report``, ``moderation``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from audit.registry import audited
from streams.catalogue import NOTE, Fact, fact


class _Noted(Fact):
    stream: ClassVar[str] = NOTE
    user_id: int  # the person concerned (reported, sanctioned)
    display_name: str
    email: str


@fact
class ReportFiled(_Noted):
    kind: ClassVar[str] = "report.filed"
    report_id: int
    target_type: str
    post_id: int | None
    reason: str


@fact
class ReportDecided(_Noted):
    """``new``: the decision, its reason, and for a warning its clause, for a
    mute or suspension its end."""

    kind: ClassVar[str] = "report.decided"
    report_id: int
    post_id: int | None
    new: dict[str, Any]


@fact
class SanctionLifted(_Noted):
    kind: ClassVar[str] = "sanction.lifted"
    sanction_id: int
    sanction: str  # its kind
    reason: str


@fact
class AppealFiled(_Noted):
    kind: ClassVar[str] = "appeal.filed"
    sanction_id: int
    sanction: str


@fact
class AppealDecided(_Noted):
    kind: ClassVar[str] = "appeal.decided"
    sanction_id: int
    sanction: str
    outcome: str  # uphold, lift
    reason: str


@fact
class ContentUnhidden(_Noted):
    kind: ClassVar[str] = "content.unhidden"
    post_id: int
    reason: str


audited(
    ReportFiled.kind,
    ReportDecided.kind,
    SanctionLifted.kind,
    AppealFiled.kind,
    AppealDecided.kind,
    ContentUnhidden.kind,
)
