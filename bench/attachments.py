"""Files: moving 100 MB through each store, the memory that takes, and thumbnails.

**Storage.** A 100 MB source file is written once. Then, ``--runs`` times each,
alternating so the machine's moods fall on all of them alike:

- **floor**: ``shutil.copyfile`` of the source to a new file, then ``fsync``
  (what a write must do at least), and reading the file through in 256 KiB
  reads (what a read must do at least);
- **local**: ``LocalStorage.write`` of the source, read in 64 KiB chunks as an
  upload arrives, and ``LocalStorage.read`` of it back;
- **S3**: the same through ``S3Storage`` into a SeaweedFS on loopback ports,
  started here (tests/support/seaweed.py) and sharing the machine's cores.

For each: MB/s (1 MB = 10^6 bytes), the ratio to the floor measured in the
same run, and the growth of this process's peak RSS during the operation
(``VmHWM``, reset first through ``/proc/self/clear_refs``; it counts the Rust
threads of the S3 client too). The target: ≤ 20 MB growth for a 100 MB file,
i.e. it streams.

**Thumbnails.** A 12-megapixel JPEG (4000 × 3000, a photo-like gradient with
noise) through ``process_image`` in this process, ``--images`` times: p50 and
p99 of the wall time, and through ``ImageProcessor`` (one worker process; adds
the hop and a re-read of the file).

    .venv/bin/python bench/attachments.py            # ~1.5 min
    .venv/bin/python bench/attachments.py --quick    # 20 MB, fewer runs
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from pathlib import Path

import obstore
from _common import ROOT, machine_lines, percentile, photo, say, table
from obstore.store import S3Store

sys.path.insert(0, str(ROOT))  # tests.support.seaweed starts the SeaweedFS

from files.images import ImageProcessor, process_image
from files.storage import Storage
from files.storage.local import LocalStorage
from files.storage.s3 import S3Storage
from tests.support.seaweed import seaweedfs

MB = 1_000_000
UPLOAD_CHUNK = 64 * 1024  # what an HTTP upload hands over at a time, about


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _reset_peak() -> int:
    """Set VmHWM to VmRSS (Linux 4.0+) and return it."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status("VmRSS")


