"""Files and images in the browser, against a real server: attaching by drop,
paste and picker (tiles with progress, cancel, retry, refusals in the
person's language), thumbnails in a box of the image's shape before they load,
the viewer and its keys, downloads keeping Japanese names, editing a post's
files, the channel's Files panel and a person's files, the admins' rules and
storage figures, and a phone-sized screen."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import (
    CDPSession,
    FilePayload,
    JSHandle,
    Locator,
    Page,
    Request,
    Route,
    expect,
)

from tests.browser.conftest import Api, Kaisha, Person, SignIn, connected, post_locator, unique
from tests.support import samples
from tests.support.timing import deadline

pytestmark = pytest.mark.browser

FileSpec = tuple[str, str, bytes]  # name, type, bytes

MAKE_FILES = """(files) => files.map(([name, type, b64]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return new File([bytes], name, { type });
})"""


def encoded(files: list[FileSpec]) -> list[list[str]]:
    return [[name, kind, base64.b64encode(data).decode()] for name, kind, data in files]


def data_transfer(page: Page, files: list[FileSpec]) -> JSHandle:
    return page.evaluate_handle(
        f"""(files) => {{
            const dt = new DataTransfer();
            for (const file of ({MAKE_FILES})(files)) dt.items.add(file);
            return dt;
        }}""",
        encoded(files),
    )


def drop(page: Page, target: str, files: list[FileSpec]) -> None:
    """Drag files over ``target`` (the drop target shows), then drop them."""
    dt = data_transfer(page, files)
    shown = page.locator("[data-testid=drop-target]:visible")
    page.dispatch_event(target, "dragenter", {"dataTransfer": dt})
    expect(shown).to_have_count(1)
    page.dispatch_event(target, "dragover", {"dataTransfer": dt})
    page.dispatch_event(target, "drop", {"dataTransfer": dt})
    expect(shown).to_have_count(0)


def paste(page: Page, target: str, files: list[FileSpec]) -> None:
    """A paste of files (a screenshot) into ``target``, as the clipboard gives it."""
    page.evaluate(
        f"""([selector, files]) => {{
            const dt = new DataTransfer();
            for (const file of ({MAKE_FILES})(files)) dt.items.add(file);
            const init = {{ clipboardData: dt, bubbles: true, cancelable: true }};
            document.querySelector(selector).dispatchEvent(new ClipboardEvent('paste', init));
        }}""",
        [target, encoded(files)],
    )


def pick(page: Page, testid: str, files: list[FileSpec]) -> None:
    """Choose files with the attach button's picker."""
    payloads: list[FilePayload] = [
        {"name": name, "mimeType": kind, "buffer": data} for name, kind, data in files
    ]
    page.get_by_test_id(testid).set_input_files(payloads)


def throttle_uploads(
    person: Person, bytes_per_second: int, cdp: CDPSession | None = None
) -> CDPSession:
    """Slow the page's uploads down (Chromium's network emulation), so progress
    shows; -1: full speed."""
    if cdp is None:
        cdp = person.context.new_cdp_session(person.page)
        cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )
    return cdp


