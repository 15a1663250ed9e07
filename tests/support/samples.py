"""Files for tests and benchmarks, made here by Pillow and by hand: photos with
EXIF and a GPS position, animations, bombs, truncated and disguised files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

RED, BLUE = (220, 20, 20), (20, 20, 220)
GPS_IFD = 0x8825


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, fmt, **params)
    return buffer.getvalue()


def photo_with_orientation_6() -> bytes:
    """Stored 300 × 200, top half red, bottom half blue; EXIF says "turn a
    quarter clockwise to show" (6), and says where it was taken."""
    im = Image.new("RGB", (300, 200), BLUE)
    im.paste(RED, (0, 0, 300, 100))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Kaisha Camera"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (35.0, 39.0, 29.0), 3: "E", 4: (139.0, 44.0, 28.0)})
    return encode(im, "JPEG", exif=exif.tobytes(), quality=95)


def animated_gif(frames: int, size: tuple[int, int] = (120, 80)) -> bytes:
    colours = [RED, BLUE, (20, 200, 20), (200, 200, 20), (20, 200, 200)]
    images = [Image.new("RGB", size, colours[i % len(colours)]) for i in range(frames)]
    return encode(
        images[0], "GIF", save_all=True, append_images=images[1:], duration=100, loop=0,
        comment=b"secret comment",
    )  # fmt: skip


def png_bomb() -> bytes:
    """100,000 × 100,000 pixels declared in a file of a few dozen bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 100_000, 9))
        + chunk(b"IEND", b"")
    )


def noisy_jpeg(size: tuple[int, int] = (400, 300)) -> bytes:
    return encode(Image.effect_noise(size, 80).convert("RGB"), "JPEG", quality=90)


def screenshot_png(size: tuple[int, int] = (640, 400)) -> bytes:
    im = Image.new("RGB", size, (240, 240, 240))
    im.paste(BLUE, (0, 0, size[0], 40))
    return encode(im, "PNG")


HTML_AS_PNG = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
