"""Full-text search over posts and comments: the index (a row of tokens per
live post or comment, from core/fulltext.py) and the search, with the read
rule inside its query.

**The index** is one table, ``post_search``, written in the same transaction
as the post it describes, by the actions in channels/actions/posts.py
(``index_posts`` after a post, comment or edit, ``drop_posts`` on a delete,
with the comments that go with a post). A post without text has no row; a
deleted one loses its row, and its comments theirs, in the delete's unit.

- SQLite: an FTS5 table whose ``rowid`` is the post's id, holding the tokens
  as one string separated by spaces; the ``unicode61`` tokenizer (letters,
  digits and marks are token characters, diacritics kept) splits it back
  into exactly those tokens, and a prefix index of their first characters
  serves one-character queries. Terms are FTS5 phrases: ``"sns の活 活用"``,
  ``"会"*``.
- PostgreSQL: ``post_id`` and a ``tsvector`` written as tsvector input
  (``'会議':1 '議':2``), with a GIN index. No text search parser or
  configuration touches it, so the database's locale does not matter; terms
  are ``tsquery`` phrases (``'sns' <-> 'の活' <-> '活用'``, ``'会':*``).

**The search** is one statement: matching rows, joined to their posts, kept
when the post is live (and a comment's post too), its channel is one the
person may read (``readable_by``, the rule channel lists use) and the filters
hold. So a page is full whatever the person may not see, and nothing counts
what they may not. ``newest`` walks the matches from the newest post down
(pages by ``before``, a post id, as history does); ``best`` ranks the
``BEST_WINDOW`` newest matches by relevance (BM25 on SQLite, ``ts_rank``
normalised by length on PostgreSQL) and pages through them by ``offset``: a
rank over every match of a common word would read all of them, for every
page. Then the page's posts are read as history reads them
(``reads.posts_by_id``), with their channels, and a snippet of each with the
matches marked: three queries whatever the page size.

On PostgreSQL the search sets, for its own transaction, custom plans for
each query (the best plan for a rare word and for a common one differ, and a
cached generic plan fits neither) and a time limit (``SEARCH_TIMEOUT``:
``search_timeout``, 503); with a phrase, GIN is asked for its rarest token
and the phrase checked after (``_matching``; docs/architecture.md, "Search").
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from pydantic import BaseModel
from sqlalchemy import Integer, Select, Text, bindparam, cast, column, func, literal_column, not_
from sqlalchemy import select as sa_select
from sqlalchemy import table as sa_table
from sqlalchemy import text as sa_text
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, TSVECTOR
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import and_, or_

from channels import reads
from channels.access import post_before_joining, readable_by
from channels.models import Channel, Post, PostPublic
from core.errors import DomainError, InvalidError
from core.fulltext import Query, index_tokens, parse_query, snippet, tsvector
from core.tables import table_of
from org.models import User
from streams.unit import Unit

PAGE: Final = 20  # results a page, unless asked for fewer or more
MAX_PAGE: Final = 50
BEST_WINDOW: Final = 200  # the newest matches ``best`` ranks (10 pages of 20)
SEARCH_TIMEOUT: Final = 5.0  # seconds a search may take (PostgreSQL)

_POST, _CHANNEL = table_of(Post), table_of(Channel)
_PARENT = _POST.alias("parent")
# The index, as each database has it (made by migration 0009).
_FTS = sa_table("post_search", column("rowid", Integer), column("tokens", Text))
_GIN = sa_table("post_search", column("post_id", Integer), column("tokens", TSVECTOR))

_DROP_SQLITE = sa_text("DELETE FROM post_search WHERE rowid IN :ids").bindparams(
    bindparam("ids", expanding=True)
)
_DROP_POSTGRES = sa_text("DELETE FROM post_search WHERE post_id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)
_UPSERT_SQLITE = sa_text("INSERT OR REPLACE INTO post_search (rowid, tokens) VALUES (:id, :tokens)")
_UPSERT_POSTGRES = sa_text(
    "INSERT INTO post_search (post_id, tokens) VALUES (:id, CAST(:tokens AS tsvector))"
    " ON CONFLICT (post_id) DO UPDATE SET tokens = EXCLUDED.tokens"
)


class SearchTimeoutError(DomainError):
    code = "search_timeout"
    status = 503


class Order(enum.StrEnum):
    newest = "newest"
    best = "best"


class Within(enum.StrEnum):
    posts = "posts"  # top-level posts only
    comments = "comments"  # comments only


# ---- the answer ---------------------------------------------------------------------


class Segment(BaseModel):
    """A part of a snippet: text to show as text, marked when it matched."""

    text: str
    hit: bool = False


class ChannelRef(BaseModel):
    id: int
    name: str
    kind: str


class SearchHit(BaseModel):
    """A post or comment found: as history shows it (a comment's thread is its
    ``parent_id``), its channel, and a snippet with the matches marked."""

    post: PostPublic
    channel: ChannelRef
    snippet: list[Segment]


class SearchPage(BaseModel):
    terms: list[str]  # what was searched for, as normalised; empty: nothing to search for
    results: list[SearchHit]
    # The next page: ``?before=`` (newest first) or ``?offset=`` (best first); None at the end.
    before: int | None = None
    offset: int | None = None


# ---- what is asked ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Search:
    query: Query
    channel: int | None = None
    author: int | None = None
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    within: Within | None = None
    order: Order = Order.newest
    before: int | None = None  # newest: posts older than this one
    offset: int = 0  # best: results to skip
    limit: int = PAGE


def ask(
    q: str,
    *,
    channel: int | None = None,
    author: int | None = None,
    since: str | None = None,
    until: str | None = None,
    within: str | None = None,
    order: str | None = None,
    before: int | None = None,
    offset: int | None = None,
    limit: int | None = None,
) -> Search:
    """A search from what a client sent (HTTP query parameters or a ``search``
    frame, named alike); raises InvalidError naming what is wrong."""
    if within is not None and within not in Within.__members__:
        raise InvalidError("in: posts or comments")
    if order is not None and order not in Order.__members__:
        raise InvalidError("order: newest or best")
    if limit is not None and not 1 <= limit <= MAX_PAGE:
        raise InvalidError(f"limit: 1 to {MAX_PAGE}")
    if offset is not None and not 0 <= offset <= BEST_WINDOW:
        raise InvalidError(f"offset: 0 to {BEST_WINDOW}")
    return Search(
        query=parse_query(q),
        channel=channel,
        author=author,
        since=parse_when(since, "since") if since else None,
        until=parse_when(until, "until", end=True) if until else None,
        within=Within(within) if within else None,
        order=Order(order) if order else Order.newest,
        before=before,
        offset=offset or 0,
        limit=limit or PAGE,
    )


def parse_when(value: str, name: str, *, end: bool = False) -> datetime:
    """A date (``2026-04-01``: its start, or with ``end`` its end, in UTC) or a
    date and time (``2026-04-01T09:00:00+09:00``; UTC when it has no offset)."""
    problem = f"{name}: expected a date (2026-04-01) or a date and time (2026-04-01T09:00:00+09:00)"
    if len(value) > 40:
        raise InvalidError(problem)
    try:
        if len(value) == 10:
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
            return day + timedelta(days=1) if end else day
        at = datetime.fromisoformat(value)
        return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidError(problem) from None


# ---- the index ----------------------------------------------------------------------


def _dialect(conn: AsyncConnection) -> str:
    return conn.dialect.name


async def index_posts(unit: Unit, posts: Sequence[Post]) -> None:
    """(Re)index posts or comments just written or edited, in the unit's
    transaction; one without text has no row."""
    conn = await unit.db.connection()
    await write_index(conn, [(p.id, p.body) for p in posts if p.id is not None])


async def drop_posts(unit: Unit, post_ids: Sequence[int]) -> None:
    """Take deleted posts and comments out of the index, in the unit's transaction."""
    if not post_ids:
        return
    conn = await unit.db.connection()
    drop = _DROP_SQLITE if _dialect(conn) == "sqlite" else _DROP_POSTGRES
    await conn.execute(drop, {"ids": list(post_ids)})


