"""The audit log, on both backends: every admin and moderator write (the test
walks the route registry: a new one without a case here fails) leaves an
entry naming who did it and to what, as text that outlives the thing named;
sign-ins made and failed are there; entries are filtered, paged and
exported; no route edits or deletes one; none of these routes answers a
member; retention removes what is older than the setting."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text

import server.routes  # noqa: F401  (registers the routes on ``api``)
from server.api import Endpoint, api
from server.db import Database
from tests.support.backends import ADMIN_EMAIL
from tests.support.clients import Api, Company
from tests.support.moderation import add_moderator, open_group, said

ROLE_ROUTES = [e for e in api.endpoints if e.role is not None]
# Routes that only read, and are not audited; every other role route is a
# write (or an export) and must leave an entry.
READS = {
    ("GET", "/api/invites"),
    ("GET", "/api/files/usage"),
    ("GET", "/api/moderation/reports"),
    ("GET", "/api/moderation/reports/{report_id:id}"),
    ("GET", "/api/moderation/appeals"),
    ("GET", "/api/audit"),
    ("GET", "/api/audit/actions"),
    ("GET", "/api/audit/settings"),
    # Reads a file and judges it; creates nothing (the import is audited).
    ("POST", "/api/users/import/preview"),
    ("GET", "/api/users/{user_id:id}/mentor-suggestions"),
    ("GET", "/api/onboarding/checklist"),
    ("GET", "/api/onboarding/settings"),
    ("GET", "/api/terms/versions"),
    ("GET", "/api/terms/acceptances"),
    ("GET", "/api/terms/starting"),
    ("GET", "/api/words"),
    ("GET", "/api/words/starting"),
    ("GET", "/api/questions/settings"),
    ("GET", "/api/questions/figures"),
    ("GET", "/api/surveys/makers"),
    # Usage analytics: aggregates only (the CSV export is audited all the same).
    ("GET", "/api/analytics"),
    ("GET", "/api/analytics/settings"),
    ("GET", "/api/retention"),
    ("GET", "/api/announcers"),
}
CSV = "email,name,department\nzed@example.com,Zed,Sales\n"


async def _entries(company: Company, **params: Any) -> list[dict[str, Any]]:
    page = await company.admin.call("GET", "/api/audit", params=params)
    entries: list[dict[str, Any]] = page["entries"]
    return entries


class Cases:
    """One valid call for each audited route, made as an admin (or moderator),
    in a company where it can succeed; each answers the action it expects."""

    def __init__(self, company: Company) -> None:
        self.company = company
        self.admin = company.admin

    async def prepare(self) -> None:
        c = self.company
        self.mona = await add_moderator(c)
        self.group = await open_group(c)
        bob, alice = c.people["bob"], c.people["alice"]
        self.post = (
            await alice.api.call("POST", f"/api/channels/{self.group['id']}/posts", {"body": "x"})
        )["post"]
        self.reports = [
            (await bob.api.call("POST", "/api/reports", {"user_id": alice.id, "reason": "spam"}))[
                "id"
            ],
            (
                await bob.api.call(
                    "POST", "/api/reports", {"post_id": self.post["id"], "reason": "spam"}
                )
            )["id"],
        ]
        await self.mona.api.call(
            "POST",
            f"/api/moderation/reports/{self.reports[0]}/decision",
            {"action": "warn", "reason": "r", "clause": "第1条"},
        )
        self.warning = (await alice.api.call("GET", "/api/me/sanctions"))[0]["id"]
        await alice.api.call("POST", f"/api/me/sanctions/{self.warning}/appeal", {"note": "please"})
        self.empty = (await self.admin.call("POST", "/api/departments", {"name": "Empty"}))["id"]
        self.spare = (await self.admin.call("POST", "/api/departments", {"name": "Spare"}))["id"]
        # A newcomer (Carol, starting today) for the mentors' case.
        await self.admin.call(
            "PATCH", f"/api/users/{c.people['carol'].id}", {"start_date": date.today().isoformat()}
        )

    def table(self) -> dict[tuple[str, str], Callable[[], Awaitable[str]]]:
        c, admin, mona = self.company, self.admin, self.mona
        alice = c.people["alice"]

        async def create_user() -> str:
            body = {"email": "new@example.com", "display_name": "New", "password": "pw-new-new-1"}
            await admin.call("POST", "/api/users", body)
            return "account.created"

        async def update_user() -> str:
            await admin.call("PATCH", f"/api/users/{alice.id}", {"role": "moderator"})
            return "account.changed"

        async def import_people() -> str:
            await admin.call(
                "POST", "/api/users/import", content=CSV, headers={"content-type": "text/csv"}
            )
            return "people.imported"

        async def export_people() -> str:
            await admin.raw("GET", "/api/users/export")
            return "people.exported"

        async def create_invite() -> str:
            await admin.call("POST", "/api/invites", {"email": "inv@example.com"})
            return "invite.created"

        async def revoke_invite() -> str:
            made = await admin.call("GET", "/api/invites")
            await admin.call("DELETE", f"/api/invites/{made[0]['id']}")
            return "invite.revoked"

        async def reset_link() -> str:
            await admin.call("POST", f"/api/users/{alice.id}/reset-link")
            return "reset_link.created"

        async def create_department() -> str:
            await admin.call("POST", "/api/departments", {"name": "Legal"})
            return "department.created"

        async def update_department() -> str:
            await admin.call("PATCH", f"/api/departments/{self.spare}", {"name": "Spare 2"})
            return "department.changed"

        async def delete_department() -> str:
            await admin.call("DELETE", f"/api/departments/{self.empty}")
            return "department.deleted"

        async def merge_department() -> str:
            into = c.departments["Sales"]
            await admin.call("POST", f"/api/departments/{self.spare}/merge", {"into": into})
            return "department.merged"

        async def file_rules() -> str:
            await admin.call("PUT", "/api/files/rules", {"max_file_mb": 20})
            return "setting.changed"

        async def decide() -> str:
            await mona.api.call(
                "POST",
                f"/api/moderation/reports/{self.reports[1]}/decision",
                {"action": "hide", "reason": "r"},
            )
            return "report.decided"

        async def unhide() -> str:
            await mona.api.call(
                "POST", f"/api/moderation/posts/{self.post['id']}/unhide", {"reason": "r"}
            )
            return "content.unhidden"

        async def decide_appeal() -> str:
            await mona.api.call(
                "POST",
                f"/api/moderation/sanctions/{self.warning}/appeal-decision",
                {"outcome": "uphold", "reason": "r"},
            )
            return "appeal.decided"

        async def lift() -> str:
            await mona.api.call(
                "POST", f"/api/moderation/sanctions/{self.warning}/lift", {"reason": "r"}
            )
            return "sanction.lifted"

        async def audit_export() -> str:
            await admin.raw("GET", "/api/audit/export")
            return "audit.exported"

        async def choose_mentors() -> str:
            carol = c.people["carol"].id
            await admin.call("PUT", f"/api/users/{carol}/mentors", {"mentor_ids": [alice.id]})
            return "mentors.updated"

        async def add_checklist_item() -> str:
            self.item = (
                await admin.call(
                    "POST", "/api/onboarding/checklist", {"kind": "manual", "title": "Read"}
                )
            )["id"]
            return "checklist_item.added"

        async def remove_checklist_item() -> str:
            await admin.call("DELETE", f"/api/onboarding/checklist/{self.item}")
            return "checklist_item.removed"

        async def newcomer_settings() -> str:
            await admin.call("PATCH", "/api/onboarding/settings", {"newcomer_days": 60})
            return "setting.changed"

        async def publish_terms() -> str:
            await admin.call("POST", "/api/terms/versions", {"body": "**利用規約**"})
            return "terms.published"

        async def word_list() -> str:
            body = {"entries": [{"word": "社外秘", "level": "warn"}]}
            await admin.call("PUT", "/api/words", body)
            return "wordlist.changed"

        async def question_settings() -> str:
            await admin.call("PATCH", "/api/questions/settings", {"first_delay_hours": 2})
            return "setting.changed"

        async def grant_survey_maker() -> str:
            await admin.call("PUT", f"/api/surveys/makers/{alice.id}")
            return "survey_maker.granted"

        async def revoke_survey_maker() -> str:
            await admin.call("DELETE", f"/api/surveys/makers/{alice.id}")
            return "survey_maker.revoked"

        async def company_timezone() -> str:
            await admin.call("PUT", "/api/timezone", {"timezone": "Europe/Paris"})
            return "setting.changed"

        async def audit_settings() -> str:
            await admin.call("PUT", "/api/audit/settings", {"retention_days": 400})
            return "setting.changed"

        async def analytics_export() -> str:
            await admin.raw("GET", "/api/analytics/export", params={"table": "features"})
            return "analytics.exported"

        async def analytics_settings() -> str:
            await admin.call("PUT", "/api/analytics/settings", {"survey_url": "#/channels/1"})
            return "setting.changed"

        async def set_retention() -> str:
            url = f"/api/channels/{self.group['id']}/retention"
            await admin.call("PUT", url, {"days": 90})
            return "retention.changed"

        async def export_network() -> str:
            await admin.raw("GET", "/api/export")
            return "network.exported"

        async def import_network() -> str:
            # This installation is not fresh: refused, and audited all the same.
            r = await admin.raw(
                "POST", "/api/import", content=b"PK", headers={"content-type": "application/zip"}
            )
            assert r.status_code == 409, r.text
            return "network.import_refused"

        async def name_announcer() -> str:
            body = {"person_id": alice.id, "department_id": c.departments["Engineering"]}
            await admin.call("POST", "/api/announcers", body)
            return "announcer.named"

        async def remove_announcer() -> str:
            eng = c.departments["Engineering"]
            await admin.call("DELETE", f"/api/announcers/{eng}/{alice.id}")
            return "announcer.removed"

        return {
            ("GET", "/api/analytics/export"): analytics_export,
            ("PUT", "/api/analytics/settings"): analytics_settings,
            ("PUT", "/api/channels/{channel_id:id}/retention"): set_retention,
            ("GET", "/api/export"): export_network,
            ("POST", "/api/import"): import_network,
            ("POST", "/api/announcers"): name_announcer,
            ("DELETE", "/api/announcers/{department_id:id}/{user_id:id}"): remove_announcer,
            ("POST", "/api/users"): create_user,
            ("PATCH", "/api/users/{user_id:id}"): update_user,
            ("POST", "/api/users/import"): import_people,
            ("GET", "/api/users/export"): export_people,
            ("POST", "/api/invites"): create_invite,
            ("DELETE", "/api/invites/{invite_id}"): revoke_invite,
            ("POST", "/api/users/{user_id:id}/reset-link"): reset_link,
            ("POST", "/api/departments"): create_department,
            ("PATCH", "/api/departments/{department_id:id}"): update_department,
            ("POST", "/api/departments/{department_id:id}/merge"): merge_department,
            ("DELETE", "/api/departments/{department_id:id}"): delete_department,
            ("PUT", "/api/files/rules"): file_rules,
            ("POST", "/api/moderation/reports/{report_id:id}/decision"): decide,
            ("POST", "/api/moderation/posts/{post_id:id}/unhide"): unhide,
            ("POST", "/api/moderation/sanctions/{sanction_id:id}/appeal-decision"): decide_appeal,
            ("POST", "/api/moderation/sanctions/{sanction_id:id}/lift"): lift,
            ("GET", "/api/audit/export"): audit_export,
            ("PUT", "/api/audit/settings"): audit_settings,
            ("PUT", "/api/users/{user_id:id}/mentors"): choose_mentors,
            ("POST", "/api/onboarding/checklist"): add_checklist_item,
            ("DELETE", "/api/onboarding/checklist/{item_id:id}"): remove_checklist_item,
            ("PATCH", "/api/onboarding/settings"): newcomer_settings,
            ("POST", "/api/terms/versions"): publish_terms,
            ("PUT", "/api/words"): word_list,
            ("PATCH", "/api/questions/settings"): question_settings,
            ("PUT", "/api/surveys/makers/{user_id:id}"): grant_survey_maker,
            ("DELETE", "/api/surveys/makers/{user_id:id}"): revoke_survey_maker,
            ("PUT", "/api/timezone"): company_timezone,
        }


def _key(e: Endpoint) -> tuple[str, str]:
    return (e.method, e.path)


async def test_every_admin_and_moderator_write_leaves_an_entry(company: Company) -> None:
    cases = Cases(company)
    await cases.prepare()
    table = cases.table()
    writes = {_key(e) for e in ROLE_ROUTES} - READS
    assert set(table) == writes, (
        "a route with role= that writes needs a case here (or, if it only reads, an entry"
        f" in READS): {sorted(writes ^ set(table))}"
    )
    for key, call in table.items():
        before = await _entries(company)
        action = await call()
        after = await _entries(company)
        new = [e for e in after if e["id"] > (before[0]["id"] if before else 0)]
        assert action in [e["action"] for e in new], (key, new)
        made = next(e for e in new if e["action"] == action)
        assert made["actor_id"] in (company.admin.user["id"], cases.mona.id), (key, made)
        assert made["actor"], (key, made)


async def test_entries_name_people_as_they_were_with_old_and_new_values(
    company: Company,
) -> None:
    alice = company.people["alice"]
    await company.admin.call(
        "PATCH",
        f"/api/users/{alice.id}",
        {"role": "moderator", "department_id": company.departments["Sales"]},
    )
    (entry,) = await _entries(company, action="account.changed")
    assert entry["old"] == {
        "role": "member",
        "department_id": company.departments["Engineering"],
        "department": "Engineering",
    }
    assert entry["new"]["role"] == "moderator" and entry["new"]["department"] == "Sales"
    assert entry["target"] == "Alice <alice@example.com>" and entry["subject_id"] == alice.id
    assert entry["actor"].endswith(f"<{ADMIN_EMAIL}>")
    # The department goes; its entry still reads as it did.
    made = await company.admin.call("POST", "/api/departments", {"name": "短命な部署"})
    await company.admin.call("DELETE", f"/api/departments/{made['id']}")
    (gone,) = await _entries(company, action="department.deleted")
    assert gone["target"] == "短命な部署" and gone["target_id"] == str(made["id"])
    # Deactivation, with its old and new values.
    await company.admin.call("PATCH", f"/api/users/{alice.id}", {"is_active": False})
    latest = (await _entries(company, action="account.changed"))[0]
    assert (latest["old"], latest["new"]) == ({"is_active": True}, {"is_active": False})


async def test_sign_ins_made_and_failed_are_audited(company: Company) -> None:
    bob = company.people["bob"]
    client = Api(company.server.http, address=None)
    await client.raw("POST", "/api/session", {"email": bob.email, "password": "wrong-wrong"})
    await client.raw("POST", "/api/session", {"email": "nobody@example.com", "password": "x"})
    await client.sign_in(bob.email, "password-bob")
    await client.close()
    failed = await _entries(company, action="signin.failed")
    assert [(e["target"], e["details"]["reason"]) for e in failed] == [
        ("nobody@example.com", "unknown_email"),
        ("bob@example.com", "wrong_password"),
    ]
    assert failed[1]["subject_id"] == bob.id and failed[1]["actor_id"] is None
    made = (await _entries(company, action="signin.succeeded", person=bob.id))[0]
    assert made["actor_id"] == bob.id and made["details"]["address"]


async def test_private_group_membership_is_audited_and_public_is_not(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    secret = await alice.api.call("POST", "/api/channels", {"name": "人事", "is_private": True})
    await alice.api.call("POST", f"/api/channels/{secret['id']}/invite", {"user_ids": [bob.id]})
    await bob.api.call("POST", f"/api/channels/{secret['id']}/leave")
    await open_group(company, "Lunch")
    joined = await _entries(company, action="member.joined")
    left = await _entries(company, action="member.left")
    assert {e["target"] for e in joined + left} == {"人事"}
    assert bob.id in {e["subject_id"] for e in joined} and left[0]["subject_id"] == bob.id


async def test_filters_pages_and_csv(company: Company) -> None:
    for i in range(55):
        await company.admin.call("PUT", "/api/files/rules", {"max_file_mb": 10 + i})
    first = await company.admin.call("GET", "/api/audit", params={"action": "setting.changed"})
    assert len(first["entries"]) == 50 and first["before"]
    rest = await company.admin.call(
        "GET", "/api/audit", params={"action": "setting.changed", "before": first["before"]}
    )
    assert len(rest["entries"]) == 5 and rest["before"] is None
    assert first["entries"][0]["new"]["max_file_mb"] == 64
    today = datetime.now(UTC).date()
    tomorrow = today + timedelta(days=1)
    assert (await company.admin.call("GET", "/api/audit", params={"since": tomorrow.isoformat()}))[
        "entries"
    ] == []
    same = await company.admin.call(
        "GET", "/api/audit", params={"since": today.isoformat(), "until": today.isoformat()}
    )
    assert same["entries"]
    for bad in ({"since": "yesterday"}, {"action": "no.such"}, {"person": "x"}):
        r = await company.admin.raw("GET", "/api/audit", params=bad)
        assert r.status_code == 400, bad
    r = await company.admin.raw("GET", "/api/audit/export", params={"action": "setting.changed"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "at", "action"] and len(rows) == 56


async def test_no_route_edits_or_deletes_entries_and_none_answers_a_member(
    company: Company,
) -> None:
    audit_paths = {e.path for e in api.endpoints if e.path.startswith("/api/audit")}
    for e in api.endpoints:
        if e.path in audit_paths:
            assert e.method in ("GET", "PUT") and (e.method == "GET" or e.path.endswith("settings"))
    await company.admin.call("PUT", "/api/files/rules", {"max_file_mb": 12})
    (entry,) = await _entries(company, action="setting.changed")
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        for path in ("/api/audit", f"/api/audit/{entry['id']}"):
            r = await company.admin.raw(method, path, {})
            assert r.status_code in (404, 405), (method, path)
    # Members get nothing from any admin or moderator route; moderators nothing
    # from the admin ones. Nothing changes.
    bob = company.people["bob"]
    mona = await add_moderator(company)
    before = await _entries(company)
    for e in ROLE_ROUTES:
        path = e.path
        for name in ("user_id", "department_id", "report_id", "sanction_id", "post_id"):
            path = path.replace("{" + name + ":id}", "1")
        path = path.replace("{invite_id}", "0123456789abcdef")
        callers = [bob.api] + ([mona.api] if e.role == "admin" else [])
        for caller in callers:
            r = await caller.raw(e.method, path, {} if e.method != "GET" else None)
            assert r.status_code in (403, 404), (e.method, e.path, r.status_code)
            assert "application/json" in r.headers["content-type"]
    after = await _entries(company)
    assert [e["id"] for e in after] == [e["id"] for e in before]


async def test_retention_removes_what_is_older_than_the_setting(company: Company) -> None:
    await company.admin.call("PUT", "/api/audit/settings", {"retention_days": 30})
    r = await company.admin.raw("PUT", "/api/audit/settings", {"retention_days": 40000})
    assert r.status_code == 422
    assert (await company.admin.call("GET", "/api/audit/settings"))["retention_days"] == 30
    db: Database = company.server.app.state.services.db
    async with db.engine.begin() as conn:
        await conn.execute(
            text("UPDATE audit_entry SET at = :old"),
            {"old": datetime.now(UTC) - timedelta(days=31)},
        )
    old = await _entries(company)
    assert old
    await company.admin.call("PUT", "/api/files/rules", {"max_file_mb": 33})
    now = await _entries(company)
    assert [e["action"] for e in now] == ["setting.changed"]
    assert now[0]["new"] == {"max_file_mb": 33, "allowed": now[0]["new"]["allowed"]}


async def test_a_publication_or_a_mentor_choice_is_one_entry_however_many_are_told(
    company: Company,
) -> None:
    """Publishing terms tells every person, and choosing mentors tells the
    newcomer and each mentor: the log says each once, as the admin's action."""
    admin = company.admin
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    await admin.call("POST", "/api/terms/versions", {"body": "第1条 ハラスメントの禁止"})
    await admin.call("PATCH", f"/api/users/{carol.id}", {"start_date": date.today().isoformat()})
    await admin.call("PUT", f"/api/users/{carol.id}/mentors", {"mentor_ids": [alice.id, bob.id]})
    entries = await _entries(company)
    published = [e for e in entries if e["action"] == "terms.published"]
    chosen = [e for e in entries if e["action"] == "mentors.updated"]
    assert len(published) == 1 and published[0]["actor_id"] == admin.user["id"]
    assert len(chosen) == 1 and chosen[0]["target_id"] == str(carol.id)
    names = {p["id"]: p["display_name"] for p in await admin.call("GET", "/api/users")}
    assert chosen[0]["new"] == {"mentors": [names[alice.id], names[bob.id]]}


