"""What a file is, from its bytes; and for images, the copies people see.

``sniff(first_bytes)`` names a file's media type from its content alone, never
from its name or the Content-Type a client sent. HTML and SVG are never an
``image/`` type, whatever they are called.

``process_image(source, limits)`` decodes an image with limits and returns a
display copy and a thumbnail, both re-encoded from pixels alone:

- only the decoders of the formats ``sniff`` recognises are tried (JPEG, PNG,
  GIF, WebP, HEIC/HEIF), never Pillow's whole list;
- the size is checked from the header before any pixel is decoded: at most
  ``max_pixels`` per frame (Pillow's own ``MAX_IMAGE_PIXELS`` is set to the
  same, and its bomb warning is an error), and for animations at most
  ``max_frames`` and ``max_animation_pixels`` for all frames together (a GIF's
  frames are counted by walking its blocks, without decoding them);
- the EXIF orientation is applied first, then every piece of metadata is left
  behind (EXIF with GPS, XMP, comments; an ICC profile is applied, converting
  to sRGB, then dropped): the copies carry pixels only;
- an animated GIF's display copy stays an animated GIF; its thumbnail is the
  first frame; HEIC/HEIF becomes JPEG;
- anything that goes wrong is an ``ImageError`` with a code: not an image,
  too large, corrupt (truncated, undecodable).

It is CPU-bound and blocking: the server runs it in worker processes through
``ImageProcessor`` (docs/architecture.md, "Files: images", says why not threads).
"""

from __future__ import annotations

import asyncio
import codecs
import io
import multiprocessing
import os
import struct
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Literal

import pillow_heif
from PIL import Image, ImageCms, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError

from core.errors import DomainError

SNIFF_BYTES = 64 * 1024  # what ``sniff`` wants to see: the start of the file
MAX_PIXELS = 40_000_000  # one frame: a 40-megapixel photo

# Set explicitly rather than trusting the default; and a bomb is refused, not
# warned about (between MAX_IMAGE_PIXELS and twice that, Pillow only warns).
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False
warnings.simplefilter("error", Image.DecompressionBombWarning)
pillow_heif.register_heif_opener()

JPEG = "image/jpeg"
PNG = "image/png"
GIF = "image/gif"
WEBP = "image/webp"
HEIC = "image/heic"
HEIF = "image/heif"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
TEXT = "text/plain"
HTML = "text/html"
BINARY = "application/octet-stream"

# What process_image decodes, and with which of Pillow's decoders.
IMAGE_TYPES = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WEBP", HEIC: "HEIF", HEIF: "HEIF"}
_SAVE_AS = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WEBP"}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"}
_HEIF_BRANDS = {b"mif1", b"msf1", b"heif"}
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg", b"<?xml")


# ---- sniffing ----------------------------------------------------------------------


