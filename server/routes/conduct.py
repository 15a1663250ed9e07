"""Terms of use and the word check over HTTP: reading and accepting the terms,
the admins' versions and who accepted them, the admins' word list, and the
check a composer asks before sending (the same matcher the writes apply)."""

from __future__ import annotations

from pydantic import BaseModel

from channels.render import render
from org import terms, terms_starting
from org.terms import (
    Acceptances,
    TermsAccept,
    TermsOverview,
    TermsPublic,
    TermsPublish,
    TermsState,
)
from server.api import Ctx, Param, api
from words import lists, starting
from words.lists import WordCheckAnswer, WordCheckAsk, WordEntry, WordListPublic, WordListUpdate
from words.match import Entry, worst


class StartingTerms(BaseModel):
    ja: str
    en: str


class StartingWords(BaseModel):
    ja: list[WordEntry]
    en: list[WordEntry]


@api.route(
    "GET",
    "/api/terms",
    summary="The terms of use in force (version 0: none published); no sign-in needed",
    returns=TermsPublic,
    auth=False,
)
async def get_terms(ctx: Ctx) -> TermsPublic:
    async with ctx.services.db.reader() as db:
        return await terms.current(db)


@api.route(
    "POST",
    "/api/terms/accept",
    summary="Accept the terms of use in force (name the version read)",
    body=TermsAccept,
    returns=TermsState,
)
async def accept_terms(ctx: Ctx) -> TermsState:
    user, version = ctx.user, ctx.body.version
    return await ctx.services.write(lambda unit: terms.accept(unit, user, version), user)


@api.route(
    "GET",
    "/api/terms/versions",
    summary="Published versions with how many accepted each (admins)",
    returns=TermsOverview,
    role="admin",
)
async def terms_versions(ctx: Ctx) -> TermsOverview:
    async with ctx.services.db.reader() as db:
        return await terms.overview(db, ctx.user)


@api.route(
    "POST",
    "/api/terms/versions",
    summary="Publish a new version of the terms: everyone accepts it again (admins)",
    body=TermsPublish,
    returns=TermsPublic,
    status=201,
    role="admin",
)
async def publish_terms(ctx: Ctx) -> TermsPublic:
    user, body = ctx.user, ctx.body.body
    html = render(body)
    return await ctx.services.write(lambda unit: terms.publish(unit, user, body, html), user)


@api.route(
    "GET",
    "/api/terms/acceptances",
    summary="Who accepted a version and when, and who has not (admins)",
    returns=Acceptances,
    query=[Param("version", "the version (the one in force when absent)", type="integer")],
    role="admin",
)
async def terms_acceptances(ctx: Ctx) -> Acceptances:
    version = ctx.query_int("version")
    async with ctx.services.db.reader() as db:
        return await terms.acceptances(db, ctx.user, version)


@api.route(
    "GET",
    "/api/terms/starting",
    summary="Ready-made terms in Japanese and English to start from (admins)",
    returns=StartingTerms,
    role="admin",
)
async def starting_terms(ctx: Ctx) -> StartingTerms:
    return StartingTerms(ja=terms_starting.JAPANESE, en=terms_starting.ENGLISH)


@api.route(
    "GET", "/api/words", summary="The word list (admins)", returns=WordListPublic, role="admin"
)
async def get_words(ctx: Ctx) -> WordListPublic:
    async with ctx.services.db.reader() as db:
        return await lists.load(db)


@api.route(
    "PUT",
    "/api/words",
    summary="Replace the word list: at most 5,000 entries of at most 50 characters (admins)",
    body=WordListUpdate,
    returns=WordListPublic,
    max_bytes=lists.MAX_BYTES,
    role="admin",
)
async def put_words(ctx: Ctx) -> WordListPublic:
    user, entries = ctx.user, ctx.body.entries
    assert user.id is not None
    user_id = user.id
    return await ctx.services.write(
        lambda unit: lists.set_words(unit, user_id, user.is_admin, entries), user
    )


@api.route(
    "GET",
    "/api/words/starting",
    summary="The starting word lists, Japanese and English (admins)",
    returns=StartingWords,
    role="admin",
)
async def starting_words(ctx: Ctx) -> StartingWords:

    def public(entries: list[Entry]) -> list[WordEntry]:
        return [WordEntry(word=e.word, level=e.level) for e in entries]

    return StartingWords(ja=public(starting.JAPANESE), en=public(starting.ENGLISH))


@api.route(
    "POST",
    "/api/wordcheck",
    summary="Check a text against the word list before sending it (what writes apply)",
    body=WordCheckAsk,
    returns=WordCheckAnswer,
)
async def wordcheck(ctx: Ctx) -> WordCheckAnswer:
    async with ctx.services.db.reader() as db:
        found = (await lists.matcher_now(db)).find(ctx.body.text)
    return WordCheckAnswer(
        level=worst(found),
        matches=[lists.MatchPublic(start=m.start, end=m.end, level=m.level) for m in found],
    )
