"""The app factory. Resources are made and closed only in ``lifespan``."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import ipaddress
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import server.routes  # noqa: F401  (registers the API routes)
from bus import CONTROL_TOPIC, make_bus
from files.images import DOCX, PPTX, XLSX
from org import passwords
from presence import make_presence
from server.analytics_job import AnalyticsJob
from server.announce_schedule import AnnounceSchedule
from server.api import api, error_response
from server.authcache import AuthCache
from server.batching import PostBatcher
from server.bootstrap import ensure_first_admin
from server.comment_relay import CommentRelay
from server.db import Database
from server.files import FileService
from server.gathering_reminders import GatheringReminders
from server.guard import Guard
from server.hub import Hub
from server.limits import PersonLimits
from server.mail import Mailer
from server.mention_mail import MentionMail
from server.metrics import Metrics
from server.presence_relay import PresenceRelay
from server.question_alerts import QuestionAlerts
from server.retention import Retention
from server.services import Services
from server.settings import Settings
from server.survey_opening import SurveyOpening
from server.tallies import Tallies
from server.welcomer import Welcomer
from server.ws import websocket_endpoint

log = logging.getLogger(__name__)
OFFICE_TYPES = (DOCX, XLSX, PPTX)

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
        b"base-uri 'none'; form-action 'self'",
    ),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A route's own (a file's stricter CSP) stands; the rest are added.
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                message["headers"] = headers + [h for h in SECURITY_HEADERS if h[0] not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def tune_gc() -> None:
    """For a server process (not for tests, which start many apps in one process).

    What start-up made (modules, the ORM's mappers, compiled statements) lives as
    long as the process: freezing keeps it out of the collector's full passes,
    which otherwise pause fan-out for tens of milliseconds. Fan-out allocates a
    few short-lived objects per delivery; collecting the young generation every
    700 allocations (the default) runs it thousands of times a second under
    load. Measured in docs/performance.md (p99 at 1,000 subscribers x 20/s:
    202 -> 117 ms with the freeze, -> 33 ms with the threshold too).
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


async def healthz(request: Request) -> Response:
    services: Services = request.app.state.services
    checks: dict[str, str] = {}
    for name, probe in (("database", services.db.ping), ("bus", services.bus.ping)):
        try:
            await asyncio.wait_for(probe(), 2.0)
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, 200 if healthy else 503
    )


async def metrics(request: Request) -> Response:
    """Prometheus text. It tells how busy the network is and who is connected in
    number: open only to the machine itself (loopback), unless ``METRICS_TOKEN``
    is set (then to whoever holds it) or ``METRICS_PUBLIC=1`` says otherwise."""
    services: Services = request.app.state.services
    settings = services.settings
    token = settings.metrics_token
    if token is None and not settings.metrics_public:
        client = request.client.host if request.client else ""
        if not _loopback(client):
            return error_response(
                403, "forbidden", "/metrics answers loopback only: set METRICS_TOKEN to scrape it"
            )
    if token is not None:
        given = request.headers.get("authorization", "")
        # Compared in constant time: the token is the only thing guarding it.
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return error_response(401, "unauthorized", "send Authorization: Bearer <METRICS_TOKEN>")
    return Response(services.metrics.render(), media_type="text/plain; version=0.0.4")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def openapi(request: Request) -> Response:
    return JSONResponse(api.openapi())


async def api_not_found(request: Request) -> Response:
    return error_response(404, "not_found", f"no route {request.method} {request.url.path}")


class Node:
    """What the process outside the app needs of it: at SIGTERM, every WebSocket
    is closed with "reconnect" before uvicorn waits for connections to end."""

    def __init__(self) -> None:
        self.services: Services | None = None

    def close_connections(self) -> None:
        if self.services is not None:
            self.services.hub.close_all()