def _ftyp_brands(head: bytes) -> set[bytes]:
    """An ISO-BMFF file's major and compatible brands (HEIC, AVIF, MP4...)."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return set()
    size = min(struct.unpack(">I", head[:4])[0], len(head))
    brands = {head[8:12]}
    brands.update(head[i : i + 4] for i in range(16, size - 3, 4))
    return brands


def _office(head: bytes) -> str | None:
    """An Office Open XML file: a ZIP whose entries include ``[Content_Types].xml``;
    which kind from its part names (entry names are stored uncompressed)."""
    if b"[Content_Types].xml" not in head:
        return None
    for marker, kind in ((b"word/", DOCX), (b"xl/", XLSX), (b"ppt/", PPTX)):
        if marker in head:
            return kind
    return None


def _text(head: bytes, complete: bool) -> str | None:
    if b"\x00" in head:
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return None
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"<") and any(m in start[:1024] for m in _MARKUP):
        # HTML stays HTML (the server never shows it inline); SVG and other XML
        # are not named at all: no "image/svg+xml" for a route to trust.
        return HTML if b"<svg" not in start[:1024] and b"<?xml" not in start[:5] else BINARY
    return TEXT


def sniff(head: bytes, *, complete: bool = False) -> str:
    """The media type of a file that starts with ``head`` (give it the first
    ``SNIFF_BYTES``, or the whole file with ``complete=True`` if shorter).

    JPEG, PNG, GIF, WebP, HEIC/HEIF, PDF, Word/Excel/PowerPoint (.docx, .xlsx,
    .pptx), plain text (UTF-8 without NUL bytes; HTML as ``text/html``), and
    ``application/octet-stream`` for anything else, an empty file included.

    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n...."), sniff(b"<!DOCTYPE html><p>hi")
    ('image/png', 'text/html')
    """
    if not head:
        return BINARY
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    brands = _ftyp_brands(head)
    if brands & _HEIC_BRANDS:
        return HEIC
    if brands & _HEIF_BRANDS and not brands & {b"avif", b"avis"}:
        return HEIF
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _office(head) or BINARY
    return _text(head, complete) or BINARY


def is_image(media_type: str) -> bool:
    """Whether ``process_image`` decodes files of this (sniffed) type."""
    return media_type in IMAGE_TYPES


# ---- errors ------------------------------------------------------------------------


class ImageError(DomainError):
    """An image that cannot be made into copies; ``code`` says why."""

    code = "bad_image"
    status = 422


class NotAnImageError(ImageError):
    code = "not_an_image"


class ImageTooLargeError(ImageError):
    code = "image_too_large"


class CorruptImageError(ImageError):
    code = "corrupt_image"


class ImageTimeoutError(ImageError):
    code = "image_timeout"


# ---- processing --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImageLimits:
    max_pixels: int = MAX_PIXELS  # width × height of one frame
    max_frames: int = 1000
    # Every frame decoded, together (an animation's cost): 400 frames of 500 × 500.
    max_animation_pixels: int = 100_000_000
    display_box: int = 1920  # the display copy fits in a square this wide
    thumbnail_box: int = 480  # the thumbnail likewise
    thumbnail_format: Literal["WEBP", "JPEG"] = "WEBP"
    quality: int = 85  # JPEG and lossy WebP


@dataclass(frozen=True, slots=True)
class Rendition:
    """One re-encoded copy: its bytes, type and size."""

    data: bytes
    media_type: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    display: Rendition  # what the viewer shows (animated for an animated GIF)
    thumbnail: Rendition  # a still, within ``thumbnail_box``
    width: int  # the original, upright
    height: int
    media_type: str  # the original's, as sniffed
    frames: int  # 1 for a still


Source = str | os.PathLike[str] | IO[bytes]
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)


def _gif_frames(fp: IO[bytes]) -> int:
    """Count a GIF's frames by walking its blocks, decoding nothing."""

    def skip_sub_blocks() -> None:
        while True:
            size = fp.read(1)
            if not size:
                raise CorruptImageError("the GIF ends in the middle of a block")
            if size[0] == 0:
                return
            fp.seek(size[0], io.SEEK_CUR)

    fp.seek(0)
    header = fp.read(13)
    if len(header) < 13:
        raise CorruptImageError("the GIF ends in its header")
    if header[10] & 0x80:  # global colour table
        fp.seek(3 << ((header[10] & 7) + 1), io.SEEK_CUR)
    frames = 0
    while True:
        kind = fp.read(1)
        if not kind or kind == b";":  # trailer (or a file cut there: frames so far)
            return frames
        if kind == b"!":  # extension: label, then sub-blocks
            fp.seek(1, io.SEEK_CUR)
            skip_sub_blocks()
        elif kind == b",":  # image: descriptor, colour table, LZW size, sub-blocks
            descriptor = fp.read(9)
            if len(descriptor) < 9:
                raise CorruptImageError("the GIF ends in an image descriptor")
            if descriptor[8] & 0x80:
                fp.seek(3 << ((descriptor[8] & 7) + 1), io.SEEK_CUR)
            fp.seek(1, io.SEEK_CUR)
            skip_sub_blocks()
            frames += 1
        else:
            raise CorruptImageError("the GIF has an unknown block")


