"""The client's state on its own, in the page, without a server: the kind
registry (web/kinds/) against docs/protocol.md's table of event kinds, and the
channel store (web/channel_store.js, web/posts.js) fed with frames as the
server sends them. Also: index.html preloads exactly the first screen's
modules."""

from __future__ import annotations

import posixpath
import re
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import ROOT

pytestmark = pytest.mark.browser


def documented_kinds() -> set[str]:
    """The kinds in docs/protocol.md's "Event kinds" table (first column)."""
    doc = (ROOT / "docs" / "protocol.md").read_text()
    section = doc.split("### Event kinds", 1)[1]
    kinds: set[str] = set()
    for line in section.splitlines()[1:]:
        if line.startswith("#"):
            break
        if not line.startswith("|"):
            if kinds:
                break  # the table is over
            continue
        first = line.split("|")[1]
        kinds.update(re.findall(r"`([a-z_]+\.[a-z_]+)`", first))
    return kinds


def test_the_protocol_table_is_read() -> None:
    kinds = documented_kinds()
    assert {"post.created", "like.added", "like.removed", "member.left"} <= kinds


def test_every_documented_event_kind_has_a_reducer(static_page: Page) -> None:
    registered = static_page.evaluate(
        """async () => {
            const { reducers, everywhere, said } = await import('/kinds/index.js');
            return {
                reducers: Object.keys(reducers),
                everywhere: Object.keys(everywhere),
                said: Object.keys(said),
            };
        }"""
    )
    documented = documented_kinds()
    missing = documented - set(registered["reducers"])
    assert not missing, (
        f"event kinds in docs/protocol.md without a reducer in web/kinds/: {missing}"
    )
    undocumented = set(registered["reducers"]) | set(registered["everywhere"])
    undocumented |= set(registered["said"])
    undocumented -= documented
    assert not undocumented, (
        f"reducers in web/kinds/ for kinds not in docs/protocol.md: {undocumented}"
    )


