"""The noted facts archive/ states (streams/unit.py, ``Unit.note``), each
audited: an admin set a channel's retention, exported the network, imported
one, or tried to import into an installation that is not fresh (refused,
and audited all the same: someone tried to overwrite the company's data)."""

from __future__ import annotations

from typing import ClassVar

from audit.registry import Draft, audited
from streams.catalogue import NOTE, Fact, fact
from streams.unit import Appended, Unit


class _Noted(Fact):
    stream: ClassVar[str] = NOTE


@fact
class RetentionChanged(_Noted):
    """``old``/``new``: ``{"days": n}``, posts older than n days are deleted;
    ``{"days": None}``: kept."""

    kind: ClassVar[str] = "retention.changed"
    channel_id: int
    name: str
    old: dict[str, int | None]
    new: dict[str, int | None]


@fact
class NetworkExported(_Noted):
    kind: ClassVar[str] = "network.exported"
    records: int
    files: int


@fact
class NetworkImported(_Noted):
    """``by``: the importer, as they were in the fresh installation (whose
    accounts the import replaces)."""

    kind: ClassVar[str] = "network.imported"
    records: int
    files: int
    by: str


@fact
class NetworkImportRefused(_Noted):
    kind: ClassVar[str] = "network.import_refused"
    reason: str


async def _retention(unit: Unit, item: Appended) -> Draft:
    data = item.event.data
    return Draft(
        target_type="channel",
        target_id=data["channel_id"],
        target_label=data["name"],
        old=data["old"],
        new=data["new"],
    )


audited(RetentionChanged.kind, describe=_retention)
audited(
    NetworkExported.kind,
    NetworkImported.kind,
    NetworkImportRefused.kind,
)
