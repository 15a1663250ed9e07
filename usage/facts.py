"""The analytics kinds: a table of the report exported (a ``note``, audited
like every other export: audit/kinds.py)."""

from __future__ import annotations

from typing import ClassVar

from audit.registry import audited
from streams.catalogue import NOTE, Fact, fact


@fact
class AnalyticsExported(Fact):
    """An admin downloaded one table of the analytics report as CSV."""

    kind: ClassVar[str] = "analytics.exported"
    stream: ClassVar[str] = NOTE
    table: str
    rows: int


audited(AnalyticsExported.kind)
