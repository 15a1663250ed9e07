"""What every request shares: bodies whose unknown fields are an error, not
silently dropped, text without NUL characters, and the range of the ids and
positions clients send."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Ids and seqs are INTEGER columns (32-bit on PostgreSQL): a larger number can
# name nothing, and must be refused as input rather than reach the database.
MAX_ID = 2**31 - 1

DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


def refuse_nul(model: BaseModel) -> None:
    """PostgreSQL cannot store NUL in text (SQLite can): refused as input on both
    backends alike, before it reaches either."""
    for name, value in model:
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in values):
            raise ValueError(f"{name}: NUL characters are not allowed")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _no_nul(self) -> StrictModel:
        refuse_nul(self)
        return self
