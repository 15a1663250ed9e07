"""The company's settings for questions (admins change them; org/settings.py
stores them): how long a question may wait for an answer before the asker's
mentors are told, then the channel's moderators, in working hours of the
company's time zone and working days."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from core.errors import ForbiddenError, InvalidError
from core.schema import StrictModel
from org import settings
from org.models import User
from streams.unit import Unit, run

KEY = "questions"
DEFAULT_ZONE = "Asia/Tokyo"


class QuestionSettings(BaseModel):
    """``first_delay_hours``: working hours after asking before the asker's
    mentors are told; ``second_delay_hours``: working hours after asking
    before the channel's moderators are (for a question in a Q&A channel;
    larger than the first). Working time: ``work_days`` (0 Monday … 6 Sunday)
    from ``work_start`` to ``work_end`` o'clock in ``time_zone``."""

    first_delay_hours: float = Field(default=4, gt=0, le=200)
    second_delay_hours: float = Field(default=8, gt=0, le=400)
    time_zone: str = Field(default=DEFAULT_ZONE, min_length=1, max_length=64)
    work_days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], min_length=1)
    work_start: int = Field(default=9, ge=0, le=23)
    work_end: int = Field(default=18, ge=1, le=24)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("time_zone: not a time zone (e.g. Asia/Tokyo)") from None
        return value

    @field_validator("work_days")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if any(d < 0 or d > 6 for d in value) or len(set(value)) != len(value):
            raise ValueError("work_days: distinct days, 0 (Monday) to 6 (Sunday)")
        return sorted(value)

    @model_validator(mode="after")
    def _order(self) -> QuestionSettings:
        if self.work_start >= self.work_end:
            raise ValueError("work_start: before work_end")
        if self.second_delay_hours <= self.first_delay_hours:
            raise ValueError("second_delay_hours: more than first_delay_hours")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class QuestionSettingsChange(StrictModel):
    """What an admin changes (the rest stays)."""

    first_delay_hours: float | None = None
    second_delay_hours: float | None = None
    time_zone: str | None = None
    work_days: list[int] | None = None
    work_start: int | None = None
    work_end: int | None = None


async def load(db: AsyncSession) -> QuestionSettings:
    return await settings.load(db, KEY, QuestionSettings)


async def do_update_settings(
    db: AsyncSession, bus: Bus, actor: User, change: QuestionSettingsChange
) -> QuestionSettings:
    """An admin changes some of the settings; the rest stay. A result that does
    not hold together (a second delay not after the first, work ending before
    it starts) is 400 ``invalid`` and changes nothing."""
    if not actor.is_admin:
        raise ForbiddenError("admins only")

    async def apply(unit: Unit) -> QuestionSettings:
        now = await load(unit.db)
        merged = {**now.model_dump(), **change.model_dump(exclude_none=True)}
        try:
            changed = QuestionSettings.model_validate(merged)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "settings"
            raise InvalidError(f"{where}: {first['msg']}") from None
        await settings.save(unit, KEY, changed, actor.id)
        return changed

    return await run(db, bus, apply, actor_id=actor.id)
