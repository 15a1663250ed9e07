"""The audit log's table, its API shapes and the retention setting.

An entry names its actor and target as ids *and* as text copied when it is
written (``actor_label``, ``target_label``): an entry reads the same after the
account, department or post it names is gone (Mastodon's action log learned
this the hard way: mastodon #6426, #19040). No foreign keys, for the same
reason. ``subject_id`` is the person an entry is about, when it is about one,
so "everything about or by this person" is one indexed condition each way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.schema import StrictModel

PAGE_SIZE = 50
MAX_EXPORT_ROWS = 100_000
RETENTION_KEY = "audit"
MAX_RETENTION_DAYS = 36_500  # a century


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_action", "action", "id"),
        Index("ix_audit_entry_actor", "actor_id", "id"),
        Index("ix_audit_entry_subject", "subject_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    action: str = Field(max_length=40)  # the audited kind: "account.changed"
    actor_id: int | None = None
    actor_label: str = Field(default="", max_length=400)  # "鈴木 一郎 <suzuki@example.com>"
    target_type: str | None = Field(default=None, max_length=20)  # person, department...
    target_id: str | None = Field(default=None, max_length=64)
    target_label: str = Field(default="", max_length=400)
    subject_id: int | None = None  # the person it is about, if one
    old: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    new: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AuditRules(BaseModel):
    """How long entries are kept (a company setting, ``audit``)."""

    retention_days: int = PField(default=730, ge=1, le=MAX_RETENTION_DAYS)


class AuditRulesUpdate(StrictModel):
    retention_days: int = PField(ge=1, le=MAX_RETENTION_DAYS)


class AuditEntryPublic(BaseModel):
    id: int
    at: str
    action: str
    actor_id: int | None
    actor: str
    target_type: str | None
    target_id: str | None
    target: str
    subject_id: int | None
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditEntryPublic]  # newest first
    before: int | None  # pass as ?before= for the next page; None at the end
