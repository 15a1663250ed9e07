"""The unsubscribe link of the mail about unread mentions (server/mention_mail.py),
used without signing in: ``GET`` says whose mail it stops (the browser's page
asks before it does anything: a link scanner that opens it changes nothing),
``POST`` turns that person's mention mail off. ``POST`` is also what a mail
client sends for RFC 8058's one-click unsubscribe (the body
``List-Unsubscribe=One-Click``, which is not read). A link that is not one the
server made answers 404 and changes nothing."""

from __future__ import annotations

from pydantic import BaseModel

from org import unsubscribe
from server.api import Ctx, api


class Unsubscription(BaseModel):
    display_name: str  # whose mail the link is about
    mention_email: bool  # whether mentions left unread are mailed to them now


@api.route(
    "GET",
    "/api/unsubscribe/{token}",
    summary="Whose mention mail an unsubscribe link stops, and whether it is on",
    returns=Unsubscription,
    auth=False,
)
async def unsubscription(ctx: Ctx) -> Unsubscription:
    async with ctx.services.db.reader() as db:
        user = await unsubscribe.person_of(db, ctx.request.path_params["token"])
    return Unsubscription(display_name=user.display_name, mention_email=user.mention_email)


@api.route(
    "POST",
    "/api/unsubscribe/{token}",
    summary="Stop mail about mentions left unread (an unsubscribe link; one-click, RFC 8058)",
    returns=Unsubscription,
    auth=False,
)
async def unsubscribe_now(ctx: Ctx) -> Unsubscription:
    token = ctx.request.path_params["token"]
    user = await ctx.services.write(lambda unit: unsubscribe.unsubscribe(unit, token))
    return Unsubscription(display_name=user.display_name, mention_email=user.mention_email)