async def test_changing_someone_elses_post_or_group_is_audited_and_ones_own_is_not(
    company: Company,
) -> None:
    """A moderator or an admin may edit or delete anyone's post or comment, and an
    admin any group, through the ordinary routes: each such change is an entry
    naming whose it was (never what it said); an author's own change is none."""
    alice, bob = company.people["alice"], company.people["bob"]
    mona = await add_moderator(company)
    group = await open_group(company)
    posts = f"/api/channels/{group['id']}/posts"
    secret = "社外秘の売上見込み"
    first = (await alice.api.call("POST", posts, {"body": secret}))["post"]
    second = (await alice.api.call("POST", posts, {"body": "二つ目"}))["post"]
    comment = (
        await alice.api.call("POST", f"/api/posts/{second['id']}/comments", {"body": secret})
    )["post"]
    before = await _entries(company)

    # Alice's own: no entry.
    own = (await alice.api.call("POST", posts, {"body": "自分の"}))["post"]
    await alice.api.call("PATCH", f"/api/posts/{own['id']}", {"body": "自分の (直した)"})
    await alice.api.call("DELETE", f"/api/posts/{own['id']}")
    await alice.api.call("PATCH", f"/api/channels/{group['id']}", {"description": "雑談"})
    assert await _entries(company) == before

    # The moderator deletes Alice's post and edits her comment; the admin
    # renames her group.
    await mona.api.call("DELETE", f"/api/posts/{first['id']}")
    await mona.api.call("PATCH", f"/api/posts/{comment['id']}", {"body": "(削除しました)"})
    await company.admin.call("PATCH", f"/api/channels/{group['id']}", {"name": "雑談部屋"})
    new = [e for e in await _entries(company) if e["id"] > before[0]["id"]]
    by_action = {e["action"]: e for e in new}
    assert set(by_action) == {"post.deleted", "comment.edited", "channel.updated"}, new

    deleted = by_action["post.deleted"]
    assert deleted["actor_id"] == mona.id and deleted["subject_id"] == alice.id
    assert deleted["target_type"] == "post" and deleted["target_id"] == str(first["id"])
    assert deleted["target"] == "Alice <alice@example.com>"
    assert deleted["details"]["channel_id"] == group["id"] and deleted["at"]
    edited = by_action["comment.edited"]
    assert edited["actor_id"] == mona.id and edited["subject_id"] == alice.id
    assert edited["target_type"] == "comment" and edited["details"]["post_id"] == second["id"]
    assert secret not in said(new)  # what the content said is never in the log
    renamed = by_action["channel.updated"]
    assert renamed["actor_id"] == company.admin.user["id"] and renamed["subject_id"] == alice.id
    assert renamed["target"] == "雑談部屋" and renamed["new"]["name"] == "雑談部屋"
    # The author filters the log by person and finds what was done to theirs.
    about_alice = await _entries(company, person=alice.id)
    assert {"post.deleted", "comment.edited", "channel.updated"} <= {
        e["action"] for e in about_alice
    }
    # Bob (a member) cannot change Alice's post at all: nothing written.
    r = await bob.api.raw("DELETE", f"/api/posts/{second['id']}")
    assert r.status_code == 403
    assert len(await _entries(company)) == len(before) + 3


async def test_a_moderator_deleting_an_anonymous_question_does_not_name_its_asker(
    company: Company,
) -> None:
    alice, carol = company.people["alice"], company.people["carol"]
    mona = await add_moderator(company)
    await company.admin.call(
        "PATCH", f"/api/users/{carol.id}", {"start_date": date.today().isoformat()}
    )
    group = await open_group(company)
    await alice.api.call("PATCH", f"/api/channels/{group['id']}", {"qa": True})
    asked = await carol.api.call(
        "POST", f"/api/channels/{group['id']}/posts", {"body": "聞きにくい質問", "anonymous": True}
    )
    await mona.api.call("DELETE", f"/api/posts/{asked['post']['id']}")
    (entry,) = await _entries(company, action="post.deleted")
    assert entry["actor_id"] == mona.id and entry["target_id"] == str(asked["post"]["id"])
    assert entry["subject_id"] is None and entry["details"]["anonymous"] is True
    assert "Carol" not in said(entry) and "carol@" not in said(entry)
