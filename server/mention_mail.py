"""Mail for mentions left unread: every node looks, every
``MENTION_EMAIL_INTERVAL`` seconds, for mentions still unread
``MENTION_EMAIL_DELAY`` seconds after they were made, claims them (exactly
once across nodes: notify/emails.py) and sends each person one mail for all
of theirs it claimed, in their language, with a link to each post and a
one-click unsubscribe link (RFC 8058's ``List-Unsubscribe`` and
``List-Unsubscribe-Post`` headers, and a page in the browser:
org/unsubscribe.py). Off, on every node, while mail is (no ``SMTP_HOST``).

A mail that cannot be sent is not lost silently: it is logged, and its
mentions go back to the queue (the next run tries again, if they are still
unread then), except when the mail server refuses the address itself (a
permanent answer: trying again every minute would change nothing), which is
logged and dropped. A node dying between a claim and its send loses that mail:
at most once, never twice.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

from bus.base import Bus
from core.clock import utcnow
from core.errors import ConflictError
from notify import emails
from org import unsubscribe
from server.db import Database
from server.mail import Mailer
from server.periodic import Periodic
from server.settings import Settings
from streams.unit import Unit, run

log = logging.getLogger(__name__)

MAX_BATCHES = 20  # claims one run makes at most (CLAIM_BATCH mentions each)
ONE_CLICK = "List-Unsubscribe=One-Click"


class MentionMail(Periodic):
    name = "mention-mail"

    def __init__(self, settings: Settings, db: Database, bus: Bus, mailer: Mailer) -> None:
        super().__init__()
        self._settings = settings
        self._db = db
        self._bus = bus
        self._mailer = mailer
        self._key: bytes | None = None

    @property
    def enabled(self) -> bool:
        return self._mailer.enabled

    # ---- one run -------------------------------------------------------------------

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim what is due and mail it: answers how many mails were sent."""
        if not self.enabled:
            return 0
        now = now or utcnow()
        due = now - timedelta(seconds=self._settings.mention_email_delay)
        digests: dict[int, emails.Digest] = {}
        for _ in range(MAX_BATCHES):

            async def take(unit: Unit) -> tuple[list[emails.Key], list[emails.Digest]]:
                return await emails.claim(unit, due, now)

            async with self._db.writer() as db:
                keys, found = await run(db, self._bus, take)
            for digest in found:
                kept = digests.setdefault(digest.user_id, digest)
                if kept is not digest:
                    kept.mentions.extend(digest.mentions)
            if len(keys) < emails.CLAIM_BATCH:
                break
        sent = 0
        for digest in digests.values():
            sent += await self._send(digest)
        return sent

    async def _send(self, digest: emails.Digest) -> int:
        token = unsubscribe.token_for(await self._link_key(), digest.user_id)
        base = self._settings.base_url
        delay = self._settings.mention_email_delay
        links = emails.Links(
            base_url=base,
            unsubscribe_page=f"{base}/#/unsubscribe/{token}",
            delay_minutes=max(1, round(delay / 60)),
        )
        headers = {
            "List-Unsubscribe": f"<{base}/api/unsubscribe/{token}>",
            "List-Unsubscribe-Post": ONE_CLICK,
        }
        try:
            await self._mailer.send(
                digest.email, emails.subject(digest), emails.body(digest, links), headers
            )
        except smtplib.SMTPRecipientsRefused as exc:
            log.warning(
                "mention mail to person %d refused by the mail server (not retried): %s",
                digest.user_id,
                exc,
            )
            return 0
        except (OSError, smtplib.SMTPException) as exc:
            log.warning(
                "mention mail to person %d not sent, tried again next run: %s",
                digest.user_id,
                exc,
            )
            keys = [(digest.user_id, m.id) for m in digest.mentions]

            async def give_back(unit: Unit) -> None:
                await emails.unclaim(unit, keys)

            async with self._db.writer() as db:
                await run(db, self._bus, give_back)
            return 0
        log.info("mailed %d unread mentions to person %d", len(digest.mentions), digest.user_id)
        return 1

    async def _link_key(self) -> bytes:
        """The installation's key for unsubscribe links, made at first use (by
        whichever node is first: another making it at the same moment finds
        its own insert refused, and reads the winner's)."""
        if self._key is None:
            for attempt in range(2):
                try:
                    async with self._db.writer() as db:
                        self._key = await run(db, self._bus, unsubscribe.key_of)
                    break
                except ConflictError:
                    if attempt:
                        raise
        assert self._key is not None
        return self._key

    # ---- the loop ------------------------------------------------------------------

    def start(self, interval: float) -> None:
        """Look every ``interval`` seconds; nothing at all while mail is off."""
        if self.enabled:
            super().start(interval)
