"""The event kinds org owns in a person's own stream.

- ``account.updated`` ``{"display_name", "department_id", "department", "role"}``:
  one's own account changed (renamed, moved, another role), by an admin or
  oneself: every device shows it at once (the sidebar's own card, what one may
  do).
"""

from __future__ import annotations

from typing import Any, ClassVar

from streams.catalogue import NOTE, Fact, fact


@fact
class AccountUpdated(Fact):
    kind: ClassVar[str] = "account.updated"
    stream: ClassVar[str] = "person"
    display_name: str
    department_id: int | None
    department: str | None
    role: str


# ---- noted facts (streams/unit.py, ``Unit.note``): kept by no stream --------------
# What admins do to accounts, departments, invitations and settings, and every
# sign-in: the audit log (audit/) records each of these kinds. Names and emails
# are copied as they are at the time, so an entry reads the same after the
# account or department is gone.


class _Noted(Fact):
    stream: ClassVar[str] = NOTE


@fact
class SignedIn(_Noted):
    kind: ClassVar[str] = "signin.succeeded"
    user_id: int
    email: str
    display_name: str
    address: str


@fact
class SignInFailed(_Noted):
    """``reason``: ``unknown_email``, ``wrong_password``, ``deactivated`` or
    ``suspended`` (the person is told only "wrong email or password", or that
    they are suspended once their password was right)."""

    kind: ClassVar[str] = "signin.failed"
    email: str
    address: str
    reason: str
    user_id: int | None = None


@fact
class AccountCreated(_Noted):
    kind: ClassVar[str] = "account.created"
    user_id: int
    email: str
    display_name: str
    role: str
    department_id: int | None
    how: str  # "admin", "invite", "setup"


@fact
class AccountChanged(_Noted):
    """An admin changed someone's account: only the fields that changed, before
    and after (``role``, ``department``, ``is_active``, ``display_name``...)."""

    kind: ClassVar[str] = "account.changed"
    user_id: int
    email: str
    display_name: str
    old: dict[str, Any]
    new: dict[str, Any]


@fact
class PeopleImported(_Noted):
    kind: ClassVar[str] = "people.imported"
    count: int
    emails: list[str]  # the first 100


@fact
class PeopleExported(_Noted):
    kind: ClassVar[str] = "people.exported"
    count: int


@fact
class InviteCreated(_Noted):
    kind: ClassVar[str] = "invite.created"
    email: str | None
    role: str
    department_id: int | None


@fact
class InviteRevoked(_Noted):
    kind: ClassVar[str] = "invite.revoked"
    invite_id: str
    email: str | None


@fact
class ResetLinkCreated(_Noted):
    kind: ClassVar[str] = "reset_link.created"
    user_id: int
    email: str
    display_name: str


@fact
class SettingChanged(_Noted):
    """A company setting saved (org/settings.py): its values before and after,
    or none for a secret one."""

    kind: ClassVar[str] = "setting.changed"
    key: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None


@fact
class DepartmentCreated(_Noted):
    kind: ClassVar[str] = "department.created"
    department_id: int
    name: str
    closed: bool


@fact
class DepartmentChanged(_Noted):
    kind: ClassVar[str] = "department.changed"
    department_id: int
    name: str
    old: dict[str, Any]
    new: dict[str, Any]


@fact
class DepartmentDeleted(_Noted):
    kind: ClassVar[str] = "department.deleted"
    department_id: int
    name: str


@fact
class DepartmentMerged(_Noted):
    kind: ClassVar[str] = "department.merged"
    department_id: int
    name: str
    into_id: int
    into_name: str
