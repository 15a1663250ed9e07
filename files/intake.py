"""Taking in one upload: its bytes, streamed, become what the server keeps and
serves, or a clear refusal with nothing left behind.

``take_in`` reads the start of the stream and names the type from it
(``images.sniff``), never from the name or the Content-Type a client sent;
refuses a type the company does not allow (``TypeNotAllowedError``), an
empty file (``EmptyFileError``) and more bytes than the limit
(``TooLargeError``, raised at the chunk that passes it); then

- an image is spooled to a temporary file (decoding needs to seek), made into
  a display copy and a thumbnail in a worker process (``ImageProcessor``:
  limits, upright, without metadata) and only those two are stored. The
  original, with its EXIF and GPS position, is never kept, so no route can
  serve it;
- anything else streams straight to storage under ``<key>/original``.

What it does not know: who uploads, file names, the database. The server
records what ``take_in`` returns (channels/attachments.py).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Literal

from core.errors import DomainError
from files import images
from files.errors import TooLargeError
from files.images import ImageProcessor
from files.storage import Storage
from files.storage.base import limited

# What an admin allows or refuses, by kind (channels/attachments.py: FileRules).
Category = Literal["image", "pdf", "office", "text", "other"]
CATEGORIES: tuple[Category, ...] = ("image", "pdf", "office", "text", "other")
# Types served under their own name; everything else is application/octet-stream
# (HTML above all: never a type a browser would render).
SERVED_AS_IS = frozenset(
    {images.PDF, images.DOCX, images.XLSX, images.PPTX, images.TEXT, *images.IMAGE_TYPES}
)

ORIGINAL, DISPLAY, THUMB = "original", "display", "thumb"


def category(media_type: str) -> Category:
    """Which of ``CATEGORIES`` a sniffed type belongs to."""
    if images.is_image(media_type):
        return "image"
    if media_type == images.PDF:
        return "pdf"
    if media_type in (images.DOCX, images.XLSX, images.PPTX):
        return "office"
    if media_type == images.TEXT:
        return "text"
    return "other"


class TypeNotAllowedError(DomainError):
    """The company does not accept this kind of file (HTTP 415)."""

    code = "type_not_allowed"
    status = 415

    def __init__(self, kind: str) -> None:
        super().__init__(f"files of this kind ({kind}) are not allowed here")
        self.details = {"kind": kind}


class EmptyFileError(DomainError):
    code = "empty_file"
    status = 422

    def __init__(self) -> None:
        super().__init__("the file is empty")


@dataclass(frozen=True, slots=True)
class IntakeRules:
    max_bytes: int
    allowed: frozenset[str]  # of CATEGORIES


@dataclass(frozen=True, slots=True)
class Intake:
    """What was stored for one upload, under ``key``."""

    key: str
    media_type: str  # as sniffed; what downloads are served as (see SERVED_AS_IS)
    image: bool
    size: int  # bytes of what a download serves (an image's display copy)
    stored_bytes: int  # everything kept, thumbnail included
    width: int | None = None  # the display copy's, for a box of the right shape
    height: int | None = None
    animated: bool = False

    def keys(self) -> list[str]:
        return [f"{self.key}/{DISPLAY}", f"{self.key}/{THUMB}"] if self.image else [self.main]

    @property
    def main(self) -> str:
        """The key a download serves."""
        return f"{self.key}/{DISPLAY if self.image else ORIGINAL}"


async def _head(chunks: AsyncIterator[bytes], want: int) -> tuple[bytes, bool]:
    """The first ``want`` bytes (or all, if fewer) and whether that was all."""
    head = bytearray()
    while len(head) < want:
        try:
            head += await anext(chunks)
        except StopAsyncIteration:
            return bytes(head), True
    return bytes(head), False


async def _rest(head: bytes, more: AsyncIterator[bytes], done: bool) -> AsyncIterator[bytes]:
    yield head
    if not done:
        async for chunk in more:
            yield chunk


async def take_in(
    chunks: AsyncIterable[bytes],
    *,
    key: str,
    storage: Storage,
    processor: ImageProcessor,
    rules: IntakeRules,
    spool_dir: str | None = None,
) -> Intake:
    """Store one upload under ``key`` (a fresh, unguessable one: the caller's).

    Raises:
        TooLargeError: more than ``rules.max_bytes``; nothing stored.
        TypeNotAllowedError, EmptyFileError, images.ImageError: nothing stored.
        files.errors.StorageError: the store failed.
    """
    stream = aiter(limited(chunks, rules.max_bytes))
    head, done = await _head(stream, images.SNIFF_BYTES)
    if not head:
        raise EmptyFileError()
    media_type = images.sniff(head, complete=done)
    kind = category(media_type)
    if kind not in rules.allowed:
        raise TypeNotAllowedError(kind)
    body = _rest(head, stream, done)
    if kind != "image":
        info = await storage.write(f"{key}/{ORIGINAL}", body, limit=rules.max_bytes)
        return Intake(key, media_type, False, info.size, info.size)
    return await _take_in_image(body, key, media_type, storage, processor, spool_dir)


async def _take_in_image(
    body: AsyncIterator[bytes],
    key: str,
    media_type: str,
    storage: Storage,
    processor: ImageProcessor,
    spool_dir: str | None,
) -> Intake:
    fd, path = tempfile.mkstemp(prefix="upload-", dir=spool_dir)
    try:
        # Plain writes on the loop: a local disk takes a 64 KiB chunk in
        # microseconds, less than handing it to a thread would cost.
        with os.fdopen(fd, "wb") as spool:
            async for chunk in body:
                spool.write(chunk)
        made = await processor.process(path)
    finally:
        os.unlink(path)
    display, thumb = made.display, made.thumbnail
    await storage.write(f"{key}/{DISPLAY}", _once(display.data))
    try:
        await storage.write(f"{key}/{THUMB}", _once(thumb.data))
    except BaseException:
        await storage.delete(f"{key}/{DISPLAY}")
        raise
    return Intake(
        key,
        display.media_type,
        True,
        len(display.data),
        len(display.data) + len(thumb.data),
        display.width,
        display.height,
        made.frames > 1 and display.media_type == images.GIF,
    )


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


__all__ = [
    "CATEGORIES",
    "DISPLAY",
    "ORIGINAL",
    "SERVED_AS_IS",
    "THUMB",
    "Category",
    "EmptyFileError",
    "Intake",
    "IntakeRules",
    "TooLargeError",
    "TypeNotAllowedError",
    "category",
    "take_in",
]
