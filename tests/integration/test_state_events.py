"""State plus events equals fresh state, for every action that changes what
readers of a channel, or a person about their own channels, see.

For each action: load the channel afresh (and the person's channel list and
notifications),
follow both streams from that position, act, apply the events that arrive
with the one reducer (tests/support/reducer.py), and compare with a fresh load.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from streams.catalogue import CATALOGUE, NOTE, kinds_of
from tests.support.clients import Api, Company, Live, add_person, department_channel
from tests.support.reducer import fresh_channel, fresh_person

Action = Callable[[], Awaitable[Any]]


async def _vote(api: Api, post_id: int, choices: list[int]) -> Any:
    """Vote for the options at these places of a post's poll."""
    poll = (await api.call("GET", f"/api/posts/{post_id}"))["post"]["poll"]
    options = [poll["options"][i]["id"] for i in choices]
    return await api.call("PUT", f"/api/posts/{post_id}/vote", {"options": options})


async def test_state_plus_events_equals_fresh_state_for_every_action(company: Company) -> None:
    admin = company.admin
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    eng = await department_channel(bob.api, company.departments["Engineering"])
    group = await alice.api.call(
        "POST", "/api/channels", {"name": "Go club", "description": "囲碁"}
    )
    seed = await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "seed"})
    # Open departments (Bob reads them as an outsider) merged away or deleted below.
    merged, into, gone = [
        await admin.call("POST", "/api/departments", {"name": name, "closed": False})
        for name in ("QA", "Support", "Temp")
    ]
    erin, _ = [
        await add_person(company, name, dept["id"])
        for name, dept in (("erin", merged), ("frank", into))
    ]
    qa = await department_channel(bob.api, merged["id"])
    sales = await department_channel(carol.api, company.departments["Sales"])
    temp = await department_channel(bob.api, gone["id"])
    seed_id = seed["post"]["id"]
    ids: dict[str, int] = {}
    # A group conversation of alice, bob and erin (bob reads it below).
    talk = await alice.api.call("POST", "/api/direct", {"user_ids": [bob.id, erin.id]})

    async def remember(name: str, answer: Any) -> None:
        ids[name] = answer["post"]["id"]

    async def remember_item(name: str, answer: Any) -> None:
        ids[name] = answer["id"]

    async def remember_survey(name: str, answer: Any) -> None:
        ids[name] = answer["id"]
        ids[f"{name}_question"] = answer["questions"][0]["id"]

    async def hide(name: str) -> None:
        """Carol reports alice's post or comment and a moderator (the admin)
        hides it: gone for Bob, and Carol is told the outcome."""
        report = await carol.api.call(
            "POST", "/api/reports", {"post_id": ids[name], "reason": "harassment"}
        )
        await admin.call(
            "POST",
            f"/api/moderation/reports/{report['id']}/decision",
            {"action": "hide", "reason": "言い過ぎ"},
        )

    async def unhide(name: str) -> None:
        await admin.call("POST", f"/api/moderation/posts/{ids[name]}/unhide", {"reason": "誤り"})

    channel_actions: list[tuple[str, int, Action]] = [
        (
            "post",
            eng["id"],
            lambda: alice.api.call(
                "POST", f"/api/channels/{eng['id']}/posts", {"body": "**hello** 皆さん"}
            ),
        ),
        (
            "comment",
            eng["id"],
            lambda: _then(
                bob.api.call("POST", f"/api/posts/{seed_id}/comments", {"body": "c1"}),
                remember,
                "c1",
            ),
        ),
        (
            "edit post",
            eng["id"],
            lambda: alice.api.call("PATCH", f"/api/posts/{seed_id}", {"body": "seed, edited"}),
        ),
        (
            "edit comment",
            eng["id"],
            lambda: bob.api.call("PATCH", f"/api/posts/{ids['c1']}", {"body": "c1, edited"}),
        ),
        (
            "a comment to hide",
            eng["id"],
            lambda: _then(
                alice.api.call("POST", f"/api/posts/{seed_id}/comments", {"body": "ひどい"}),
                remember,
                "rude",
            ),
        ),
        ("hide a comment (a moderator)", eng["id"], lambda: hide("rude")),
        ("bring it back", eng["id"], lambda: unhide("rude")),
        (
            "a post to hide",
            eng["id"],
            lambda: _then(
                alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "酷い"}),
                remember,
                "rude post",
            ),
        ),
        ("hide a post (a moderator)", eng["id"], lambda: hide("rude post")),
        ("bring it back too", eng["id"], lambda: unhide("rude post")),
        ("like", eng["id"], lambda: bob.api.call("PUT", f"/api/posts/{seed_id}/like", {})),
        ("unlike", eng["id"], lambda: bob.api.call("DELETE", f"/api/posts/{seed_id}/like")),
        (
            "like again (no change)",
            eng["id"],
            lambda: _twice(bob.api.call, "PUT", f"/api/posts/{seed_id}/like", {}),
        ),
        (
            "moderator edits",
            eng["id"],
            lambda: admin.call("PATCH", f"/api/posts/{seed_id}", {"body": "moderated"}),
        ),
        ("delete comment", eng["id"], lambda: bob.api.call("DELETE", f"/api/posts/{ids['c1']}")),
        (
            "join group",
            group["id"],
            lambda: bob.api.call("POST", f"/api/channels/{group['id']}/join"),
        ),
        (
            "invite to group",
            group["id"],
            lambda: bob.api.call(
                "POST", f"/api/channels/{group['id']}/invite", {"user_ids": [carol.id]}
            ),
        ),
        (
            "rename group",
            group["id"],
            lambda: alice.api.call(
                "PATCH",
                f"/api/channels/{group['id']}",
                {"name": "Go & Shogi", "description": "盤上遊戯"},
            ),
        ),
        (
            "create an event of one seat",
            group["id"],
            lambda: _then(
                alice.api.call("POST", "/api/gatherings", _gathering(group["id"], capacity=1)),
                remember_item,
                "event",
            ),
        ),
        (
            "answer going (the seat)",
            group["id"],
            lambda: bob.api.call(
                "PUT", f"/api/gatherings/{ids['event']}/answer", {"answer": "going"}
            ),
        ),
        (
            "answer going when full (the waitlist)",
            group["id"],
            lambda: carol.api.call(
                "PUT", f"/api/gatherings/{ids['event']}/answer", {"answer": "going"}
            ),
        ),
        (
            "give the seat up (the first in line moves up, told)",
            group["id"],
            lambda: bob.api.call("PUT", f"/api/gatherings/{ids['event']}/answer", {"answer": "no"}),
        ),
        (
            "edit an event",
            group["id"],
            lambda: alice.api.call(
                "PATCH", f"/api/gatherings/{ids['event']}", {"title": "囲碁大会", "capacity": 5}
            ),
        ),
        (
            "cancel an event",
            group["id"],
            lambda: alice.api.call("POST", f"/api/gatherings/{ids['event']}/cancel"),
        ),
        (
            "a company-wide event (everyone's stream)",
            group["id"],
            lambda: admin.call("POST", "/api/gatherings", _gathering(None, title="全社会議")),
        ),
        (
            "mention someone",
            group["id"],
            lambda: _then(
                alice.api.call(
                    "POST",
                    f"/api/channels/{group['id']}/posts",
                    {"body": f"@[キャロル]({carol.id}) 見てください"},
                ),
                remember,
                "mention",
            ),
        ),
        (
            "post (to be commented on and liked)",
            group["id"],
            lambda: _then(
                carol.api.call("POST", f"/api/channels/{group['id']}/posts", {"body": "囲碁会"}),
                remember,
                "carols",
            ),
        ),
        (
            "comment on someone's post",
            group["id"],
            lambda: bob.api.call("POST", f"/api/posts/{ids['carols']}/comments", {"body": "参加!"}),
        ),
        (
            "like someone's post",
            group["id"],
            lambda: alice.api.call("PUT", f"/api/posts/{ids['carols']}/like", {}),
        ),
        (
            "another like joins the unread one",
            group["id"],
            lambda: bob.api.call("PUT", f"/api/posts/{ids['carols']}/like", {}),
        ),
        (
            "read every notification (on another device)",
            group["id"],
            lambda: carol.api.call("POST", "/api/notifications/read", {"all": True}),
        ),
        (
            "mute a channel (on another device)",
            group["id"],
            lambda: carol.api.call("PUT", f"/api/channels/{group['id']}/notify", {"level": "none"}),
        ),
        (
            "delete a post that mentioned someone",
            group["id"],
            lambda: alice.api.call("DELETE", f"/api/posts/{ids['mention']}"),
        ),
        (
            "start a conversation (carol is in it)",
            eng["id"],
            lambda: alice.api.call("POST", "/api/direct", {"user_ids": [bob.id, carol.id]}),
        ),
        (
            "post in a conversation",
            talk["id"],
            lambda: alice.api.call("POST", f"/api/channels/{talk['id']}/posts", {"body": "やあ"}),
        ),
        (
            "add someone to a group conversation",
            talk["id"],
            lambda: alice.api.call(
                "POST", f"/api/channels/{talk['id']}/invite", {"user_ids": [carol.id]}
            ),
        ),
        ("block someone", eng["id"], lambda: carol.api.call("PUT", f"/api/blocks/{alice.id}")),
        ("unblock them", eng["id"], lambda: carol.api.call("DELETE", f"/api/blocks/{alice.id}")),
        (
            "leave a group conversation",
            talk["id"],
            lambda: carol.api.call("POST", f"/api/channels/{talk['id']}/leave"),
        ),
        (
            "leave group",
            group["id"],
            lambda: carol.api.call("POST", f"/api/channels/{group['id']}/leave"),
        ),
        (
            "rename department",
            eng["id"],
            lambda: admin.call(
                "PATCH",
                f"/api/departments/{company.departments['Engineering']}",
                {"name": "開発部"},
            ),
        ),
        (
            "move a person in",
            eng["id"],
            lambda: admin.call(
                "PATCH",
                f"/api/users/{carol.id}",
                {"department_id": company.departments["Engineering"]},
            ),
        ),
        (
            "create a person",
            eng["id"],
            lambda: admin.call(
                "POST",
                "/api/users",
                {
                    "email": "dan@example.com",
                    "display_name": "Dan",
                    "password": "password-dan",
                    "department_id": company.departments["Engineering"],
                },
            ),
        ),
        (
            "move a person out",
            eng["id"],
            lambda: admin.call(
                "PATCH", f"/api/users/{carol.id}", {"department_id": company.departments["Sales"]}
            ),
        ),
        ("delete post", eng["id"], lambda: alice.api.call("DELETE", f"/api/posts/{seed_id}")),
        (
            "read a channel (on another device)",
            sales["id"],
            lambda: carol.api.call("PUT", f"/api/channels/{sales['id']}/read", {"seq": 10**6}),
        ),
        (
            "close a department",
            eng["id"],
            lambda: admin.call(
                "PATCH", f"/api/departments/{company.departments['Engineering']}", {"closed": True}
            ),
        ),
        (
            "open it again",
            eng["id"],
            lambda: admin.call(
                "PATCH", f"/api/departments/{company.departments['Engineering']}", {"closed": False}
            ),
        ),
        (
            "merge a department (as its readers see it)",
            qa["id"],
            lambda: admin.call(
                "POST", f"/api/departments/{merged['id']}/merge", {"into": into["id"]}
            ),
        ),
        (
            "merge a department (as the other's readers see it)",
            eng["id"],
            lambda: admin.call(
                "POST",
                f"/api/departments/{into['id']}/merge",
                {"into": company.departments["Engineering"]},
            ),
        ),
        (
            "delete a department",
            temp["id"],
            lambda: admin.call("DELETE", f"/api/departments/{gone['id']}"),
        ),
        (
            "give a start date: Carol is a newcomer (her checklist follows)",
            eng["id"],
            lambda: admin.call(
                "PATCH", f"/api/users/{carol.id}", {"start_date": date.today().isoformat()}
            ),
        ),
        (
            "prepare a checklist item (newcomers see it at once)",
            eng["id"],
            lambda: _then(
                admin.call(
                    "POST", "/api/onboarding/checklist", {"kind": "manual", "title": "Read"}
                ),
                remember_item,
                "manual",
            ),
        ),
        (
            "choose a newcomer's mentors",
            eng["id"],
            lambda: admin.call(
                "PUT", f"/api/users/{carol.id}/mentors", {"mentor_ids": [alice.id, bob.id]}
            ),
        ),
        (
            "tick one's own checklist item",
            eng["id"],
            lambda: carol.api.call("PUT", f"/api/me/checklist/{ids['manual']}", {"done": True}),
        ),
        (
            "make someone an admin",
            sales["id"],
            lambda: admin.call("PATCH", f"/api/users/{carol.id}", {"role": "admin"}),
        ),
        (
            "save the word list (as that admin)",
            sales["id"],
            lambda: carol.api.call(
                "PUT", "/api/words", {"entries": [{"word": "社外秘", "level": "warn"}]}
            ),
        ),
        (
            "send anyway past a warning",
            sales["id"],
            lambda: carol.api.call(
                "POST",
                f"/api/channels/{sales['id']}/posts",
                {"body": "社外秘です", "acknowledge_warning": True},
            ),
        ),
        (
            "make them a member again",
            sales["id"],
            lambda: admin.call("PATCH", f"/api/users/{carol.id}", {"role": "member"}),
        ),
        (
            "publish terms of use",
            sales["id"],
            lambda: admin.call("POST", "/api/terms/versions", {"body": "**利用規約**"}),
        ),
        (
            "accept them (on another device)",
            sales["id"],
            lambda: carol.api.call("POST", "/api/terms/accept", {"version": 1}),
        ),
        (
            "bob accepts them too (the questions below have him answer)",
            sales["id"],
            lambda: bob.api.call("POST", "/api/terms/accept", {"version": 1}),
        ),
        (
            "the admin accepts them too (surveys and announcements below are written under them)",
            sales["id"],
            lambda: admin.call("POST", "/api/terms/accept", {"version": 1}),
        ),
        (
            "make a group a Q&A channel",
            group["id"],
            lambda: alice.api.call("PATCH", f"/api/channels/{group['id']}", {"qa": True}),
        ),
        (
            "a newcomer joins it",
            group["id"],
            lambda: carol.api.call("POST", f"/api/channels/{group['id']}/join"),
        ),
        (
            "a newcomer asks anonymously",
            group["id"],
            lambda: _then(
                carol.api.call(
                    "POST",
                    f"/api/channels/{group['id']}/posts",
                    {"body": "経費精算はどこで?", "anonymous": True},
                ),
                remember,
                "question",
            ),
        ),
        (
            "someone answers (answered)",
            group["id"],
            lambda: _then(
                bob.api.call(
                    "POST", f"/api/posts/{ids['question']}/comments", {"body": "総務のページです"}
                ),
                remember,
                "answer",
            ),
        ),
        (
            "the asker marks the answer (resolved)",
            group["id"],
            lambda: carol.api.call(
                "PUT", f"/api/posts/{ids['question']}/answer", {"answer_id": ids["answer"]}
            ),
        ),
        (
            "the asker takes the mark back",
            group["id"],
            lambda: carol.api.call("DELETE", f"/api/posts/{ids['question']}/answer"),
        ),
        (
            "an admin sends a survey to Sales (Carol is told)",
            sales["id"],
            lambda: _then(
                admin.call(
                    "POST",
                    "/api/surveys",
                    {
                        "title": "使い心地",
                        "anonymous": True,
                        "audience": "departments",
                        "department_ids": [company.departments["Sales"]],
                        "closes_at": "2100-01-01T00:00:00Z",
                        "questions": [{"kind": "scale", "text": "役立っていますか?"}],
                    },
                ),
                remember_survey,
                "survey",
            ),
        ),
        (
            "she answers it (her other devices take it off her list)",
            sales["id"],
            lambda: carol.api.call(
                "POST",
                f"/api/surveys/{ids['survey']}/answers",
                {"answers": [{"question_id": ids["survey_question"], "value": 4}]},
            ),
        ),
        (
            "a post with a named poll",
            group["id"],
            lambda: _then(
                carol.api.call(
                    "POST",
                    f"/api/channels/{group['id']}/posts",
                    {"body": "お昼は?", "poll": {"options": ["寿司", "そば"], "multiple": True}},
                ),
                remember,
                "poll",
            ),
        ),
        ("someone votes", group["id"], lambda: _vote(bob.api, ids["poll"], [0, 1])),
        ("someone changes their vote", group["id"], lambda: _vote(bob.api, ids["poll"], [1])),
        (
            "someone withdraws their vote",
            group["id"],
            lambda: bob.api.call("DELETE", f"/api/posts/{ids['poll']}/vote"),
        ),
        (
            "its author closes the poll",
            group["id"],
            lambda: carol.api.call("POST", f"/api/posts/{ids['poll']}/poll/close", {}),
        ),
        (
            "a must-read announcement to everyone (pinned on home)",
            sales["id"],
            lambda: _then(
                admin.call(
                    "POST",
                    "/api/announcements",
                    {"title": "全社集会", "body": "10時から", "must_read": True},
                ),
                remember_item,
                "announcement",
            ),
        ),
        (
            "confirm it (on another device)",
            sales["id"],
            lambda: carol.api.call("POST", f"/api/announcements/{ids['announcement']}/confirm"),
        ),
        (
            "edit it, asking everyone again (pinned again)",
            sales["id"],
            lambda: admin.call(
                "PATCH",
                f"/api/announcements/{ids['announcement']}",
                {"body": "11時からに変更", "ask_again": True},
            ),
        ),
        (
            "remind those who have not confirmed",
            sales["id"],
            lambda: admin.call("POST", f"/api/announcements/{ids['announcement']}/remind"),
        ),
    ]

    seen_kinds: set[str] = set()
    # Bob reads the channels; Carol's own stream is checked alongside (she is
    # invited, leaves, is moved in and out).
    reader = await Live.connect(company.server, bob.token)
    watched = await Live.connect(company.server, carol.token)
    for name, channel_id, action in channel_actions:
        before, header = await fresh_channel(bob.api, channel_id)
        mine = await fresh_person(carol.api)
        me = await watched.request({"op": "sub_me"})
        start = len(reader.frames)
        mine_start = len(watched.frames)
        await reader.request(
            {"op": "sub", "channel": channel_id, "epoch": header["epoch"], "seq": header["seq"]}
        )
        await action()
        after, head = await fresh_channel(bob.api, channel_id)
        if head["seq"] > header["seq"]:
            await reader.wait(_frame_at("event", head["seq"], channel_id), start=start)
        events = [
            f for f in reader.frames[start:] if f["type"] == "event" and f["channel"] == channel_id
        ]
        assert [e["seq"] for e in events] == list(range(header["seq"] + 1, head["seq"] + 1)), name
        for frame in events:
            before.apply(frame)
            seen_kinds.add(frame["kind"])
        assert before == after, name

        fresh = await fresh_person(carol.api)
        mine_now = await watched.request({"op": "sub_me"})
        if mine_now["seq"] > me["seq"]:
            await watched.wait(_frame_at("personal", mine_now["seq"]), start=mine_start)
        personal = [f for f in watched.frames[mine_start:] if f["type"] == "personal"]
        for frame in personal:
            mine.apply(frame)
            seen_kinds.add(frame["kind"])
        assert mine == fresh, name
        await reader.request({"op": "unsub", "channel": channel_id})

    # Every kind in the catalogue was produced by some action above (noted
    # kinds go on no stream: streams/unit.py).
    kinds = set(CATALOGUE) - set(kinds_of(NOTE))
    assert seen_kinds == kinds, kinds - seen_kinds
    await reader.close()
    await watched.close()


def _gathering(channel_id: int | None, **extra: Any) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    body: dict[str, Any] = {
        "title": "囲碁会",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        **extra,
    }
    if channel_id is not None:
        body["channel_id"] = channel_id
    return body


def _frame_at(kind: str, seq: int, channel: int | None = None) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["type"] == kind and f["seq"] == seq and f.get("channel") == channel


async def _then(
    answer: Awaitable[Any], then: Callable[[str, Any], Awaitable[None]], name: str
) -> None:
    await then(name, await answer)


async def _twice(call: Callable[..., Awaitable[Any]], *args: Any) -> None:
    await call(*args)
    await call(*args)
