"""Usage analytics on both backends, checked against a company whose answers
are known: active people, departments' posts, comments and likes, feature use
(with features nobody used, and those not built yet), the department matrix
and the cross-department index, newcomers' first weeks, suppression of every
figure drawn from fewer than 5 people (in the API and the CSV alike), the
trend against the 30 days before, one round across two nodes' offers, the
survey link, and admins only."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from server.analytics_job import AnalyticsJob
from tests.support.clients import Company, add_person, department_channel

ENGINEERING = ("alice", "bob", "erika", "emil", "eddie")
SALES = ("carol", "sara", "sven", "solveig", "stan")


def _job(company: Company) -> AnalyticsJob:
    job: AnalyticsJob = company.server.app.state.services.analytics
    return job


async def _seed(company: Company) -> dict[str, Any]:
    """Engineering: alice, bob, erika, emil, eddie; Sales: carol, sara, sven,
    solveig, stan (new: they started three days ago); Legal: lena, liam.
    Everything happens today:

    - every Engineering and Sales person posts once in their department;
      carol's post mentions bob; bob, erika, emil, eddie like alice's post;
    - alice makes a group "Lunch" that the five of Sales and lena join; alice
      posts in it, the five of Sales comment (Sales -> Engineering), lena
      likes carol's comment (Legal -> Sales);
    - liam makes a group "Quiet" and posts in it alone, and searches.
    """
    admin, depts, people = company.admin, company.departments, company.people
    legal = (await admin.call("POST", "/api/departments", {"name": "Legal", "closed": False}))["id"]
    depts["Legal"] = legal
    for name in ("erika", "emil", "eddie"):
        await add_person(company, name, depts["Engineering"])
    for name in SALES[1:]:
        await add_person(company, name, depts["Sales"])
    for name in ("lena", "liam"):
        await add_person(company, name, legal)
    started = (datetime.now(UTC).date() - timedelta(days=3)).isoformat()
    for name in SALES:
        await admin.call("PATCH", f"/api/users/{people[name].id}", {"start_date": started})
    eng = (await department_channel(people["alice"].api, depts["Engineering"]))["id"]
    sales = (await department_channel(people["carol"].api, depts["Sales"]))["id"]

    async def post(name: str, channel: int, body: str) -> int:
        made = await people[name].api.call("POST", f"/api/channels/{channel}/posts", {"body": body})
        return int(made["post"]["id"])

    alices = 0
    for name in ENGINEERING:
        made = await post(name, eng, name)
        alices = alices or made
    for name in SALES:
        await post(name, sales, f"hello @[Bob]({people['bob'].id})" if name == "carol" else name)
    for name in ENGINEERING[1:]:
        await people[name].api.call("PUT", f"/api/posts/{alices}/like", {})
    lunch = await people["alice"].api.call("POST", "/api/channels", {"name": "Lunch"})
    for name in (*SALES, "lena"):
        await people[name].api.call("POST", f"/api/channels/{lunch['id']}/join")
    asked = await post("alice", lunch["id"], "lunch?")
    comments = []
    for name in SALES:
        made = await people[name].api.call("POST", f"/api/posts/{asked}/comments", {"body": "yes"})
        comments.append(made["post"]["id"] if "post" in made else made["id"])
    await people["lena"].api.call("PUT", f"/api/posts/{comments[0]}/like", {})
    quiet = await people["liam"].api.call("POST", "/api/channels", {"name": "Quiet"})
    await post("liam", quiet["id"], "anyone?")
    await people["liam"].api.call("GET", "/api/search", params={"q": "hello"})
    return {"eng": eng, "sales": sales, "lunch": lunch["id"], "quiet": quiet["id"], "legal": legal}


async def test_the_report_answers_what_the_company_did(company: Company) -> None:
    """One seeded company for the figures, the CSV, the claim and the trend
    (seeding is what takes time)."""
    seeded = await _seed(company)
    await _figures(company, seeded)
    await _csv(company)
    await _one_round(company)
    await _later(company)


async def _figures(company: Company, seeded: dict[str, Any]) -> None:
    job, admin, depts = _job(company), company.admin, company.departments
    assert await job.run_once(gap=0) == 1
    r = await admin.call("GET", "/api/analytics")
    today = datetime.now(UTC).date().isoformat()
    assert r["computed_at"] and r["today"] == today and r["min_people"] == 5
    # Active people: 5 + 5 + lena (a like) + liam (a search); the admin did nothing counted.
    assert r["days"][-1] == {"period": today, "people": 12, "suppressed": False}
    assert r["days"][0] == {"period": r["days"][0]["period"], "people": 0, "suppressed": False}
    assert len(r["days"]) == 30 and len(r["weeks"]) == 12 and len(r["months"]) == 12
    assert r["weeks"][-1]["people"] == 12 and r["months"][-1]["people"] == 12
    # Features: those nobody used are flagged; the ones built elsewhere are not available.
    use = {f["feature"]: f for f in r["features"]}
    assert (use["posts"]["people"], use["comments"]["people"], use["likes"]["people"]) == (11, 5, 5)
    assert use["posts"]["change"] == 11 and use["posts"]["previous"] == 0
    assert use["groups"]["people"] == 8  # alice, liam (made one), Sales and lena (joined)
    for name in ("files", "questions", "direct", "announcements", "events", "polls", "surveys"):
        assert use[name]["people"] == 0 and use[name]["unused"], use[name]
    for name in ("mentions", "search"):  # one person each: suppressed
        assert use[name]["people"] is None and use[name]["suppressed"], use[name]
        assert not use[name]["unused"]
    assert all(f["available"] for f in r["features"])
    # Departments this week.
    week = r["weeks"][-1]["period"]
    rows = {d["department"]: d for d in r["departments"] if d["week"] == week}
    eng, sales = rows["Engineering"], rows["Sales"]
    assert (eng["people"], eng["posts"], eng["comments"], eng["likes"]) == (5, 6, 0, 4)
    assert (sales["people"], sales["posts"], sales["comments"], sales["likes"]) == (5, 5, 5, 0)
    assert rows["Legal"]["suppressed"] and rows["Legal"]["likes"] is None  # lena and liam
    # The matrix (from -> to); Lunch shares 1 x 5 memberships between
    # Engineering and Sales, 5 x 4 / 2 within Sales, 1 x 5 Legal and Sales.
    cells = {(c["source"], c["target"]): c for c in r["matrix"]}
    e, s, lg = depts["Engineering"], depts["Sales"], depts["Legal"]
    got = {
        k: (c["comments"], c["likes"], c["mentions"], c["shared_groups"], c["total"], c["people"])
        for k, c in cells.items()
    }
    assert got[(s, e)] == (5, 0, 1, 5, 6, 7)
    assert got[(e, e)] == (0, 4, 0, 0, 4, 5)
    assert got[(e, s)] == (0, 0, 0, 5, 0, 6)
    assert got[(s, s)] == (0, 0, 0, 10, 0, 5)
    assert got[(lg, s)] == (0, 1, 0, 5, 1, 6)
    assert got[(lg, lg)] == (0, 0, 0, 0, 0, 0)
    for key in ((lg, e), (e, lg)):  # lena and alice share Lunch: 2 people
        assert cells[key]["suppressed"] and got[key] == (None,) * 6, key
    assert [d["name"] for d in r["matrix_departments"]] == ["Engineering", "Legal", "Sales"]
    # The index: 11 interactions, 7 across a department line.
    assert r["crossing"][-1] == {
        "week": week,
        "interactions": 11,
        "crossing": 7,
        "index": 0.6364,
        "suppressed": False,
    }
    assert r["crossing"][0]["interactions"] == 0
    # Channels: Engineering 9 actions, Lunch 7, Sales 5; Quiet (liam alone) is
    # suppressed, Legal's unused.
    most = [(c["channel_id"], c["actions"]) for c in r["most_active_channels"]]
    assert most == [(seeded["eng"], 9), (seeded["lunch"], 7), (seeded["sales"], 5)]
    legal_channel = (await department_channel(admin, seeded["legal"]))["id"]
    least = [(c["channel_id"], c["actions"], c["suppressed"]) for c in r["least_active_channels"]]
    assert least[:2] == [(legal_channel, 0, False), (seeded["quiet"], None, True)]
    assert r["newcomers"]["questions"]["questions"] == 0


async def _later(company: Company) -> None:
    """A month on: the trend against the 30 days before, and the newcomers'
    first week."""
    job, admin = _job(company), company.admin
    later = datetime.now(UTC) + timedelta(days=31)
    assert await job.run_once(later, gap=0) == 1
    r = await admin.call("GET", "/api/analytics")
    use = {f["feature"]: f for f in r["features"]}
    assert (use["posts"]["people"], use["posts"]["previous"], use["posts"]["change"]) == (
        0,
        11,
        -11,
    )
    assert use["posts"]["unused"]
    # The Sales newcomers started 3 days before: their first week is over.
    first = r["newcomers"]["weeks"][0]
    assert (first["newcomers"], first["active"], first["posts"], first["comments"]) == (5, 5, 5, 5)
    assert r["newcomers"]["weeks"][3] == {
        "week": 4,
        "newcomers": 5,
        "active": 0,
        "posts": 0,
        "comments": 0,
        "likes": 0,
        "suppressed": False,
    }


async def _one_round(company: Company) -> None:
    """Two offers at once (two nodes' rounds): one runs it; none within the gap."""
    job = _job(company)
    now = datetime.now(UTC) + timedelta(minutes=5)  # past the rounds before
    ran = await asyncio.gather(job.run_once(now, gap=60), job.run_once(now, gap=60))
    assert sorted(ran) == [0, 1]
    assert await job.run_once(now + timedelta(seconds=30), gap=60) == 0


async def _csv(company: Company) -> None:
    """Every table as CSV, suppressed cells written as such, the export audited."""
    admin = company.admin
    response = await admin.raw("GET", "/api/analytics/export", params={"table": "features"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by = {row[0]: row for row in rows[1:]}
    assert rows[0][:3] == ["feature", "available", "people_30_days"]
    assert by["posts"][1:3] == ["yes", "11"] and by["search"][2] == "<5"
    assert by["files"][5] == "yes" and by["polls"][1:3] == ["yes", "0"]
    assert by["announcements"][1:3] == ["yes", "0"]
    matrix = await admin.raw("GET", "/api/analytics/export", params={"table": "matrix"})
    lines = list(csv.reader(io.StringIO(matrix.content.decode("utf-8-sig"))))
    legal_eng = next(x for x in lines if x[:2] == ["Legal", "Engineering"])
    assert legal_eng[2:] == ["<5"] * 6
    for table in ("active_days", "departments", "crossing", "newcomer_weeks"):
        got = await admin.raw("GET", "/api/analytics/export", params={"table": table})
        assert got.status_code == 200, table
    entries = await admin.call("GET", "/api/audit", params={"action": "analytics.exported"})
    assert entries["entries"][0]["details"]["table"] == "newcomer_weeks"
    bad = await admin.raw("GET", "/api/analytics/export", params={"table": "people"})
    assert bad.status_code == 400


async def test_a_department_name_that_looks_like_a_formula_is_neutralised(
    company: Company,
) -> None:
    await company.admin.call("POST", "/api/departments", {"name": "=HYPERLINK(1)"})
    await _job(company).run_once(gap=0)
    got = await company.admin.raw("GET", "/api/analytics/export", params={"table": "matrix"})
    assert "'=HYPERLINK(1)" in got.content.decode("utf-8-sig")


async def test_members_get_nothing_and_the_survey_link_is_checked(company: Company) -> None:
    bob, admin = company.people["bob"], company.admin
    before = await admin.call("GET", "/api/analytics")
    assert before["computed_at"] is None or before["computed_at"]
    for method, path, body in (
        ("GET", "/api/analytics", None),
        ("GET", "/api/analytics/export?table=features", None),
        ("GET", "/api/analytics/settings", None),
        ("PUT", "/api/analytics/settings", {"survey_url": "#/x"}),
    ):
        r = await bob.api.raw(method, path, body)
        assert r.status_code == 403, (method, path, r.status_code)
    assert (await admin.call("GET", "/api/analytics/settings"))["survey_url"] == ""
    for wrong in ({"survey_url": "javascript:alert(1)"}, {"survey_url": 3}, {"other": 1}):
        r = await admin.raw("PUT", "/api/analytics/settings", wrong)
        assert r.status_code == 422, wrong
    assert (await admin.call("GET", "/api/analytics/settings"))["survey_url"] == ""
    await admin.call("PUT", "/api/analytics/settings", {"survey_url": "#/channels/1"})
    assert (await admin.call("GET", "/api/analytics"))["survey_url"] == "#/channels/1"