async def write_index(conn: AsyncConnection, bodies: Sequence[tuple[int, str]]) -> None:
    """Index ``(post id, body)`` pairs, replacing what was there."""
    for stmt, params in index_statements(_dialect(conn), bodies):
        await conn.execute(stmt, params)


def index_statements(dialect: str, bodies: Sequence[tuple[int, str]]) -> list[tuple[Any, Any]]:
    """The statements (with their parameters) that index ``(post id, body)``
    pairs on ``dialect`` (``sqlite`` or ``postgresql``), replacing what was
    there: a body without text takes its post's row away."""
    sqlite = dialect == "sqlite"
    rows = []
    empty = []
    for post_id, body in bodies:
        found = index_tokens(body)
        if not found:
            empty.append(post_id)
        else:
            rows.append({"id": post_id, "tokens": " ".join(found) if sqlite else tsvector(found)})
    statements: list[tuple[Any, Any]] = []
    if empty:
        statements.append((_DROP_SQLITE if sqlite else _DROP_POSTGRES, {"ids": empty}))
    if rows:
        statements.append((_UPSERT_SQLITE if sqlite else _UPSERT_POSTGRES, rows))
    return statements


# ---- searching ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a search's statement depends on (its values are bound): one
    statement is built per shape, the first time it is asked for."""

    sqlite: bool
    phrased: bool  # PostgreSQL: GIN is asked for one token a term, phrases checked after
    order: Order
    within: Within | None
    channel: bool
    author: bool
    since: bool
    until: bool
    before: bool


def _shape(sqlite: bool, ask: Search) -> _Shape:
    return _Shape(
        sqlite=sqlite,
        phrased=not sqlite and ask.query.phrased,
        order=ask.order,
        within=ask.within,
        channel=ask.channel is not None,
        author=ask.author is not None,
        since=ask.since is not None,
        until=ask.until is not None,
        before=ask.before is not None and ask.order is Order.newest,
    )


def values(
    user: User, ask: Search, *, sqlite: bool, frequency: Mapping[str, float] | None = None
) -> dict[str, Any]:
    """The values a search's statement binds; ``frequency``: PostgreSQL's
    statistics of the query's tokens (how many rows have each), for a phrase."""
    bound: dict[str, Any] = {
        "match": ask.query.fts5() if sqlite else ask.query.tsquery(),
        "user_id": user.id,
        "limit": ask.limit + 1,
    }
    if not sqlite and ask.query.phrased:
        bound["one_a_term"] = ask.query.tsquery_of_one_token_a_term(frequency or {})
    for name in ("channel", "author", "since", "until", "before"):
        value = getattr(ask, name)
        if value is not None:
            bound[name] = value
    if ask.order is Order.best:
        bound["offset"] = ask.offset
    return bound


