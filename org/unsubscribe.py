"""One-click unsubscribe links for the mail a person gets about mentions.

A link must work without signing in (a mail client posts to it, RFC 8058), so
it carries who it is for and a proof: ``<user id>-<HMAC-SHA256 of "mention
email off" and the id>``, cut to 160 bits, in URL-safe base64. The key is
random, made once per installation and kept in the database (``company_setting``,
under ``mail_link_key``), so every node signs and checks alike and there is no
``SECRET_KEY`` to configure. A person's link never changes: it may be used any
number of times, and all it can do is turn that person's mention mail off.

Nothing here knows about mail or HTTP: server/mention_mail.py makes the links,
server/routes/people.py answers them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import NotFoundError
from org import settings as company
from org.models import User
from streams.unit import Unit

KEY_SETTING = "mail_link_key"
MAX_TOKEN = 40  # "<10 digits>-<27 characters>"


class LinkKey(BaseModel):
    key: str = ""  # hex; empty until made


async def key_of(unit: Unit) -> bytes:
    """The installation's key, made at first use. Two nodes making it at once:
    one insert wins, the other's unit fails on the key and is retried by the
    caller (``ensure_key``)."""
    found = await company.load(unit.db, KEY_SETTING, LinkKey)
    if found.key:
        return bytes.fromhex(found.key)
    made = secrets.token_hex(32)
    await company.save(unit, KEY_SETTING, LinkKey(key=made), None, secret=True)
    await unit.db.flush()
    return bytes.fromhex(made)


async def read_key(db: AsyncSession) -> bytes | None:
    found = await company.load(db, KEY_SETTING, LinkKey)
    return bytes.fromhex(found.key) if found.key else None


def _mac(key: bytes, user_id: int) -> str:
    mac = hmac.new(key, f"mention email off:{user_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:20]).decode().rstrip("=")


def token_for(key: bytes, user_id: int) -> str:
    return f"{user_id}-{_mac(key, user_id)}"


def user_of(key: bytes | None, token: str) -> int | None:
    """The person a token is for, or None when it is not one we made."""
    if key is None or len(token) > MAX_TOKEN:
        return None
    raw_id, _, mac = token.partition("-")
    if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 10 and mac):
        return None
    user_id = int(raw_id)
    if not hmac.compare_digest(mac.encode(), _mac(key, user_id).encode()):
        return None
    return user_id


async def person_of(db: AsyncSession, token: str) -> User:
    """The active person a link is for; ``NotFoundError`` for a forged, altered
    or unknown one, or a deactivated person (nothing to learn from the
    difference)."""
    user_id = user_of(await read_key(db), token)
    user = await db.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
        raise NotFoundError("this link is not valid")
    return user


async def unsubscribe(unit: Unit, token: str) -> User:
    """Turn the link's person's mention mail off (asking again changes nothing)."""
    user = await person_of(unit.db, token)
    if user.mention_email:
        user.mention_email = False
        unit.db.add(user)
        await unit.db.flush()
    return user