STORE_SCRIPT = """
async () => {
  const { ChannelStore } = await import('/channel_store.js');
  const { reduce } = await import('/kinds/index.js');
  const ME = 7, BOB = 8;
  const out = {};
  const author = (id) => ({ id, display_name: id === ME ? 'Aiko' : 'Bob', department: 'Sales' });
  const post = (id, body, by = ME, extra = {}) => ({
    id, channel_id: 5, parent_id: null, author: author(by), body, html: `<p>${body}</p>`,
    created_at: '2026-01-01T00:00:00Z', edited_at: null, like_count: 0, comment_count: 0,
    ...extra,
  });
  let seq = 10;
  const event = (kind, data, cid) => {
    seq += 1;
    const frame = { type: 'event', channel: 5, epoch: 'e', seq, kind, data, at: '' };
    if (cid) frame.cid = cid;
    return frame;
  };

  const store = new ChannelStore(5, { me: ME });
  const seen = [];
  for (const name of ['reset', 'added', 'changed', 'removed', 'pending']) {
    store.posts.on(name, (p) => seen.push([name, p ?? null]));
  }
  const selves = [];
  store.on('self', (s) => selves.push(s));
  store.setChannel({ id: 5, name: 'Sales', description: '', member_count: 3, can_post: true });
  const liked = { liked_by_me: true, like_count: 1 };
  store.posts.setPage({ posts: [post(40, 'older', BOB, liked)], before: null });

  // Two pending posts with the same text: each is settled by its own cid only.
  store.posts.addPending({ cid: 'c1', channelId: 5, parentId: null, body: '了解です' });
  store.posts.addPending({ cid: 'c2', channelId: 5, parentId: null, body: '了解です' });
  // The server wrote c2 first (id 41): its event arrives before anything of c1.
  reduce(store, event('post.created', { post: post(41, '了解です') }, 'c2'));
  out.pendingAfterFirstEvent = [...store.posts.pending.keys()];
  store.posts.created(post(41, '了解です'), { cid: 'c2' }); // c2's ack, after its event
  out.pendingAfterFirstAck = [...store.posts.pending.keys()];
  store.posts.created(post(42, '了解です'), { cid: 'c1' }); // c1's ack, before its event
  reduce(store, event('post.created', { post: post(42, '了解です') }, 'c1'));
  out.pendingAtEnd = [...store.posts.pending.keys()];
  out.timeline = store.posts.timeline().map((p) => [p.id, p.body]);
  out.addedOnce = seen.filter(([n]) => n === 'added').map(([, p]) => p.id);

  // Someone else's post with a cid of theirs settles nothing of ours.
  store.posts.addPending({ cid: 'c3', channelId: 5, parentId: null, body: 'x' });
  reduce(store, event('post.created', { post: post(43, 'x', BOB) }, 'c3'));
  out.othersCid = [...store.posts.pending.keys()];
  store.posts.settle('c3');

  // Comments: a loaded thread, two identical pending comments, acks and events in any order.
  store.posts.setThread({ post: post(41, '了解です'), comments: [] });
  store.posts.addPending({ cid: 'k1', channelId: 5, parentId: 41, body: 'はい' });
  store.posts.addPending({ cid: 'k2', channelId: 5, parentId: 41, body: 'はい' });
  const comment = (id) => ({ ...post(id, 'はい'), parent_id: 41 });
  reduce(store, event('comment.created', { post: comment(44), comment_count: 1 }, 'k2'));
  out.commentPending = store.posts.pendingUnder(41).map((p) => p.cid);
  store.posts.created(comment(45), { cid: 'k1' });
  reduce(store, event('comment.created', { post: comment(45), comment_count: 2 }, 'k1'));
  store.posts.created(comment(44), { cid: 'k2' });
  out.comments = store.posts.comments(41).map((c) => c.id);
  out.commentCount = store.posts.get(41).comment_count;
  out.commentPendingAtEnd = store.posts.pendingUnder(41).length;

  // Likes: anyone's change the count; only one's own sets liked_by_me.
  reduce(store, event('like.added', { post_id: 41, user_id: BOB, like_count: 1 }));
  out.likedByOther = store.posts.get(41).liked_by_me;
  reduce(store, event('like.added', { post_id: 41, user_id: ME, like_count: 2 }));
  out.likedByMe = [store.posts.get(41).liked_by_me, store.posts.get(41).like_count];
  reduce(store, event('like.added', { post_id: 44, user_id: ME, like_count: 1 }));
  out.commentLiked = store.posts.get(44).liked_by_me;

  // An edit (events do not know liked_by_me) keeps it.
  const edit = post(40, 'older, edited', BOB, { edited_at: 'x', like_count: 1 });
  reduce(store, event('post.edited', { post: edit }));
  out.edited = [store.posts.get(40).body, store.posts.get(40).liked_by_me];
  reduce(store, event('comment.edited', { post: { ...comment(44), body: 'はい!' } }));
  out.commentEdited = store.posts.get(44).body;

  // A deleted comment, then a deleted post: its comments go with it.
  reduce(store, event('comment.deleted', { post_id: 45, parent_id: 41, comment_count: 1 }));
  out.afterCommentDeleted = [
    store.posts.comments(41).map((c) => c.id),
    store.posts.get(41).comment_count,
  ];
  reduce(store, event('post.deleted', { post_id: 41 }));
  out.afterPostDeleted = {
    timeline: store.posts.timeline().map((p) => p.id),
    post: store.posts.get(41) ?? null,
    comment: store.posts.get(44) ?? null,
    thread: store.posts.comments(41),
  };
  out.removed = seen.filter(([n]) => n === 'removed').map(([, p]) => p);

  // A thread no longer shown is forgotten; its post stays if the timeline shows it.
  const reply = { ...post(46, 'ok'), parent_id: 42 };
  store.posts.setThread({ post: post(42, '了解です'), comments: [reply] });
  store.posts.dropThread(42);
  out.dropped = [store.posts.comments(42), store.posts.get(46) ?? null, store.posts.get(42).id];

  // Members: the list and the count follow; one's own joining and leaving is told.
  store.setMembers([{ id: ME, display_name: 'Aiko' }, { id: BOB, display_name: 'Bob' }]);
  const carol = { id: 9, display_name: 'Carol', department: 'Sales' };
  reduce(store, event('member.joined', { user: carol }));
  reduce(store, event('member.left', { user: author(BOB) }));
  reduce(store, event('member.left', { user: author(ME) }));
  out.members = [...store.members.keys()];
  out.memberCount = store.channel.member_count;
  out.selves = selves;

  // Rights from a fresh GET: taken, but not its member count.
  store.setRights({ can_post: false, can_join: true, is_member: false, member_count: 99 });
  out.rights = [store.channel.can_post, store.channel.can_join, store.channel.member_count];

  // The channel renamed; unknown kinds are ignored.
  reduce(store, event('channel.updated', { name: 'Sales & Marketing', description: 'All of us' }));
  out.channel = [store.channel.name, store.channel.description];
  const before = JSON.stringify([...store.posts.byId]);
  out.unknown = reduce(store, event('sticker.added', { sticker_id: 1 }));
  out.unknownChangedNothing = JSON.stringify([...store.posts.byId]) === before;
  return out;
}
"""


