"""The HTTP edge in-process: compression and security headers on every answer."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx

from server.app import create_app
from server.settings import Settings


async def test_large_answers_are_gzipped_and_carry_security_headers(tmp_path: Path) -> None:
    settings = dataclasses.replace(
        Settings(), database_url=f"sqlite+aiosqlite:///{tmp_path}/k.db", bus_prefix="t"
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            r = await client.get("/api/openapi.json", headers={"accept-encoding": "gzip"})
            plain = await client.get("/api/openapi.json", headers={"accept-encoding": "identity"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert r.json() == plain.json()  # httpx decoded it
    assert "content-encoding" not in plain.headers
    assert int(r.headers["content-length"]) < len(plain.content) / 3
    for headers in (r.headers, plain.headers):
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


async def test_metrics_want_the_token_when_one_is_set(tmp_path: Path) -> None:
    settings = dataclasses.replace(
        Settings(),
        database_url=f"sqlite+aiosqlite:///{tmp_path}/k.db",
        bus_prefix="t",
        metrics_token="s3cret-scraper",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            missing = await client.get("/metrics")
            wrong = await client.get("/metrics", headers={"authorization": "Bearer nope"})
            right = await client.get("/metrics", headers={"authorization": "Bearer s3cret-scraper"})
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
    assert wrong.status_code == 401
    assert right.status_code == 200 and "kaisha_ws_connections" in right.text
