"""The event kinds org owns in a person's own stream.

- ``account.updated`` ``{"display_name", "department_id", "department", "role"}``:
  one's own account changed (renamed, moved, another role), by an admin or
  oneself: every device shows it at once (the sidebar's own card, what one may
  do).
"""

from __future__ import annotations

from typing import ClassVar

from streams.catalogue import Fact, fact


@fact
class AccountUpdated(Fact):
    kind: ClassVar[str] = "account.updated"
    stream: ClassVar[str] = "person"
    display_name: str
    department_id: int | None
    department: str | None
    role: str
