"""Posts, comments, edits, deletes and likes.

Mentions (channels/mentions.py) are rendered as chips for the ids that are
someone's, looked up in the write's own transaction; ``@channel`` by someone
the channel does not allow it is refused (403 ``channel_mention_forbidden``)
and writes nothing. Whom a write notifies is notify/'s duty (streams/unit.py),
from the events these actions append."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels import attachments, mentions, polls, questions, search
from channels.access import ChannelAccess, access_channel, access_post, require_author_or_moderator
from channels.actions.common import (
    bump,
    current_people,
    current_person,
    current_writer,
    current_writers,
    recall,
    receipt,
    require_unmuted,
    write,
)
from channels.attachments import Attachment, UnusableFileError
from channels.facts import (
    CHANNEL,
    TEXT_KINDS,
    CommentCreated,
    CommentDeleted,
    CommentEdited,
    LikeAdded,
    LikeRemoved,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostHidden,
    PostUnhidden,
    QuestionUpdated,
)
from channels.mentions import ChannelMentionForbiddenError
from channels.models import (
    Channel,
    EditorRef,
    Like,
    PersonRef,
    PollCreate,
    PollData,
    Post,
    PostData,
    QuestionInfo,
    QuestionState,
    Receipt,
)
from channels.reads import post_public
from channels.render import render
from core.clock import utcnow
from core.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidError,
    UnauthorizedError,
)
from org import terms
from org.models import User
from streams import log
from streams.catalogue import Fact
from streams.unit import Unit
from words import lists
from words.match import Match


@dataclass(frozen=True, slots=True)
class NewPost:
    """A post asked for: by whom, in which channel, its text and its client id."""

    actor: User
    channel_id: int
    body: str
    client_id: str | None = None
    files: Sequence[str] = ()  # ids of the author's uploads, in the order shown
    # The author saw the word check's warning and sends it anyway (words/lists.py).
    acknowledged: bool = False
    # Ask it as a question (a direct conversation; every post of a Q&A channel
    # is one), anonymously (a newcomer, in a Q&A channel): channels/questions.py.
    question: bool = False
    anonymous: bool = False
    # A poll whose question is the body (channels/polls.py).
    poll: PollCreate | None = None


def _rendered(body: str, named: frozenset[int], access: ChannelAccess, before: str | None) -> str:
    """``body`` as HTML with its mentions of ``named`` people, if the writer may
    say what it says: ``@channel`` (not already in ``before``, an edit's old
    text) only where the channel allows them."""
    html = render(body, mentions.known(body, named))
    if mentions.adds_everyone(html, before) and not access.may_mention_channel():
        raise ChannelMentionForbiddenError(
            "@channel notifies everyone in the channel: its admins, moderators"
            " and its creator may use it"
        )
    return html


def _shared(
    post: Post,
    author: PersonRef,
    editor: EditorRef | None = None,
    question: QuestionInfo | None = None,
    poll: PollData | None = None,
) -> PostData:
    """A post as every reader sees it (``liked_by_me``, ``mine`` and a poll's
    ``mine`` are per reader; an anonymous post names nobody)."""
    public = post_public(post, author, editor=editor, question=question, poll=poll)
    return PostData.model_validate(
        public.model_dump(
            exclude={
                "liked_by_me": True,
                "mine": True,
                "anonymous_author": True,
                "hidden": True,
                "poll": {"mine"},
            }
        )
    )


def _mine(answer: Receipt, post: Post) -> Receipt:
    """The writer's own answer says an anonymous post is theirs."""
    if post.anonymous and answer.post is not None:
        answer.post.mine = True
    return answer


def _no_files_when_anonymous(anonymous: bool, files: Sequence[str] | list[object]) -> None:
    if anonymous and files:
        raise InvalidError("files: an anonymous post carries none (a file names its uploader)")