async def not_found(request: Request, exc: Exception) -> Response:
    """A 404 raised outside the routes: a path that no pattern matches (one with
    a newline matches not even ``/api/{rest:path}``) ends in the static files.
    Under /api/ it answers as every API error does, in JSON."""
    if request.url.path.startswith("/api/"):
        return await api_not_found(request)
    return PlainTextResponse("Not Found", 404)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    passwords.set_cost(settings.password_hash_cost)
    node = Node()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        await db.migrate()
        bus = make_bus(settings.redis_url, prefix=settings.bus_prefix)
        await bus.start()
        metrics_ = Metrics(published=lambda: bus.published_news)
        # Each collaborator gets what it needs when it is built, and registers
        # its own handlers for the bus messages it acts on.
        hub = Hub(db, bus, metrics_, recovery_limit=settings.recovery_limit)
        store = make_presence(
            settings.redis_url, node_id=settings.node_id, prefix=settings.bus_prefix
        )
        presence = PresenceRelay(hub, bus, store, db)
        auth_cache: AuthCache[Any] = AuthCache(bus)
        guard = Guard(hub, db, bus)
        posts = PostBatcher(db, bus, metrics_, settings.post_batch)
        limits = PersonLimits(
            frame_rate=settings.person_frame_rate,
            frame_burst=settings.person_frame_burst,
            write_rate=settings.http_write_rate,
            write_burst=settings.http_write_burst,
        )
        files = FileService(settings, db, bus)
        mailer = Mailer(settings)
        mention_mail = MentionMail(settings, db, bus, mailer)
        question_alerts = QuestionAlerts(db, bus)
        gathering_reminders = GatheringReminders(db, bus)
        analytics = AnalyticsJob(db, bus, settings.analytics_interval)
        retention = Retention(db, bus, files)
        services = Services(
            settings,
            db,
            bus,
            metrics_,
            hub,
            presence,
            auth_cache,
            posts,
            mailer,
            limits,
            files,
            mention_mail,
            question_alerts,
            gathering_reminders,
            analytics,
            retention,
        )
        await bus.subscribe(CONTROL_TOPIC)
        await presence.start()
        hub.start(settings.heal_interval)
        guard.start(settings.credential_check_interval)
        files.start(settings.file_sweep_interval)
        mention_mail.start(settings.mention_email_interval)
        welcomer = Welcomer(db, bus)
        welcomer.start(settings.welcome_interval)
        question_alerts.start(settings.question_alert_interval)
        survey_opening = SurveyOpening(db, bus)
        survey_opening.start(settings.survey_open_interval)
        gathering_reminders.start(settings.gathering_reminder_interval)
        analytics.start(settings.analytics_interval)
        retention.start(settings.retention_interval)
        tallies = Tallies(hub, bus)
        comment_relay = CommentRelay(hub, bus, db)
        announce_schedule = AnnounceSchedule(db, bus)
        announce_schedule.start(settings.announce_interval)
        app.state.services = node.services = services
        await ensure_first_admin(services)
        if settings.tune_gc:
            tune_gc()
        log.info("node %s ready", settings.node_id)
        try:
            yield
        finally:
            hub.close_all()
            await posts.close()
            await files.close()
            await mention_mail.close()
            await welcomer.close()
            await question_alerts.close()
            await survey_opening.close()
            await gathering_reminders.close()
            await analytics.close()
            await retention.close()
            await announce_schedule.close()
            tallies.close()
            await comment_relay.close()
            await guard.stop()
            await hub.stop()
            await presence.stop()
            await bus.close()
            await db.close()
            node.services = None

    routes = [
        *api.routes(),
        Route("/api/openapi.json", openapi),
        Route("/api/{rest:path}", api_not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        Route("/healthz", healthz),
        Route("/metrics", metrics),
        WebSocketRoute("/ws", websocket_endpoint),
        Mount("/", StaticFiles(directory=settings.web_dir, html=True), name="web"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: not_found})
    app.state.node = node
    # Level 1, not Starlette's 9: on a page of 50 varied posts (35 KB of JSON)
    # level 9 costs ~650 us of CPU for 3.7 KB, level 1 ~60 us for 4.5 KB. CPU is
    # what a node runs out of first (docs/performance.md).
    # Files that are compressed already (or large) pass as they are.
    app.add_middleware(
        GZipMiddleware,
        minimum_size=1024,
        compresslevel=1,
        exclude_content_types=(
            "text/event-stream",
            "image/*",
            "video/*",
            "application/octet-stream",
            "application/pdf",
            *OFFICE_TYPES,
        ),
    )
    app.add_middleware(SecurityHeaders)
    return app
