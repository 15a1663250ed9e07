"""One contract, both stores: a local directory and S3 (a real SeaweedFS,
started once for the session by tests/support/seaweed.py)."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from files.errors import InvalidKeyError, NoSuchKeyError, RangeNotSatisfiableError, TooLargeError
from files.storage import ByteRange, Storage
from files.storage.local import LocalStorage
from files.storage.s3 import S3Storage
from tests.support.seaweed import SeaweedFS, seaweedfs

MiB = 1024 * 1024

Make = Callable[[], Storage]


@pytest.fixture(scope="session")
def seaweed() -> Iterator[SeaweedFS]:
    with seaweedfs() as server:
        yield server


@pytest.fixture(params=["local", "s3"])
async def make(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Make]:
    """Makes store instances that all share one store (one directory, or one
    folder of the bucket unique to the test), as nodes of one installation do."""
    made: list[Storage] = []
    prefix = "t" + secrets.token_hex(6)
    server: SeaweedFS | None = request.getfixturevalue("seaweed") if request.param == "s3" else None

    def factory() -> Storage:
        store: Storage
        if server is None:
            store = LocalStorage(tmp_path / "files")
        else:
            store = S3Storage(
                bucket=server.bucket,
                endpoint=server.endpoint,
                access_key=server.access_key,
                secret_key=server.secret_key,
                prefix=prefix,
            )
        made.append(store)
        return store

    yield factory
    for store in made:
        await store.close()


async def chunks_of(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def keys(store: Storage, prefix: str = "") -> list[str]:
    return sorted([info.key async for info in store.list(prefix)])


def pattern(n: int) -> bytes:
    """Bytes that are not UTF-8 and that show a shifted or dropped piece."""
    block = bytes((i * 7 + 3) % 256 for i in range(251))  # a prime length: no alignment
    return (block * (n // len(block) + 1))[:n]


@pytest.mark.parametrize(
    ("data", "chunk"),
    [
        (b"", 1),
        (b"x", 1),
        (b"\xff\xfe\x00\x80\xc3(" + bytes(range(256)), 7),
        (pattern(5 * MiB + 123), 64 * 1024 - 1),  # many uneven chunks; S3: multipart
    ],
    ids=["empty", "1-byte", "not-utf8", "5MiB"],
)
async def test_round_trip(make: Make, data: bytes, chunk: int) -> None:
    store = make()
    written = await store.write("f/original", chunks_of(data, chunk))
    assert written.key == "f/original" and written.size == len(data)
    stat = await store.stat("f/original")
    assert stat is not None
    assert (stat.size, stat.etag) == (len(data), written.etag)
    download = await store.read("f/original")
    assert (download.start, download.stop, download.partial) == (0, len(data), False)
    pieces = [piece async for piece in download]
    await download.aclose()
    assert b"".join(pieces) == data
    if len(data) > MiB:
        assert len(pieces) > 1  # it streams


async def test_a_replaced_object_is_read_whole_never_in_part(make: Make) -> None:
    store = make()
    old, new = b"a" * (2 * MiB), b"b" * (2 * MiB)
    first = await store.write("k", chunks_of(old, 64 * 1024))

    async def slowly() -> AsyncIterator[bytes]:
        async for piece in chunks_of(new, 64 * 1024):
            await asyncio.sleep(0)
            yield piece

    writing = asyncio.create_task(store.write("k", slowly()))
    seen: set[bytes] = set()
    for _ in range(200):  # bounded: reads while the new one is written
        body = await (await store.read("k")).read_all()
        assert body in (old, new), f"a read saw part of a write ({len(body)} bytes)"
        seen.add(body[:1])
        if writing.done():
            break
    second = await writing
    assert await (await store.read("k")).read_all() == new
    assert second.etag != first.etag
    assert seen <= {b"a", b"b"}


@pytest.mark.parametrize(
    ("byte_range", "start", "stop"),
    [
        (ByteRange(0, 100), 0, 100),  # the start
        (ByteRange(5000, 6000), 5000, 6000),  # the middle
        (ByteRange(10_000, 10_240), 10_000, 10_240),  # the end
        (ByteRange(10_200, 20_000), 10_200, 10_240),  # past the end: cut
        (ByteRange(10_000), 10_000, 10_240),  # open-ended
        (ByteRange(-100), 10_140, 10_240),  # the last 100 bytes
        (ByteRange(-50_000), 0, 10_240),  # more than there is: all
        (ByteRange(10_239), 10_239, 10_240),  # the last byte
    ],
)
async def test_ranges(make: Make, byte_range: ByteRange, start: int, stop: int) -> None:
    store = make()
    data = pattern(10_240)
    await store.write("r", chunks_of(data, 1000))
    async with await store.read("r", byte_range) as download:
        assert (download.start, download.stop, download.info.size) == (start, stop, 10_240)
        assert download.length == stop - start
        assert download.partial == ((start, stop) != (0, 10_240))
        assert download.content_range() == f"bytes {start}-{stop - 1}/10240"
        assert b"".join([piece async for piece in download]) == data[start:stop]


@pytest.mark.parametrize(
    ("size", "byte_range"),
    [
        (10_240, ByteRange(10_240)),
        (10_240, ByteRange(50_000, 50_001)),
        (0, ByteRange(0)),
        (0, ByteRange(-5)),
    ],
)
async def test_a_range_past_the_end_is_refused_with_the_size(
    make: Make, size: int, byte_range: ByteRange
) -> None:
    store = make()
    await store.write("r", chunks_of(pattern(size), 1000))
    with pytest.raises(RangeNotSatisfiableError) as caught:
        await store.read("r", byte_range)
    assert caught.value.size == size and caught.value.status == 416


async def test_reading_what_is_not_there(make: Make) -> None:
    store = make()
    with pytest.raises(NoSuchKeyError):
        await store.read("nothing/here")
    with pytest.raises(NoSuchKeyError):
        await store.read("nothing/here", ByteRange(5))
    assert await store.stat("nothing/here") is None


async def test_one_byte_over_the_limit_stores_nothing(make: Make) -> None:
    store = make()
    pulled: list[int] = []

    async def counted(data: bytes, size: int) -> AsyncIterator[bytes]:
        async for piece in chunks_of(data, size):
            pulled.append(len(piece))
            yield piece

    await store.write("exact", counted(b"y" * 1000, 100), limit=1000)
    assert (await store.stat("exact") or pytest.fail()).size == 1000

    pulled.clear()
    with pytest.raises(TooLargeError) as caught:
        await store.write("over", counted(b"z" * 5000, 100), limit=1000)
    assert caught.value.limit == 1000 and caught.value.status == 413
    assert len(pulled) == 11  # stopped at the chunk that passed the limit
    assert await store.stat("over") is None
    assert await keys(store) == ["exact"]


async def test_a_refused_write_leaves_the_earlier_object(make: Make) -> None:
    store = make()
    await store.write("k", chunks_of(b"first", 2))
    with pytest.raises(TooLargeError):
        await store.write("k", chunks_of(b"second, longer", 2), limit=10)
    assert await (await store.read("k")).read_all() == b"first"


async def test_a_large_upload_past_the_limit_leaves_nothing(
    make: Make, request: pytest.FixtureRequest
) -> None:
    """Past S3's part size, so a multipart upload has begun when it is refused."""
    store = make()
    with pytest.raises(TooLargeError):
        await store.write("big", chunks_of(pattern(9 * MiB), 256 * 1024), limit=8 * MiB)
    assert await store.stat("big") is None
    assert await keys(store) == []
    if isinstance(store, LocalStorage):
        assert os.listdir(Path(store.root) / ".tmp") == []
    else:
        server: SeaweedFS = request.getfixturevalue("seaweed")
        assert server.uploads_in_progress() == []  # the upload was aborted, parts and all


