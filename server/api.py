"""The HTTP API's one registry: every route under ``/api/`` is declared here
with its request and response models, and both the Starlette routes and the
OpenAPI 3 document are built from it, so they cannot drift apart.

Also the request plumbing shared by every route: authentication (session
cookie or bearer token), CSRF and Origin checks for cookie-authenticated
writes, bounded JSON bodies parsed into strict models, and domain errors
turned into ``{"error": {"code", "message"}}`` with a fitting status.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.clock import utcnow
from core.errors import DomainError, ForbiddenError, RateLimitedError, UnauthorizedError
from core.schema import MAX_ID
from org.auth import TOUCH_EVERY, digest, touch, user_for_session, user_for_token
from org.models import ApiToken, AuthSession, User
from server.services import Services

log = logging.getLogger(__name__)

SESSION_COOKIE = "kaisha_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class IdConvertor(Convertor[int]):
    """``{name:id}`` in a path: an id of at most 10 digits (a longer run of digits
    matches no route, so it never reaches ``int()`` or the database)."""

    regex = "[0-9]{1,10}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())


class FileIdConvertor(Convertor[str]):
    """``{name:fileid}``: a file's random id (channels/attachments.py)."""

    regex = "[A-Za-z0-9_-]{16,32}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("fileid", FileIdConvertor())
JSON_TYPE = "application/json"

M = TypeVar("M", bound=BaseModel)


class HttpError(DomainError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(slots=True)
class Principal:
    user: User
    session: AuthSession | None  # None when signed in with an API token
    credential: str  # the digest of the cookie's or token's secret


async def authenticate(conn: HTTPConnection, services: Services) -> Principal | None:
    header = conn.headers.get("authorization", "")
    token = conn.query_params.get("token") if conn.scope["type"] == "websocket" else None
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    cache = services.auth_cache
    secret = token or conn.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    principal: Principal | None = cache.get(secret)
    if principal is not None:
        return principal
    async with services.db.reader() as db:
        if token:
            found_token = await user_for_token(db, token)
            row: AuthSession | ApiToken | None = found_token[1] if found_token else None
            principal = Principal(found_token[0], None, digest(token)) if found_token else None
        else:
            found = await user_for_session(db, secret)
            row = found[1] if found else None
            principal = Principal(found[0], found[1], digest(secret)) if found else None
    if principal is None or principal.user.id is None or row is None:
        return None
    cache.put(secret, principal.user.id, principal)
    if row.last_used_at is None or utcnow() - _aware(row.last_used_at) > TOUCH_EVERY:
        credential, address = principal.credential, client_address(conn)
        await services.write(lambda unit: touch(unit, credential, address))
    return principal


def client_address(conn: HTTPConnection) -> str:
    """The client's address: the socket's peer, or what a trusted proxy says it
    is (uvicorn applies ``TRUSTED_PROXIES`` before we see the request)."""
    return conn.client.host if conn.client is not None else "unknown"


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def origin_allowed(conn: HTTPConnection, allowed: Sequence[str]) -> bool:
    """The request's Origin is one of ``allowed`` or, by default, the server's own."""
    origin = conn.headers.get("origin")
    if origin is None:
        return True
    if allowed:
        return origin in allowed
    host = conn.headers.get("host", "")
    return re.sub(r"^https?://", "", origin) == host


@dataclass(slots=True)
class Ctx:
    request: Request
    services: Services
    principal: Principal | None
    body: Any = None

    @property
    def user(self) -> User:
        if self.principal is None:
            raise UnauthorizedError("sign in first")
        return self.principal.user

    def path_int(self, name: str) -> int:
        """An id from the path (``{name:id}``: at most 10 digits)."""
        value: int = self.request.path_params[name]
        if not 1 <= value <= MAX_ID:
            raise HttpError(404, "not_found", f"no such thing: ids run from 1 to {MAX_ID}")
        return value

    def query_int(self, name: str) -> int | None:
        raw = self.request.query_params.get(name)
        if raw is None or raw == "":
            return None
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ID):
            raise HttpError(400, "invalid", f"{name}: expected a whole number up to {MAX_ID}")
        return int(raw)


Handler = Callable[[Ctx], Awaitable[Any]]


@dataclass(slots=True)
class Param:
    name: str
    description: str
    type: str = "string"
    required: bool = False
    enum: tuple[str, ...] = ()  # the only values it takes
    max_length: int | None = None

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.type}
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        return schema


