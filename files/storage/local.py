"""Objects as files under a root directory (the embedded default, ``./data/files``).

Layout: a key's segments are directories and its last segment the file:
``{root}/ab12/original``. A write goes to ``{root}/.tmp/`` (hidden from
listings; keys cannot start with ``.``), is flushed to disk and renamed into
place, so a reader (on this node or another sharing the directory) opens the
old file or the new one, never part of one. Reads hold the file they opened: a
file replaced or deleted meanwhile still reads to its end.

One thing S3 allows and a directory cannot: a key that is also the folder of
other keys (``a`` and ``a/b``). Such a write is refused with
``InvalidKeyError``; the server's keys (``{id}/{variant}``) never do it.

File I/O runs in the default thread pool, a buffer (``write_buffer``,
``chunk_size``) at a time. A cancelled caller waits for the one system call
in flight before its file is closed: a descriptor closed under a running
``pwrite`` could be reused by another open and written into.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import os
import secrets
import stat
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from files.errors import InvalidKeyError, NoSuchKeyError
from files.storage.base import (
    ByteRange,
    Download,
    ObjectInfo,
    Storage,
    check_key,
    check_prefix,
    limited,
)

DEFAULT_ROOT = Path("data/files")
TEMP_DIR = ".tmp"
# Each chunk read is a hop to a pool thread and back (on an idle machine,
# likely waking a sleeping core each time). 1 MiB, as writes are buffered: a
# 100 MB download through the server went from 44-45 % of a plain read/sendall
# loop to 59-65 % with it (256 KiB before; docs/performance.md, quiet machine).
READ_CHUNK = 1024 * 1024
WRITE_BUFFER = 1024 * 1024
LIST_PAGE = 500

T = TypeVar("T")


async def _in_thread(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` in the thread pool; if the caller is cancelled, the call is
    still waited for (it cannot be stopped) before the cancellation goes on."""
    future = asyncio.get_running_loop().run_in_executor(None, fn, *args)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait([future])
        raise


def _info(key: str, st: os.stat_result) -> ObjectInfo:
    return ObjectInfo(
        key=key,
        size=st.st_size,
        etag=f"{st.st_ino:x}-{st.st_mtime_ns:x}-{st.st_size:x}",
        modified=datetime.fromtimestamp(st.st_mtime, UTC),
    )


def _write_all(fd: int, chunks: Sequence[bytes]) -> None:
    for chunk in chunks:
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view) :]


