"""Tables and API shapes for people, departments, sessions, tokens and invites."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, StrictBool
from pydantic import Field as PField
from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, event, text
from sqlmodel import Field, SQLModel

from core.clock import today, utcnow
from core.schema import DbId, StrictModel
from core.text import Name, Reading, search_text, sort_key
from streams.log import new_epoch


class Role(enum.StrEnum):
    admin = "admin"
    moderator = "moderator"
    member = "member"


class Department(SQLModel, table=True):
    """A department. Its channel (kind ``department``) is open or closed: the
    channel's ``is_private`` (channels/access.py)."""

    __tablename__ = "department"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    # How the name is read, in kana: lists sort by it (core/text.py, sort_key).
    reading: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    __tablename__ = "account"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    display_name: str = Field(max_length=100)
    # The reading of the name in kana (すずき for 鈴木), and a short introduction:
    # the person's own to change (PATCH /api/me).
    reading: str = Field(default="", max_length=100)
    bio: str = Field(default="", max_length=500)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    role: str = Field(default=Role.member.value, max_length=20)
    is_active: bool = True
    # None until the person chooses one (imported accounts: a set-password link).
    password_hash: str | None = Field(default=None, max_length=200)
    # The day they joined the company (imports and admins set it; newcomers'
    # features read it). Not the day the account was made: ``created_at``.
    start_date: date | None = None
    # The day after the last of their time as a newcomer (start date + the
    # company's newcomer period, org/newcomers.py): kept with the start date and
    # rewritten when an admin changes the period, so that every read tells a
    # newcomer (``is_newcomer``) from the row alone, without reading settings.
    newcomer_until: date | None = None
    # When their department was told they arrived (the welcome post,
    # onboarding/welcome.py): set once, by whichever node claims it first.
    welcomed_at: datetime | None = None
    # Their first sign-in (the browser then opens the welcome page).
    first_signed_in_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # The language mail to them is written in ("ja" or "en"): the one their
    # browser shows, which it tells the server (PATCH /api/me); None until then.
    language: str | None = Field(default=None, max_length=5)
    # Whether a mention left unread for a while is mailed to them (server/
    # mention_mail.py); on unless they turn it off (settings, or the mail's
    # unsubscribe link).
    mention_email: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    # The last version of the terms of use they accepted (org/terms.py); 0: none.
    terms_version: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    # Sanctions in force (moderation/ keeps the record of each): muted, one may
    # read but not post, comment or like; suspended, one cannot sign in. Each
    # ends by itself at its time: every check compares it with the clock.
    muted_until: datetime | None = None
    suspended_until: datetime | None = None
    # The head of this person's own stream (org/stream.py): what only they see.
    stream_epoch: str = Field(default_factory=new_epoch, max_length=16)
    stream_seq: int = 0
    # Derived from the name and reading whenever either is written (below):
    # what the directory matches a query against and orders by (core/text.py).
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sort_key: str = Field(default="", max_length=200, index=True)

    @property
    def can_moderate(self) -> bool:
        return self.role in (Role.admin.value, Role.moderator.value)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin.value

    def muted_at(self, now: datetime) -> datetime | None:
        """When the mute in force at ``now`` ends, or None."""
        return _in_force(self.muted_until, now)

    def suspended_at(self, now: datetime) -> datetime | None:
        """When the suspension in force at ``now`` ends, or None."""
        return _in_force(self.suspended_until, now)


def _in_force(until: datetime | None, now: datetime) -> datetime | None:
    if until is None:
        return None
    aware = until if until.tzinfo is not None else until.replace(tzinfo=UTC)
    return aware if aware > now else None


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _derive_search_forms(_mapper: Any, _conn: Any, user: User) -> None:
    """Every write of a person through the ORM keeps the forms it is found and
    sorted by in step with its name and reading, whoever wrote it."""
    user.search_text = search_text(user.display_name, user.reading)
    user.sort_key = sort_key(user.display_name, user.reading)


class PersonEvent(SQLModel, table=True):
    """One fact in a person's own stream, at position (their stream_epoch, seq).

    ``post_id``: the post or comment the event is about, if any (a
    notification's): deleting or editing it rewrites those events, in every
    person's stream at once."""

    __tablename__ = "person_event"
    __table_args__ = (
        UniqueConstraint("actor_id", "client_id", name="uq_person_event_actor_client"),
        Index("ix_person_event_post", "post_id"),
    )
    user_id: int = Field(foreign_key="account.id", primary_key=True)
    seq: int = Field(primary_key=True)
    kind: str = Field(max_length=40)
    post_id: int | None = None
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    client_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class AuthSession(SQLModel, table=True):
    """A browser session; the cookie holds the token, the table only its hash."""

    __tablename__ = "auth_session"
    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="account.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    last_used_at: datetime | None = None
    user_agent: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=64)


