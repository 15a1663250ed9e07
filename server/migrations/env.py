"""Alembic environment: runs on the connection the app hands over
(server/db.py), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import channels.attachments
import channels.models
import channels.reading  # noqa: F401
import moderation.models  # noqa: F401
import notify.models  # noqa: F401
import onboarding.models  # noqa: F401
import org.models
import org.newcomers
import org.settings  # noqa: F401
import surveys.models  # noqa: F401
import usage.models  # noqa: F401
import words.lists  # noqa: F401

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through server.db.Database.migrate()")
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
