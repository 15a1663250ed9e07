"""Reports and moderation in the browser (issue 12): B reports A's comment; a
moderator hides it from the queue and it leaves B's and C's open threads at
once; A sees it marked hidden with the reason, and the warning with its
clause (in Japanese); muted, A cannot post (a clear error saying until when)
until the mute ends by itself; every step is in the admin's audit log."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Kaisha,
    SignIn,
    connected,
    post_locator,
    unique,
)
from tests.browser.test_web_read import group_of, on_device
from tests.support.timing import deadline

pytestmark = pytest.mark.browser

MUTE_SECONDS = 12


def decide(page: Page, who: str, action: str, reason: str, **more: str) -> None:
    """In the queue, open the report about `who` and decide it (``context``: a
    text its thread shows)."""
    if page.url.endswith("#/moderation"):
        page.reload()  # the queue as it is now
    else:
        page.goto("/#/moderation")
    report = page.get_by_test_id("report").filter(has_text=who).first
    expect(report).to_be_visible()
    report.get_by_test_id("report-open").click()
    if "context" in more:
        expect(
            report.get_by_test_id("reported-content").filter(has_text=more["context"])
        ).to_be_visible()
    form = report.get_by_test_id("decision-form")
    form.get_by_test_id("decision-action").select_option(action)
    form.get_by_test_id("decision-reason").fill(reason)
    if "clause" in more:
        form.get_by_test_id("decision-clause").fill(more["clause"])
    if "seconds" in more:
        form.get_by_test_id("decision-period").select_option("custom")
        form.get_by_test_id("decision-seconds").fill(more["seconds"])
    form.get_by_test_id("decision-send").click()
    expect(page.get_by_test_id("report").filter(has_text=who)).to_have_count(0)


def test_report_hide_warn_mute_and_the_audit_log(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Mod"))
    a = kaisha.person(unique("Aoki"), dept["id"])
    b = kaisha.person(unique("Baba"), dept["id"])
    c = kaisha.person(unique("Chiba"), dept["id"])
    m = kaisha.person(unique("Mori"), dept["id"])
    kaisha.admin.call("PATCH", f"/api/users/{m['id']}", {"role": "moderator"})
    group = group_of(kaisha, c, a, b)
    root = kaisha.api_as(c["email"]).call(
        "POST", f"/api/channels/{group['id']}/posts", {"body": "来週の議題について"}
    )["post"]
    rude = "ひどい言い方のコメント"
    kaisha.api_as(a["email"]).call("POST", f"/api/posts/{root['id']}/comments", {"body": rude})[
        "post"
    ]
    thread = f"#/c/{group['id']}/p/{root['id']}"

    # B and C have the thread open.
    pb = on_device(sign_in, b, thread, group["id"]).page
    pc = on_device(sign_in, c, thread, group["id"]).page
    for page in (pb, pc):
        expect(page.get_by_test_id("comments").get_by_text(rude)).to_be_visible()

    # B reports A's comment.
    mine = pb.get_by_test_id("comments").get_by_test_id("comment").filter(has_text=rude)
    mine.get_by_test_id("report-button").click()
    mine.get_by_test_id("report-reason").select_option("harassment")
    mine.get_by_test_id("report-note").fill("言い過ぎだと思います")
    mine.get_by_test_id("report-send").click()
    expect(pb.get_by_test_id("toast")).to_contain_text("Reported")

    # The moderator sees it in the queue with its thread, and hides it.
    pm = on_device(sign_in, m, "#/").page
    decide(pm, rude, "hide", "人格攻撃にあたるため", context="来週の議題について")

    # Gone for B and C at once, without a reload.
    for page in (pb, pc):
        expect(page.get_by_test_id("comments").get_by_text(rude)).to_have_count(0)
    # B is told the outcome.
    expect(pb.get_by_test_id("bell-count")).to_be_visible()

    # A sees it, marked hidden with the reason (in Japanese).
    pa = sign_in(a["email"], locale="ja-JP").open(thread)
    hidden = pa.get_by_test_id("comments").get_by_test_id("comment").filter(has_text=rude)
    expect(hidden.get_by_test_id("hidden-note")).to_contain_text("人格攻撃にあたるため")
    expect(hidden.get_by_test_id("hidden-note")).to_contain_text("非表示")

    # A warning citing a clause of the terms, seen by A in Japanese.
    kaisha.api_as(b["email"]).call(
        "POST", "/api/reports", {"user_id": a["id"], "reason": "harassment", "note": "再三"}
    )
    decide(pm, a["display_name"], "warn", "度重なる発言", clause="第5条 ハラスメントの禁止")
    pa.goto("/#/settings?sanctions")
    warning = pa.get_by_test_id("sanction").filter(has_text="警告")
    expect(warning.get_by_test_id("sanction-clause")).to_contain_text("第5条 ハラスメントの禁止")
    expect(warning).not_to_contain_text(b["display_name"])  # never who reported

    # Muted for a short while: A cannot post, with a clear error, until it ends.
    kaisha.api_as(c["email"]).call("POST", "/api/reports", {"user_id": a["id"], "reason": "spam"})
    decide(pm, a["display_name"], "mute", "連投のため", seconds=str(MUTE_SECONDS))
    muted_at = time.monotonic()
    pa.goto(f"/#/c/{group['id']}")
    pa.get_by_test_id("composer-input").fill("まだ書けますか")
    pa.get_by_test_id("composer-input").press("Enter")
    pending = pa.get_by_test_id("pending-post")
    expect(pending).to_have_attribute("data-state", "failed")
    expect(pending).to_contain_text("ミュート")
    expect(pending).to_contain_text("まで")
    # Once it has ended by itself, sending again goes through.
    end = muted_at + MUTE_SECONDS + deadline(30)
    while pending.count():
        assert time.monotonic() < end, "the mute did not end by itself"
        pa.wait_for_timeout(1000)
        if pending.count() and pending.get_attribute("data-state") == "failed":
            pending.get_by_test_id("retry-button").click()
    expect(pa.get_by_test_id("timeline").get_by_text("まだ書けますか")).to_be_visible()

    # Every step is in the audit log.
    admin = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).open("#/admin")
    audit = admin.get_by_test_id("audit-section")
    audit.get_by_test_id("audit-person").select_option(str(a["id"]))
    rows = audit.get_by_test_id("audit-row")
    for action, count in (("report.filed", 3), ("report.decided", 3)):
        expect(rows.and_(admin.locator(f"[data-action='{action}']"))).to_have_count(count)
    decided = rows.and_(admin.locator("[data-action='report.decided']"))
    expect(decided.first.get_by_test_id("audit-row-actor")).to_contain_text(m["display_name"])
    expect(decided.first).to_contain_text("mute")
    expect(decided.last).to_contain_text("hide")
    audit.get_by_test_id("audit-action").select_option("report.decided")
    expect(rows).to_have_count(3)
    assert not admin.context.pages[0].url.endswith("signin")


def _accept_terms(kaisha: Kaisha, *people: dict[str, Any]) -> None:
    """The terms in force (another test may have published some) accepted."""
    version = kaisha.admin.call("GET", "/api/terms")["version"]
    if version:
        for person in people:
            kaisha.api_as(person["email"]).call("POST", "/api/terms/accept", {"version": version})


def test_a_member_reports_a_post_and_the_moderator_sees_it_with_its_reason(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    dept = kaisha.department(unique("Rep"))
    a = kaisha.person(unique("Arai"), dept["id"])
    b = kaisha.person(unique("Beppu"), dept["id"])
    m = kaisha.person(unique("Maki"), dept["id"])
    kaisha.admin.call("PATCH", f"/api/users/{m['id']}", {"role": "moderator"})
    _accept_terms(kaisha, a, b, m)
    leak = unique("来期の取引先リストを貼ります ")
    posts = f"/api/channels/{dept['channel_id']}/posts"
    kaisha.api_as(a["email"]).call("POST", posts, {"body": leak})

    # B, in Japanese, reports A's post from the timeline, with a reason and a note.
    pb = sign_in(b["email"], locale="ja-JP").open(f"#/c/{dept['channel_id']}")
    connected(pb)
    post = post_locator(pb, leak.strip())
    post.hover()
    post.get_by_test_id("report-button").click()
    post.get_by_test_id("report-reason").select_option("leak")
    post.get_by_test_id("report-note").fill("社外秘の資料です")
    post.get_by_test_id("report-send").click()
    expect(pb.get_by_test_id("toast")).to_contain_text("通報しました")
    # Their own reports list it, still open.
    pb.goto("/#/settings?reports")
    expect(pb.get_by_test_id("my-report").first).to_have_attribute("data-status", "open")

    # The moderator's queue shows it: the reason, the note, the post and who reported.
    pm = sign_in(m["email"], locale="ja-JP").open("#/moderation")
    report = pm.get_by_test_id("report").filter(has_text=leak.strip())
    expect(report).to_have_count(1)
    expect(report.get_by_test_id("report-reason-label")).to_have_text("機密情報の漏洩")
    expect(report.get_by_test_id("report-note-text")).to_have_text("社外秘の資料です")
    expect(report).to_contain_text(b["display_name"])
    expect(report.get_by_test_id("reported-content")).to_contain_text(leak.strip())


def test_a_warned_person_appeals_and_the_moderator_sees_the_appeal(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    dept = kaisha.department(unique("App"))
    a = kaisha.person(unique("Asano"), dept["id"])
    b = kaisha.person(unique("Bando"), dept["id"])
    m = kaisha.person(unique("Mochida"), dept["id"])
    kaisha.admin.call("PATCH", f"/api/users/{m['id']}", {"role": "moderator"})
    report = kaisha.api_as(b["email"]).call(
        "POST", "/api/reports", {"user_id": a["id"], "reason": "harassment"}
    )
    kaisha.api_as(m["email"]).call(
        "POST",
        f"/api/moderation/reports/{report['id']}/decision",
        {"action": "warn", "reason": "強い口調", "clause": "第5条 ハラスメントの禁止"},
    )

    # A sees the warning with its clause, and appeals it once, with a note.
    pa = sign_in(a["email"], locale="ja-JP").open("#/settings?sanctions")
    warning = pa.get_by_test_id("sanction").filter(has_text="警告")
    expect(warning.get_by_test_id("sanction-clause")).to_contain_text("第5条")
    note = unique("冗談のつもりでした、誤解です ")
    warning.get_by_test_id("appeal-note").fill(note)
    warning.get_by_test_id("appeal-send").click()
    expect(warning.get_by_test_id("sanction-appealed")).to_contain_text(note.strip())
    expect(warning.get_by_test_id("appeal-send")).to_have_count(0)  # once

    # The moderator sees the appeal under the queue, with the note, and lifts it.
    pm = sign_in(m["email"], locale="ja-JP").open("#/moderation")
    queue = pm.get_by_test_id("appeal-queue")
    appeal = queue.get_by_test_id("appeal").filter(has_text=note.strip())
    expect(appeal).to_have_count(1)
    expect(appeal).to_contain_text(a["display_name"])
    expect(appeal).to_contain_text("強い口調")
    appeal.get_by_test_id("appeal-decision-reason").fill("確認しました")
    appeal.get_by_test_id("appeal-lift").click()
    expect(pm.get_by_test_id("appeal").filter(has_text=note.strip())).to_have_count(0)
    # A is told the outcome on the same screen.
    pa.reload()
    decided = pa.get_by_test_id("sanction").filter(has_text="警告")
    expect(decided.get_by_test_id("sanction-appeal-decision")).to_contain_text("確認しました")
