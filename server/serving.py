"""The uvicorn settings every node runs with, shared by ``python -m server`` and
the test servers so that tests exercise the same WebSocket path as production."""

from __future__ import annotations

from typing import Any

import uvicorn

from server.settings import Settings
from server.wire import DirectProtocol


def uvicorn_config(app: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        # uvicorn's websockets-sansio protocol, handing its transport to the hub
        # for direct writes (server/wire.py).
        "ws": DirectProtocol,
        "ws_max_size": settings.max_frame_bytes,
        # Frames are small JSON; per-connection compression would compress each
        # event once per subscriber (defeating encode-once) and hold ~40 KiB of
        # zlib state per connection (docs/performance.md).
        "ws_per_message_deflate": False,
        "lifespan": "on",
        # An idle HTTP connection stays open longer than clients keep theirs
        # (httpx and requests: 5 s, Chrome: up to 300 s for a used socket but it
        # retries a request lost on a reused one). With uvicorn's 5 s default the
        # server could close a connection at the moment a client reused it, and
        # that request failed with "disconnected without a response"; nginx uses
        # 75 s for the same reason.
        "timeout_keep_alive": 75,
        # The client's address is the socket's peer unless it is a trusted proxy
        # (TRUSTED_PROXIES); then uvicorn takes it from X-Forwarded-For.
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": list(settings.trusted_proxies),
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)
