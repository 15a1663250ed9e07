"""Protocol errors and close codes (docs/protocol.md, "Errors" and "Close codes")."""

from __future__ import annotations

from typing import Final


class ProtocolError(Exception):
    """A frame the server cannot act on; answered with an ``error`` frame."""

    def __init__(self, code: str, message: str, frame_id: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.frame_id = frame_id


# 4000-4499: do not reconnect without changing something (sign in again).
CLOSE_UNAUTHORIZED: Final = 4001
CLOSE_FORBIDDEN: Final = 4003
CLOSE_UNSUPPORTED_VERSION: Final = 4006
CLOSE_TOO_MANY_SOCKETS: Final = 4008
# 4500-4999: reconnect (with backoff) and resume from the last position seen.
CLOSE_SHUTDOWN: Final = 4500
CLOSE_SLOW_CONSUMER: Final = 4501
CLOSE_FLOOD: Final = 4529
