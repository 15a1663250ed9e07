"""A table model's Core ``Table``, for statements built once and run without the
ORM (the hot reads and writes, and the stream statements)."""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]  # set by SQLModel, untyped
    return table