def _with_content(
    body: str, html: str, files: list[dict[str, Any]], drop_poll: bool
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(data: dict[str, Any]) -> dict[str, Any]:
        post = {**data["post"], "body": body, "html": html, "files": files}
        if drop_poll and post.get("poll") is not None:
            post["poll"] = None
        return {**data, "post": post}

    return change


async def _rewrite_content(
    unit: Unit,
    channel_id: int,
    post_ids: list[int],
    body: str,
    html: str,
    files: list[dict[str, Any]],
    *,
    drop_poll: bool = False,
) -> None:
    """Every earlier event that carried these posts' text and files carries
    these now: no replay shows what an edit replaced or a delete took away
    (``drop_poll``: nor the poll of a post deleted or hidden, its options and
    voters; a post brought back carries its poll in ``post.unhidden``)."""
    rewrite = _with_content(body, html, files, drop_poll)
    await log.rewrite(unit.db, CHANNEL, channel_id, post_ids, TEXT_KINDS, rewrite)
    if drop_poll:
        await log.rewrite(
            unit.db, CHANNEL, channel_id, post_ids, polls.POLL_KINDS, lambda d: {**d, "poll": None}
        )


async def do_create_post(
    db: AsyncSession,
    bus: Bus,
    actor: User,
    channel_id: int,
    body: str,
    client_id: str | None,
    files: Sequence[str] = (),
    acknowledged: bool = False,
) -> Receipt:
    new = NewPost(actor, channel_id, body, client_id, files, acknowledged)
    (result,) = await do_create_posts(db, bus, [new])
    if isinstance(result, DomainError):
        raise result
    return result


async def do_create_posts(
    db: AsyncSession, bus: Bus, batch: Sequence[NewPost]
) -> list[Receipt | DomainError]:
    """Posts asked for at about the same time, by one person or several, written in
    one unit of work: a burst then costs one commit, one seq update per channel and
    one insert per table, not one of each per post. Answers in the batch's order.

    Each post is authorised on its own, against its author as they are now (an
    open socket may hold an older copy: deactivated, renamed, moved); a refused
    one answers its error and does not hold up the rest. A retried post (its
    client id already written) fails the batch on the unique constraint: the
    posts are then written one at a time, and the retried one answers as its
    first copy did; so are they when another write took a file one of them
    names meanwhile.
    """
    unit = Unit(db, bus)
    try:
        results = await _insert_posts(unit, batch)
        await unit.commit()
    except UnusableFileError as exc:
        await unit.rollback()
        if len(batch) > 1:
            return [r for item in batch for r in await do_create_posts(db, bus, [item])]
        return [await recall(db, batch[0].actor, batch[0].client_id) or exc]
    except IntegrityError:
        await unit.rollback()
        if len(batch) > 1:
            return [r for item in batch for r in await do_create_posts(db, bus, [item])]
        item = batch[0]
        earlier = await recall(db, item.actor, item.client_id)
        return [earlier or ConflictError("this conflicts with existing data")]
    for i, result in enumerate(results):
        # Refused, but perhaps a retry whose first copy went through before the
        # author left the channel: answer as that copy did.
        if isinstance(result, DomainError):
            results[i] = await recall(db, batch[i].actor, batch[i].client_id) or result
    return results


async def _insert_posts(unit: Unit, batch: Sequence[NewPost]) -> list[Receipt | DomainError]:
    db = unit.db
    people, rules = await current_writers(db, {item.actor.id for item in batch if item.actor.id})
    words = await lists.matcher(db, rules.words)
    warned: dict[int, list[Match]] = {}
    named = await mentions.people_named(db, [item.body for item in batch])
    results: list[Receipt | DomainError | None] = []
    accesses: dict[tuple[int | None, int], ChannelAccess | DomainError] = {}
    accepted: list[tuple[int, NewPost, Post, PersonRef]] = []
    uploads: dict[int, list[Attachment]] = {}
    asked: dict[int, Channel] = {}  # the batch's questions, and their channels
    for i, item in enumerate(batch):
        found = people.get(item.actor.id or 0)
        if found is None:
            results.append(UnauthorizedError("this account is deactivated"))
            continue
        actor, author = found
        try:
            require_unmuted(actor)
        except DomainError as exc:
            results.append(exc)
            continue
        access = accesses.get((actor.id, item.channel_id))
        if access is None:
            try:
                access = await access_channel(db, actor, item.channel_id)
                access.require_post()
            except DomainError as exc:
                access = exc
            accesses[(actor.id, item.channel_id)] = access
        if isinstance(access, DomainError):
            results.append(access)
            continue
        assert actor.id is not None
        try:
            terms.require_accepted(actor, rules.terms)
            warned[i] = lists.check(words, [("body", item.body)], acknowledged=item.acknowledged)
            asks = questions.check_new(
                access.channel, actor, question=item.question, anonymous=item.anonymous
            )
            _no_files_when_anonymous(item.anonymous, list(item.files))
            if item.poll is not None and not item.body:
                raise InvalidError("poll: its question is the post's body: write it")
            html = _rendered(item.body, named, access, None)
            uploads[i] = await attachments.usable(db, actor.id, item.files)
        except DomainError as exc:
            results.append(exc)
            continue
        post = Post(
            channel_id=item.channel_id,
            author_id=actor.id,
            body=item.body,
            html=html,
            anonymous=item.anonymous,
        )
        if asks:
            asked[i] = access.channel
        accepted.append((i, item, post, author))
        results.append(None)  # answered once written, below
    infos: dict[int, QuestionInfo | None] = {}
    made: dict[int, PollData] = {}
    if accepted:
        db.add_all([post for _, _, post, _ in accepted])
        await db.flush()
        for i, _, post, _ in accepted:
            if uploads[i]:
                post.files = await attachments.attach(db, uploads[i], post)
            assert post.id is not None
            await lists.record_override(
                unit, post.author_id, "post", warned[i], channel_id=post.channel_id, post_id=post.id
            )
            if i in asked:
                row = questions.new_question(post, asked[i], anonymous=post.anonymous)
                db.add(row)
                infos[i] = questions.info_of(row)
        for i, item, post, _ in accepted:
            if item.poll is not None:
                poll, options = polls.new_poll(post, item.poll)
                db.add(poll)
                await db.flush()  # the poll before its options (PostgreSQL's foreign key)
                db.add_all(options)
                await db.flush()
                made[i] = polls.fresh(poll, options)
        await search.index_posts(unit, [post for _, _, post, _ in accepted])
    by_channel: dict[int, list[tuple[int, NewPost, Post, PersonRef]]] = {}
    for entry in accepted:
        by_channel.setdefault(entry[2].channel_id, []).append(entry)
    # Head rows are locked (by the append's UPDATE) in channel id order, so two
    # nodes' batches over the same channels cannot deadlock on PostgreSQL.
    for channel_id, entries in sorted(by_channel.items()):
        facts: list[tuple[Fact, int | None, str | None]] = [
            (
                PostCreated(post=_shared(post, author, question=infos.get(i), poll=made.get(i))),
                item.actor.id,
                item.client_id,
            )
            for i, item, post, author in entries
        ]
        events = await unit.append_many(CHANNEL, channel_id, facts)
        for (i, _, post, _), event in zip(entries, events, strict=True):
            results[i] = _mine(receipt(event), post)
    answers = [r for r in results if r is not None]
    assert len(answers) == len(batch)  # every accepted post was written
    return answers


async def do_create_comment(
    db: AsyncSession,
    bus: Bus,
    actor: User,
    post_id: int,
    body: str,
    client_id: str | None,
    files: Sequence[str] = (),
    acknowledged: bool = False,
) -> Receipt:
    async def apply(unit: Unit) -> Receipt:
        me, author, rules = await current_writer(unit.db, actor)
        parent, access = await access_post(unit.db, me, post_id)
        access.require_comment()
        require_unmuted(me)
        assert me.id is not None and parent.id is not None
        words = await lists.matcher(unit.db, rules.words)
        warned = lists.check(words, [("body", body)], acknowledged=acknowledged)
        # One level of thread: answering a comment answers its post.
        root_id = parent.parent_id or parent.id
        question = await questions.of_post(unit.db, root_id, for_update=True)
        # The asker's comments under their anonymous question are anonymous too.
        anonymous = question is not None and question.anonymous and question.asker_id == me.id
        _no_files_when_anonymous(anonymous, list(files))
        html = _rendered(body, await mentions.people_named(unit.db, [body]), access, None)
        uploads = await attachments.usable(unit.db, me.id, files)
        comment = Post(
            channel_id=parent.channel_id,
            author_id=me.id,
            parent_id=root_id,
            body=body,
            html=html,
            anonymous=anonymous,
        )
        unit.db.add(comment)
        count = await bump(unit.db, root_id, "comment_count", +1)
        await unit.db.flush()
        if uploads:
            comment.files = await attachments.attach(unit.db, uploads, comment)
        assert comment.id is not None
        await lists.record_override(
            unit, me.id, "comment", warned, channel_id=comment.channel_id, post_id=comment.id
        )
        await search.index_posts(unit, [comment])
        fact = CommentCreated(post=_shared(comment, author), comment_count=count)
        answer = _mine(receipt(await unit.append(CHANNEL, parent.channel_id, fact)), comment)
        if question is not None and question.asker_id != me.id:
            # Someone else answered: the asker is no longer waiting.
            if question.first_answer_at is None:
                question.first_answer_at = comment.created_at
            if question.state == QuestionState.unanswered.value:
                question.state = QuestionState.answered.value
                unit.db.add(question)
                info = questions.info_of(question)
                assert info is not None
                await unit.append(
                    CHANNEL, parent.channel_id, QuestionUpdated(post_id=root_id, question=info)
                )
            unit.db.add(question)
        return answer

    return await write(db, bus, actor, client_id, apply)


async def do_edit_post(
    db: AsyncSession,
    bus: Bus,
    actor: User,
    post_id: int,
    body: str | None,
    client_id: str | None,
    files: Sequence[str] | None = None,
    acknowledged: bool = False,
) -> Receipt:
    """Change a post's text (``body``) or its files (``files``: the new set),
    or both; ``None`` leaves that part as it is. Files it no longer names are
    deleted with this edit."""

    async def apply(unit: Unit) -> Receipt:
        me, _, rules = await current_writer(unit.db, actor)
        post, access = await access_post(unit.db, me, post_id)
        require_author_or_moderator(me, post)
        require_unmuted(me)
        if post.hidden_at is not None:
            raise ConflictError("a moderator hid this: it cannot be edited (appeal instead)")
        assert me.id is not None and post.id is not None
        if body is not None:
            words = await lists.matcher(unit.db, rules.words)
            warned = lists.check(words, [("body", body)], acknowledged=acknowledged)
            await lists.record_override(
                unit, me.id, "edit", warned, channel_id=post.channel_id, post_id=post.id
            )
        if files is not None:
            _no_files_when_anonymous(post.anonymous, list(files))
            # Kept files stay whoever uploaded them; new ones are the editor's own.
            uploads = await attachments.usable(unit.db, me.id, files, post_id=post.id)
            await attachments.release(unit.db, [post.id], keep=files)
            post.files = await attachments.attach(unit.db, uploads, post)
        if body is not None:
            named = await mentions.people_named(unit.db, [body])
            post.html = _rendered(body, named, access, post.html)
            post.body = body
            await search.index_posts(unit, [post])
        if not post.body and not post.files:
            raise InvalidError("a post keeps some text or a file")
        post.edited_at = utcnow()
        post.edited_by = me.id
        unit.db.add(post)
        writers = await current_people(unit.db, [post.author_id], active_only=False)
        editor = (
            EditorRef(id=me.id, display_name=me.display_name) if me.id != post.author_id else None
        )
        question = await questions.of_post(unit.db, post.id) if post.parent_id is None else None
        poll = await polls.current(unit.db, post.id) if post.parent_id is None else None
        data = _shared(post, writers[post.author_id][1], editor, questions.info_of(question), poll)
        assert post.html is not None
        await _rewrite_content(unit, post.channel_id, [post.id], post.body, post.html, post.files)
        fact: Fact = CommentEdited(post=data) if post.parent_id else PostEdited(post=data)
        return _mine(receipt(await unit.append(CHANNEL, post.channel_id, fact)), post)

    return await write(db, bus, actor, client_id, apply)


async def do_delete_post(
    db: AsyncSession, bus: Bus, actor: User, post_id: int, client_id: str | None
) -> Receipt:
    async def apply(unit: Unit) -> Receipt:
        me, _ = await current_person(unit.db, actor)
        post, _ = await access_post(unit.db, me, post_id)
        require_author_or_moderator(me, post)
        answer = await delete_post(unit, post)
        if post.parent_id is not None:
            await _settle_question(unit, post.channel_id, post.parent_id, post_id)
        return answer

    return await write(db, bus, actor, client_id, apply)


async def delete_post(unit: Unit, post: Post) -> Receipt:
    """Delete a post (with its comments' text) or a comment, in the caller's unit
    (whose right to has been checked: the author's, a moderator's)."""
    assert post.id is not None
    post_id = post.id
    post.deleted_at = utcnow()
    post.files = []
    unit.db.add(post)
    # Its text leaves the log, with the text of the comments that go with it.
    comments = (
        (await unit.db.exec(select(Post.id).where(Post.parent_id == post_id))).all()
        if post.parent_id is None
        else []
    )
    gone = [post_id, *[c for c in comments if c is not None]]
    await attachments.release(unit.db, gone)
    await search.drop_posts(unit, gone)
    await _rewrite_content(unit, post.channel_id, gone, "", "", [], drop_poll=True)
    fact: Fact
    if post.parent_id is None:
        fact = PostDeleted(post_id=post_id)
    else:
        count = await bump(unit.db, post.parent_id, "comment_count", -1)
        fact = CommentDeleted(post_id=post_id, parent_id=post.parent_id, comment_count=count)
    return receipt(await unit.append(CHANNEL, post.channel_id, fact))


async def set_hidden(unit: Unit, post: Post, reason: str | None, by: int | None) -> None:
    """Hide a post or comment (``reason``), or bring it back (None), in the
    caller's unit (moderation/ checks who may). Hidden, it is gone for everyone
    but its author: reads leave it out, and the text of the events that carried
    it (and its comments') is emptied as a delete does, so no replay shows it;
    brought back, those events carry it again. ``post.hidden`` tells every open
    client to drop it; ``post.unhidden`` gives it back whole."""
    assert post.id is not None
    hiding = reason is not None
    if hiding == (post.hidden_at is not None):
        raise ConflictError("this is hidden already" if hiding else "this is not hidden")
    post.hidden_at = utcnow() if hiding else None
    post.hidden_reason = reason
    unit.db.add(post)
    family = [post]
    if post.parent_id is None:
        family += list(
            (
                await unit.db.exec(
                    select(Post).where(Post.parent_id == post.id, col(Post.deleted_at).is_(None))
                )
            ).all()
        )
    for one in family:
        assert one.id is not None
        if hiding:
            await _rewrite_content(unit, one.channel_id, [one.id], "", "", [], drop_poll=True)
        else:
            html = one.html if one.html is not None else render(one.body)
            await _rewrite_content(unit, one.channel_id, [one.id], one.body, html, one.files)
    count = None
    if post.parent_id is not None:
        count = await bump(unit.db, post.parent_id, "comment_count", -1 if hiding else +1)
    fact: Fact
    if hiding:
        fact = PostHidden(post_id=post.id, parent_id=post.parent_id, comment_count=count)
    else:
        writers = await current_people(unit.db, [post.author_id], active_only=False)
        poll = await polls.current(unit.db, post.id) if post.parent_id is None else None
        shared = _shared(post, writers[post.author_id][1], poll=poll)
        fact = PostUnhidden(post=shared, comment_count=count)
    await unit.append(CHANNEL, post.channel_id, fact)


async def _settle_question(unit: Unit, channel_id: int, root_id: int, gone: int) -> None:
    """A comment of a question was deleted: if it was the accepted answer, or
    the last answer by someone other than the asker, the state goes back."""
    question = await questions.of_post(unit.db, root_id, for_update=True)
    if question is None:
        return
    if question.answer_id == gone:
        question.answer_id = None
        question.resolved_at = None
    await unit.db.flush()
    state = await questions.settled_state(unit.db, question)
    if state.value == question.state:
        return
    question.state = state.value
    unit.db.add(question)
    info = questions.info_of(question)
    assert info is not None
    await unit.append(CHANNEL, channel_id, QuestionUpdated(post_id=root_id, question=info))


async def do_set_like(
    db: AsyncSession, bus: Bus, actor: User, post_id: int, liked: bool, client_id: str | None
) -> Receipt:
    """Like or unlike. Asking for the state a post is already in changes nothing
    and answers with the channel's current position."""

    async def apply(unit: Unit) -> Receipt:
        # Taking a like back asks nothing of the terms: it only undoes.
        me = (
            (await current_writer(unit.db, actor))[0]
            if liked
            else (await current_person(unit.db, actor))[0]
        )
        post, access = await access_post(unit.db, me, post_id)
        access.require_react()
        require_unmuted(me)
        assert me.id is not None
        if access.channel.qa:
            root = await questions.of_post(unit.db, post.parent_id or post_id)
            if root is not None and root.anonymous and root.asker_id == me.id:
                raise ForbiddenError(
                    "you asked this question anonymously: a like here would show your name"
                )
        existing = (
            await unit.db.exec(select(Like).where(Like.post_id == post_id, Like.user_id == me.id))
        ).first()
        channel = access.channel
        assert channel.id is not None
        if (existing is not None) == liked:
            return Receipt(channel_id=channel.id, epoch=channel.epoch, seq=channel.last_seq)
        if liked:
            unit.db.add(Like(post_id=post_id, user_id=me.id))
        else:
            await unit.db.delete(existing)
        count = await bump(unit.db, post_id, "like_count", +1 if liked else -1)
        change = LikeAdded if liked else LikeRemoved
        fact = change(post_id=post_id, user_id=me.id, like_count=count)
        return receipt(await unit.append(CHANNEL, channel.id, fact))

    return await write(db, bus, actor, client_id, apply)


async def post_as(unit: Unit, author: User, channel: Channel, body: str) -> Receipt:
    """A post the system writes in ``author``'s name, in the caller's unit,
    without the channel's posting rule (a welcome post, onboarding/welcome.py,
    written as an admin in a closed department channel they are not in). Its
    mentions are chips and notify as any post's do."""
    assert author.id is not None and channel.id is not None
    db = unit.db
    html = render(body, mentions.known(body, await mentions.people_named(db, [body])))
    post = Post(channel_id=channel.id, author_id=author.id, body=body, html=html)
    db.add(post)
    await db.flush()
    await search.index_posts(unit, [post])
    ref = (await current_people(db, [author.id], active_only=False))[author.id][1]
    event = await unit.append_many(
        CHANNEL, channel.id, [(PostCreated(post=_shared(post, ref)), author.id, None)]
    )
    return receipt(event[0])