async def measured(action: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """(seconds, peak RSS growth in bytes) of one action."""
    before = _reset_peak()
    start = time.perf_counter()
    await action()
    seconds = time.perf_counter() - start
    return seconds, _status("VmHWM") - before


async def source_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as source:  # page-cached: this is not what is measured
        while chunk := source.read(UPLOAD_CHUNK):
            yield chunk


async def drain(store: Storage, key: str) -> int:
    total = 0
    async with await store.read(key) as download:
        async for chunk in download:
            total += len(chunk)
    return total


async def get_whole(store: S3Store, key: str) -> int:
    result = await obstore.get_async(store, key)
    return len(await result.bytes_async())


def copy_floor(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_floor(path: Path) -> int:
    total = 0
    with path.open("rb", buffering=0) as f:
        while chunk := f.read(256 * 1024):
            total += len(chunk)
    return total


async def storage_figures(size: int, runs: int, work: Path) -> None:
    source = work / "source.bin"
    block = os.urandom(1024 * 1024)
    with source.open("wb") as f:
        for _ in range(size // len(block)):
            f.write(block)
        f.write(block[: size % len(block)])
    say(f"source: {size / MB:.0f} MB in {work}")

    results: dict[str, list[tuple[float, float]]] = {}

    def record(name: str, seconds: float, growth: float) -> None:
        results.setdefault(name, []).append((seconds, growth))

    with seaweedfs() as server:
        s3 = S3Storage(
            bucket=server.bucket,
            endpoint=server.endpoint,
            access_key=server.access_key,
            secret_key=server.secret_key,
        )
        wide = S3Storage(
            bucket=server.bucket,
            endpoint=server.endpoint,
            access_key=server.access_key,
            secret_key=server.secret_key,
            part_size=8 * 1024 * 1024,
            max_concurrency=4,
        )
        raw = S3Store(
            server.bucket,
            endpoint=server.endpoint,
            access_key_id=server.access_key,
            secret_access_key=server.secret_key,
            region="us-east-1",
            virtual_hosted_style_request=False,
            client_options={"allow_http": True},
        )
        local = LocalStorage(work / "store")
        # Warm-up: the first S3 connection and SeaweedFS's first volumes.
        await s3.write("warm", source_chunks(source))
        await drain(s3, "warm")
        await s3.delete("warm")
        for run in range(runs):
            target = work / f"copy-{run}"
            seconds, growth = await measured(partial(asyncio.to_thread, copy_floor, source, target))
            record("floor: file copy + fsync", seconds, growth)
            seconds, growth = await measured(partial(asyncio.to_thread, read_floor, target))
            record("floor: read the file", seconds, growth)
            target.unlink()
            whole = source.read_bytes()
            seconds, _ = await measured(partial(obstore.put_async, raw, "floor", whole))
            record("S3 floor: one PUT from memory", seconds, 0)
            seconds, _ = await measured(partial(get_whole, raw, "floor"))
            record("S3 floor: one GET into memory", seconds, 0)
            del whole
            await obstore.delete_async(raw, "floor")
            stores = (("local", local), ("S3 (SeaweedFS)", s3), ("S3, 8 MiB parts × 4", wide))
            for name, store in stores:
                key = f"bench/{run}"
                seconds, growth = await measured(partial(store.write, key, source_chunks(source)))
                record(f"{name}: write", seconds, growth)
                seconds, growth = await measured(partial(drain, store, key))
                record(f"{name}: read", seconds, growth)
                await store.delete(key)
            say(f"  run {run + 1}/{runs} done")

    floor = statistics.median(s for s, _ in results["floor: file copy + fsync"])
    rows = []
    for name, values in results.items():
        seconds = statistics.median(s for s, _ in values)
        growth = max(g for _, g in values)
        rows.append(
            [
                name,
                f"{size / MB / seconds:,.0f}",
                f"{floor / seconds:.0%}",
                f"{min(size / MB / s for s, _ in values):,.0f}–"
                f"{max(size / MB / s for s, _ in values):,.0f}",
                f"{growth / MB:.1f} MB" if not name.startswith("S3 floor") else "(holds it all)",
            ]
        )
    say()
    say(
        table(
            ["operation", "MB/s (median)", "vs file copy", "MB/s range", "peak RSS growth (max)"],
            rows,
        )
    )


async def thumbnail_figures(count: int, work: Path) -> None:
    data = photo()
    path = work / "photo.jpg"
    path.write_bytes(data)
    say(f"\n12-megapixel JPEG: {len(data) / MB:.1f} MB")
    inline: list[float] = []
    for _ in range(count):
        start = time.perf_counter()
        result = process_image(path)
        inline.append(time.perf_counter() - start)
    pooled: list[float] = []
    processor = ImageProcessor(timeout=120)
    try:
        await processor.process(path)  # the worker starts
        for _ in range(count):
            start = time.perf_counter()
            await processor.process(path)
            pooled.append(time.perf_counter() - start)
    finally:
        await processor.close()
    rows = [
        [name, f"{percentile(v, 50) * 1000:.0f} ms", f"{percentile(v, 99) * 1000:.0f} ms"]
        for name, v in (("process_image, in this process", inline), ("ImageProcessor", pooled))
    ]
    say(
        f"display copy {result.display.width} × {result.display.height} "
        f"({len(result.display.data) / 1000:.0f} kB), thumbnail "
        f"{result.thumbnail.width} × {result.thumbnail.height} "
        f"({len(result.thumbnail.data) / 1000:.0f} kB); {count} images each"
    )
    say(table(["12 MP JPEG → display copy + thumbnail", "p50", "p99"], rows))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100, help="MB per file (default 100)")
    parser.add_argument("--runs", type=int, default=3, help="runs per storage figure")
    parser.add_argument("--images", type=int, default=20, help="images per thumbnail figure")
    parser.add_argument("--quick", action="store_true", help="20 MB, 2 runs, 5 images")
    args = parser.parse_args()
    if args.quick:
        args.size, args.runs, args.images = 20, 2, 5
    for line in machine_lines():
        say(line)
    with tempfile.TemporaryDirectory(prefix="kaisha-bench-files-") as tmp:
        work = Path(tmp)
        await storage_figures(args.size * MB, args.runs, work)
        await thumbnail_figures(args.images, work)


if __name__ == "__main__":
    asyncio.run(main())