def box_ratio(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None and box["height"] > 0
    return box["width"] / box["height"]


def loaded(locator: Locator) -> None:
    """Wait until an <img> has its bytes (decoded, with a size)."""
    expect(locator).to_have_js_property("complete", True)
    assert locator.evaluate("(img) => img.naturalWidth") > 0


def two_in_channel(kaisha: Kaisha, sign_in: SignIn, name: str, **opts: Any) -> list[Person]:
    """A new department with two people, each signed in on its channel."""
    dept = kaisha.department(unique(name))
    sessions = []
    for who in ("Aiko", "Bunta"):
        person = kaisha.person(unique(who), dept["id"])
        session = sign_in(person["email"], **opts)
        session.open(f"#/c/{dept['channel_id']}")
        connected(session.page)
        sessions.append(session)
    return sessions


def upload_as(api: Api, name: str, data: bytes) -> str:
    """Upload a file over HTTP (setting up); its id."""
    r = api.client.post("/api/files", params={"name": name}, content=data)
    assert r.status_code == 201, r.text
    file_id: str = r.json()["id"]
    return file_id


def share(api: Api, channel_id: int, body: str, files: list[str]) -> dict[str, Any]:
    """A post with files, over HTTP (setting up); its receipt."""
    receipt: dict[str, Any] = api.call(
        "POST", f"/api/channels/{channel_id}/posts", {"body": body, "files": files}
    )
    return receipt


def set_rules(kaisha: Kaisha, max_file_mb: int, allowed: list[str]) -> None:
    kaisha.admin.call("PUT", "/api/files/rules", {"max_file_mb": max_file_mb, "allowed": allowed})


@pytest.fixture
def default_rules(kaisha: Kaisha) -> Iterator[None]:
    """Tests that change the company's file rules leave the defaults behind."""
    yield
    set_rules(kaisha, 50, ["image", "pdf", "office", "text", "other"])


SCREENSHOT = ("screen.png", "image/png", samples.screenshot_png())  # 640 × 400
PORTRAIT = ("photo.jpg", "image/jpeg", samples.photo_with_orientation_6())  # 200 × 300 upright
PDF_JA = ("経費精算ルール.pdf", "application/pdf", samples.PDF)


def test_dropped_images_upload_with_progress_and_reach_the_other_person(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    a, b = two_in_channel(kaisha, sign_in, "Photos")
    # Thumbnails on B's side wait until let through: their boxes must have the
    # images' shapes before anything loads.
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    b.page.route("**/api/files/*/thumb", hold)

    # Slow uploads, so the tile's progress shows.
    big = ("noise.jpg", "image/jpeg", samples.noisy_jpeg((1200, 900)))
    cdp = throttle_uploads(a, 150_000)
    drop(a.page, "[data-testid=composer]", [SCREENSHOT, PORTRAIT, big])
    tiles = a.page.get_by_test_id("upload-tile")
    expect(tiles).to_have_count(3)
    names = tiles.get_by_test_id("upload-name")
    expect(names).to_have_text(["screen.png", "photo.jpg", "noise.jpg"])
    uploading = tiles.filter(has_text="noise.jpg")
    expect(uploading.get_by_test_id("upload-progress")).to_be_visible()
    expect(uploading.get_by_test_id("upload-status")).to_have_text(re.compile(r"Uploading… \d+%"))
    # A local preview of each picked image.
    expect(tiles.first.locator("img")).to_have_attribute("src", re.compile(r"^data:image/"))

    # Sending while uploading waits for the uploads, then sends.
    body = unique("Office party photos ")
    a.page.get_by_test_id("composer-input").fill(body)
    a.page.get_by_test_id("composer-input").press("Enter")
    expect(a.page.get_by_test_id("composer-note")).to_contain_text("as soon as the uploads finish")
    expect(post_locator(a.page, body)).to_have_count(0)
    throttle_uploads(a, -1, cdp)  # full speed again
    expect(post_locator(a.page, body)).to_have_count(1)
    expect(a.page.get_by_test_id("pending-post")).to_have_count(0)
    expect(tiles).to_have_count(0)
    expect(a.page.get_by_test_id("composer-input")).to_have_value("")

    # B sees the post live, with three thumbnails in boxes of the right shapes.
    on_b = post_locator(b.page, body)
    expect(on_b).to_have_count(1)
    images = on_b.get_by_test_id("image-tile")
    expect(images).to_have_count(3)
    assert held, "thumbnails were asked for"
    shapes = [box_ratio(images.nth(i)) for i in range(3)]
    assert shapes[0] == pytest.approx(640 / 400, rel=0.03)
    assert shapes[1] == pytest.approx(200 / 300, rel=0.03)  # upright: EXIF turned it
    assert shapes[2] == pytest.approx(1200 / 900, rel=0.03)
    boxes = [images.nth(i).bounding_box() for i in range(3)]
    for route in held:
        route.continue_()
    b.page.unroute("**/api/files/*/thumb")
    for i in range(3):
        loaded(images.nth(i).locator("img"))
    assert [images.nth(i).bounding_box() for i in range(3)] == boxes  # nothing moved

    # The viewer: full size, ← → between the post's images, Esc closes.
    images.first.click()
    viewer = b.page.get_by_test_id("viewer")
    expect(viewer).to_be_visible()
    expect(viewer.get_by_test_id("viewer-count")).to_have_text("1 of 3")
    expect(viewer.get_by_test_id("viewer-name")).to_have_text("screen.png")
    full = viewer.get_by_test_id("viewer-image")
    expect(full).to_have_attribute("src", re.compile(r"/api/files/[\w-]+/content$"))
    loaded(full)
    assert full.evaluate("(img) => [img.naturalWidth, img.naturalHeight]") == [640, 400]
    b.page.keyboard.press("ArrowRight")
    expect(viewer.get_by_test_id("viewer-count")).to_have_text("2 of 3")
    expect(viewer.get_by_test_id("viewer-name")).to_have_text("photo.jpg")
    b.page.keyboard.press("ArrowRight")
    b.page.keyboard.press("ArrowRight")
    expect(viewer.get_by_test_id("viewer-count")).to_have_text("1 of 3")
    b.page.keyboard.press("ArrowLeft")
    expect(viewer.get_by_test_id("viewer-name")).to_have_text("noise.jpg")
    expect(viewer.get_by_test_id("viewer-download")).to_have_attribute(
        "href", re.compile(r"/content\?download=1$")
    )
    # Focus stays inside while it is open.
    for _ in range(4):
        b.page.keyboard.press("Tab")
        inside = "() => !!document.activeElement.closest('[data-testid=viewer]')"
        assert b.page.evaluate(inside), "focus left the viewer"
    b.page.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    expect(images.first).to_be_focused()
    assert a.dialogs == [] and b.dialogs == []


def test_an_animated_gif_is_still_in_the_post_and_moves_in_the_viewer(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    dept = kaisha.department(unique("Fun"))
    poster = kaisha.person(unique("Eri"), dept["id"])
    viewer_person = kaisha.person(unique("Fumi"), dept["id"])
    api = kaisha.api_as(poster["email"])
    share(api, dept["channel_id"], "party", [upload_as(api, "dance.gif", samples.animated_gif(5))])
    page = sign_in(viewer_person["email"]).open(f"#/c/{dept['channel_id']}")
    tile = page.get_by_test_id("image-tile")
    expect(tile.locator(".gif-badge")).to_have_text("GIF")
    expect(tile.locator("img")).to_have_attribute("src", re.compile(r"/thumb$"))
    tile.click()
    full = page.get_by_test_id("viewer").get_by_test_id("viewer-image")
    expect(full).to_have_attribute("src", re.compile(r"/content$"))
    loaded(full)
    # It moves: the picture on screen changes by itself.
    first = full.screenshot()
    end = time.monotonic() + deadline(5)
    while full.screenshot() == first:
        assert time.monotonic() < end, "the GIF does not move in the viewer"
        page.wait_for_timeout(50)


def test_a_pasted_screenshot_is_attached(kaisha: Kaisha, sign_in: SignIn) -> None:
    a, b = two_in_channel(kaisha, sign_in, "Support")
    paste(a.page, "[data-testid=composer-input]", [("image.png", "image/png", SCREENSHOT[2])])
    tile = a.page.get_by_test_id("upload-tile")
    expect(tile).to_have_count(1)
    # Screenshots are all "image.png": named by the time instead.
    named = re.compile(r"^screenshot-\d{8}-\d{6}\.png$")
    expect(tile.get_by_test_id("upload-name")).to_have_text(named)
    expect(tile).to_have_attribute("data-state", "done")
    # Files alone make a post: Send is allowed with no text.
    expect(a.page.get_by_test_id("composer-send")).to_be_enabled()
    a.page.get_by_test_id("composer-send").click()
    for page in (a.page, b.page):
        post = page.get_by_test_id("timeline").get_by_test_id("post").last
        expect(post.get_by_test_id("image-tile")).to_have_count(1)
        expect(post.get_by_test_id("post-body")).to_be_hidden()
    # Pasting text stays a paste of text.
    a.page.get_by_test_id("composer-input").focus()
    a.page.evaluate(
        """() => {
            const dt = new DataTransfer();
            dt.setData('text/plain', 'just words');
            const input = document.querySelector('[data-testid=composer-input]');
            const init = { clipboardData: dt, bubbles: true, cancelable: true };
            input.dispatchEvent(new ClipboardEvent('paste', init));
        }"""
    )
    expect(a.page.get_by_test_id("upload-tile")).to_have_count(0)


def test_a_comment_carries_files_dropped_on_the_thread(kaisha: Kaisha, sign_in: SignIn) -> None:
    a, b = two_in_channel(kaisha, sign_in, "Support")
    body = unique("Which printer? ")
    a.page.get_by_test_id("composer-input").fill(body)
    a.page.get_by_test_id("composer-input").press("Enter")
    on_b = post_locator(b.page, body)
    on_b.get_by_test_id("comment-button").click()
    thread = b.page.get_by_test_id("thread-panel")
    expect(thread.get_by_test_id("comment-composer")).to_be_visible()
    # Dropped on the thread: to the comment, not to the channel's composer.
    drop(b.page, "[data-testid=thread-panel]", [SCREENSHOT])
    expect(thread.get_by_test_id("upload-tile")).to_have_attribute("data-state", "done")
    expect(b.page.get_by_test_id("composer").get_by_test_id("upload-tile")).to_have_count(0)
    thread.get_by_test_id("comment-composer-input").press("Enter")
    comment = thread.get_by_test_id("comment")
    expect(comment.get_by_test_id("image-tile")).to_have_count(1)

    on_a = post_locator(a.page, body)
    expect(on_a.get_by_test_id("comment-count")).to_have_text("1 comment")
    on_a.get_by_test_id("comment-button").click()
    seen = a.page.get_by_test_id("thread-panel").get_by_test_id("comment")
    expect(seen.get_by_test_id("image-tile")).to_have_attribute("title", "screen.png")


def test_a_japanese_named_pdf_downloads_with_its_name(kaisha: Kaisha, sign_in: SignIn) -> None:
    a, b = two_in_channel(kaisha, sign_in, "経理部", locale="ja-JP")
    hostile = ("<b>太字<b> & <img src=x onerror=alert(1)>.txt", "text/plain", "メモ\n".encode())
    long_name = (
        "2024年度 第3四半期 営業部 経費精算 申請書 最終版 (修正済み) コピー.pdf",
        "application/pdf",
        samples.PDF,
    )
    pick(a.page, "composer-file-input", [PDF_JA, hostile, long_name])
    expect(a.page.locator("[data-testid=upload-tile][data-state=done]")).to_have_count(3)
    body = unique("経費のルールです ")
    a.page.get_by_test_id("composer-input").fill(body)
    a.page.get_by_test_id("composer-input").press("Enter")

    on_b = post_locator(b.page, body)
    cards = on_b.get_by_test_id("file-card")
    expect(cards).to_have_count(3)
    expect(cards.get_by_test_id("file-name")).to_have_text([PDF_JA[0], hostile[0], long_name[0]])
    expect(on_b.locator("b, img")).to_have_count(0)  # names are text, never markup
    expect(cards.first.locator(".file-icon")).to_have_attribute("data-kind", "pdf")
    expect(cards.nth(1).locator(".file-icon")).to_have_attribute("data-kind", "text")
    expect(cards.first.get_by_test_id("file-size")).to_have_text(f"{len(samples.PDF)} B")
    # A long name is cut short on screen, whole in the title.
    long_card = cards.nth(2)
    expect(long_card).to_have_attribute("title", long_name[0])
    name = long_card.get_by_test_id("file-name")
    assert name.evaluate("(el) => el.scrollWidth > el.clientWidth"), "the long name is ellipsised"

    with b.page.expect_download() as info:
        cards.first.click()
    download = info.value
    assert download.suggested_filename == PDF_JA[0]
    path = download.path()
    assert path.read_bytes() == samples.PDF
    assert a.dialogs == [] and b.dialogs == []


def test_refused_and_failed_uploads_say_why_in_japanese(
    kaisha: Kaisha, sign_in: SignIn, default_rules: None
) -> None:
    set_rules(kaisha, 1, ["image", "pdf", "text"])
    dept = kaisha.department(unique("総務部"))
    person = kaisha.person(unique("Chika"), dept["id"])
    c = sign_in(person["email"], locale="ja-JP")
    page = c.open(f"#/c/{dept['channel_id']}")
    connected(page)
    requests: list[str] = []

    def note(request: Request) -> None:
        if request.method == "POST" and "/api/files" in request.url:
            requests.append(request.url)

    page.on("request", note)

    big = ("大きな資料.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))
    zipped = ("archive.zip", "application/zip", b"PK\x03\x04" + b"\0" * 100)
    pick(page, "composer-file-input", [big, zipped])
    tiles = page.get_by_test_id("upload-tile")
    expect(tiles).to_have_count(2)
    too_big = tiles.filter(has_text="大きな資料.pdf")
    expect(too_big).to_have_attribute("data-state", "refused")
    expect(too_big.get_by_test_id("upload-status")).to_have_text(
        "サイズが大きすぎます（1 ファイル 1 MB まで）。"
    )
    not_allowed = tiles.filter(has_text="archive.zip")
    expect(not_allowed.get_by_test_id("upload-status")).to_have_text(
        "この種類のファイル（その他のファイル）は共有できません。"
    )
    expect(tiles.get_by_test_id("upload-retry")).to_have_count(0)  # the same file would fail again
    assert requests == []  # refused before sending a byte

    # Sending with a refused file says what to do first.
    page.get_by_test_id("composer-input").fill("資料です")
    page.get_by_test_id("composer-input").press("Enter")
    expect(page.get_by_test_id("composer-note")).to_have_text(
        "アップロードできなかったファイルがあります。再試行するか、外してから送信してください。"
    )
    expect(page.get_by_test_id("pending-post")).to_have_count(0)

    # × takes a tile away.
    too_big.get_by_test_id("upload-remove").click()
    not_allowed.get_by_test_id("upload-remove").click()
    expect(tiles).to_have_count(0)
    expect(page.get_by_test_id("composer-note")).to_be_hidden()

    # What only the server can tell: a damaged image. The reason, and Retry.
    png = samples.screenshot_png()
    broken = ("壊れた.png", "image/png", png[: len(png) // 2])  # cut off in the middle
    pick(page, "composer-file-input", [broken])
    tile = page.get_by_test_id("upload-tile")
    expect(tile).to_have_attribute("data-state", "failed")
    expect(tile.get_by_test_id("upload-status")).to_have_text(
        "画像が壊れているため読み込めません。"
    )
    tile.get_by_test_id("upload-retry").click()
    expect(tile).to_have_attribute("data-state", "failed")
    assert len(requests) == 2  # that file, twice; one tile
    expect(tile).to_have_count(1)

    # More than ten files: the rest are refused, with a word.
    many = [(f"memo{n}.txt", "text/plain", f"memo {n}".encode()) for n in range(12)]
    tile.get_by_test_id("upload-remove").click()
    pick(page, "composer-file-input", many)
    expect(tiles).to_have_count(10)
    expect(page.get_by_test_id("composer-note")).to_have_text(
        "1 つの投稿に添付できるファイルは 10 個までです。2 個は追加されませんでした。"
    )
    assert c.dialogs == []


def test_a_cancelled_upload_is_not_sent(kaisha: Kaisha, sign_in: SignIn) -> None:
    a, b = two_in_channel(kaisha, sign_in, "Legal")
    throttle_uploads(a, 20_000)
    slow = ("contract.pdf", "application/pdf", b"%PDF-1.4\n" + b"1" * 400_000)
    pick(a.page, "composer-file-input", [slow, SCREENSHOT])
    slow_tile = a.page.get_by_test_id("upload-tile").filter(has_text="contract.pdf")
    expect(slow_tile).to_have_attribute("data-state", "uploading")
    slow_tile.get_by_test_id("upload-remove").click()
    expect(a.page.get_by_test_id("upload-tile")).to_have_count(1)
    expect(a.page.get_by_test_id("upload-tile")).to_have_attribute("data-state", "done")
    body = unique("Only the screenshot ")
    a.page.get_by_test_id("composer-input").fill(body)
    a.page.get_by_test_id("composer-input").press("Enter")
    on_b = post_locator(b.page, body)
    expect(on_b.get_by_test_id("image-tile")).to_have_count(1)
    expect(on_b.get_by_test_id("file-card")).to_have_count(0)


def test_sending_waits_for_uploads_and_a_failure_stops_it(kaisha: Kaisha, sign_in: SignIn) -> None:
    a, b = two_in_channel(kaisha, sign_in, "Sales")
    page = a.page
    cdp = throttle_uploads(a, 50_000)
    slow = ("quote.pdf", "application/pdf", b"%PDF-1.4\n" + b"2" * 300_000)
    pick(page, "composer-file-input", [slow])
    body = unique("The quote ")
    page.get_by_test_id("composer-input").fill(body)
    note = page.get_by_test_id("composer-note")

    # Waiting can be called off: nothing is sent, the text stays.
    page.get_by_test_id("composer-input").press("Enter")
    expect(note).to_have_text(re.compile("^Sending as soon as the uploads finish"))
    expect(page.get_by_test_id("composer-send")).to_be_disabled()
    page.get_by_test_id("composer-dont-send").click()
    expect(note).to_be_hidden()
    expect(page.get_by_test_id("composer-input")).to_have_value(body)

    # A file failing while it waits stops the wait at once, with a word.
    page.get_by_test_id("composer-input").press("Enter")
    expect(note).to_have_text(re.compile("^Sending as soon as the uploads finish"))
    png = samples.screenshot_png()
    pick(page, "composer-file-input", [("cut.png", "image/png", png[: len(png) // 2])])
    expect(note).to_have_text("Some files could not be uploaded: retry them or remove them first.")
    expect(page.get_by_test_id("pending-post")).to_have_count(0)
    tiles = page.get_by_test_id("upload-tile")
    expect(tiles.filter(has_text="quote.pdf")).to_have_attribute("data-state", "uploading")

    # Without it, Send waits again and the post goes once the upload is done.
    tiles.filter(has_text="cut.png").get_by_test_id("upload-remove").click()
    expect(note).to_be_hidden()
    page.get_by_test_id("composer-input").press("Enter")
    expect(note).to_have_text(re.compile("^Sending as soon as the uploads finish"))
    throttle_uploads(a, -1, cdp)
    on_b = post_locator(b.page, body)
    expect(on_b.get_by_test_id("file-card").get_by_test_id("file-name")).to_have_text("quote.pdf")
    expect(tiles).to_have_count(0)
    expect(note).to_be_hidden()


def test_editing_a_post_keeps_removes_and_adds_files(kaisha: Kaisha, sign_in: SignIn) -> None:
    a, b = two_in_channel(kaisha, sign_in, "Design")
    body = unique("Two drafts ")
    pick(a.page, "composer-file-input", [SCREENSHOT, PDF_JA])
    expect(a.page.locator("[data-testid=upload-tile][data-state=done]")).to_have_count(2)
    a.page.get_by_test_id("composer-input").fill(body)
    a.page.get_by_test_id("composer-input").press("Enter")
    expect(post_locator(a.page, body)).to_have_count(1)
    post_id = post_locator(a.page, body).get_attribute("data-post-id")
    on_a = a.page.locator(f"[data-testid=timeline] [data-post-id='{post_id}']")
    on_b = b.page.locator(f"[data-testid=timeline] [data-post-id='{post_id}']")
    expect(on_b.get_by_test_id("image-tile")).to_have_count(1)
    expect(on_b.get_by_test_id("file-card")).to_have_count(1)

    on_a.hover()
    on_a.get_by_test_id("edit-button").click()
    tiles = on_a.get_by_test_id("upload-tile")
    expect(tiles.get_by_test_id("upload-name")).to_have_text(["screen.png", PDF_JA[0]])
    tiles.filter(has_text="screen.png").get_by_test_id("upload-remove").click()
    pick(a.page, "edit-file-input", [PORTRAIT])
    expect(on_a.locator("[data-testid=upload-tile][data-state=done]")).to_have_count(2)
    on_a.get_by_test_id("edit-save").click()

    expect(on_b.get_by_test_id("edited")).to_be_visible()
    expect(on_b.get_by_test_id("image-tile")).to_have_count(1)
    expect(on_b.get_by_test_id("image-tile")).to_have_attribute("title", "photo.jpg")
    expect(on_b.get_by_test_id("file-card").get_by_test_id("file-name")).to_have_text(PDF_JA[0])
    expect(on_b.get_by_test_id("post-body")).to_contain_text(body.strip())


def test_files_panel_lists_newest_first_filters_and_pages(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Marketing"))
    aiko = kaisha.person(unique("Aiko"), dept["id"])
    bunta = kaisha.person(unique("Bunta"), dept["id"])
    api = kaisha.api_as(aiko["email"])
    channel = dept["channel_id"]

    # 55 text files (more than a page), then a PDF and an image in one post.
    ids = [upload_as(api, f"note{n:02}.txt", b"note") for n in range(55)]
    for start in range(0, 55, 10):
        share(api, channel, f"notes {start}", ids[start : start + 10])
    files = [upload_as(api, PDF_JA[0], samples.PDF), upload_as(api, "screen.png", SCREENSHOT[2])]
    last = share(api, channel, "latest", files)

    b = sign_in(bunta["email"])
    page = b.open(f"#/c/{channel}")
    connected(page)
    page.get_by_test_id("files-toggle").click()
    panel = page.get_by_test_id("files-panel")
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("files-toggle")).to_have_attribute("aria-pressed", "true")
    items = panel.get_by_test_id("file-item")
    expect(items).to_have_count(50)
    expect(items.get_by_test_id("file-item-name").first).to_have_text("screen.png")
    expect(items.get_by_test_id("file-item-name").nth(1)).to_have_text(PDF_JA[0])
    expect(items.get_by_test_id("file-item-name").nth(2)).to_have_text("note54.txt")
    expect(items.first.get_by_test_id("file-item-meta")).to_contain_text(aiko["display_name"])
    panel.get_by_test_id("files-more").click()
    expect(items).to_have_count(57)
    expect(items.last.get_by_test_id("file-item-name")).to_have_text("note00.txt")
    expect(panel.get_by_test_id("files-more")).to_be_hidden()

    panel.get_by_test_id("files-filter-image").click()
    expect(items).to_have_count(1)
    expect(items.get_by_test_id("file-item-name")).to_have_text("screen.png")
    panel.get_by_test_id("files-filter-document").click()
    expect(items).to_have_count(50)
    expect(items.first.get_by_test_id("file-item-name")).to_have_text(PDF_JA[0])

    # Shared now: at the top, live.
    panel.get_by_test_id("files-filter-all").click()
    expect(items).to_have_count(50)
    share(api, channel, "one more", [upload_as(api, "fresh.png", SCREENSHOT[2])])
    expect(items.first.get_by_test_id("file-item-name")).to_have_text("fresh.png")

    # Each links to its post.
    items.nth(1).get_by_test_id("file-item-post").click()
    expect(page).to_have_url(re.compile(rf"#/c/{channel}/p/{last['post']['id']}$"))
    thread = page.get_by_test_id("thread-panel")
    expect(thread.get_by_test_id("post-body").first).to_have_text("latest")

    # A person's files, from their card.
    page.get_by_test_id("timeline").get_by_test_id("post-author").first.click()
    card = page.get_by_test_id("profile-card")
    card.get_by_test_id("profile-files-toggle").click()
    mine = card.get_by_test_id("file-item")
    expect(mine).to_have_count(50)
    expect(mine.first.get_by_test_id("file-item-name")).to_have_text("fresh.png")
    card.get_by_test_id("files-filter-image").click()
    expect(mine).to_have_count(2)
    assert b.dialogs == []


def test_admin_sets_limits_and_sees_storage(
    kaisha: Kaisha, sign_in: SignIn, default_rules: None
) -> None:
    dept = kaisha.department(unique("Storage"))
    person = kaisha.person(unique("Daichi"), dept["id"])
    api = kaisha.api_as(person["email"])
    share(api, dept["channel_id"], "", [upload_as(api, "a.pdf", samples.PDF)])

    admin = sign_in("admin@example.com", "amber lantern harbor")
    page = admin.open("#/admin")
    section = page.get_by_test_id("admin-files")
    expect(section.get_by_test_id("files-max-mb")).to_have_value("50")
    for kind in ("image", "pdf", "office", "text", "other"):
        expect(section.get_by_test_id(f"files-allow-{kind}")).to_be_checked()
    expect(section.get_by_test_id("usage-total")).to_contain_text("files")
    channels = section.get_by_test_id("usage-channels")
    expect(channels.locator("tr", has_text=dept["name"])).to_contain_text(f"{len(samples.PDF)} B")
    people = section.get_by_test_id("usage-people")
    expect(people.locator("tr", has_text=person["display_name"])).to_contain_text("1")

    section.get_by_test_id("files-max-mb").fill("5")
    section.get_by_test_id("files-allow-other").uncheck()
    section.get_by_test_id("files-rules-save").click()
    expect(page.get_by_test_id("toast")).to_have_text("File rules saved.")
    assert kaisha.admin.call("GET", "/api/files/rules") == {
        "max_file_mb": 5,
        "allowed": ["image", "pdf", "office", "text"],
    }
    page.reload()
    section = page.get_by_test_id("admin-files")
    expect(section.get_by_test_id("files-max-mb")).to_have_value("5")
    expect(section.get_by_test_id("files-allow-other")).not_to_be_checked()


def test_phone_screen_attaches_and_views(kaisha: Kaisha, sign_in: SignIn) -> None:
    phone = {"width": 360, "height": 740}
    a, b = two_in_channel(kaisha, sign_in, "Field", viewport=phone)
    page = a.page
    long_name = (
        "とても長い名前の現場写真_2024年10月_東京都千代田区_第二倉庫_搬入口.png",
        "image/png",
        SCREENSHOT[2],
    )
    pick(page, "composer-file-input", [long_name, PDF_JA])
    tiles = page.get_by_test_id("upload-tile")
    expect(tiles).to_have_count(2)
    expect(page.locator("[data-testid=upload-tile][data-state=done]")).to_have_count(2)
    for i in range(2):
        expect(tiles.nth(i)).to_be_in_viewport()
        expect(tiles.nth(i).get_by_test_id("upload-remove")).to_be_in_viewport()
    expect(page.get_by_test_id("composer-send")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_test_id("composer-send").click()
    post = page.get_by_test_id("timeline").get_by_test_id("post").last
    expect(post.get_by_test_id("image-tile")).to_be_in_viewport()
    expect(post.get_by_test_id("file-card")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    on_b = b.page.get_by_test_id("timeline").get_by_test_id("post").last
    on_b.get_by_test_id("image-tile").click()
    viewer = b.page.get_by_test_id("viewer")
    expect(viewer).to_be_visible()
    box = viewer.bounding_box()
    assert box is not None and box["width"] == 360 and box["height"] == 740  # the whole screen
    for testid in ("viewer-close", "viewer-download", "viewer-image"):
        expect(viewer.get_by_test_id(testid)).to_be_in_viewport()
    assert b.page.evaluate("document.documentElement.scrollWidth") <= 360
    viewer.get_by_test_id("viewer-close").click()
    expect(viewer).to_have_count(0)
