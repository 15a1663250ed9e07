"""Screenshots of the main screens for docs/screenshots/ (not a test).

Starts a server per language, seeds a small company through the HTTP API,
signs people in with headless Chromium and saves PNGs at desktop (1280x800)
and phone (360x740) sizes, in English and Japanese.

    .venv/bin/python -m tests.browser.make_screenshots [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect, sync_playwright

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    Api,
    KaishaServer,
)

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 740}


@dataclass
class Story:
    """What gets seeded, in one language."""

    departments: list[str]
    people: list[tuple[str, str, int]]  # email local part, display name, department index
    groups: list[tuple[str, str, bool]]  # name, description, private
    posts: list[tuple[int, str]]  # author index, body (in the first department)
    comments: list[tuple[int, int, str]]  # post index, author index, body
    likes: list[tuple[int, list[int]]]  # post index, people who like it
    group_posts: list[tuple[int, int, str]]  # group index, author index, body


EN = Story(
    departments=["Engineering", "Sales", "Design", "People & Culture"],
    people=[
        ("aiko", "Aiko Tanaka", 0),
        ("ben", "Ben Carter", 0),
        ("chloe", "Chloe Martin", 0),
        ("daniel", "Daniel Kim", 0),
        ("emma", "Emma Wilson", 1),
        ("farid", "Farid Haddad", 3),
    ],
    groups=[
        ("Running club", "Lunchtime runs by the river, all paces welcome.", False),
        ("Board games", "Friday evenings in meeting room 4.", False),
        ("New hires Q&A", "Ask anything, mentors answer.", False),
        ("Launch plan", "Coordination for the spring release.", True),
    ],
    posts=[
        (1, "Morning all! The **staging deploy** is done, please give it a spin before noon."),
        (3, "Found a flaky test in `payments/refund_test.py`, looking into it now."),
        (2, "Design review moved to **3 pm**. Slides are in the shared drive."),
        (
            1,
            "Reminder: we are retiring the old build server on Friday.\n\n"
            "- move your jobs\n- ping me with questions",
        ),
        (3, "Fixed the flaky test: it depended on the clock. PR is up for review."),
    ],
    comments=[
        (0, 3, "Looks good on my side, checkout works."),
        (0, 2, "The new icons look great on staging!"),
        (4, 1, "Nice catch, approving now."),
    ],
    likes=[(0, [2, 3]), (2, [1]), (4, [1, 2])],
    group_posts=[(0, 4, "Anyone up for a 5k at 12:30 today?"), (0, 5, "Count me in!")],
)

JA = Story(
    departments=["開発部", "営業部", "デザイン部", "人事部"],
    people=[
        ("aiko", "田中 愛子", 0),
        ("ken", "佐藤 健", 0),
        ("hana", "鈴木 花子", 0),
        ("sho", "高橋 翔", 0),
        ("misaki", "伊藤 美咲", 1),
        ("daichi", "山本 大地", 3),
    ],
    groups=[
        ("ランニング部", "昼休みに川沿いを走ります。初心者歓迎！", False),
        ("ボードゲーム部", "毎週金曜の夜、会議室4で遊んでいます。", False),
        ("新人の質問箱", "なんでも気軽に質問してください。メンターが答えます。", False),
        ("新製品ローンチ", "春のリリースに向けた調整用です。", True),
    ],
    posts=[
        (
            1,
            "おはようございます！**ステージング環境**へのデプロイが完了しました。お昼までに動作確認をお願いします。",
        ),
        (3, "`payments/refund_test.py` で不安定なテストを見つけたので調査中です。"),
        (2, "デザインレビューは **15時** に変更になりました。資料は共有ドライブにあります。"),
        (
            1,
            "お知らせ：旧ビルドサーバーは金曜日に停止します。\n\n"
            "- ジョブの移行をお願いします\n- 質問があれば声をかけてください",
        ),
        (
            3,
            "不安定なテストを修正しました。時刻に依存していたのが原因です。レビューをお願いします。",
        ),
    ],
    comments=[
        (0, 3, "こちらでも確認しました。決済は問題なく動いています。"),
        (0, 2, "新しいアイコン、ステージングでもきれいに表示されていますね！"),
        (4, 1, "ナイスです、承認しました。"),
    ],
    likes=[(0, [2, 3]), (2, [1]), (4, [1, 2])],
    group_posts=[(0, 4, "今日12時半から5kmどうですか？"), (0, 5, "参加します！")],
)


@dataclass
class Seeded:
    server: KaishaServer
    viewer_email: str
    dept_channel: int
    thread_post: int
    emails: list[str]


def seed(server: KaishaServer, story: Story) -> Seeded:
    admin = Api(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    dept_ids = [
        admin.call("POST", "/api/departments", {"name": n})["id"] for n in story.departments
    ]
    channels = admin.call("GET", "/api/channels")
    dept_channel = next(c["id"] for c in channels if c["department_id"] == dept_ids[0])
    emails = []
    for local, name, dept in story.people:
        email = f"{local}@example.com"
        admin.call(
            "POST",
            "/api/users",
            {
                "email": email,
                "display_name": name,
                "password": PASSWORD,
                "department_id": dept_ids[dept],
            },
        )
        emails.append(email)
    apis = [Api(server.url, e, PASSWORD) for e in emails]
    group_ids = []
    for name, description, private in story.groups:
        group = apis[0].call(
            "POST",
            "/api/channels",
            {"name": name, "description": description, "is_private": private},
        )
        group_ids.append(group["id"])
        for api in apis[1:]:
            if not private:
                api.call("POST", f"/api/channels/{group['id']}/join")
    post_ids = []
    for author, body in story.posts:
        written = apis[author].call("POST", f"/api/channels/{dept_channel}/posts", {"body": body})
        post_ids.append(written["post"]["id"])
    for index, author, body in story.comments:
        apis[author].call("POST", f"/api/posts/{post_ids[index]}/comments", {"body": body})
    for index, who in story.likes:
        for person in who:
            apis[person].call("PUT", f"/api/posts/{post_ids[index]}/like", {})
    for api in apis:
        api.close()
    admin.close()
    return Seeded(server, emails[0], dept_channel, post_ids[0], emails)


def signed_in(
    browser: Browser,
    base: str,
    email: str,
    password: str,
    locale: str,
    viewport: ViewportSize,
    dark: bool = False,
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(
        base_url=base,
        locale=locale,
        viewport=viewport,
        device_scale_factor=1,
        color_scheme="dark" if dark else "light",
        timezone_id="Asia/Tokyo",
    )
    context.request.post("/api/session", data={"email": email, "password": password})
    return context, context.new_page()


def settle(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("data-conn", "open")
    page.evaluate("document.fonts.ready")
    page.wait_for_function("() => !document.querySelector('[aria-busy=true]')")


def shoot(browser: Browser, seeded: Seeded, story: Story, lang: str, out: Path) -> None:
    locale = "ja-JP" if lang == "ja" else "en-US"
    base = seeded.server.url
    # Two colleagues online, so presence shows.
    others = [signed_in(browser, base, e, PASSWORD, locale, DESKTOP) for e in seeded.emails[1:3]]
    for _, page in others:
        page.goto(f"/#/c/{seeded.dept_channel}")
        settle(page)

    def save(page: Page, name: str) -> None:
        page.mouse.move(0, 0)
        page.evaluate("document.activeElement?.blur()")  # no focus ring left by the script
        page.screenshot(path=str(out / f"{name}-{lang}.png"))
        print("saved", out / f"{name}-{lang}.png")

    # Signed out.
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(base_url=base, locale=locale, viewport=viewport)
        page = context.new_page()
        page.goto("/#/signin")
        expect(page.get_by_test_id("signin-page")).to_be_visible()
        page.evaluate("document.fonts.ready")
        save(page, f"signin-{size}")
        context.close()

    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context, page = signed_in(browser, base, seeded.viewer_email, PASSWORD, locale, viewport)
        page.goto(f"/#/c/{seeded.dept_channel}")
        settle(page)
        expect(page.get_by_test_id("post")).not_to_have_count(0)
        if size == "desktop":
            expect(
                page.get_by_test_id("members-online").get_by_test_id("member")
            ).not_to_have_count(0)
        # Unread posts in a group, from a colleague, while the viewer is elsewhere.
        if size == "desktop":
            group = next(
                c
                for c in page.evaluate("fetch('/api/channels?joined=1').then(r => r.json())")
                if c["kind"] == "group"
            )
            for _, author, body in story.group_posts:
                poster = Api(base, seeded.emails[author], PASSWORD)
                poster.call("POST", f"/api/channels/{group['id']}/posts", {"body": body})
                poster.close()
            expect(page.get_by_test_id("unread-badge")).to_have_count(1)
        page.get_by_test_id("composer-input").fill(
            "Sounds good, I will test it after lunch."
            if lang == "en"
            else "了解です。お昼のあとに確認します。"
        )
        save(page, f"channel-{size}")
        page.get_by_test_id("composer-input").fill("")
        page.goto(f"/#/c/{seeded.dept_channel}/p/{seeded.thread_post}")
        expect(page.get_by_test_id("thread-panel").get_by_test_id("comment")).not_to_have_count(0)
        save(page, f"thread-{size}")
        page.goto(f"/#/c/{seeded.dept_channel}")
        if size == "phone":
            page.get_by_test_id("menu-button").click()
            expect(page.get_by_test_id("sidebar")).to_be_in_viewport()
            page.wait_for_timeout(300)  # the drawer's slide-in transition
            save(page, "menu-phone")
            page.keyboard.press("Escape")
        page.goto("/#/directory")
        expect(page.get_by_test_id("directory-channel")).not_to_have_count(0)
        save(page, f"directory-{size}")
        page.goto("/#/people")
        expect(page.get_by_test_id("person")).not_to_have_count(0)
        save(page, f"people-{size}")
        if size == "desktop":
            # The viewer created the groups, so they may rename them.
            page.goto(f"/#/c/{group['id']}")
            settle(page)
            page.get_by_test_id("edit-channel").click()
            expect(page.get_by_test_id("channel-edit-dialog")).to_be_visible()
            save(page, "group-edit-desktop")
        context.close()

    context, page = signed_in(browser, base, ADMIN_EMAIL, ADMIN_PASSWORD, locale, DESKTOP)
    page.goto("/#/admin")
    expect(page.get_by_test_id("account")).not_to_have_count(0)
    expect(page.get_by_test_id("department")).not_to_have_count(0)
    page.get_by_test_id("invite-link-submit").click()
    expect(page.get_by_test_id("invite-link-url")).to_be_visible()
    save(page, "admin-desktop")
    link = page.get_by_test_id("invite-link-url").input_value()
    context.close()

    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(locale=locale, viewport=viewport)
        page = context.new_page()
        page.goto(link)
        expect(page.get_by_test_id("invite-submit")).to_be_visible()
        page.evaluate("document.fonts.ready")
        save(page, f"invite-{size}")
        context.close()

    context, page = signed_in(
        browser, base, seeded.viewer_email, PASSWORD, locale, DESKTOP, dark=True
    )
    page.goto(f"/#/c/{seeded.dept_channel}")
    settle(page)
    expect(page.get_by_test_id("members-online").get_by_test_id("member")).not_to_have_count(0)
    save(page, "channel-desktop-dark")
    context.close()
    for context, _ in others:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--lang", choices=["en", "ja"], action="append")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=15000)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in args.lang or ["en", "ja"]:
            story = EN if lang == "en" else JA
            with tempfile.TemporaryDirectory() as tmp:
                server = KaishaServer(Path(tmp))
                server.start()
                try:
                    shoot(browser, seed(server, story), story, lang, out)
                finally:
                    server.stop()
        browser.close()


if __name__ == "__main__":
    main()