async def test_a_writer_that_fails_stores_nothing(make: Make) -> None:
    store = make()

    async def broken() -> AsyncIterator[bytes]:
        yield b"part of it"
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        await store.write("gone", broken())
    assert await store.stat("gone") is None


async def test_delete_twice(make: Make) -> None:
    store = make()
    await store.write("d/x", chunks_of(b"bye", 1))
    await store.delete("d/x")
    await store.delete("d/x")
    await store.delete("never/was")
    assert await store.stat("d/x") is None
    with pytest.raises(NoSuchKeyError):
        await store.read("d/x")
    assert await keys(store) == []


async def test_list_by_prefix(make: Make) -> None:
    store = make()
    for key in ("u/a1/original", "u/a1/thumb", "u/a2/original", "u/b1/original", "v/x", "ua"):
        await store.write(key, chunks_of(key.encode(), 4))
    assert await keys(store) == [
        "u/a1/original",
        "u/a1/thumb",
        "u/a2/original",
        "u/b1/original",
        "ua",
        "v/x",
    ]
    assert await keys(store, "u/a") == ["u/a1/original", "u/a1/thumb", "u/a2/original"]
    assert await keys(store, "u/a1/") == ["u/a1/original", "u/a1/thumb"]
    assert await keys(store, "u/a1/orig") == ["u/a1/original"]
    assert await keys(store, "u/") == [
        "u/a1/original",
        "u/a1/thumb",
        "u/a2/original",
        "u/b1/original",
    ]
    assert await keys(store, "u") == [
        "u/a1/original",
        "u/a1/thumb",
        "u/a2/original",
        "u/b1/original",
        "ua",
    ]
    assert await keys(store, "w") == []
    infos = {info.key: info async for info in store.list("u/b")}
    assert infos["u/b1/original"].size == len(b"u/b1/original")