def test_the_store_follows_events_and_settles_writes_by_cid(static_page: Page) -> None:
    out: dict[str, Any] = static_page.evaluate(STORE_SCRIPT)

    # Same text, two writes: each settled by its own cid, whatever comes first.
    assert out["pendingAfterFirstEvent"] == ["c1"]
    assert out["pendingAfterFirstAck"] == ["c1"]
    assert out["pendingAtEnd"] == []
    assert out["timeline"] == [[40, "older"], [41, "了解です"], [42, "了解です"]]
    assert out["addedOnce"] == [41, 42]
    assert out["othersCid"] == ["c3"]
    assert out["commentPending"] == ["k1"]
    assert out["comments"] == [44, 45]
    assert out["commentCount"] == 2
    assert out["commentPendingAtEnd"] == 0

    assert out["likedByOther"] is False
    assert out["likedByMe"] == [True, 2]
    assert out["commentLiked"] is True
    assert out["edited"] == ["older, edited", True]
    assert out["commentEdited"] == "はい!"

    assert out["afterCommentDeleted"] == [[44], 1]
    assert out["afterPostDeleted"] == {
        "timeline": [40, 42, 43],
        "post": None,
        "comment": None,
        "thread": None,
    }
    assert {"id": 45, "parentId": 41} in out["removed"]
    assert {"id": 41, "parentId": None} in out["removed"]
    assert out["dropped"] == [None, None, 42]

    assert out["members"] == [9]
    assert out["memberCount"] == 2
    assert out["selves"] == [{"joined": False}]
    assert out["rights"] == [False, True, 2]
    assert out["channel"] == ["Sales & Marketing", "All of us"]
    assert out["unknown"] is False
    assert out["unknownChangedNothing"] is True


IMPORT = re.compile(
    r"^\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|^\s*import\s+'(\.[^']+)'", re.M
)


def static_imports(*entries: str) -> set[str]:
    """The modules under web/ that `entries` import, directly or not (static imports only)."""
    seen: set[str] = set()
    todo = list(entries)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for found in IMPORT.finditer((ROOT / "web" / name).read_text()):
            spec = found.group(1) or found.group(2)
            todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(name), spec)))
    return seen


def test_index_preloads_the_first_screens_modules() -> None:
    """index.html's modulepreload list is app.js's module graph, the home
    feed's (the first screen after signing in) and the channel view's (one
    click away): nothing missing, nothing stale."""
    html = (ROOT / "web" / "index.html").read_text()
    preloaded = set(re.findall(r'<link rel="modulepreload" href="/([^"]+)">', html))
    wanted = static_imports("app.js", "views/home.js", "views/channel.js") - {"app.js"}
    assert sorted(wanted - preloaded) == [], "add these to web/index.html"
    assert sorted(preloaded - wanted) == [], "no longer on the first screen"