@contextmanager
def _opened(source: Source) -> Iterator[IO[bytes]]:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as fp:
            yield fp
    else:
        yield source


def _plain(im: Image.Image, *, owned: bool = False) -> Image.Image:
    """Pixels only: the ICC profile applied (to sRGB), every other piece of
    metadata left behind. ``owned``: ``im`` is a copy of ours, changed in place."""
    original = im
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "RGBA"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(
                im, source, ImageCms.createProfile("sRGB"), outputMode=im.mode
            )
            if converted is not None:
                im = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels as they are
    if im.mode not in ("RGB", "RGBA", "L", "LA"):
        has_alpha = im.mode in ("PA", "La") or "transparency" in im.info
        im = im.convert("RGBA" if has_alpha else "RGB")
    if owned or im is not original:
        im.info = {}
        return im
    clean = im.copy()
    clean.info = {}
    return clean


def _fit(im: Image.Image, box: int) -> Image.Image:
    """``im`` scaled down to fit in a ``box`` × ``box`` square (or ``im`` itself)."""
    if im.width <= box and im.height <= box:
        return im
    scale = box / max(im.width, im.height)
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    # Past a halving, shrink by whole factors first (cheap box filter), then
    # Lanczos the rest: the same look for a fraction of the time.
    out = im.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    out.info = {}
    return out


def _encode(im: Image.Image, fmt: str, quality: int) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        if im.mode != "RGB":
            im = im.convert("RGB")
        im.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    elif fmt == "WEBP":
        im.save(buffer, "WEBP", quality=quality, method=4)
    elif fmt == "PNG":
        im.save(buffer, "PNG", optimize=False, compress_level=6)
    else:
        im.save(buffer, "GIF")
    return buffer.getvalue()


def _rendition(im: Image.Image, fmt: str, quality: int) -> Rendition:
    media_type = {"JPEG": JPEG, "WEBP": WEBP, "PNG": PNG, "GIF": GIF}[fmt]
    return Rendition(_encode(im, fmt, quality), media_type, im.width, im.height)


def _animated_gif(im: Image.Image, box: int) -> Rendition:
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(im):
        durations.append(int(frame.info.get("duration", 100)))
        frames.append(_fit(_plain(frame.convert("RGBA"), owned=True), box))
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=int(im.info.get("loop", 0)),
        disposal=2,
    )
    first = frames[0]
    return Rendition(buffer.getvalue(), GIF, first.width, first.height)


def process_image(source: Source, limits: ImageLimits | None = None) -> ProcessedImage:
    """Decode ``source`` (a path, or a seekable binary file) within ``limits``
    and make its display copy and thumbnail.

    Blocking and CPU-bound: call it in a worker (``ImageProcessor``).

    Raises:
        NotAnImageError: empty, or not one of the formats in ``IMAGE_TYPES``.
        ImageTooLargeError: past a limit (pixels, frames, animation), checked
            before decoding.
        CorruptImageError: truncated or undecodable.
    """
    limits = limits or ImageLimits()
    with _opened(source) as fp:
        head = fp.read(SNIFF_BYTES)
        if not head:
            raise NotAnImageError("the file is empty")
        media_type = sniff(head, complete=len(head) < SNIFF_BYTES)
        if media_type not in IMAGE_TYPES:
            raise NotAnImageError(f"not an image this server decodes ({media_type})")
        gif_frames = _gif_frames(fp) if media_type == GIF else None
        fp.seek(0)
        try:
            return _process(fp, media_type, gif_frames, limits)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLargeError(str(exc)) from None
        except UnidentifiedImageError:
            raise NotAnImageError("the decoder does not recognise it") from None
        except MemoryError:
            raise ImageTooLargeError("it does not fit in memory") from None
        except _DECODE_ERRORS as exc:
            raise CorruptImageError(f"it cannot be decoded: {exc}") from None


