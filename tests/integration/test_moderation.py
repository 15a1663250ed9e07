"""Reports and moderation end to end, on both backends: reporting what one can
see (never oneself, never what one cannot read, alike for what does not
exist), the queue in context, hiding (gone for everyone but the author, in
every read and replay, live; reversibly), warnings with their clause, mutes
and suspensions that end by themselves, appeals once, and the reporter never
named to the person reported."""

from __future__ import annotations

import asyncio

from tests.support.clients import Api, Company, Live
from tests.support.moderation import add_moderator, open_group, reported, said
from tests.support.timing import wait_for


async def test_hiding_takes_a_comment_away_from_everyone_but_its_author(
    company: Company,
) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    mona = await add_moderator(company)
    group = await open_group(company)
    post = (await bob.api.call("POST", f"/api/channels/{group['id']}/posts", {"body": "議題です"}))[
        "post"
    ]
    comment = (
        await alice.api.call(
            "POST", f"/api/posts/{post['id']}/comments", {"body": "ひどい言葉の返信"}
        )
    )["post"]
    live = await Live.connect(company.server, carol.token)
    await live.request({"op": "sub", "channel": group["id"]})
    report_id = await reported(company, bob, comment["id"], note="言い過ぎです")

    queue = await mona.api.call("GET", "/api/moderation/reports")
    (item,) = queue["reports"]
    assert item["content"]["body"] == "ひどい言葉の返信"
    assert item["reporter"]["id"] == bob.id and item["person"]["id"] == alice.id
    detail = await mona.api.call("GET", f"/api/moderation/reports/{report_id}")
    assert [c["id"] for c in detail["thread"]] == [post["id"], comment["id"]]
    assert detail["thread"][0]["channel_name"] == "Open talk"

    await mona.api.call(
        "POST",
        f"/api/moderation/reports/{report_id}/decision",
        {"action": "hide", "reason": "人格攻撃"},
    )
    hidden = await live.wait(lambda f: f["type"] == "event" and f["kind"] == "post.hidden")
    assert hidden["data"] == {"post_id": comment["id"], "parent_id": post["id"], "comment_count": 0}

    # Gone for the others: the thread, the post's count, search, replay.
    for who in (bob, carol):
        thread = await who.api.call("GET", f"/api/posts/{post['id']}")
        assert thread["comments"] == []
        await who.api.call("GET", f"/api/posts/{comment['id']}", expect=404)
        found = await who.api.call("GET", "/api/search", params={"q": "ひどい"})
        assert found["results"] == []
    replay = f"/api/channels/{group['id']}/events?epoch={group['epoch']}&seq=0"
    events = await carol.api.call("GET", replay)
    assert events["recovered"] and events["events"]
    assert "ひどい" not in said(events)
    # Its author still sees it, marked, with the reason.
    mine = await alice.api.call("GET", f"/api/posts/{post['id']}")
    assert [(c["id"], c["hidden"]) for c in mine["comments"]] == [(comment["id"], "人格攻撃")]
    # Commenting on, liking or reporting it is "not found" for the others.
    await carol.api.call("PUT", f"/api/posts/{comment['id']}/like", {}, expect=404)
    await carol.api.call(
        "POST", "/api/reports", {"post_id": comment["id"], "reason": "spam"}, expect=404
    )

    # The reporter is told the outcome; the author what was done, by nobody named.
    told = await bob.api.call("GET", "/api/notifications")
    outcome = next(n for n in told["notifications"] if n["kind"] == "report")
    assert (outcome["excerpt"], outcome["actors"], outcome["channel_id"]) == ("hide", [], None)
    assert (await bob.api.call("GET", "/api/me/reports"))[0]["status"] == "actioned"
    notices = await alice.api.call("GET", "/api/notifications")
    notice = next(n for n in notices["notifications"] if n["kind"] == "moderation")
    assert (notice["excerpt"], notice["actors"]) == ("hidden", [])
    sanctions = await alice.api.call("GET", "/api/me/sanctions")
    assert [(s["kind"], s["reason"], s["post_id"]) for s in sanctions] == [
        ("hidden", "人格攻撃", comment["id"])
    ]
    for payload in (notices, sanctions):
        assert "Bob" not in said(payload) and "言い過ぎ" not in said(payload)
    assert "言い過ぎ" not in said(mine)

    # Reversibly: brought back, it is everyone's again, and told live.
    await mona.api.call(
        "POST", f"/api/moderation/posts/{comment['id']}/unhide", {"reason": "誤りでした"}
    )
    back = await live.wait(lambda f: f["type"] == "event" and f["kind"] == "post.unhidden")
    assert back["data"]["post"]["body"] == "ひどい言葉の返信"
    thread = await carol.api.call("GET", f"/api/posts/{post['id']}")
    assert [c["id"] for c in thread["comments"]] == [comment["id"]]
    assert "hidden" not in thread["comments"][0] or thread["comments"][0]["hidden"] is None
    events = await carol.api.call("GET", replay)
    assert "ひどい言葉の返信" in said(events)
    await live.close()


