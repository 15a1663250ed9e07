"""Domain errors. Each carries a stable ``code`` that HTTP routes and WebSocket
frames report as is (see docs/protocol.md, "Error codes")."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """``details``: what the answer carries beside code and message (stable
    codes and values a client shows in its own language), or None."""

    code = "error"
    status = 400

    def __init__(self, message: str = "", details: dict[str, Any] | None = None) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        self.details = details


class InvalidError(DomainError):
    code = "invalid"
    status = 400


class UnauthorizedError(DomainError):
    code = "unauthorized"
    status = 401


class ForbiddenError(DomainError):
    code = "forbidden"
    status = 403


class NotFoundError(DomainError):
    """Also what a caller gets for what exists but is not theirs to see."""

    code = "not_found"
    status = 404


class ConflictError(DomainError):
    code = "conflict"
    status = 409


class RateLimitedError(DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str = "", *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, when known (HTTP: Retry-After)


class MutedError(ForbiddenError):
    """A moderator muted the writer: they may read, not post, comment or like,
    until ``details.until`` (moderation/)."""

    code = "muted"

    def __init__(self, until: str) -> None:
        super().__init__(f"you are muted until {until}", {"until": until})


class SuspendedError(DomainError):
    """A moderator suspended the account: no sign-in until ``details.until``."""

    code = "suspended"
    status = 403

    def __init__(self, until: str) -> None:
        super().__init__(f"this account is suspended until {until}", {"until": until})
