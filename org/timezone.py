"""The company's time zone (the company setting ``timezone``; ``Asia/Tokyo``
until an admin saves another): what .ics files, calendar feeds and reminder
texts write times in. The browser shows times in each reader's own zone."""

from __future__ import annotations

import functools
import zoneinfo

from pydantic import BaseModel, field_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from core.schema import StrictModel
from org import settings
from org.models import User
from streams.unit import Unit

KEY = "timezone"
DEFAULT = "Asia/Tokyo"


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class CompanyTimezone(BaseModel):
    timezone: str = DEFAULT


class TimezoneChange(StrictModel):
    """An IANA zone name: ``Asia/Tokyo``, ``Europe/Paris``, ``UTC``."""

    timezone: str

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _known():
            raise ValueError("not a known time zone (an IANA name such as Asia/Tokyo)")
        return value


async def load(db: AsyncSession) -> CompanyTimezone:
    found = await settings.load(db, KEY, CompanyTimezone)
    return found if found.timezone in _known() else CompanyTimezone()


async def zone(db: AsyncSession) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo((await load(db)).timezone)


async def save(unit: Unit, change: TimezoneChange, by: User) -> CompanyTimezone:
    value = CompanyTimezone(timezone=change.timezone)
    await settings.save(unit, KEY, value, by.id)
    return value