def _discard(fd: int, tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


class LocalDownload(Download):
    def __init__(self, info: ObjectInfo, start: int, stop: int, fd: int, chunk_size: int) -> None:
        super().__init__(info, start, stop)
        self._fd: int | None = fd
        self._chunk_size = chunk_size

    async def __aiter__(self) -> AsyncIterator[bytes]:
        offset = self.start
        while offset < self.stop and self._fd is not None:
            want = min(self._chunk_size, self.stop - offset)
            chunk = await _in_thread(os.pread, self._fd, want, offset)
            if not chunk:  # cut short under us (files are replaced, never truncated)
                raise OSError(errno.EIO, f"{self.info.key}: ended at {offset} of {self.stop}")
            offset += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


class LocalStorage(Storage):
    def __init__(
        self,
        root: str | os.PathLike[str] = DEFAULT_ROOT,
        *,
        chunk_size: int = READ_CHUNK,
        write_buffer: int = WRITE_BUFFER,
        fsync: bool = True,
    ) -> None:
        """
        Args:
            root: the directory; made on the first write.
            chunk_size: bytes per chunk read.
            write_buffer: bytes gathered before each write to the file.
            fsync: flush each file (and its directory) to disk before it is
                visible, so a stored file survives a crash of the machine.
        """
        self.root = os.path.abspath(root)
        self._temp = os.path.join(self.root, TEMP_DIR)
        self._chunk_size = chunk_size
        self._write_buffer = write_buffer
        self._fsync = fsync

    def _path(self, key: str) -> str:
        return os.path.join(self.root, *check_key(key).split("/"))

    def _confine(self, directory: str) -> None:
        """Refuse a directory that resolves outside the root (a symlink planted
        under it): keys cannot say ``..``, but the filesystem could."""
        real_root = os.path.realpath(self.root)
        real = os.path.realpath(directory)
        if real != real_root and not real.startswith(real_root + os.sep):
            raise InvalidKeyError(directory, "resolves outside the storage root")

    # ---- writing ---------------------------------------------------------------

    def _begin(self) -> tuple[int, str]:
        os.makedirs(self._temp, exist_ok=True)
        tmp = os.path.join(self._temp, secrets.token_hex(12))
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        return os.open(tmp, flags, 0o644), tmp

    def _commit(self, fd: int, tmp: str, path: str, key: str) -> ObjectInfo:
        try:
            if self._fsync:
                os.fsync(fd)
            st = os.fstat(fd)
        finally:
            os.close(fd)
        parent = os.path.dirname(path)
        # A concurrent delete may remove an emptied parent between makedirs and
        # the rename: make it again (a bounded number of times).
        for attempt in itertools.count():
            try:
                os.makedirs(parent, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise InvalidKeyError(key, "a folder of it is itself a key") from None
            self._confine(parent)
            try:
                os.replace(tmp, path)
                break
            except FileNotFoundError:
                if attempt >= 5:
                    raise
            except IsADirectoryError:
                raise InvalidKeyError(key, "it is the folder of other keys") from None
        if self._fsync:
            dir_fd = os.open(parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return _info(key, st)

    async def write(
        self, key: str, chunks: AsyncIterable[bytes], *, limit: int | None = None
    ) -> ObjectInfo:
        path = self._path(key)
        fd, tmp = await _in_thread(self._begin)
        try:
            pending: list[bytes] = []
            buffered = 0
            async for chunk in limited(chunks, limit):
                pending.append(chunk)
                buffered += len(chunk)
                if buffered >= self._write_buffer:
                    await _in_thread(_write_all, fd, pending)
                    pending, buffered = [], 0
            if pending:
                await _in_thread(_write_all, fd, pending)
            fd_to_commit, fd = fd, -1  # _commit closes it, whatever happens
            return await _in_thread(self._commit, fd_to_commit, tmp, path, key)
        except BaseException:
            _discard(fd, tmp)
            raise

    # ---- reading ---------------------------------------------------------------

    def _open(self, key: str, path: str, byte_range: ByteRange | None) -> LocalDownload:
        self._confine(os.path.dirname(path))
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise NoSuchKeyError(key) from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a symlink in the key's place: not ours
                raise NoSuchKeyError(key) from None
            raise
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise NoSuchKeyError(key)
            info = _info(key, st)
            start, stop = byte_range.resolve(info.size) if byte_range else (0, info.size)
        except BaseException:
            os.close(fd)
            raise
        return LocalDownload(info, start, stop, fd, self._chunk_size)

    async def read(self, key: str, byte_range: ByteRange | None = None) -> Download:
        return await _in_thread(self._open, key, self._path(key), byte_range)

    def _stat(self, key: str, path: str) -> ObjectInfo | None:
        self._confine(os.path.dirname(path))
        try:
            st = os.stat(path, follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):
            return None
        return _info(key, st) if stat.S_ISREG(st.st_mode) else None

    async def stat(self, key: str) -> ObjectInfo | None:
        return await _in_thread(self._stat, key, self._path(key))

    # ---- deleting --------------------------------------------------------------

    def _delete(self, path: str) -> None:
        self._confine(os.path.dirname(path))
        try:
            os.unlink(path)
        except (FileNotFoundError, NotADirectoryError):
            return
        except IsADirectoryError:
            return  # a folder of other keys is not a key
        # Remove folders left empty, up to the root (another write may be filling
        # one again: then rmdir fails, and that write remakes what it needs).
        parent = os.path.dirname(path)
        while parent != self.root and parent.startswith(self.root + os.sep):
            try:
                os.rmdir(parent)
            except OSError:
                break
            parent = os.path.dirname(parent)

    async def delete(self, key: str) -> None:
        await _in_thread(self._delete, self._path(key))

    # ---- listing ---------------------------------------------------------------

    def _walk(self, prefix: str) -> Iterator[ObjectInfo]:
        head, _, tail = prefix.rpartition("/")
        base = os.path.join(self.root, *head.split("/")) if head else self.root
        stack: list[tuple[str, str, str]] = [(base, head, tail)]
        while stack:
            directory, key_prefix, name_prefix = stack.pop()
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name, reverse=True)
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                if entry.name.startswith(".") or not entry.name.startswith(name_prefix):
                    continue
                key = f"{key_prefix}/{entry.name}" if key_prefix else entry.name
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, key, ""))
                elif entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(FileNotFoundError):  # deleted meanwhile
                        yield _info(key, entry.stat(follow_symlinks=False))

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        walk = self._walk(check_prefix(prefix))
        while True:
            page = await _in_thread(lambda: list(itertools.islice(walk, LIST_PAGE)))
            for info in page:
                yield info
            if len(page) < LIST_PAGE:
                return

    # ---- upkeep ----------------------------------------------------------------

    def _sweep(self, older_than: timedelta) -> int:
        cutoff = time.time() - older_than.total_seconds()
        removed = 0
        try:
            entries = list(os.scandir(self._temp))
        except FileNotFoundError:
            return 0
        for entry in entries:
            with contextlib.suppress(FileNotFoundError):
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
        return removed

    async def sweep_partial(self, older_than: timedelta = timedelta(hours=1)) -> int:
        """Remove writes left half done by a process that died (temporary files
        older than ``older_than``); returns how many. Safe beside live writes
        younger than that."""
        return await _in_thread(self._sweep, older_than)
