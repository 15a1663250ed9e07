"""What every request shares: bodies whose unknown fields are an error, not
silently dropped, and the range of the ids and positions clients send."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Ids and seqs are INTEGER columns (32-bit on PostgreSQL): a larger number can
# name nothing, and must be refused as input rather than reach the database.
MAX_ID = 2**31 - 1

DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
