"""Clients as a third party would write them: httpx for the API, the
``websockets`` library for the live protocol (JSON or msgpack)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgpack
from websockets.asyncio.client import ClientConnection, connect

from tests.support.backends import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.servers import Running
from tests.support.timing import deadline


class ApiError(AssertionError):
    pass


class Api:
    """An HTTP client signed in with a session cookie (and CSRF) or a bearer token."""

    def __init__(self, base: str, token: str | None = None, *, address: str | None = None) -> None:
        """``address``: the loopback address to send from (127.0.0.2, …), to be
        another client machine."""
        headers = {"authorization": f"Bearer {token}"} if token else {}
        transport = httpx.AsyncHTTPTransport(local_address=address) if address else None
        self.http = httpx.AsyncClient(
            base_url=base, headers=headers, timeout=deadline(15), transport=transport
        )
        self.token = token
        self.csrf: str | None = None
        self.user: dict[str, Any] = {}

    async def close(self) -> None:
        await self.http.aclose()

    async def sign_in(self, email: str, password: str) -> dict[str, Any]:
        body: dict[str, Any] = await self.call(
            "POST", "/api/session", {"email": email, "password": password}
        )
        self.csrf = body["csrf_token"]
        self.user = body["user"]
        return body

    async def raw(self, method: str, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", {}))
        if self.csrf:
            headers.setdefault("x-csrf-token", self.csrf)
        if body is not None:
            kw["json"] = body
        return await self.http.request(method, path, headers=headers, **kw)

    async def call(
        self, method: str, path: str, body: Any = None, expect: int | None = None, **kw: Any
    ) -> Any:
        r = await self.raw(method, path, body, **kw)
        ok = r.status_code == expect if expect is not None else r.is_success
        if not ok:
            raise ApiError(f"{method} {path} -> {r.status_code} {r.text}")
        return r.json() if r.content else None

    async def new_token(self, name: str = "test") -> str:
        token: str = (await self.call("POST", "/api/tokens", {"name": name}))["token"]
        return token


@dataclass
class Person:
    email: str
    api: Api
    token: str
    id: int


@dataclass
class Company:
    """A small company: an admin, two departments, three people."""

    server: Running
    admin: Api
    departments: dict[str, int]
    people: dict[str, Person] = field(default_factory=dict)

    async def close(self) -> None:
        await self.admin.close()
        for p in self.people.values():
            await p.api.close()


async def make_company(server: Running) -> Company:
    """Engineering and Sales are open departments (everyone reads them; tests of
    closed ones make their own)."""
    admin = Api(server.http)
    await admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    departments = {}
    for name in ("Engineering", "Sales"):
        made = await admin.call("POST", "/api/departments", {"name": name, "closed": False})
        departments[name] = made["id"]
    company = Company(server, admin, departments)
    people = (
        ("alice", "ありす", "Engineering"),
        ("bob", "ぼぶ", "Engineering"),
        ("carol", "きゃろる", "Sales"),
    )
    for name, reading, dept in people:
        email = f"{name}@example.com"
        user = await admin.call(
            "POST",
            "/api/users",
            {
                "email": email,
                "display_name": name.title(),
                "reading": reading,
                "password": "password-" + name,
                "department_id": departments[dept],
            },
        )
        session = Api(server.http)
        await session.sign_in(email, "password-" + name)
        token = await session.new_token()
        await session.close()
        company.people[name] = Person(email, Api(server.http, token), token, user["id"])
    return company


async def add_person(
    company: Company, name: str, department_id: int | None, reading: str = ""
) -> Person:
    """Another member of the company (email ``<name>@example.com``), signed in with a token."""
    email = f"{name}@example.com"
    user = await company.admin.call(
        "POST",
        "/api/users",
        {
            "email": email,
            "display_name": name.title(),
            "reading": reading,
            "password": "password-" + name,
            "department_id": department_id,
        },
    )
    session = Api(company.server.http)
    await session.sign_in(email, "password-" + name)
    token = await session.new_token()
    await session.close()
    company.people[name] = Person(email, Api(company.server.http, token), token, user["id"])
    return company.people[name]


async def department_channel(api: Api, department_id: int) -> dict[str, Any]:
    channels = await api.call("GET", "/api/channels")
    return next(c for c in channels if c["department_id"] == department_id)


class Live:
    """One WebSocket connection, reading frames into a list as they come."""

    _ids = itertools.count(1)

    def __init__(self, ws: ClientConnection, encoding: str) -> None:
        self.ws = ws
        self.encoding = encoding
        self.frames: list[dict[str, Any]] = []
        self.closed: asyncio.Future[tuple[int | None, str]] = (
            asyncio.get_running_loop().create_future()
        )
        self._reader = asyncio.create_task(self._read())
        self._arrived = asyncio.Event()

    @classmethod
    async def connect(
        cls, server: Running, token: str | None, encoding: str = "json", **kw: Any
    ) -> Live:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        headers.update(kw.pop("additional_headers", {}))
        ws = await connect(
            server.ws,
            subprotocols=[encoding],  # type: ignore[list-item]
            additional_headers=headers,
            open_timeout=deadline(10),
            **kw,
        )
        live = cls(ws, encoding)
        await live.wait(lambda f: f["type"] == "hello")
        return live

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if isinstance(message, bytes):
                    self.frames.append(msgpack.unpackb(message))
                else:
                    self.frames.append(json.loads(message))
                self._arrived.set()
        except Exception:
            pass
        finally:
            self.closed.set_result((self.ws.close_code, self.ws.close_reason or ""))
            self._arrived.set()

    async def send(self, frame: dict[str, Any]) -> None:
        if self.encoding == "msgpack":
            await self.ws.send(msgpack.packb(frame))
        else:
            await self.ws.send(json.dumps(frame))

    async def request(self, frame: dict[str, Any], seconds: float = 10) -> dict[str, Any]:
        """Send with a fresh id and return the answer that echoes it."""
        frame_id = next(self._ids)
        await self.send({**frame, "id": frame_id})
        return await self.wait(lambda f: f.get("id") == frame_id and f["type"] != "event", seconds)

    async def wait(
        self, pred: Callable[[dict[str, Any]], bool], seconds: float = 10, start: int = 0
    ) -> dict[str, Any]:
        end = asyncio.get_running_loop().time() + deadline(seconds)
        seen = start
        while True:
            for frame in self.frames[seen:]:
                if pred(frame):
                    return frame
            seen = len(self.frames)
            if self.closed.done():
                raise AssertionError(f"connection closed {self.closed.result()} while waiting")
            remaining = end - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"timed out; frames so far: {self.frames[-5:]}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    def events(self, channel: int, kind: str | None = None) -> list[dict[str, Any]]:
        return [
            f
            for f in self.frames
            if f["type"] == "event"
            and f["channel"] == channel
            and (kind is None or f["kind"] == kind)
        ]

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