@functools.cache
def _matching(shape: _Shape) -> tuple[Select[Any], Any]:
    """Ids of the posts that match and that the person may read, newest first
    (unlimited), and the score column (lower is better)."""
    if shape.sqlite:
        index_id = _FTS.c.rowid
        source = _FTS
        match: Any = sa_text("post_search MATCH :match")
        score: Any = func.bm25(literal_column("post_search"))
    else:
        index_id = _GIN.c.post_id
        source = _GIN
        tsquery = cast(bindparam("match", type_=Text), TSQUERY)
        match = _GIN.c.tokens.op("@@")(tsquery)
        if shape.phrased:
            # GIN finds the rows with one token of each term; the phrases are
            # checked on those, by a function the planner does not estimate, so
            # that its estimate is that token's frequency, not the product of
            # the phrase's tokens' (core/fulltext.py: tsquery_of_one_token_a_term).
            one_a_term = cast(bindparam("one_a_term", type_=Text), TSQUERY)
            match = and_(
                _GIN.c.tokens.op("@@")(one_a_term), func.ts_match_vq(_GIN.c.tokens, tsquery)
            )
        score = -func.ts_rank(_GIN.c.tokens, tsquery, 1)
    readable = sa_select(_CHANNEL.c.id).where(readable_by(bindparam("user_id")))
    where: list[Any] = [
        match,
        _POST.c.deleted_at.is_(None),
        _POST.c.hidden_at.is_(None),
        or_(
            _POST.c.parent_id.is_(None),
            and_(_PARENT.c.deleted_at.is_(None), _PARENT.c.hidden_at.is_(None)),
        ),
        _POST.c.channel_id.in_(readable),
        not_(post_before_joining(bindparam("user_id"), _POST)),
    ]
    if shape.channel:
        where.append(_POST.c.channel_id == bindparam("channel", type_=Integer))
    if shape.author:
        # An anonymous post is nobody's: searching by its asker finds nothing
        # (channels/questions.py).
        where.append(_POST.c.author_id == bindparam("author", type_=Integer))
        where.append(_POST.c.anonymous.is_(False))
    when = _POST.c.created_at.type
    if shape.since:
        where.append(_POST.c.created_at >= bindparam("since", type_=when))
    if shape.until:
        where.append(_POST.c.created_at < bindparam("until", type_=when))
    if shape.within is Within.posts:
        where.append(_POST.c.parent_id.is_(None))
    elif shape.within is Within.comments:
        where.append(_POST.c.parent_id.is_not(None))
    if shape.before:
        where.append(index_id < bindparam("before", type_=Integer))
    stmt = (
        sa_select(index_id.label("id"))
        .select_from(
            source.join(_POST, _POST.c.id == index_id).outerjoin(
                _PARENT, _PARENT.c.id == _POST.c.parent_id
            )
        )
        .where(*where)
        .order_by(index_id.desc())
    )
    return stmt, score