def _process(
    fp: IO[bytes], media_type: str, gif_frames: int | None, limits: ImageLimits
) -> ProcessedImage:
    with Image.open(fp, formats=[IMAGE_TYPES[media_type]]) as im:
        width, height = im.size
        if width * height > limits.max_pixels:
            raise ImageTooLargeError(f"{width} × {height} is more than {limits.max_pixels} pixels")
        frames = gif_frames if gif_frames is not None else int(getattr(im, "n_frames", 1))
        frames = max(frames, 1)
        if frames > limits.max_frames:
            raise ImageTooLargeError(f"{frames} frames, more than {limits.max_frames}")
        if frames * width * height > limits.max_animation_pixels:
            raise ImageTooLargeError(f"{frames} frames of {width} × {height} is too much")
        if media_type == JPEG:
            # Decode at 1/2, 1/4 or 1/8 scale (the DCT does it nearly for free)
            # when the display copy is at most that big anyway.
            scale = min(1.0, limits.display_box / max(width, height))
            im.draft("RGB", (round(width * scale), round(height * scale)))

        display: Rendition | None = None
        if media_type == GIF and frames > 1:
            display = _animated_gif(im, limits.display_box)
            im.seek(0)
        im.load()
        still = _plain(ImageOps.exif_transpose(im), owned=True)
        turned = im.getexif().get(0x0112, 1) in (5, 6, 7, 8)  # EXIF orientation: a quarter turn
        upright_w, upright_h = (height, width) if turned else (width, height)
        shown = _fit(still, limits.display_box)
        if display is None:
            fmt = _SAVE_AS.get(media_type, "JPEG")  # HEIC/HEIF become JPEG
            if fmt == "GIF":
                fmt = "PNG"  # a still GIF: PNG keeps every colour, GIF would requantise
            display = _rendition(shown, fmt, limits.quality)
        thumb = _rendition(_fit(shown, limits.thumbnail_box), limits.thumbnail_format, 80)
        return ProcessedImage(display, thumb, upright_w, upright_h, media_type, frames)


# ---- off the event loop ------------------------------------------------------------


class ImageProcessor:
    """Runs ``process_image`` in worker processes, with a deadline per image.

    Processes, not threads: a hostile image can make a decoder run long (a
    progressive JPEG with thousands of scans) or crash (a bug in a C decoder);
    a worker can be killed and replaced, a thread can do neither, and a crash
    in one would take the server down. Workers are replaced after
    ``max_tasks_per_child`` images, which returns the memory a 40-megapixel
    decode took. The pool starts on first use.
    """

    def __init__(
        self,
        *,
        workers: int = 1,
        timeout: float = 30.0,
        limits: ImageLimits | None = None,
        max_tasks_per_child: int = 50,
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        self.limits = limits or ImageLimits()
        self._max_tasks = max_tasks_per_child
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("forkserver"),
                max_tasks_per_child=self._max_tasks,
            )
        return self._pool

    def _discard_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()  # a stuck decoder does not stop when asked
            pool.shutdown(wait=False, cancel_futures=True)

    async def process(self, path: str | os.PathLike[str]) -> ProcessedImage:
        """``process_image(path)`` in a worker.

        Raises:
            ImageTimeoutError: not done within ``timeout`` seconds (the worker
                is killed).
            the errors of ``process_image``; CorruptImageError if the worker
            died twice on it.
        """
        loop = asyncio.get_running_loop()
        for attempt in range(2):
            pool = self._executor()
            future = loop.run_in_executor(pool, process_image, os.fspath(path), self.limits)
            try:
                return await asyncio.wait_for(future, self.timeout)
            except TimeoutError:
                self._discard_pool()
                raise ImageTimeoutError(f"not processed within {self.timeout} s") from None
            except BrokenProcessPool:
                # Another image's timeout, or this one crashed its worker: once
                # more in a new pool, and if it breaks again, it is the image.
                if self._pool is pool:
                    self._discard_pool()
                if attempt:
                    raise CorruptImageError("the decoder crashed on it") from None
        raise AssertionError("unreachable")

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