class ApiToken(SQLModel, table=True):
    """A personal token for bots and scripts (``Authorization: Bearer``)."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None


class Invite(SQLModel, table=True):
    """A one-time link that creates an account; the first admin is made from one too."""

    __tablename__ = "invite"
    token_hash: str = Field(primary_key=True, max_length=64)
    email: str | None = Field(default=None, max_length=254)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    role: str = Field(default=Role.member.value, max_length=20)
    # The day the invited person joins the company: their account's start date.
    start_date: date | None = None
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class LoginFailure(SQLModel, table=True):
    """Failed sign-ins, by email and client address, to throttle guessing on every
    node alike (org/auth.py)."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_address_at", "address", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    address: str | None = Field(default=None, max_length=64)
    at: datetime = Field(default_factory=utcnow, index=True)


class PasswordReset(SQLModel, table=True):
    """A one-time link with which a person chooses a password: a new one (from an
    admin, or mailed after "forgot"), or the first of an account imported
    without one (org/auth.py). Only the token's SHA-256 is stored."""

    __tablename__ = "password_reset"
    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="account.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


# ---- API shapes -------------------------------------------------------------

EARLIEST_START = date(1950, 1, 1)
LATEST_START = timedelta(days=2 * 366)  # after today: hiring is planned, not dreamt


def _plausible_start(day: date) -> date:
    """A start date a company could have: not before 1950, at most two years ahead."""
    if day < EARLIEST_START:
        raise ValueError(f"a start date is on or after {EARLIEST_START.isoformat()}")
    if day > today() + LATEST_START:
        raise ValueError("a start date is at most two years from today")
    return day


StartDate = Annotated[date, AfterValidator(_plausible_start)]


class DepartmentPublic(BaseModel):
    id: int
    name: str
    reading: str
    # Closed: its channel exists only for the department's people; open: everyone
    # may read it (its people post).
    closed: bool
    # Its channel, when the one asking may read it (else null).
    channel_id: int | None
    people: int  # active accounts in it


class UserPublic(BaseModel):
    id: int
    # Shown to admins and to the person themself (and to everyone with SHOW_EMAILS=1).
    email: str | None
    display_name: str
    department_id: int | None
    department: str | None
    role: str
    is_active: bool
    # A newcomer now (a start date within the company's newcomer period,
    # org/newcomers.py): everyone sees a "new" badge, so that colleagues
    # welcome them; the person themself gets their welcome page in the menu.
    newcomer: bool = False


class SignIn(StrictModel):
    email: str = PField(min_length=3, max_length=254)
    password: str = PField(min_length=1, max_length=200)


class UserCreate(StrictModel):
    email: str = PField(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    display_name: Name = PField(max_length=100)
    password: str = PField(min_length=8, max_length=200)
    department_id: DbId | None = None
    role: Role = Role.member
    reading: Reading = PField(default="", max_length=100)
    start_date: StartDate | None = None


class UserUpdate(StrictModel):
    display_name: Name | None = PField(default=None, max_length=100)
    reading: Reading | None = PField(default=None, max_length=100)
    department_id: DbId | None = None
    role: Role | None = None
    is_active: bool | None = None
    start_date: StartDate | None = None


class Language(enum.StrEnum):
    """The languages of the interface, and of the mail a person gets."""

    ja = "ja"
    en = "en"


class ProfileUpdate(StrictModel):
    """What a person changes about themself."""

    display_name: Name | None = PField(default=None, max_length=100)
    reading: Reading | None = PField(default=None, max_length=100)
    bio: str | None = PField(default=None, max_length=500)
    language: Language | None = None  # what their mail is written in
    # Mail a mention left unread (on by default); true or false, not "no".
    mention_email: StrictBool | None = None
    # Send anyway past the word check's warning on the name or introduction.
    acknowledge_warning: bool = False


class DepartmentCreate(StrictModel):
    name: Name = PField(max_length=100)
    reading: Reading = PField(default="", max_length=100)
    # Closed unless the admin opens it: a leak is worse than a missed read.
    closed: bool = True


class DepartmentUpdate(StrictModel):
    name: Name | None = PField(default=None, max_length=100)
    reading: Reading | None = PField(default=None, max_length=100)
    closed: bool | None = None


class DepartmentMerge(StrictModel):
    into: DbId  # the department that takes the people in


class InviteCreate(StrictModel):
    email: str | None = PField(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    department_id: DbId | None = None
    role: Role = Role.member
    start_date: StartDate | None = None  # the account's, once accepted


class InviteAccept(StrictModel):
    email: str = PField(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    display_name: Name = PField(max_length=100)
    password: str = PField(min_length=8, max_length=200)
    # The word check warned about the name and the person keeps it (words/lists.py).
    acknowledge_warning: bool = False


class TokenCreate(StrictModel):
    name: str = PField(min_length=1, max_length=100)
    expires_in_days: int = PField(default=90, ge=1, le=365)
