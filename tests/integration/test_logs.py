"""What a node writes to its log: never a credential, and a client's bad input
is not a server error."""

from __future__ import annotations

import asyncio
from pathlib import Path

from websockets.asyncio.client import connect

from tests.support.backends import settings_for
from tests.support.clients import Api, make_company
from tests.support.servers import Node
from tests.support.timing import deadline


async def test_no_credential_reaches_the_log_and_bad_frames_are_no_errors(
    tmp_path: Path,
) -> None:
    node = Node(settings_for("sqlite", tmp_path), log_level="DEBUG")
    await node.start()
    try:
        company = await make_company(node.running)
        token = company.people["alice"].token
        # A token in the URL, as clients that cannot send headers do.
        async with connect(f"{node.running.ws}?token={token}") as ws:
            await ws.recv()  # hello
            await ws.send(b'{"op":"ping","x":"\xff\xfe"}', text=True)  # invalid UTF-8
            await asyncio.wait_for(ws.wait_closed(), deadline(5))
        invite = await company.admin.call("POST", "/api/invites", {})
        anyone = Api(node.running.http)
        await anyone.call("GET", f"/api/invites/{invite['token']}")
        await anyone.close()
        await company.close()
        await asyncio.sleep(0.2)  # let the log lines land
        log = node.log.read_text(encoding="utf-8")
        assert "WebSocket /ws" in log or "/api/invites/" in log  # it did log requests
        for secret in (token, token[3:], invite["token"]):
            assert secret not in log
        assert node.errors() == []
    finally:
        await node.kill()
