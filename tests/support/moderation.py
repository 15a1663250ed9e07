"""Helpers for moderation tests: a moderator in the test company, a post to
report, and reading what a client was told."""

from __future__ import annotations

import json
from typing import Any

from tests.support.clients import Company, Person, add_person


async def add_moderator(company: Company, name: str = "mona") -> Person:
    person = await add_person(company, name, company.departments["Sales"])
    await company.admin.call("PATCH", f"/api/users/{person.id}", {"role": "moderator"})
    return person


async def open_group(company: Company, name: str = "Open talk") -> dict[str, Any]:
    """A public group everyone in the company has joined."""
    alice = company.people["alice"]
    group: dict[str, Any] = await alice.api.call("POST", "/api/channels", {"name": name})
    for who in ("bob", "carol"):
        await company.people[who].api.call("POST", f"/api/channels/{group['id']}/join")
    return group


async def reported(company: Company, reporter: Person, post_id: int, note: str = "") -> int:
    made = await reporter.api.call(
        "POST", "/api/reports", {"post_id": post_id, "reason": "harassment", "note": note}
    )
    report_id: int = made["id"]
    return report_id


def said(value: Any) -> str:
    """Everything a payload says, as text (to look for a name or an id in it)."""
    return json.dumps(value, ensure_ascii=False)
