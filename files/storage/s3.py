"""Objects in an S3 bucket (AWS, SeaweedFS, MinIO, ...) through obstore.

obstore is a thin Python layer over the Rust ``object_store`` crate: requests,
retries, signing and buffers live in Rust, off the event loop and outside the
Python heap (docs/architecture.md, "Files: storage", says why this client).

A write gathers up to ``part_size`` bytes first: an object that ends before
that is sent with one ``PUT``; a larger one goes up as a multipart upload of
``part_size`` parts, at most ``max_concurrency`` in flight, so memory stays
near ``part_size × (max_concurrency + 1)`` whatever the size. When the size
limit is passed (or the sender goes away) the upload is aborted and nothing
is left in the bucket, not even hidden parts (tests/contract/test_storage.py
checks SeaweedFS's upload folder).

Ranges are asked of S3 as they are; S3 answers 416 for a range past the end,
and a ``HEAD`` then tells the size for ``RangeNotSatisfiableError``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import obstore
from obstore.exceptions import BaseError
from obstore.exceptions import NotFoundError as ObstoreNotFound
from obstore.store import S3Store

from files.errors import NoSuchKeyError, StorageError
from files.storage.base import (
    ByteRange,
    Download,
    ObjectInfo,
    Storage,
    check_key,
    check_prefix,
    limited,
)

if TYPE_CHECKING:
    from obstore import BytesStream, ObjectMeta

# obstore raises its own classes, and the built-in FileNotFoundError (an OSError)
# for a missing object; both kinds are caught.
NotFound = (ObstoreNotFound, FileNotFoundError)
ObstoreError = (BaseError, OSError)

PART_SIZE = 5 * 1024 * 1024  # S3's smallest part (but the last)
MAX_CONCURRENCY = 2  # parts in flight per upload: enough to keep one link busy
READ_CHUNK = 256 * 1024
LIST_PAGE = 1000


def _etag(raw: str | None) -> str:
    tag = (raw or "").removeprefix("W/")
    return tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else tag


def _info(meta: ObjectMeta, key: str | None = None) -> ObjectInfo:
    return ObjectInfo(
        key=key or meta["path"],
        size=meta["size"],
        etag=_etag(meta["e_tag"]),
        modified=meta["last_modified"],
    )


class S3Download(Download):
    def __init__(self, info: ObjectInfo, start: int, stop: int, stream: BytesStream) -> None:
        super().__init__(info, start, stop)
        self._stream: BytesStream | None = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._stream is None or self.length == 0:
            return
        try:
            async for chunk in self._stream:
                yield bytes(chunk)
        except ObstoreError as exc:
            raise StorageError(f"reading {self.info.key}") from exc

    async def aclose(self) -> None:
        self._stream = None  # dropping the stream closes its connection


class S3Storage(Storage):
    def __init__(
        self,
        *,
        bucket: str,
        endpoint: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = "us-east-1",
        prefix: str | None = None,
        part_size: int = PART_SIZE,
        max_concurrency: int = MAX_CONCURRENCY,
        chunk_size: int = READ_CHUNK,
    ) -> None:
        """
        Args:
            bucket: the bucket; it must exist.
            endpoint: ``http(s)://host:port`` of an S3-compatible server; ``None``
                for AWS. Plain ``http://`` is allowed (SeaweedFS on loopback).
            access_key, secret_key: credentials; ``None`` for the ``AWS_*``
                environment variables the AWS SDKs read.
            prefix: a folder of the bucket to keep every key under (several
                installations, or tests, sharing one bucket).
            part_size: bytes per part of a multipart upload (S3: 5 MiB at least).
            max_concurrency: parts of one upload in flight at once.
            chunk_size: bytes per chunk read (at least; the last may be less).
        """
        config: dict[str, Any] = {"region": region}
        if endpoint:
            config["endpoint"] = endpoint
            config["virtual_hosted_style_request"] = False
        if access_key is not None:
            config["access_key_id"] = access_key
        if secret_key is not None:
            config["secret_access_key"] = secret_key
        self.bucket = bucket
        self._store = S3Store(
            bucket,
            prefix=prefix or None,
            client_options={
                "allow_http": bool(endpoint and endpoint.startswith("http://")),
                "connect_timeout": timedelta(seconds=5),
                # The whole request, body included: a download to a slow client
                # streams for as long as it takes.
                "timeout": timedelta(hours=6),
            },
            retry_config={
                "max_retries": 3,
                "retry_timeout": timedelta(seconds=20),
                "backoff": {
                    "init_backoff": timedelta(milliseconds=100),
                    "max_backoff": timedelta(seconds=5),
                    "base": 2,
                },
            },
            **config,
        )
        self._part_size = part_size
        self._max_concurrency = max_concurrency
        self._chunk_size = chunk_size

    async def write(
        self, key: str, chunks: AsyncIterable[bytes], *, limit: int | None = None
    ) -> ObjectInfo:
        check_key(key)
        source = limited(chunks, limit).__aiter__()
        head: deque[bytes] = deque()
        size = 0
        ended = True
        async for chunk in source:
            head.append(chunk)
            size += len(chunk)
            if size >= self._part_size:
                ended = False
                break
        try:
            if ended:
                await obstore.put_async(self._store, key, b"".join(head), use_multipart=False)
            else:

                async def everything() -> AsyncIterator[bytes]:
                    while head:
                        yield head.popleft()
                    async for chunk in source:
                        yield chunk

                await obstore.put_async(
                    self._store,
                    key,
                    everything(),
                    use_multipart=True,
                    chunk_size=self._part_size,
                    max_concurrency=self._max_concurrency,
                )
        except ObstoreError as exc:
            raise StorageError(f"writing {key}") from exc
        info = await self.stat(key)
        if info is None:  # deleted at once by another node
            raise NoSuchKeyError(key)
        return info

    async def read(self, key: str, byte_range: ByteRange | None = None) -> Download:
        check_key(key)
        options: dict[str, Any] = {}
        if byte_range is not None:
            if byte_range.start < 0:
                options["range"] = {"suffix": -byte_range.start}
            elif byte_range.stop is None:
                options["range"] = {"offset": byte_range.start}
            else:
                options["range"] = (byte_range.start, byte_range.stop)
        try:
            result = await obstore.get_async(self._store, key, options=options)  # type: ignore[arg-type]
        except NotFound:
            raise NoSuchKeyError(key) from None
        except ObstoreError as exc:
            if byte_range is not None:
                # S3 answers 416 for a range past the end: find the size, and
                # raise RangeNotSatisfiableError (or NoSuchKeyError) if so.
                info = await self.stat(key)
                if info is None:
                    raise NoSuchKeyError(key) from None
                byte_range.resolve(info.size)
            raise StorageError(f"reading {key}") from exc
        start, stop = result.range
        stream = result.stream(min_chunk_size=self._chunk_size)
        return S3Download(_info(result.meta, key), start, stop, stream)

    async def stat(self, key: str) -> ObjectInfo | None:
        check_key(key)
        try:
            meta = await obstore.head_async(self._store, key)
        except NotFound:
            return None
        except ObstoreError as exc:
            raise StorageError(f"looking up {key}") from exc
        return _info(meta, key)

    async def delete(self, key: str) -> None:
        check_key(key)
        try:
            await obstore.delete_async(self._store, key)
        except NotFound:
            return
        except ObstoreError as exc:
            raise StorageError(f"deleting {key}") from exc

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        check_prefix(prefix)
        # S3 lists by folder here (object_store's prefixes are whole segments):
        # list the prefix's folder and keep the keys that start with it.
        folder = prefix.rpartition("/")[0]
        pages = obstore.list(self._store, prefix=folder or None, chunk_size=LIST_PAGE)
        try:
            async for page in pages:
                for meta in page:
                    if meta["path"].startswith(prefix):
                        yield _info(meta)
        except ObstoreError as exc:
            raise StorageError(f"listing {prefix!r}") from exc

    async def download_url(self, key: str, *, expires_in: timedelta) -> str | None:
        check_key(key)
        try:
            return await obstore.sign_async(self._store, "GET", key, expires_in)
        except ObstoreError as exc:
            raise StorageError(f"signing {key}") from exc