async def test_a_warning_cites_its_clause_and_may_be_appealed_once(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    mona = await add_moderator(company)
    report = await bob.api.call(
        "POST", "/api/reports", {"user_id": alice.id, "reason": "discrimination", "note": "…"}
    )
    await mona.api.call(
        "POST",
        f"/api/moderation/reports/{report['id']}/decision",
        {"action": "warn", "reason": "差別的な発言", "clause": "第5条 差別の禁止"},
    )
    (warning,) = await alice.api.call("GET", "/api/me/sanctions")
    assert (warning["kind"], warning["clause"], warning["in_force"]) == (
        "warning",
        "第5条 差別の禁止",
        True,
    )
    assert warning["created_by"] is None
    path = f"/api/me/sanctions/{warning['id']}/appeal"
    await bob.api.call("POST", path, {"note": "not mine"}, expect=404)
    await alice.api.call("POST", path, {"note": "誤解です"})
    again = await alice.api.raw("POST", path, {"note": "もう一度"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_appealed"
    (waiting,) = await mona.api.call("GET", "/api/moderation/appeals")
    assert waiting["sanction"]["appeal_note"] == "誤解です"
    decide = f"/api/moderation/sanctions/{warning['id']}/appeal-decision"
    await mona.api.call("POST", decide, {"outcome": "lift", "reason": "確認しました"})
    twice = await mona.api.raw("POST", decide, {"outcome": "uphold", "reason": "x"})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_decided"
    (lifted,) = await alice.api.call("GET", "/api/me/sanctions")
    assert (lifted["in_force"], lifted["appeal_decision"]) == (False, "lifted")
    assert await mona.api.call("GET", "/api/moderation/appeals") == []


async def test_a_mute_refuses_writes_with_its_end_until_it_ends_by_itself(
    company: Company,
) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    mona = await add_moderator(company)
    group = await open_group(company)
    post = (await bob.api.call("POST", f"/api/channels/{group['id']}/posts", {"body": "hello"}))[
        "post"
    ]
    report = await bob.api.call("POST", "/api/reports", {"user_id": alice.id, "reason": "spam"})
    await mona.api.call(
        "POST",
        f"/api/moderation/reports/{report['id']}/decision",
        {"action": "mute", "reason": "連投", "duration_seconds": 3},
    )
    refused = await alice.api.raw(
        "POST", f"/api/channels/{group['id']}/posts", {"body": "still here?"}
    )
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "muted" and error["until"].endswith("Z")
    for method, path, body in (
        ("POST", f"/api/posts/{post['id']}/comments", {"body": "x"}),
        ("PUT", f"/api/posts/{post['id']}/like", {}),
    ):
        r = await alice.api.raw(method, path, body)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "muted")
    live = await Live.connect(company.server, alice.token)
    answer = await live.request({"op": "post", "channel": group["id"], "body": "by socket"})
    assert answer["type"] == "error" and answer["code"] == "muted"
    # Reading goes on.
    await alice.api.call("GET", f"/api/channels/{group['id']}/posts")
    history = await bob.api.call("GET", f"/api/channels/{group['id']}/posts")
    assert [p["body"] for p in history["posts"]] == ["hello"]

    async def may_post() -> bool:
        # Slowly: every refused try counts against her write rate.
        await asyncio.sleep(0.25)
        r = await alice.api.raw("POST", f"/api/channels/{group['id']}/posts", {"body": "back"})
        assert r.status_code in (201, 403), r.text
        return r.status_code == 201

    await wait_for(may_post, 15, "the mute to end by itself")
    await live.close()


async def test_a_suspension_shuts_the_person_out_until_it_ends(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    mona = await add_moderator(company)
    live = await Live.connect(company.server, alice.token)
    report = await bob.api.call("POST", "/api/reports", {"user_id": alice.id, "reason": "other"})
    await mona.api.call(
        "POST",
        f"/api/moderation/reports/{report['id']}/decision",
        {"action": "suspend", "reason": "調査中", "duration_seconds": 3600},
    )
    code, reason = await asyncio.wait_for(live.closed, 10)
    assert (code, reason) == (4003, "suspended")
    await alice.api.call("GET", "/api/me", expect=401)
    fresh = Api(company.server.http)
    r = await fresh.raw(
        "POST", "/api/session", {"email": alice.email, "password": "password-alice"}
    )
    assert r.status_code == 403
    error = r.json()["error"]
    assert error["code"] == "suspended" and error["until"]
    # A wrong password still says only that (nothing learned about the account).
    r = await fresh.raw("POST", "/api/session", {"email": alice.email, "password": "nope-nope"})
    assert (r.status_code, r.json()["error"]["code"]) == (401, "unauthorized")
    # Lifted, she signs in again.
    detail = await mona.api.call("GET", f"/api/moderation/reports/{report['id']}")
    sanction_id = detail["sanctions"][0]["id"]
    await mona.api.call(
        "POST", f"/api/moderation/sanctions/{sanction_id}/lift", {"reason": "問題なし"}
    )
    await fresh.sign_in(alice.email, "password-alice")
    await fresh.close()


async def test_bad_input_is_refused_and_changes_nothing(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    mona = await add_moderator(company)
    secret = await alice.api.call("POST", "/api/channels", {"name": "秘密", "is_private": True})
    hidden_post = (
        await alice.api.call("POST", f"/api/channels/{secret['id']}/posts", {"body": "内緒"})
    )["post"]
    # Unreadable and nonexistent content: the same 404, saying nothing.
    unreadable = await carol.api.raw(
        "POST", "/api/reports", {"post_id": hidden_post["id"], "reason": "leak"}
    )
    missing = await carol.api.raw("POST", "/api/reports", {"post_id": 999999, "reason": "leak"})
    assert unreadable.status_code == missing.status_code == 404
    assert unreadable.json() == missing.json()
    assert "内緒" not in unreadable.text and "秘密" not in unreadable.text
    gone = await carol.api.raw("POST", "/api/reports", {"user_id": 999999, "reason": "spam"})
    assert gone.status_code == 404
    # Oneself, one's own post.
    r = await alice.api.raw("POST", "/api/reports", {"user_id": alice.id, "reason": "spam"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "self_report")
    r = await alice.api.raw(
        "POST", "/api/reports", {"post_id": hidden_post["id"], "reason": "spam"}
    )
    assert (r.status_code, r.json()["error"]["code"]) == (400, "self_report")
    # Both or neither target, an unknown reason, a note too long.
    for body in (
        {"reason": "spam"},
        {"user_id": alice.id, "post_id": hidden_post["id"], "reason": "spam"},
        {"user_id": alice.id, "reason": "rude"},
        {"user_id": alice.id, "reason": "spam", "note": "x" * 1001},
    ):
        r = await bob.api.raw("POST", "/api/reports", body)
        assert r.status_code == 422, body
    assert await mona.api.call("GET", "/api/moderation/reports") == {"reports": [], "before": None}

    report = await bob.api.call("POST", "/api/reports", {"user_id": alice.id, "reason": "spam"})
    dup = await bob.api.raw("POST", "/api/reports", {"user_id": alice.id, "reason": "spam"})
    assert dup.status_code == 409
    decide = f"/api/moderation/reports/{report['id']}/decision"
    century = 100 * 365 * 24 * 3600 + 25 * 24 * 3600
    for body in (
        {"action": "suspend", "reason": "x", "duration_seconds": century + 1},
        {"action": "mute", "reason": "x"},
        {"action": "mute", "reason": "x", "duration_seconds": 0},
        {"action": "warn", "reason": "x"},  # no clause
        {"action": "dismiss", "reason": ""},
        {"action": "ban", "reason": "x"},
    ):
        r = await mona.api.raw("POST", decide, body)
        assert r.status_code == 422, body
    r = await mona.api.raw("POST", decide, {"action": "hide", "reason": "x"})
    assert r.status_code == 400  # a person has no content to hide
    assert (await alice.api.call("GET", "/api/me/sanctions")) == []
    assert (await mona.api.call("GET", "/api/moderation/reports"))["reports"][0]["status"] == "open"
    # Acting twice: the second is refused, and changes nothing.
    await mona.api.call("POST", decide, {"action": "dismiss", "reason": "問題なし"})
    r = await mona.api.raw(
        "POST", decide, {"action": "suspend", "reason": "x", "duration_seconds": 60}
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "already_decided")
    await alice.api.call("GET", "/api/me")  # not suspended
    assert (await alice.api.call("GET", "/api/me/sanctions")) == []
    # A report about oneself is for another moderator.
    about_mona = await bob.api.call("POST", "/api/reports", {"user_id": mona.id, "reason": "spam"})
    r = await mona.api.raw(
        "POST",
        f"/api/moderation/reports/{about_mona['id']}/decision",
        {"action": "dismiss", "reason": "x"},
    )
    assert r.status_code == 403


async def test_a_demoted_moderator_loses_the_queue_at_once(company: Company) -> None:
    bob = company.people["bob"]
    mona = await add_moderator(company)
    report = await bob.api.call(
        "POST", "/api/reports", {"user_id": company.people["alice"].id, "reason": "spam"}
    )
    await mona.api.call("GET", "/api/moderation/reports")
    await company.admin.call("PATCH", f"/api/users/{mona.id}", {"role": "member"})
    await mona.api.call("GET", "/api/moderation/reports", expect=403)
    r = await mona.api.raw(
        "POST",
        f"/api/moderation/reports/{report['id']}/decision",
        {"action": "dismiss", "reason": "x"},
    )
    assert r.status_code == 403
    for path in ("/api/moderation/appeals", f"/api/moderation/reports/{report['id']}"):
        await bob.api.call("GET", path, expect=403)


async def test_deleting_from_the_queue_shows_the_history_and_is_gone_for_everyone(
    company: Company,
) -> None:
    """The queue item shows the person's earlier reports (decided or not) and
    their sanctions; deleting the content takes it away live from everyone,
    its author included, tells the author and the reporter, and is audited."""
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    mona = await add_moderator(company)
    group = await open_group(company)
    posts = f"/api/channels/{group['id']}/posts"
    # Earlier: Carol reported Alice herself (warned), Bob an earlier post (dismissed).
    about = await carol.api.call(
        "POST", "/api/reports", {"user_id": alice.id, "reason": "harassment", "note": "前から"}
    )
    await mona.api.call(
        "POST",
        f"/api/moderation/reports/{about['id']}/decision",
        {"action": "warn", "reason": "言葉遣い", "clause": "第3条 ハラスメントの禁止"},
    )
    old = (await alice.api.call("POST", posts, {"body": "前の投稿"}))["post"]
    dismissed = await reported(company, bob, old["id"])
    await mona.api.call(
        "POST",
        f"/api/moderation/reports/{dismissed}/decision",
        {"action": "dismiss", "reason": "問題なし"},
    )
    post = (await alice.api.call("POST", posts, {"body": "社外秘の数字をここに"}))["post"]
    await bob.api.call("POST", f"/api/posts/{post['id']}/comments", {"body": "これは…"})
    report_id = await reported(company, bob, post["id"], note="漏洩です")

    (item,) = (await mona.api.call("GET", "/api/moderation/reports"))["reports"]
    assert item["id"] == report_id and item["earlier_reports"] == 2
    detail = await mona.api.call("GET", f"/api/moderation/reports/{report_id}")
    assert detail["report"]["earlier_reports"] == 2
    history = [
        (h["id"], h["target_type"], h["reporter"]["id"], h["decision"], h["decision_reason"])
        for h in detail["history"]
    ]
    assert history == [
        (dismissed, "post", bob.id, "dismiss", "問題なし"),
        (about["id"], "person", carol.id, "warn", "言葉遣い"),
    ]
    assert detail["history"][0]["content"]["body"] == "前の投稿"
    (warning,) = detail["sanctions"]
    assert (warning["kind"], warning["clause"], warning["in_force"]) == (
        "warning",
        "第3条 ハラスメントの禁止",
        True,
    )
    assert warning["created_by"]["id"] == mona.id  # the moderators see who decided

    live = await Live.connect(company.server, carol.token)
    await live.request({"op": "sub", "channel": group["id"]})
    await mona.api.call(
        "POST",
        f"/api/moderation/reports/{report_id}/decision",
        {"action": "delete", "reason": "機密情報"},
    )
    gone = await live.wait(lambda f: f["type"] == "event" and f["kind"] == "post.deleted")
    assert gone["data"] == {"post_id": post["id"]}
    await live.close()
    # Gone for everyone, its author too: the post, its thread, the list, search, replay.
    for who in (alice, bob, carol):
        await who.api.call("GET", f"/api/posts/{post['id']}", expect=404)
        listed = await who.api.call("GET", posts)
        assert post["id"] not in [p["id"] for p in listed["posts"]]
        found = await who.api.call("GET", "/api/search", params={"q": "社外秘"})
        assert found["results"] == []
    replay = await carol.api.call(
        "GET", f"/api/channels/{group['id']}/events?epoch={group['epoch']}&seq=0"
    )
    assert "社外秘の数字" not in said(replay) and "これは…" not in said(replay)
    # The author is told (by nobody named), the reporter the outcome.
    notices = (await alice.api.call("GET", "/api/notifications"))["notifications"]
    told = [n for n in notices if n["kind"] == "moderation"]
    assert [(n["excerpt"], n["actors"]) for n in told] == [("deleted", []), ("warning", [])]
    assert "Bob" not in said(told) and "漏洩" not in said(told)
    outcome = next(
        n
        for n in (await bob.api.call("GET", "/api/notifications"))["notifications"]
        if n["kind"] == "report" and n["excerpt"] == "delete"
    )
    assert outcome["actors"] == []
    mine = {r["id"]: r["status"] for r in await bob.api.call("GET", "/api/me/reports")}
    assert mine == {report_id: "actioned", dismissed: "dismissed"}
    # Audited: the decision, and the deletion of Alice's post by the moderator,
    # neither with what the post said.
    entries = (await company.admin.call("GET", "/api/audit", params={"person": alice.id}))[
        "entries"
    ]
    decided = next(
        e
        for e in entries
        if e["action"] == "report.decided" and e["details"]["report_id"] == report_id
    )
    assert decided["actor_id"] == mona.id and decided["new"]["decision"] == "delete"
    deleted = next(e for e in entries if e["action"] == "post.deleted")
    assert (deleted["actor_id"], deleted["subject_id"], deleted["target_id"]) == (
        mona.id,
        alice.id,
        str(post["id"]),
    )
    assert "社外秘の数字" not in said(entries)
