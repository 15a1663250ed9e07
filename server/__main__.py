"""``python -m server``: the one way to run a node (``make run`` and the Procfile).

Applies migrations, then serves under uvicorn. On SIGTERM or Ctrl-C every
WebSocket is first closed with ``CLOSE_SHUTDOWN`` (4500, "reconnect") after
what is queued for it, so clients resume on another node; in-flight HTTP
requests and WebSocket commands finish before the process exits.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from types import FrameType
from typing import Any

import uvicorn

from server.app import Node, create_app
from server.serving import uvicorn_config
from server.settings import Settings

# Never a credential in a log: a token in a URL (``/ws?token=…``, as uvicorn logs
# accepted WebSockets), an API token anywhere, a reset or invitation link.
_SECRETS = re.compile(r"(token=|kt_|/invites?/|/resets?/)[A-Za-z0-9_\-]+")


def redact(text: str) -> str:
    return _SECRETS.sub(lambda m: m.group(1) + "[redacted]", text)


class JsonLogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str) -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLogFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True, "level": "WARNING"},
            "uvicorn.error": {"handlers": [], "propagate": True},
        },
    }


class Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, node: Node) -> None:
        super().__init__(config)
        self._node = node

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._node.close_connections()
        super().handle_exit(sig, frame)


def main() -> None:
    settings = Settings.from_env()
    app = create_app(settings)
    config = uvicorn_config(
        app,
        settings,
        log_config=configure_logging(settings.log_level),
        timeout_graceful_shutdown=10,
    )
    server = Server(config, app.state.node)
    print(
        f"Kaisha on http://{settings.host}:{settings.port}  (node {settings.node_id})",
        file=sys.stderr,
        flush=True,
    )
    server.run()


if __name__ == "__main__":
    main()
