"""Where uploaded files' bytes live: a local directory or an S3 bucket, one
contract (files/storage/base.py, tests/contract/test_storage.py).

The server reads its settings from the environment and calls ``make_storage``
(or ``storage_from_env``); the names proposed for it to read:

- ``FILES_DIR``: the local directory (default ``./data/files``), used when no
  bucket is set;
- ``S3_BUCKET`` (turns S3 on), ``S3_ENDPOINT`` (``http(s)://host:port`` of an
  S3-compatible server such as SeaweedFS; unset for AWS), ``S3_ACCESS_KEY``,
  ``S3_SECRET_KEY``, ``S3_REGION`` (default ``us-east-1``), ``S3_PREFIX`` (a
  folder of the bucket to keep everything under).

Several nodes must share one store (the same bucket, or one directory on a
shared filesystem): a file uploaded through one node downloads through another.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from files.storage.base import ByteRange, Download, ObjectInfo, Storage, check_key
from files.storage.local import DEFAULT_ROOT

__all__ = [
    "DEFAULT_ROOT",
    "ByteRange",
    "Download",
    "ObjectInfo",
    "Storage",
    "check_key",
    "make_storage",
    "storage_from_env",
]


def make_storage(
    root: str | os.PathLike[str] = DEFAULT_ROOT,
    *,
    s3_bucket: str | None = None,
    s3_endpoint: str | None = None,
    s3_access_key: str | None = None,
    s3_secret_key: str | None = None,
    s3_region: str = "us-east-1",
    s3_prefix: str | None = None,
) -> Storage:
    """An S3 store when ``s3_bucket`` is set, else a directory at ``root``."""
    if s3_bucket:
        from files.storage.s3 import S3Storage

        return S3Storage(
            bucket=s3_bucket,
            endpoint=s3_endpoint or None,
            access_key=s3_access_key or None,
            secret_key=s3_secret_key or None,
            region=s3_region or "us-east-1",
            prefix=s3_prefix or None,
        )
    from files.storage.local import LocalStorage

    return LocalStorage(root)


def storage_from_env(environ: Mapping[str, str] | None = None) -> Storage:
    """``make_storage`` with the variables above (``os.environ`` by default)."""
    env = os.environ if environ is None else environ
    return make_storage(
        Path(env.get("FILES_DIR") or DEFAULT_ROOT),
        s3_bucket=env.get("S3_BUCKET"),
        s3_endpoint=env.get("S3_ENDPOINT"),
        s3_access_key=env.get("S3_ACCESS_KEY"),
        s3_secret_key=env.get("S3_SECRET_KEY"),
        s3_region=env.get("S3_REGION") or "us-east-1",
        s3_prefix=env.get("S3_PREFIX"),
    )