async def test_a_file_written_through_one_node_reads_through_another(make: Make) -> None:
    one, other = make(), make()
    data = pattern(300_000)
    written = await one.write("shared/original", chunks_of(data, 10_000))
    assert await (await other.read("shared/original")).read_all() == data
    assert (await other.stat("shared/original") or pytest.fail()).etag == written.etag
    assert await keys(other, "shared/") == ["shared/original"]
    await other.delete("shared/original")
    assert await one.stat("shared/original") is None


async def test_closing_a_download_early(make: Make) -> None:
    store = make()
    await store.write("big", chunks_of(pattern(3 * MiB), MiB))
    download = await store.read("big")
    async for _ in download:
        break
    await download.aclose()
    await store.delete("big")
    assert await store.stat("big") is None


HOSTILE_KEYS = [
    "",
    "../escape",
    "a/../../escape",
    "..",
    ".",
    "/etc/passwd",
    "a//b",
    "a/",
    "a\x00b",
    "a\\..\\b",
    ".tmp/x",
    "a/.hidden",
    "日本語.txt",
    "a b",
    "x" * 600,
]


@pytest.mark.parametrize("key", HOSTILE_KEYS, ids=range(len(HOSTILE_KEYS)))
async def test_hostile_keys_are_refused(make: Make, key: str, tmp_path: Path) -> None:
    store = make()
    with pytest.raises(InvalidKeyError):
        await store.write(key, chunks_of(b"evil", 2))
    with pytest.raises(InvalidKeyError):
        await store.read(key)
    with pytest.raises(InvalidKeyError):
        await store.stat(key)
    with pytest.raises(InvalidKeyError):
        await store.delete(key)
    assert await keys(store) == []
    assert not (tmp_path / "escape").exists()


async def test_a_symlink_planted_under_the_root_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    store = LocalStorage(tmp_path / "files")
    await store.write("ok", chunks_of(b"fine", 2))
    (tmp_path / "files" / "link").symlink_to(outside)
    (tmp_path / "files" / "file-link").symlink_to(outside / "secret")
    with pytest.raises(InvalidKeyError):
        await store.read("link/secret")
    with pytest.raises(InvalidKeyError):
        await store.write("link/new", chunks_of(b"x", 1))
    with pytest.raises(NoSuchKeyError):
        await store.read("file-link")
    assert sorted(os.listdir(outside)) == ["secret"]
    assert await keys(store) == ["ok"]


async def test_a_local_key_cannot_also_be_a_folder(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "files")
    await store.write("a/b", chunks_of(b"1", 1))
    with pytest.raises(InvalidKeyError):
        await store.write("a", chunks_of(b"2", 1))
    await store.write("c", chunks_of(b"3", 1))
    with pytest.raises(InvalidKeyError):
        await store.write("c/d", chunks_of(b"4", 1))
    assert await keys(store) == ["a/b", "c"]
    assert os.listdir(tmp_path / "files" / ".tmp") == []


async def test_half_done_local_writes_are_swept(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "files")
    await store.write("k", chunks_of(b"v", 1))
    stale = tmp_path / "files" / ".tmp" / "left-by-a-crash"
    stale.write_bytes(b"half")
    os.utime(stale, (1, 1))
    assert await store.sweep_partial(timedelta(hours=1)) == 1
    assert not stale.exists()
    assert await keys(store) == ["k"]


async def test_download_url(make: Make) -> None:
    store = make()
    await store.write("u/original", chunks_of(b"via a signed URL", 4))
    url = await store.download_url("u/original", expires_in=timedelta(minutes=5))
    if isinstance(store, LocalStorage):
        assert url is None
        return
    assert url is not None
    async with httpx.AsyncClient() as client:
        reply = await client.get(url)
        assert reply.status_code == 200 and reply.content == b"via a signed URL"
        # The signature covers the key: another key with the same query is refused.
        tampered = await client.get(url.replace("u/original", "u/other"))
        assert tampered.status_code == 403