def matching(sqlite: bool, ask: Search) -> Select[Any]:
    """The ids of every post that matches ``ask`` and that the person may read,
    newest first: the statement (its values from ``values``)."""
    return _matching(_shape(sqlite, ask))[0]


@functools.cache
def _page(shape: _Shape) -> Select[Any]:
    """The ids of a page, and one more when there is a next page."""
    stmt, score = _matching(shape)
    if shape.order is Order.newest:
        return stmt.limit(bindparam("limit", type_=Integer))
    window = stmt.add_columns(score.label("score")).limit(BEST_WINDOW).subquery()
    return (
        sa_select(window.c.id)
        .order_by(window.c.score, window.c.id.desc())
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


# PostgreSQL: for this transaction, a plan for each search's values (a plan
# cached for all of them cannot fit a rare word and a common one alike), no
# parallel workers (starting them cost a page 30 ms, more than the scans they
# share) and a time limit; with a phrase, how common its tokens are (the
# planner's own statistics: a token it does not list is rarer than any it does).
_SETTINGS_SQL = (
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
    " set_config('max_parallel_workers_per_gather', '0', true),"
    " set_config('statement_timeout', :ms, true)"
)
_SETTINGS = sa_text(_SETTINGS_SQL)
_SETTINGS_AND_STATISTICS = sa_text(
    _SETTINGS_SQL + ", array_agg(u.elem), array_agg(u.freq) FROM pg_stats s,"
    " unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(elem, freq)"
    " WHERE s.schemaname = current_schema() AND s.tablename = 'post_search'"
    " AND s.attname = 'tokens' AND u.elem = ANY(:tokens)"
).bindparams(bindparam("tokens", type_=ARRAY(Text)))

_CHANNELS = sa_select(_CHANNEL.c.id, _CHANNEL.c.name, _CHANNEL.c.kind).where(
    _CHANNEL.c.id.in_(bindparam("ids", expanding=True))
)


async def search(conn: AsyncConnection, user: User, ask: Search) -> SearchPage:
    """A page of what ``user`` may read that matches ``ask``."""
    terms = [t.text for t in ask.query.terms]
    if not ask.query or (ask.order is Order.best and ask.offset >= BEST_WINDOW):
        return SearchPage(terms=terms, results=[])
    sqlite = _dialect(conn) == "sqlite"
    try:
        frequency: dict[str, float] = {}
        if not sqlite:
            phrased = ask.query.phrased
            row = (
                await conn.execute(
                    _SETTINGS_AND_STATISTICS if phrased else _SETTINGS,
                    {
                        "ms": str(int(SEARCH_TIMEOUT * 1000)),
                        "tokens": sorted({t for term in ask.query.terms for t in term.tokens}),
                    }
                    if phrased
                    else {"ms": str(int(SEARCH_TIMEOUT * 1000))},
                )
            ).one()
            if phrased and row[-2] is not None:
                frequency = dict(zip(row[-2], row[-1], strict=True))
        bound = values(user, ask, sqlite=sqlite, frequency=frequency)
        ids = [r[0] for r in await conn.execute(_page(_shape(sqlite, ask)), bound)]
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "57014":  # query_canceled
            raise SearchTimeoutError("the search took too long: narrow it down") from None
        raise
    more = len(ids) > ask.limit
    ids = ids[: ask.limit]
    posts = await reads.posts_by_id(conn, user, ids)
    channel_ids = {p["channel_id"] for p in posts.values()}
    channels = {}
    if channel_ids:
        rows = await conn.execute(_CHANNELS, {"ids": sorted(channel_ids)})
        channels = {r.id: {"id": r.id, "name": r.name, "kind": r.kind} for r in rows}
    results = []
    for post_id in ids:
        post = posts.get(post_id)
        if post is None:  # deleted between the two reads
            continue
        marked = snippet(post["body"], ask.query)
        results.append(
            {
                "post": post,
                "channel": channels[post["channel_id"]],
                "snippet": [{"text": t, "hit": hit} for t, hit in marked],
            }
        )
    page: dict[str, Any] = {"terms": terms, "results": results}
    if more and ids:
        if ask.order is Order.newest:
            page["before"] = ids[-1]
        else:
            page["offset"] = ask.offset + ask.limit
    return SearchPage.model_validate(page)
