"""The storage contract, shared by both backends and checked by one suite
(tests/contract/test_storage.py).

A store maps **keys** to immutable byte strings. Keys are chosen by the caller
(the server makes them from random ids; a person's file name is never part of
one): one or more segments joined by ``/``, each made of ASCII letters,
digits, ``.``, ``_`` and ``-``, not starting with ``.`` (so no ``.``, ``..``
or hidden names), at most ``MAX_KEY_LENGTH`` characters in all. Both backends
refuse anything else with ``InvalidKeyError`` before touching the store, so a
key that works on one works on the other.

Everything streams: ``write`` takes an async iterable of chunks and never holds
the whole file; ``read`` opens an object (its size, version and the byte range
it will serve are known before the first byte is sent, so an HTTP route can
answer 404 or 416 first) and then yields chunks.

What it owns: bytes under keys. What it does not: who may read them, file
names, media types, which post a file belongs to: the database has those.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from files.errors import InvalidKeyError, RangeNotSatisfiableError, TooLargeError

MAX_KEY_LENGTH = 512
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*\Z")
_RANGE_HEADER = re.compile(r"bytes=(\d*)-(\d*)\Z")


def check_key(key: str) -> str:
    """Return ``key`` if it is a valid key, else raise ``InvalidKeyError``."""
    if not key:
        raise InvalidKeyError(key, "empty")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKeyError(key, f"longer than {MAX_KEY_LENGTH} characters")
    for segment in key.split("/"):
        if not segment:
            raise InvalidKeyError(key, "empty segment (leading, trailing or double '/')")
        if not _SEGMENT.match(segment):
            raise InvalidKeyError(
                key, "segments are ASCII letters, digits, '.', '_', '-', not starting with '.'"
            )
    return key


def check_prefix(prefix: str) -> str:
    """A prefix is empty, or a key, or a key followed by ``/``, or the start of a
    key's last segment (``"u/ab"`` lists ``u/abc`` and ``u/ab/c``)."""
    if prefix:
        body = prefix.removesuffix("/")
        check_key(body if body else "/")
    return prefix


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """What a store knows about one object."""

    key: str
    size: int
    etag: str  # changes whenever the bytes may have; without quotes (HTTP adds them)
    modified: datetime  # when it was written (UTC)


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Which bytes of an object to read, with slice semantics: ``ByteRange(10)``
    is from byte 10 to the end, ``ByteRange(10, 20)`` bytes 10 to 19,
    ``ByteRange(-500)`` the last 500 bytes.

    As in HTTP (RFC 9110, 14.1.2), a range is satisfiable when it starts before
    the end of the object; a ``stop`` past the end is cut to the end, and a
    suffix longer than the object is the whole object.
    """

    start: int
    stop: int | None = None

    def __post_init__(self) -> None:
        if self.start < 0 and self.stop is not None:
            raise ValueError("a suffix range (negative start) has no stop")
        if self.stop is not None and self.stop <= self.start:
            raise ValueError("an empty range")

    @classmethod
    def from_header(cls, value: str | None) -> ByteRange | None:
        """Parse an HTTP ``Range`` header. ``None`` for what a server should
        ignore (absent, not bytes, several ranges, malformed, ``bytes=-0``) and
        answer with the whole object, as RFC 9110 allows.

        >>> ByteRange.from_header("bytes=0-499"), ByteRange.from_header("bytes=-500")
        (ByteRange(start=0, stop=500), ByteRange(start=-500, stop=None))
        """
        if value is None:
            return None
        match = _RANGE_HEADER.match(value.strip().replace(" ", ""))
        if match is None:
            return None
        first, last = match.groups()
        if first and last:
            if int(last) < int(first):
                return None
            return cls(int(first), int(last) + 1)
        if first:
            return cls(int(first))
        if last and int(last) > 0:
            return cls(-int(last))
        return None

    def resolve(self, size: int) -> tuple[int, int]:
        """The ``(start, stop)`` this range covers in an object of ``size`` bytes.

        Raises:
            RangeNotSatisfiableError: it starts at or past the end.
        """
        if self.start < 0:
            if size == 0:
                raise RangeNotSatisfiableError(size)
            return max(0, size + self.start), size
        if self.start >= size:
            raise RangeNotSatisfiableError(size)
        return self.start, size if self.stop is None else min(self.stop, size)


class Download(ABC):
    """An opened object: ``info`` and the range served are known, the bytes not
    yet read. Iterate it for the chunks (once), then close it (``aclose`` or
    ``async with``); closing early releases the file or connection.

    For HTTP: status 206 when ``partial``, with ``content_range()``;
    ``length`` is the Content-Length.
    """

    def __init__(self, info: ObjectInfo, start: int, stop: int) -> None:
        self.info = info
        self.start = start
        self.stop = stop

    @property
    def length(self) -> int:
        return self.stop - self.start

    @property
    def partial(self) -> bool:
        return (self.start, self.stop) != (0, self.info.size)

    def content_range(self) -> str:
        return f"bytes {self.start}-{self.stop - 1}/{self.info.size}"

    @abstractmethod
    def __aiter__(self) -> AsyncIterator[bytes]: ...

    @abstractmethod
    async def aclose(self) -> None: ...

    async def read_all(self) -> bytes:
        """All the bytes in the range at once (for tests and small objects)."""
        try:
            return b"".join([chunk async for chunk in self])
        finally:
            await self.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def limited(chunks: AsyncIterable[bytes], limit: int | None) -> AsyncIterator[bytes]:
    """Pass ``chunks`` on, raising ``TooLargeError`` as soon as they add up to
    more than ``limit`` bytes (before the chunk that passes it is handed on)."""
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if limit is not None and total > limit:
            raise TooLargeError(limit)
        if chunk:
            yield chunk


class Storage(ABC):
    """Bytes under keys: a local directory (``LocalStorage``) or an S3 bucket
    (``S3Storage``). Every method validates the key first."""

    @abstractmethod
    async def write(
        self, key: str, chunks: AsyncIterable[bytes], *, limit: int | None = None
    ) -> ObjectInfo:
        """Store the chunks under ``key``, replacing what was there. Readers see
        the old object or the new one, never part of one.

        Args:
            chunks: the bytes, in pieces of any size (empty pieces are fine).
            limit: the most bytes allowed; ``None`` for no limit.

        Returns:
            The new object's info.

        Raises:
            TooLargeError: more than ``limit`` bytes came; the write stopped at
                that chunk and nothing was stored (an earlier object under the
                key is left as it was).
        """

    @abstractmethod
    async def read(self, key: str, byte_range: ByteRange | None = None) -> Download:
        """Open ``key`` for reading (all of it, or ``byte_range``).

        Raises:
            NoSuchKeyError: nothing is stored under ``key``.
            RangeNotSatisfiableError: the range starts past the end; carries the size.
        """

    @abstractmethod
    async def stat(self, key: str) -> ObjectInfo | None:
        """The object's info, or ``None`` if nothing is stored under ``key``."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove ``key``; removing what is not there is not an error."""

    @abstractmethod
    def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        """Every object whose key starts with ``prefix`` (see ``check_prefix``),
        in no particular order, read a page at a time (for sweeps and exports)."""

    async def download_url(self, key: str, *, expires_in: timedelta) -> str | None:
        """A URL that downloads ``key`` without us for ``expires_in``, or ``None``
        where the backend has none (the local one). Browsers do not cache a
        redirect to one (each signature is a new URL), so serve images through
        the server and keep these for large downloads."""
        check_key(key)
        return None

    async def close(self) -> None:  # noqa: B027  (backends without connections keep this)
        """Release connections."""