@dataclass(slots=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    body: type[BaseModel] | None
    returns: Any
    auth: bool
    status: int
    query: tuple[Param, ...] = field(default_factory=tuple)
    # A body that is not JSON (e.g. "text/csv"): the handler gets its bytes.
    # Either kind is at most ``max_bytes`` (else the server's MAX_BODY_BYTES).
    consumes: str | None = None
    max_bytes: int | None = None
    produces: str = "application/json"  # what a 2xx answer is (documented in OpenAPI)
    # The handler reads the body itself, as it arrives (``ctx.request.stream()``):
    # an upload, of any type and up to its own limit.
    streamed: bool = False
    # Who alone may call it: "admin", or "moderator" (moderators and admins).
    # Refused with 403 before the handler runs (the handler's action checks
    # again, against the person as they are now); tests walk these routes
    # (every write leaves an audit entry, none answers a member).
    role: str | None = None


def jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def error_response(
    status: int, code: str, message: str, extra: dict[str, Any] | None = None
) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **(extra or {})}}, status)


async def read_body(request: Request, limit: int, media: str) -> bytes:
    """The body, if it is of type ``media`` and at most ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HttpError(413, "too_large", f"request body over {limit} bytes")
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != media:
        raise HttpError(415, "unsupported_media_type", f"send {media}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HttpError(413, "too_large", f"request body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int) -> Any:
    raw = await read_body(request, limit, JSON_TYPE)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise HttpError(400, "bad_json", f"the body is not valid JSON: {exc}") from None


class Api:
    def __init__(self) -> None:
        self.endpoints: list[Endpoint] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        body: type[BaseModel] | None = None,
        returns: Any = None,
        auth: bool = True,
        status: int = 200,
        query: Sequence[Param] = (),
        consumes: str | None = None,
        max_bytes: int | None = None,
        produces: str = JSON_TYPE,
        streamed: bool = False,
        role: str | None = None,
    ) -> Callable[[Handler], Handler]:
        if role not in (None, "admin", "moderator"):
            raise ValueError(f"role {role!r}: admin or moderator")

        def register(handler: Handler) -> Handler:
            self.endpoints.append(
                Endpoint(
                    method,
                    path,
                    handler,
                    summary,
                    body,
                    returns,
                    auth,
                    status,
                    tuple(query),
                    consumes,
                    max_bytes,
                    produces,
                    streamed,
                    role,
                )
            )
            return handler

        return register

    def routes(self) -> list[Route]:
        by_path: dict[str, list[Endpoint]] = {}
        for ep in self.endpoints:
            by_path.setdefault(ep.path, []).append(ep)
        return [
            Route(path, self._dispatcher(eps), methods=[e.method for e in eps])
            for path, eps in by_path.items()
        ]

    def _dispatcher(self, endpoints: list[Endpoint]) -> Callable[[Request], Awaitable[Response]]:
        by_method = {e.method: e for e in endpoints}

        async def dispatch(request: Request) -> Response:
            endpoint = by_method[request.method if request.method != "HEAD" else "GET"]
            return await self._run(endpoint, request)

        return dispatch

    async def _run(self, endpoint: Endpoint, request: Request) -> Response:
        response = await self._answer(endpoint, request)
        # What the API answers is one person's, now: never kept by a browser or
        # a proxy (a shared computer's back button, a caching proxy). A file
        # says otherwise itself (kept, but asked for again: server/files.py).
        response.headers.setdefault("cache-control", "no-store")
        return response

    async def _answer(self, endpoint: Endpoint, request: Request) -> Response:
        services: Services = request.app.state.services
        try:
            principal = await authenticate(request, services)
            if endpoint.auth and principal is None:
                raise UnauthorizedError("sign in first")
            if principal is not None and principal.session is not None:
                _check_csrf(request, principal.session, services.settings.allowed_origins)
            if (
                principal is not None
                and request.method not in SAFE_METHODS
                and not services.limits.http_write(principal.user.id or 0)
            ):
                raise RateLimitedError("too many writes: slow down", retry_after=1)
            if endpoint.role is not None:
                _check_role(endpoint.role, principal)
            _refuse_nul_in_query(request)
            ctx = Ctx(request, services, principal)
            if endpoint.streamed:
                pass
            elif endpoint.consumes is not None:
                limit = endpoint.max_bytes or services.settings.max_body_bytes
                ctx.body = await read_body(request, limit, endpoint.consumes)
            elif endpoint.body is not None:
                limit = endpoint.max_bytes or services.settings.max_body_bytes
                raw = await read_json(request, limit)
                ctx.body = endpoint.body.model_validate(raw)
            result = await endpoint.handler(ctx)
        except ValidationError as exc:
            # ``type`` is pydantic's stable error code (``string_too_short``, or
            # ours: ``name_invisible``, ...): clients translate it.
            details = [
                {
                    "field": ".".join(str(p) for p in e["loc"]),
                    "message": e["msg"],
                    "type": e["type"],
                }
                for e in exc.errors(include_url=False, include_input=False)
            ]
            first = details[0] if details else {"field": "", "message": "invalid"}
            return error_response(
                422, "invalid", f"{first['field']}: {first['message']}", {"fields": details}
            )
        except RateLimitedError as exc:
            response = error_response(exc.status, exc.code, exc.message)
            if exc.retry_after is not None:
                response.headers["retry-after"] = str(exc.retry_after)
            return response
        except DomainError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.details)
        except ValueError as exc:  # a malformed path or query number
            return error_response(400, "invalid", str(exc))
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(status_code=204)
        if isinstance(result, BaseModel):
            # pydantic's own serialiser writes JSON bytes directly: several times
            # cheaper than building dicts for json.dumps on a 50-post page.
            return Response(result.model_dump_json(), endpoint.status, media_type=JSON_TYPE)
        return JSONResponse(jsonable(result), endpoint.status)

    def openapi(self) -> dict[str, Any]:
        schemas: dict[str, Any] = {}

        def ref(model: Any) -> dict[str, Any]:
            schema = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            title = schema.get("title")
            if isinstance(model, type) and issubclass(model, BaseModel) and title:
                schemas[title] = schema
                return {"$ref": f"#/components/schemas/{title}"}
            return schema

        error = {
            "description": "An error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        paths: dict[str, Any] = {}
        for ep in self.endpoints:
            op: dict[str, Any] = {
                "summary": ep.summary,
                "operationId": ep.handler.__name__,
                "responses": {"4XX": error},
            }
            params = [
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": (
                        {"type": "integer", "minimum": 1, "maximum": MAX_ID}
                        if convertor == "id"
                        else {"type": "string", "pattern": f"^{FileIdConvertor.regex}$"}
                        if convertor == "fileid"
                        else {"type": "string"}
                    ),
                }
                for name, convertor in re.findall(r"{(\w+)(?::(\w+))?}", ep.path)
            ] + [
                {
                    "name": q.name,
                    "in": "query",
                    "required": q.required,
                    "description": q.description,
                    "schema": q.schema(),
                }
                for q in ep.query
            ]
            if params:
                op["parameters"] = params
            if ep.consumes is not None:
                schema = {"type": "string", **({"format": "binary"} if ep.streamed else {})}
                op["requestBody"] = {"required": True, "content": {ep.consumes: {"schema": schema}}}
            elif ep.body is not None:
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": ref(ep.body)}},
                }
            if ep.produces != JSON_TYPE:
                op["responses"][str(ep.status)] = {
                    "description": "OK",
                    "content": {ep.produces: {"schema": {"type": "string"}}},
                }
            elif ep.returns is None:
                op["responses"]["204"] = {"description": "Done"}
            else:
                op["responses"][str(ep.status)] = {
                    "description": "OK",
                    "content": {"application/json": {"schema": ref(ep.returns)}},
                }
            if not ep.auth:
                op["security"] = []
            path = re.sub(r"{(\w+):\w+}", r"{\1}", ep.path)
            paths.setdefault(path, {})[ep.method.lower()] = op
        schemas["Error"] = {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    "required": ["code", "message"],
                }
            },
            "required": ["error"],
        }
        return {
            "openapi": "3.1.0",
            "info": {"title": "Kaisha API", "version": "1"},
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {
                    "cookie": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
                    "bearer": {"type": "http", "scheme": "bearer"},
                },
            },
            "security": [{"cookie": []}, {"bearer": []}],
        }


def _check_role(role: str, principal: Principal | None) -> None:
    if principal is None:
        raise UnauthorizedError("sign in first")
    user = principal.user
    if not (user.is_admin if role == "admin" else user.can_moderate):
        raise ForbiddenError("admins only" if role == "admin" else "moderators and admins only")


def _refuse_nul_in_query(request: Request) -> None:
    """PostgreSQL cannot take NUL in text (a search with one was a 500 there): a
    query refuses it as bodies and frames do (core/schema.py: refuse_nul)."""
    for name, value in request.query_params.multi_items():
        if "\x00" in value:
            raise HttpError(400, "invalid", f"{name}: NUL characters are not allowed")


def _check_csrf(request: Request, session: AuthSession, allowed: Sequence[str]) -> None:
    if request.method in SAFE_METHODS:
        return
    if request.headers.get(CSRF_HEADER) != session.csrf_token:
        raise ForbiddenError("missing or wrong CSRF token (send the X-CSRF-Token header)")
    if not origin_allowed(request, allowed):
        raise ForbiddenError("cross-origin request refused")


api = Api()
