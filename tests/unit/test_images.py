"""Sniffing and image processing, with real images made here by Pillow."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from files.images import (
    BINARY,
    DOCX,
    PPTX,
    SNIFF_BYTES,
    XLSX,
    CorruptImageError,
    ImageLimits,
    ImageProcessor,
    ImageTimeoutError,
    ImageTooLargeError,
    NotAnImageError,
    ProcessedImage,
    is_image,
    process_image,
    sniff,
)
from tests.support.samples import (
    BLUE,
    GPS_IFD,
    RED,
    animated_gif,
    encode,
    photo_with_orientation_6,
    png_bomb,
)


def process(data: bytes, limits: ImageLimits | None = None) -> ProcessedImage:
    return process_image(io.BytesIO(data), limits)


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def assert_no_metadata(data: bytes) -> None:
    im = opened(data)
    assert len(im.getexif()) == 0
    assert not im.getexif().get_ifd(GPS_IFD)
    for key in ("exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "Comment"):
        assert key not in im.info, key
    assert b"Exif\x00\x00" not in data
    assert b"Kaisha Camera" not in data and b"secret" not in data


def test_an_orientation_6_photo_comes_out_upright_without_exif_or_gps() -> None:
    data = photo_with_orientation_6()
    assert opened(data).getexif().get_ifd(GPS_IFD)  # the input does say where
    result = process(data)
    assert (result.width, result.height) == (200, 300)  # upright: portrait
    assert result.media_type == "image/jpeg"
    display = opened(result.display.data).convert("RGB")
    assert display.size == (200, 300) == (result.display.width, result.display.height)
    # Turned clockwise, the stored top (red) is now on the right.
    assert _near(display.getpixel((170, 150)), RED)
    assert _near(display.getpixel((30, 150)), BLUE)
    thumb = opened(result.thumbnail.data).convert("RGB")
    assert _near(thumb.getpixel((thumb.width - 10, thumb.height // 2)), RED)
    for copy in (result.display.data, result.thumbnail.data):
        assert_no_metadata(copy)


def _near(pixel: object, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def test_png_text_chunks_and_colour_profiles_are_left_behind() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret place")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>secret</x:xmpmeta>")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (64, 64), RED), "PNG", pnginfo=info, icc_profile=icc)
    assert b"secret" in data
    result = process(data)
    assert result.display.media_type == "image/png"
    assert_no_metadata(result.display.data)
    assert_no_metadata(result.thumbnail.data)
    assert _near(opened(result.display.data).convert("RGB").getpixel((5, 5)), RED)


def test_an_animated_gif_stays_animated_with_a_still_thumbnail() -> None:
    data = animated_gif(5)
    result = process(data)
    assert result.frames == 5 and result.media_type == "image/gif"
    display = opened(result.display.data)
    assert result.display.media_type == "image/gif"
    assert display.format == "GIF" and getattr(display, "n_frames", 1) == 5
    assert display.info.get("duration") == 100
    display.seek(1)
    assert _near(display.convert("RGB").getpixel((10, 10)), BLUE)
    thumb = opened(result.thumbnail.data)
    assert result.thumbnail.media_type == "image/webp"
    assert getattr(thumb, "n_frames", 1) == 1
    assert _near(thumb.convert("RGB").getpixel((10, 10)), RED)  # the first frame
    assert b"secret comment" not in result.display.data


def test_a_png_bomb_is_refused_before_decoding() -> None:
    """100,000 × 100,000 pixels declared in a file of a few dozen bytes."""
    bomb = png_bomb()
    assert len(bomb) < 1024 and sniff(bomb) == "image/png"
    with pytest.raises(ImageTooLargeError):
        process(bomb)


def test_pixels_past_the_limit_are_refused() -> None:
    data = encode(Image.new("RGB", (1200, 1000)), "PNG")
    with pytest.raises(ImageTooLargeError) as caught:
        process(data, ImageLimits(max_pixels=1_000_000))
    assert caught.value.code == "image_too_large"
    assert process(data, ImageLimits(max_pixels=1_200_000)).width == 1200


def test_animations_have_tighter_limits() -> None:
    data = animated_gif(11, (100, 100))
    with pytest.raises(ImageTooLargeError):
        process(data, ImageLimits(max_frames=10))
    with pytest.raises(ImageTooLargeError):  # 11 × 10,000 pixels
        process(data, ImageLimits(max_animation_pixels=100_000))
    assert process(data, ImageLimits(max_frames=11, max_animation_pixels=110_000)).frames == 11


def test_a_truncated_jpeg_is_refused() -> None:
    noise = Image.effect_noise((400, 300), 80).convert("RGB")
    data = encode(noise, "JPEG", quality=90)
    with pytest.raises(CorruptImageError) as caught:
        process(data[: len(data) // 2])
    assert caught.value.code == "corrupt_image"


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "ただのテキストです".encode(), b"\x00" * 100],
    ids=["empty", "pdf", "text", "zeros"],
)
def test_what_is_not_an_image_is_refused(data: bytes) -> None:
    with pytest.raises(NotAnImageError):
        process(data)


def test_html_disguised_as_a_png_is_not_an_image(tmp_path: Path) -> None:
    """Named .png and sent as image/png by the client: the bytes say HTML."""
    html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
    path = tmp_path / "cat.png"
    path.write_bytes(html)
    assert sniff(path.read_bytes()) == "text/html"
    assert not is_image(sniff(html))
    with pytest.raises(NotAnImageError):
        process_image(path)


def test_a_12_megapixel_photo_gets_a_thumbnail_within_the_box() -> None:
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    im = Image.merge(
        "RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient)
    )
    data = encode(im, "JPEG", quality=90)
    result = process(data)
    assert (result.width, result.height) == (4000, 3000)
    thumb = opened(result.thumbnail.data)
    assert thumb.size == (480, 360) == (result.thumbnail.width, result.thumbnail.height)
    assert thumb.format == "WEBP"
    assert max(result.display.width, result.display.height) == 1920
    assert opened(result.display.data).size == (result.display.width, result.display.height)
    jpeg_thumbs = process(data, ImageLimits(thumbnail_box=200, thumbnail_format="JPEG"))
    assert opened(jpeg_thumbs.thumbnail.data).size == (200, 150)
    assert jpeg_thumbs.thumbnail.media_type == "image/jpeg"


def test_heic_becomes_jpeg() -> None:
    im = Image.new("RGB", (64, 48), RED)
    data = encode(im, "HEIF", quality=90)
    assert sniff(data) == "image/heic"
    result = process(data)
    assert result.media_type == "image/heic"
    assert (
        result.display.media_type == "image/jpeg" and opened(result.display.data).format == "JPEG"
    )
    assert (result.width, result.height) == (64, 48)
    assert _near(opened(result.display.data).getpixel((30, 20)), RED)


def test_transparency_is_kept() -> None:
    im = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    im.paste((*RED, 255), (0, 0, 25, 50))
    result = process(encode(im, "PNG"))
    assert opened(result.display.data).getpixel((40, 10))[3] == 0  # type: ignore[index]
    assert opened(result.thumbnail.data).convert("RGBA").getpixel((40, 10))[3] == 0  # type: ignore[index]


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (encode(Image.new("RGB", (4, 4)), "JPEG"), "image/jpeg"),
        (encode(Image.new("RGB", (4, 4)), "PNG"), "image/png"),
        (encode(Image.new("RGB", (4, 4)), "GIF"), "image/gif"),
        (encode(Image.new("RGB", (4, 4)), "WEBP"), "image/webp"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf", "image/heif"),
        (b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00avifmif1", "application/octet-stream"),
        (b"%PDF-1.4\n", "application/pdf"),
        (_zip(["[Content_Types].xml", "_rels/.rels", "word/document.xml"]), DOCX),
        (_zip(["[Content_Types].xml", "xl/workbook.xml"]), XLSX),
        (_zip(["[Content_Types].xml", "ppt/presentation.xml"]), PPTX),
        (_zip(["notes.txt"]), "application/octet-stream"),
        ("こんにちは、世界\n".encode(), "text/plain"),
        ("議事録".encode()[:-1], "text/plain"),  # cut inside a character: more may follow
        ("café au lait".encode("latin-1"), "application/octet-stream"),
        (b"text\x00with a NUL", "application/octet-stream"),
        (b"  <!doctype html><title>x</title>", "text/html"),
        (b"<html><body>hi", "text/html"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>', BINARY),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', BINARY),
        (b"<3 thanks", "text/plain"),
        (b"\x7fELF\x02\x01\x01\x00", "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)  # fmt: skip
def test_sniff(data: bytes, expected: str) -> None:
    assert sniff(data[:SNIFF_BYTES]) == expected
    if expected.startswith("image/"):
        assert is_image(expected)


def test_sniff_judges_a_whole_short_file_strictly() -> None:
    cut = "議事録".encode()[:-1]
    assert sniff(cut, complete=True) == "application/octet-stream"


async def test_the_processor_runs_images_in_a_worker_with_a_deadline(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(photo_with_orientation_6())
    processor = ImageProcessor(timeout=60)
    try:
        result = await processor.process(path)
        assert (result.width, result.height) == (200, 300)
        with pytest.raises(NotAnImageError):
            (tmp_path / "page.png").write_bytes(b"<html>")
            await processor.process(tmp_path / "page.png")
        # No time at all: a job just handed to a worker is never done yet, so
        # the worker is killed whatever the machine's load (0.1 ms was not:
        # a loop kept off the CPU longer than the image took saw it done).
        processor.timeout = 0
        with pytest.raises(ImageTimeoutError):
            await processor.process(path)
        processor.timeout = 60
        assert (await processor.process(path)).height == 300  # a new worker
    finally:
        await processor.close()
