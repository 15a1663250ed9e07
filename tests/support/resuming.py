"""A client that behaves as the protocol asks: follows one channel, keeps its
position, drops duplicates by seq, and on any close reconnects (to the next
node that answers) and resumes from where it was."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from tests.support.clients import Live
from tests.support.servers import Running
from tests.support.timing import deadline


class ResumingClient:
    def __init__(
        self, nodes: list[Running], token: str, channel: int, epoch: str, seq: int, start: int = 0
    ) -> None:
        self.nodes = nodes
        self.token = token
        self.channel = channel
        self.epoch = epoch
        self.seq = seq
        self.node_index = start
        self.bodies: list[str] = []
        self.duplicates = 0
        self.gaps = 0
        self.reconnects = 0
        self.unrecovered = 0
        self.close_codes: list[int | None] = []
        self.subscribed = asyncio.Event()
        self._stop = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        delay = 0.05
        while not self._stop.is_set():
            node = self.nodes[self.node_index % len(self.nodes)]
            try:
                async with connect(
                    node.ws,
                    subprotocols=["json"],  # type: ignore[list-item]
                    additional_headers={"authorization": f"Bearer {self.token}"},
                    open_timeout=5,
                    max_queue=None,
                ) as ws:
                    delay = 0.05
                    await ws.send(
                        json.dumps(
                            {
                                "op": "sub",
                                "id": 1,
                                "channel": self.channel,
                                "epoch": self.epoch,
                                "seq": self.seq,
                            }
                        )
                    )
                    async for message in ws:
                        self._on_frame(json.loads(message))
                    self.close_codes.append(ws.close_code)
            except (OSError, WebSocketException, TimeoutError):
                pass
            if self._stop.is_set():
                return
            # Jittered backoff, then the next node.
            self.reconnects += 1
            self.node_index += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _on_frame(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "subbed":
            if not frame["recovered"]:
                self.unrecovered += 1
            self.subscribed.set()
        elif frame["type"] == "event" and frame["channel"] == self.channel:
            if frame["seq"] <= self.seq:
                self.duplicates += 1
                return
            if frame["seq"] != self.seq + 1:
                self.gaps += 1
            self.seq = frame["seq"]
            if frame["kind"] == "post.created":
                self.bodies.append(frame["data"]["post"]["body"])

    async def stop(self) -> None:
        self._stop.set()
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def followers(
    nodes: list[Running], token: str, channel: dict[str, Any], count: int
) -> list[ResumingClient]:
    """``count`` resuming clients spread over the nodes, each subscribed."""
    clients = [
        ResumingClient(nodes, token, channel["id"], channel["epoch"], channel["seq"], start=i)
        for i in range(count)
    ]
    for client in clients:
        await asyncio.wait_for(client.subscribed.wait(), deadline(30))
    return clients


async def publish_acked(live: Live, channel: int, count: int, prefix: str) -> None:
    """Send posts one after another, each acknowledged before the next, as a
    well-behaved client does: a write refused for the frame rate is sent again
    (same client id) after a pause."""
    for i in range(count):
        frame = {"op": "post", "channel": channel, "body": f"{prefix}{i}", "cid": f"{prefix}-{i}"}
        while True:
            answer = await live.request(frame, seconds=30)
            if answer.get("code") != "rate_limited":
                break
            await asyncio.sleep(0.05)
        assert answer["type"] == "ack", answer
