"""The storage contract's parts that need no store: keys, ranges, the factory."""

from __future__ import annotations

from pathlib import Path

import pytest

from files.errors import InvalidKeyError, RangeNotSatisfiableError
from files.storage import ByteRange, make_storage, storage_from_env
from files.storage.base import check_key, check_prefix
from files.storage.local import LocalStorage
from files.storage.s3 import S3Storage


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-499", ByteRange(0, 500)),
        ("bytes=500-999", ByteRange(500, 1000)),
        ("bytes=9500-", ByteRange(9500)),
        ("bytes=-500", ByteRange(-500)),
        (" bytes = 0 - 0 ", ByteRange(0, 1)),
        (None, None),
        ("", None),
        ("bytes=-0", None),  # unsatisfiable by any length: served whole
        ("bytes=5-3", None),  # invalid: ignored, as RFC 9110 says
        ("bytes=0-1,5-6", None),  # several ranges: one answer with all of it
        ("items=0-5", None),
        ("bytes=a-b", None),
        ("bytes=-", None),
    ],
)
def test_range_header(header: str | None, expected: ByteRange | None) -> None:
    assert ByteRange.from_header(header) == expected


@pytest.mark.parametrize(
    ("byte_range", "size", "expected"),
    [
        (ByteRange(0), 10, (0, 10)),
        (ByteRange(3, 5), 10, (3, 5)),
        (ByteRange(8, 100), 10, (8, 10)),
        (ByteRange(-3), 10, (7, 10)),
        (ByteRange(-30), 10, (0, 10)),
        (ByteRange(10), 10, None),
        (ByteRange(0), 0, None),
        (ByteRange(-1), 0, None),
    ],
)
def test_range_resolution(
    byte_range: ByteRange, size: int, expected: tuple[int, int] | None
) -> None:
    if expected is None:
        with pytest.raises(RangeNotSatisfiableError) as caught:
            byte_range.resolve(size)
        assert caught.value.size == size
    else:
        assert byte_range.resolve(size) == expected


def test_ranges_that_mean_nothing_cannot_be_made() -> None:
    with pytest.raises(ValueError):
        ByteRange(5, 5)
    with pytest.raises(ValueError):
        ByteRange(-5, 10)


def test_keys_and_prefixes() -> None:
    assert check_key("a1B2/x_y-z.webp") == "a1B2/x_y-z.webp"
    for good in ("", "u/", "u/ab", "u"):
        assert check_prefix(good) == good
    for bad in ("/", "//", "../", "u//", "u/../"):
        with pytest.raises(InvalidKeyError):
            check_prefix(bad)


def test_the_factory_reads_the_environment(tmp_path: Path) -> None:
    local = storage_from_env({"FILES_DIR": str(tmp_path / "f")})
    assert isinstance(local, LocalStorage) and local.root == str(tmp_path / "f")
    default = storage_from_env({})
    assert isinstance(default, LocalStorage) and default.root.endswith("data/files")
    s3 = storage_from_env(
        {
            "S3_BUCKET": "kaisha",
            "S3_ENDPOINT": "http://127.0.0.1:9",
            "S3_ACCESS_KEY": "k",
            "S3_SECRET_KEY": "s",
        }
    )
    assert isinstance(s3, S3Storage) and s3.bucket == "kaisha"
    assert isinstance(make_storage(tmp_path), LocalStorage)
