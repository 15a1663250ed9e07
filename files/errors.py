"""What the files package raises. Each is a ``core.errors.DomainError`` with a
stable ``code`` and the HTTP status a route answers with, so the server maps
them as it maps every other domain error."""

from __future__ import annotations

from core.errors import DomainError, InvalidError, NotFoundError


class TooLargeError(DomainError):
    """A write passed its size limit. Nothing was stored (HTTP 413)."""

    code = "too_large"
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than the limit of {limit} bytes")
        self.limit = limit


class NoSuchKeyError(NotFoundError):
    """Nothing is stored under the key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no such key: {key!r}")
        self.key = key


class RangeNotSatisfiableError(DomainError):
    """The byte range asked for starts past the end (HTTP 416 with
    ``Content-Range: bytes */{size}``)."""

    code = "range_not_satisfiable"
    status = 416

    def __init__(self, size: int) -> None:
        super().__init__(f"range not satisfiable: the object has {size} bytes")
        self.size = size


class InvalidKeyError(InvalidError):
    """A key outside the alphabet keys are made of (files/storage/base.py); the
    caller chose it, so this is a bug or an attack, never a user's mistake."""

    def __init__(self, key: str, why: str) -> None:
        super().__init__(f"invalid key {key!r}: {why}")
        self.key = key


class StorageError(DomainError):
    """The store could not be reached or failed (HTTP 503): the operation may be
    retried. The backend's own exception is the ``__cause__``."""

    code = "storage_unavailable"
    status = 503
