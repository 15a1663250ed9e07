"""The organisation in the browser: closed and open departments (the lock, the
tag, gone at once for outsiders), deleting and merging them (archived channels
read-only), one's own profile with the reading of one's name, names refused in
the person's language, and importing people from a CSV file with a preview,
their set-password links, and the export."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import FilePayload, expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PASSWORD,
    Kaisha,
    SignIn,
    connected,
    post_locator,
    unique,
)
from tests.support.timing import deadline

pytestmark = pytest.mark.browser
LIVE_MS = deadline(5) * 1000


def _channel_of(kaisha: Kaisha, email: str, department_id: int) -> int:
    channels = kaisha.api_as(email).call("GET", "/api/channels?joined=1")
    return int(next(c["id"] for c in channels if c["department_id"] == department_id))


def test_a_closed_department_shows_its_lock_and_vanishes_for_outsiders_at_once(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    # The admin makes it from the page: closed unless chosen otherwise.
    admin = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = admin.open("#/admin")
    name = unique("人事部")
    page.get_by_test_id("new-department-name").fill(name)
    page.get_by_test_id("new-department-reading").fill("じんじぶ")
    expect(page.get_by_test_id("new-department-visibility")).to_have_value("closed")
    page.get_by_test_id("new-department-submit").click()
    expect(page.get_by_test_id("new-department-name")).to_have_value("")
    dept = next(d for d in kaisha.admin.call("GET", "/api/departments") if d["name"] == name)
    assert dept["closed"] is True and dept["reading"] == "じんじぶ"
    row = page.locator(f"[data-testid=department][data-department-id='{dept['id']}']")
    expect(row).to_have_attribute("data-closed", "true")

    hr = kaisha.person(unique("Haruka"), dept["id"])
    outsider = kaisha.person(unique("Otto"))
    channel_id = _channel_of(kaisha, hr["email"], dept["id"])
    note = unique("Salary review ")
    kaisha.api_as(hr["email"]).call("POST", f"/api/channels/{channel_id}/posts", {"body": note})

    member = sign_in(hr["email"]).open(f"#/c/{channel_id}")
    expect(member.get_by_test_id("closed-tag")).to_have_text("Closed")
    expect(member.get_by_test_id("composer-input")).to_be_visible()

    o = sign_in(outsider["email"])
    o.open(f"#/c/{channel_id}")
    expect(o.page.get_by_test_id("not-found")).to_be_visible()
    o.open("#/directory")
    expect(o.page.get_by_test_id("directory-departments")).not_to_contain_text(name)

    # Opened: the outsider reads it (and nothing more).
    row.get_by_test_id("department-visibility").select_option("open")
    expect(page.get_by_test_id("toast")).to_contain_text(f"{name} is now open.")
    o.page.reload()  # the directory was open already: look again
    expect(o.page.get_by_test_id("directory-departments")).to_contain_text(name)
    o.open(f"#/c/{channel_id}")
    expect(post_locator(o.page, note)).to_be_visible()
    expect(o.page.get_by_test_id("read-only")).to_be_visible()
    expect(o.page.get_by_test_id("closed-tag")).to_have_count(0)
    connected(o.page)

    # Closed again while the outsider has it open: gone from their page at once.
    row = page.locator(f"[data-testid=department][data-department-id='{dept['id']}']")
    row.get_by_test_id("department-visibility").select_option("closed")
    expect(o.page.get_by_test_id("not-found")).to_be_visible(timeout=LIVE_MS)
    expect(post_locator(o.page, note)).to_have_count(0)
    expect(member.get_by_test_id("closed-tag")).to_be_visible()
    expect(post_locator(member, note)).to_be_visible()


def test_merging_and_deleting_departments_archive_their_channels(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    support = kaisha.department(unique("Support"))
    service = kaisha.department(unique("Service"))
    yui = kaisha.person(unique("Yui"), support["id"])
    note = unique("Ticket backlog ")
    kaisha.api_as(yui["email"]).call(
        "POST", f"/api/channels/{support['channel_id']}/posts", {"body": note}
    )
    y = sign_in(yui["email"])
    page = y.open(f"#/c/{support['channel_id']}")
    connected(page)
    expect(page.get_by_test_id("composer-input")).to_be_visible()

    admin = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).open("#/admin")
    row = admin.locator(f"[data-testid=department][data-department-id='{support['id']}']")
    expect(row.get_by_test_id("department-people")).to_have_text("1 person")
    # Deleting it asks to move its person first.
    row.get_by_test_id("department-delete").click()
    expect(row.get_by_test_id("department-notice")).to_contain_text("still has 1 person")
    # Merging moves her (after a confirmation) and archives the channel.
    row.get_by_test_id("department-merge-target").select_option(label=service["name"])
    row.get_by_test_id("department-merge").click()
    row.get_by_test_id("department-confirm-yes").click()
    expect(admin.get_by_test_id("toast")).to_contain_text(
        f"{support['name']} was merged into {service['name']}."
    )
    expect(admin.get_by_test_id("archived-departments")).to_contain_text(support["name"])
    assert kaisha.admin.call("GET", f"/api/users/{yui['id']}")["department_id"] == service["id"]
    account = admin.locator(f"[data-testid=account][data-user-id='{yui['id']}']")
    expect(account.get_by_test_id("account-department")).to_have_value(str(service["id"]))

    # Yui's page: the channel is archived (read-only) and her sidebar has moved on.
    expect(page.get_by_test_id("archived-tag")).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_test_id("read-only")).to_have_text(re.compile("archived"))
    expect(page.get_by_test_id("composer-input")).to_have_count(0)
    expect(post_locator(page, note)).to_be_visible()
    sidebar = page.get_by_test_id("dept-channels")
    expect(sidebar).to_contain_text(service["name"])
    expect(sidebar).not_to_contain_text(support["name"])
    page.goto("/#/directory")
    expect(page.get_by_test_id("directory-archived")).to_contain_text(support["name"])

    # An empty department is deleted after a confirmation.
    empty = kaisha.department(unique("Temp"))
    admin.reload()
    row = admin.locator(f"[data-testid=department][data-department-id='{empty['id']}']")
    row.get_by_test_id("department-delete").click()
    row.get_by_test_id("department-confirm-yes").click()
    expect(admin.get_by_test_id("toast")).to_contain_text(f"{empty['name']} was deleted")
    expect(row).to_have_count(0)
    assert empty["id"] not in [d["id"] for d in kaisha.admin.call("GET", "/api/departments")]


def test_a_person_edits_their_profile_in_japanese(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("営業部"))
    me = kaisha.person(unique("Ichiro"), dept["id"])
    colleague = kaisha.person(unique("Kenta"), dept["id"])
    p = sign_in(me["email"], locale="ja-JP")
    page = p.open("#/people")
    page.get_by_test_id("me").get_by_role("button").first.click()
    card = page.get_by_test_id("profile-card")
    expect(card.get_by_test_id("profile-email")).to_have_text(me["email"])  # one's own
    card.get_by_test_id("profile-edit").click()
    name = unique("鈴木 一郎")
    # An invisible character: refused, in Japanese, and nothing saved.
    card.get_by_test_id("profile-name-input").fill(name + "\u200b")
    card.get_by_test_id("profile-save").click()
    expect(card.get_by_test_id("profile-error")).to_have_text(
        "名前に、見えない文字や文字の向きを変える文字（ゼロ幅スペースなど）は使えません。"
    )
    card.get_by_test_id("profile-name-input").fill(name)
    card.get_by_test_id("profile-reading-input").fill("鈴木")
    card.get_by_test_id("profile-save").click()
    expect(card.get_by_test_id("profile-error")).to_have_text(
        "よみがなは、ひらがなかカタカナで入力してください。"
    )
    card.get_by_test_id("profile-reading-input").fill("すずき いちろう")
    card.get_by_test_id("profile-bio-input").fill("囲碁と将棋が好きです。")
    card.get_by_test_id("profile-save").click()
    expect(page.get_by_test_id("toast")).to_have_text("プロフィールを保存しました。")
    expect(card.get_by_test_id("profile-reading")).to_have_text("すずき いちろう")
    expect(card.get_by_test_id("profile-bio")).to_have_text("囲碁と将棋が好きです。")
    expect(page.get_by_test_id("me-name")).to_have_text(name)
    page.keyboard.press("Escape")

    # A colleague finds him by his Latin spelling; the card has no email for them.
    c = sign_in(colleague["email"], locale="ja-JP")
    people = c.open("#/people")
    expect(people.get_by_label("名前・よみがなで検索")).to_be_visible()
    people.get_by_test_id("people-search").fill("suzuki")
    found = people.get_by_test_id("person")
    expect(found).to_have_count(1)
    expect(found.get_by_test_id("person-reading")).to_have_text("すずき いちろう")
    found.locator("button.person-card").click()
    card = people.get_by_test_id("profile-card")
    expect(card).to_contain_text(name)
    expect(card.get_by_test_id("profile-bio")).to_have_text("囲碁と将棋が好きです。")
    expect(card.get_by_test_id("profile-email")).to_have_count(0)
    expect(card.get_by_test_id("profile-edit")).to_have_count(0)


IMPORT_HEADER = "email,name,reading,department,role,start_date\r\n"


def test_admin_imports_people_from_a_csv_file(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Planning"))
    taken = kaisha.person(unique("Taken"))
    admin = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD, locale="ja-JP")
    page = admin.open("#/admin")
    panel = page.get_by_test_id("import-panel")
    panel.locator("summary").click()

    def choose(data: bytes) -> None:
        upload: FilePayload = {"name": "people.csv", "mimeType": "text/csv", "buffer": data}
        panel.get_by_test_id("import-file").set_input_files(files=[upload])
        panel.get_by_test_id("import-check").click()

    # A file the server cannot read: said in Japanese.
    choose(b"email,salary\r\na@example.com,100\r\n")
    expect(panel.get_by_test_id("import-error")).to_contain_text("不明な列があります：salary")

    # Problems per row, highlighted, and no way to import until they are fixed.
    first, second = unique("new"), unique("new")
    bad = (
        IMPORT_HEADER
        + f"{first}@example.co.jp,山田 花子,やまだ はなこ,{dept['name']},member,2024-04-01\r\n"
        + f"{taken['email']},Someone,,,,\r\n"
        + f"{second}@example.co.jp,森,もり,No such dept,,\r\n"
    ).encode()
    choose(bad)
    rows = panel.get_by_test_id("import-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_attribute("data-bad", "false")
    expect(rows.nth(1).get_by_test_id("import-problems")).to_have_text(
        "このメールアドレスのアカウントはすでにあります"
    )
    expect(rows.nth(2).get_by_test_id("import-problems")).to_have_text("その部署はありません")
    expect(panel.get_by_test_id("import-summary")).to_contain_text(
        "3 行のうち 2 行に問題があります"
    )
    expect(panel.get_by_test_id("import-confirm")).to_be_hidden()

    good = (
        IMPORT_HEADER
        + f"{first}@example.co.jp,山田 花子,やまだ はなこ,{dept['name']},member,2024-04-01\r\n"
        + f"{second}@example.co.jp,森 一,もり はじめ,,,\r\n"
    ).encode("cp932")
    choose(good)
    expect(panel.get_by_test_id("import-shift-jis")).to_be_visible()
    expect(panel.get_by_test_id("import-row")).to_have_count(2)
    confirm = panel.get_by_test_id("import-confirm")
    expect(confirm).to_have_text("2 人を登録")
    confirm.click()
    expect(panel.get_by_test_id("import-done")).to_have_text("2 件のアカウントを作成しました。")
    made = panel.get_by_test_id("imported-person")
    expect(made).to_have_count(2)
    link = made.first.get_by_test_id("link-url").input_value()
    assert re.match(r"^http://127\.0\.0\.1:\d+/#/reset/[\w-]+$", link), link
    account = page.get_by_test_id("account").filter(has_text="山田 花子")
    expect(account.get_by_test_id("account-pending")).to_have_text("パスワード未設定")

    # The person opens their link, chooses a password and is in.
    newcomer = sign_in(None, locale="ja-JP")
    newcomer.page.goto(link)
    expect(newcomer.page.get_by_test_id("reset-whose")).to_contain_text("山田 花子 さん")
    expect(newcomer.page.get_by_test_id("reset-submit")).to_have_text(
        "パスワードを設定してログイン"
    )
    newcomer.page.get_by_test_id("reset-new").fill("my own quiet password")
    newcomer.page.get_by_test_id("reset-repeat").fill("my own quiet password")
    newcomer.page.get_by_test_id("reset-submit").click()
    expect(newcomer.page.get_by_test_id("me-name")).to_have_text("山田 花子")
    expect(newcomer.page.get_by_test_id("sidebar").get_by_test_id("channel-link")).to_contain_text(
        dept["name"]
    )
    # Used once.
    again = sign_in(None)
    again.page.goto(link)
    expect(again.page.get_by_test_id("reset-invalid")).to_be_visible()

    # The export downloads as a CSV file Excel reads.
    with page.expect_download() as download:
        page.get_by_test_id("export-accounts").click()
    saved = download.value
    assert re.match(r"kaisha-people-\d{8}\.csv$", saved.suggested_filename)
    data = Path(saved.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "山田 花子".encode() in data


def test_the_new_sign_in_link_of_an_imported_account(kaisha: Kaisha, sign_in: SignIn) -> None:
    email = f"{unique('late')}@example.co.jp"
    r = kaisha.admin.client.post(
        "/api/users/import",
        content=(IMPORT_HEADER + f"{email},Late Comer,,,,\r\n").encode(),
        headers={"content-type": "text/csv"},
    )
    assert r.status_code == 201, r.text
    page = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).open("#/admin")
    account = page.get_by_test_id("account").filter(has_text="Late Comer")
    account.get_by_test_id("account-reset-link").click()
    url = account.get_by_test_id("reset-link-url")
    expect(url).to_have_value(re.compile(r"/#/reset/[\w-]+$"))
    visitor = sign_in(None)
    visitor.page.goto(url.input_value())
    visitor.page.get_by_test_id("reset-new").fill(PASSWORD)
    visitor.page.get_by_test_id("reset-repeat").fill(PASSWORD)
    visitor.page.get_by_test_id("reset-submit").click()
    expect(visitor.page.get_by_test_id("me-name")).to_have_text("Late Comer")
