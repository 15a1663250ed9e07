"""Tables and API shapes for people, departments, sessions, tokens and invites."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.schema import DbId, StrictModel
from streams.log import new_epoch


class Role(enum.StrEnum):
    admin = "admin"
    moderator = "moderator"
    member = "member"


class Department(SQLModel, table=True):
    __tablename__ = "department"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    __tablename__ = "account"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    display_name: str = Field(max_length=100)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    role: str = Field(default=Role.member.value, max_length=20)
    is_active: bool = True
    password_hash: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    # The head of this person's own stream (org/stream.py): what only they see.
    stream_epoch: str = Field(default_factory=new_epoch, max_length=16)
    stream_seq: int = 0

    @property
    def can_moderate(self) -> bool:
        return self.role in (Role.admin.value, Role.moderator.value)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin.value


class PersonEvent(SQLModel, table=True):
    """One fact in a person's own stream, at position (their stream_epoch, seq)."""

    __tablename__ = "person_event"
    __table_args__ = (
        UniqueConstraint("actor_id", "client_id", name="uq_person_event_actor_client"),
    )
    user_id: int = Field(foreign_key="account.id", primary_key=True)
    seq: int = Field(primary_key=True)
    kind: str = Field(max_length=40)
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
    """A one-time link that sets a new password (from an admin, or by email)."""

    __tablename__ = "password_reset"
    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="account.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


# ---- API shapes -------------------------------------------------------------


class DepartmentPublic(BaseModel):
    id: int
    name: str


class UserPublic(BaseModel):
    id: int
    email: str
    display_name: str
    department_id: int | None
    department: str | None
    role: str
    is_active: bool


class SignIn(StrictModel):
    email: str = PField(min_length=3, max_length=254)
    password: str = PField(min_length=1, max_length=200)


class UserCreate(StrictModel):
    email: str = PField(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    display_name: str = PField(min_length=1, max_length=100)
    password: str = PField(min_length=8, max_length=200)
    department_id: DbId | None = None
    role: Role = Role.member


class UserUpdate(StrictModel):
    display_name: str | None = PField(default=None, min_length=1, max_length=100)
    department_id: DbId | None = None
    role: Role | None = None
    is_active: bool | None = None


class DepartmentCreate(StrictModel):
    name: str = PField(min_length=1, max_length=100)


class InviteCreate(StrictModel):
    email: str | None = PField(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    department_id: DbId | None = None
    role: Role = Role.member


class InviteAccept(StrictModel):
    email: str = PField(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    display_name: str = PField(min_length=1, max_length=100)
    password: str = PField(min_length=8, max_length=200)


class TokenCreate(StrictModel):
    name: str = PField(min_length=1, max_length=100)
    expires_in_days: int = PField(default=90, ge=1, le=365)
