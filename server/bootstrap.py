"""First run: make sure someone can become the first administrator.

With ``ADMIN_EMAIL`` and ``ADMIN_PASSWORD`` set (automation), that account is
created. Otherwise a one-time setup link is printed; whoever opens it first
chooses the admin's email, name and password. Nothing is printed once any
account exists.
"""

from __future__ import annotations

import logging
import sys

from channels.actions.people import create_user
from core.errors import ConflictError
from org import auth
from org.models import Role, UserCreate
from org.passwords import WeakPasswordError
from server.services import Services
from streams.unit import Unit

log = logging.getLogger(__name__)


async def ensure_first_admin(services: Services) -> None:
    settings = services.settings

    async def first_run(unit: Unit) -> str | None:
        """The setup link's token, or None when there is nothing to set up."""
        if await auth.user_count(unit.db) > 0:
            # Setup links printed by earlier starts die with the first account.
            await auth.drop_setup_links(unit)
            return None
        if settings.admin_email and settings.admin_password:
            await create_user(
                unit,
                UserCreate(
                    email=settings.admin_email,
                    display_name="Administrator",
                    password=settings.admin_password,
                    role=Role.admin,
                ),
                how="setup",
            )
            log.info("first administrator %s created from ADMIN_EMAIL", settings.admin_email)
            return None
        return await auth.create_invite(unit, created_by=None, role=Role.admin)

    try:
        token = await services.write(first_run)
    except ConflictError:  # another node made the administrator first
        return
    except WeakPasswordError as exc:
        # Said plainly, before the node exits: not a traceback.
        log.critical("ADMIN_PASSWORD refused: %s", exc.message)
        raise SystemExit(f"ADMIN_PASSWORD refused: {exc.message}") from None
    if token is None:
        return
    link = f"{settings.base_url}/#/invite/{token}"
    banner = (
        "\n"
        "  ==============================================================\n"
        "   First run: no accounts yet. Create the first administrator:\n"
        f"   {link}\n"
        "   Open it in a browser and choose your email, name and password.\n"
        "   The link works once, until any account exists, and expires in 7 days;\n"
        "   restarting prints a new one.\n"
        "  ==============================================================\n"
    )
    print(banner, file=sys.stderr, flush=True)
