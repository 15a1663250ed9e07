"""Mail, when an SMTP server is configured (``SMTP_HOST``); off otherwise, and
the features that would mail say so (a forgotten password: ask an admin).

Sent with the standard library's ``smtplib`` in a worker thread, so a slow
mail server never holds up the event loop."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

from server.settings import Settings


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def enabled(self) -> bool:
        return self._settings.smtp_host is not None

    async def send(
        self, to: str, subject: str, body: str, headers: dict[str, str] | None = None
    ) -> None:
        """Send one plain-text mail (UTF-8). Raises what ``smtplib`` raises:
        ``SMTPRecipientsRefused`` when the server will not take the address,
        another ``SMTPException`` or ``OSError`` when it could not be reached
        or failed otherwise."""
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = to
        # A header is one line, whatever the names in it hold.
        message["Subject"] = " ".join(subject.split())
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(body)
        await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        s = self._settings
        assert s.smtp_host is not None
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user and s.smtp_password:
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(message)
