"""The API description checked from outside, by tools that share nothing with
``server/api.py``: openapi-spec-validator says the document is valid OpenAPI
3.1, and schemathesis generates requests from it for every operation and sends
them to a real server on loopback (as a stranger, a member with an API token, a
member with a browser session and an admin with an API token). No answer may
be a server error, no request may make the server log one, and every answer
must match what the document says (status, content type, schema).

Schemathesis is synchronous (requests): it runs in a worker thread while the
server keeps serving from the test's event loop.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import OpenAPIV31SpecValidator
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.core.result import Err
from schemathesis.errors import FailureGroup

from server.api import api
from tests.support.clients import Api, Company, department_channel
from tests.support.samples import screenshot_png
from tests.support.servers import Running, describe, server_errors

# Cases per operation and generation mode (positive: requests the document
# allows, half of them aimed at things that exist; negative: requests it
# forbids), each sent as all four identities: 33 operations x 2 modes x 10 x 4
# is about 2,400 requests per backend (some operations have no negative case).
EXAMPLES = 10
# What schemathesis checks in each answer.
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


async def test_openapi_document_is_valid_openapi_3_1(server: Running) -> None:
    async with httpx.AsyncClient(base_url=server.http) as http:
        r = await http.get("/api/openapi.json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    doc = r.json()
    assert doc["openapi"].startswith("3.1.")
    assert _problems(doc) == []
    # The validator is awake: a document with a broken reference and an
    # operation without responses is refused.
    broken = copy.deepcopy(doc)
    del broken["components"]["schemas"]["Error"]
    del broken["paths"]["/api/channels"]["get"]["responses"]
    assert _problems(broken) != []


def _problems(doc: dict[str, Any]) -> list[str]:
    try:
        return [
            f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
            for e in OpenAPIV31SpecValidator(doc).iter_errors()
        ]
    except Exception as exc:  # an unresolvable $ref is raised, not listed
        return [f"{type(exc).__name__}: {exc}"]


@dataclass
class Identity:
    name: str
    # All credentials go in here (the session cookie too): what schemathesis is
    # given as ``cookies=`` it merges into the case's own generated cookies,
    # and the case goes out again as the next identity.
    headers: dict[str, str]
    user_id: int | None  # None: a stranger


@dataclass
class Report:
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    # (operation, identity) -> status code -> how many
    statuses: dict[tuple[str, str], collections.Counter[int]] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )


async def _identities(company: Company) -> list[Identity]:
    admin, alice, bob = company.admin, company.people["alice"], company.people["bob"]
    # Bob in a browser: the session cookie, and the CSRF token its writes need.
    browser = Api(company.server.http)
    csrf = (await browser.sign_in(bob.email, "password-bob"))["csrf_token"]
    cookie = browser.http.cookies["kaisha_session"]
    await browser.close()
    admin_token = await admin.new_token("fuzz")
    # The admin last: each request goes out as all four in this order.
    return [
        Identity("stranger", {}, None),
        Identity("member", {"authorization": f"Bearer {alice.token}"}, alice.id),
        Identity(
            "member in a browser",
            {"cookie": f"kaisha_session={cookie}", "x-csrf-token": csrf},
            bob.id,
        ),
        Identity("admin", {"authorization": f"Bearer {admin_token}"}, admin.user["id"]),
    ]


async def _known(company: Company) -> dict[str, Any]:
    """Things that exist, for path parameters besides the generated ones."""
    alice = company.people["alice"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    picture = await alice.api.raw(
        "POST", "/api/files", content=screenshot_png(), params={"name": "seed.png"}
    )
    made = await alice.api.call(
        "POST",
        f"/api/channels/{eng['id']}/posts",
        {"body": "seed", "files": [picture.json()["id"]]},
    )
    invite = await company.admin.call("POST", "/api/invites", {})
    item = await company.admin.call(
        "POST", "/api/onboarding/checklist", {"kind": "manual", "title": "Read the rules"}
    )
    listed = await company.admin.call("GET", "/api/invites")
    # Spares of the identities' own, so that ending them ends no identity's.
    bob = company.people["bob"]
    spare = Api(company.server.http)
    await spare.sign_in(bob.email, "password-bob")
    session = next(s for s in await spare.call("GET", "/api/me/sessions") if s["current"])
    await spare.close()
    spare = Api(company.server.http)
    await spare.sign_in(alice.email, "password-alice")
    token = await spare.call("POST", "/api/tokens", {"name": "spare"})
    await spare.close()
    # A report about alice (bob's) and a warning of hers, for the moderation routes.
    report = await bob.api.call("POST", "/api/reports", {"user_id": alice.id, "reason": "spam"})
    carol = company.people["carol"]
    warned = await carol.api.call("POST", "/api/reports", {"user_id": alice.id, "reason": "other"})
    await company.admin.call(
        "POST",
        f"/api/moderation/reports/{warned['id']}/decision",
        {"action": "warn", "reason": "seed", "clause": "1"},
    )
    (warning,) = await alice.api.call("GET", "/api/me/sanctions")
    survey = await company.admin.call(
        "POST",
        "/api/surveys",
        {
            "title": "seed",
            "closes_at": "2100-01-01T00:00:00Z",
            "questions": [{"kind": "scale", "text": "How useful?"}],
        },
    )
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    gathering = await alice.api.call(
        "POST",
        "/api/gatherings",
        {
            "channel_id": eng["id"],
            "title": "seed",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
        },
    )
    notice = await company.admin.call(
        "POST", "/api/announcements", {"title": "seed", "body": "seed", "must_read": True}
    )
    said = await company.admin.call(
        "POST", f"/api/announcements/{notice['id']}/comments", {"body": "seed"}
    )
    return {
        "channel_id": eng["id"],
        "post_id": made["post"]["id"],
        "user_id": company.people["carol"].id,
        "department_id": company.departments["Sales"],
        "token": invite["token"],
        "invite_id": next(i["id"] for i in listed if i["email"] is None),
        "session_id": session["id"],
        "token_id": token["id"],
        "file_id": picture.json()["id"],
        "item_id": item["id"],
        "report_id": report["id"],
        "sanction_id": warning["id"],
        "survey_id": survey["id"],
        "gathering_id": gathering["id"],
        "announcement_id": notice["id"],
        "comment_id": said["id"],
    }


def _order(operation: APIOperation[Any, Any, Any, Any]) -> tuple[int, int, str]:
    """Deletions after everything else (a thing's parts before the thing),
    signing out last of all."""
    if operation.label == "DELETE /api/session":
        return (2, 0, "")
    if operation.method.upper() == "DELETE":
        return (1, -len(operation.path), operation.path)
    return (0, 0, operation.label)


# A header name that is not an HTTP token, or a generated header that frames
# the message (a second Content-Length...), makes the request something else
# than HTTP: uvicorn's parser answers it before the app, in text/plain. Such
# headers are dropped from the cases; all others go out as generated.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FRAMING = frozenset(
    [
        "connection",
        "content-length",
        "expect",
        "host",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ]
)


def _http(case: Case[Any]) -> Case[Any]:
    for name in list(case.headers or {}):
        if not _HEADER_NAME.fullmatch(name) or name.lower() in _FRAMING:
            del case.headers[name]
    return case


def _fuzz(base: str, identities: list[Identity], known: dict[str, Any], examples: int) -> Report:
    schema = schemathesis.openapi.from_url(f"{base}/api/openapi.json", timeout=30)
    report = Report()
    operations: list[APIOperation[Any, Any, Any, Any]] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            report.failures.append(f"schemathesis cannot read an operation: {result.err()}")
        else:
            operations.append(result.ok())
    # One connection per identity, and no cookie jar: a sign-in the fuzz
    # happens to make must not sign in the requests after it.
    sessions = {who.name: requests.Session() for who in identities}
    for operation in sorted(operations, key=_order):
        names = [p.name for p in operation.path_parameters]
        unknown = sorted(set(names) - set(known))
        if unknown:
            report.failures.append(
                f"{operation.label}: path parameters {unknown} are not in _known();"
                " add what they name so that the fuzz reaches past 'not found'"
            )
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            if names and mode.is_positive:
                real = {n: known[n] for n in names}
                strategy |= operation.as_strategy(generation_mode=mode, path_parameters=real)
            strategy = strategy.map(_http)
            run = _runner(operation.label, identities, sessions, report)
            test = hsettings(
                max_examples=examples,
                phases=[Phase.generate],
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )(given(case=strategy)(run))
            try:
                test()
            except Unsatisfiable:
                # Nothing in this operation can be made invalid (no parameters,
                # or only free strings): it has no negative case.
                if mode.is_positive:
                    raise
    for http in sessions.values():
        http.close()
    return report


def _runner(
    label: str, identities: list[Identity], sessions: dict[str, requests.Session], report: Report
) -> Callable[[Case[Any]], None]:
    fuzzers = {who.user_id for who in identities if who.user_id is not None}
    secrets = {  # what each identity must never send: the others' credentials
        who.name: {v for other in identities if other is not who for v in other.headers.values()}
        - set(who.headers.values())
        for who in identities
    }

    def run(case: Case[Any]) -> None:
        changes_a_fuzzer = (
            label == "PATCH /api/users/{user_id}"
            and (case.path_parameters or {}).get("user_id") in fuzzers
        )
        for who in identities:
            if changes_a_fuzzer and who.name == "admin":
                continue  # deactivating a fuzzer would end its part early
            http = sessions[who.name]
            # A copy: schemathesis adds the session's default headers to it.
            response = case.call(headers=dict(who.headers), session=http, timeout=30)
            http.cookies.clear()
            sent = response.request.headers.values()
            if any(v in secrets[who.name] for v in sent):
                report.failures.append(f"{label}: {who.name} sent another one's credentials")
            report.requests += 1
            report.statuses[(label, who.name)][response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except (AssertionError, FailureGroup) as exc:
                report.failures.append(f"as {who.name}: {exc}")

    return run


async def test_fuzzed_requests_get_no_server_error_and_answers_match_the_document(
    company: Company,
) -> None:
    identities = await _identities(company)
    known = await _known(company)
    started = time.monotonic()
    with server_errors() as errors:
        report = await asyncio.to_thread(_fuzz, company.server.http, identities, known, EXAMPLES)
    took = time.monotonic() - started
    print(f"schemathesis: {report.requests} requests in {took:.1f} s")
    assert report.failures == [], "\n\n".join(report.failures[:10])
    assert errors == [], describe(errors)

    # The fuzz got past the door: every operation that wants a signed-in
    # person answered something else than 401 to one of them.
    documented = {e.method + " " + re.sub(r":\w+}", "}", e.path) for e in api.endpoints}
    assert documented - {label for label, _ in report.statuses} == set()
    for label in {label for label, _ in report.statuses}:
        seen: collections.Counter[int] = collections.Counter()
        for who in identities:
            if who.user_id is not None:
                seen += report.statuses[(label, who.name)]
        assert set(seen) - {401}, (label, dict(seen))
