// A channel (#/c/<id>, with a post open: #/c/<id>/p/<post>). Follows
// protocol.md's flow: load the newest page over HTTP, then continue the live
// stream from that page's position, so nothing is missed or shown twice.
import { get, newCid, post as httpPost } from '../api.js';
import { h, setChildren } from '../dom.js';
import { icon } from '../icons.js';
import { t } from '../i18n/index.js';
import { app, channelUpdated, refreshChannels } from '../state.js';
import { setUnread } from '../unread.js';
import { openChannelEdit } from './channel_edit.js';
import { composer } from './composer.js';
import { errorText, toast } from './errors.js';
import { openInvitePeople } from './invite_people.js';
import { MembersPanel } from './members.js';
import { notFound } from './notfound.js';
import { ThreadPanel } from './thread.js';
import { Timeline } from './timeline.js';
import { TypingIndicator } from './typing.js';

const WIDE = window.matchMedia('(min-width: 1200px)');

export function mount(container, params) {
  const id = Number(params[0]);
  const conn = app.conn;
  const offs = [];
  let alive = true;
  let ready = false;
  let gone = false; // showing "not found" (no access, or no longer a member of a private group)
  let channel = null;
  let thread = null;
  let members = null;
  let write = null; // the composer, or the join bar

  app.openChannel = id;
  setUnread(id, 0);

  const timeline = new Timeline({
    label: t('timeline.label'),
    loadOlder: (before) => get(`/api/channels/${id}/posts?before=${before}`),
  });
  const typing = new TypingIndicator();
  const header = h('header', { class: 'channel-head', dataset: { testid: 'channel-header' } });
  const footer = h('div', { class: 'channel-footer' });
  const side = h('div', { class: 'side-slot' });
  const mainCol = h('section', { class: 'channel-main', 'aria-labelledby': 'channel-title' }, header, timeline.el, typing.el, footer);
  const view = h('div', { class: 'channel-view', dataset: { testid: 'channel-view', channelId: String(id) } }, mainCol, side);
  container.replaceChildren(h('p', { class: 'muted pad', text: t('common.loading') }));

  // ---- loading ---------------------------------------------------------------

  async function load() {
    let page;
    try {
      page = await get(`/api/channels/${id}/posts`);
    } catch (err) {
      if (!alive) return;
      if (err.code === 'not_found' || err.status === 400) {
        showGone(t('channel.notFound'));
      } else {
        container.replaceChildren(
          h('section', { class: 'empty-state', role: 'alert' }, h('p', { text: errorText(err) }), h('button', { class: 'btn', onclick: load, text: t('common.retry') })),
        );
      }
      return;
    }
    if (!alive) return;
    channel = page.channel;
    if (!ready) container.replaceChildren(view);
    ready = true;
    gone = false;
    renderHeader();
    renderFooter();
    timeline.setPage(page);
    conn.resync(id, channel.epoch, channel.seq); // replays whatever came after the page
    app.emit('title', channel.name);
    if (WIDE.matches && !params[1]) openMembers();
    syncThread();
  }

  /** No access (any more): the not-found page, and stop following the channel. */
  function showGone(message) {
    gone = true;
    ready = false;
    write?.destroy?.();
    write = null;
    closeSide();
    if (!app.channels.some((c) => c.id === id)) conn.unwatch(id);
    app.emit('title', t('notfound.title'));
    container.replaceChildren(notFound(message));
  }

  async function reload() {
    // The server could not replay what we missed: take the newest page again.
    try {
      const page = await get(`/api/channels/${id}/posts`);
      if (!alive) return;
      channel = page.channel;
      renderHeader();
      timeline.setPage(page);
      thread?.load();
      members?.load();
    } catch {
      /* the next reconnect tries again */
    }
  }

  // ---- header and footer -------------------------------------------------------

  function renderHeader() {
    const kind = channel.kind === 'department' ? t('channel.department') : t('channel.group');
    const buttons = [
      h(
        'button',
        {
          class: 'btn small',
          'aria-pressed': String(!!members),
          dataset: { testid: 'members-toggle' },
          onclick: () => (members ? closeSide() : openMembers({ focus: true })),
        },
        icon('people'),
        t('channel.members', { count: channel.member_count }),
      ),
    ];
    if (channel.can_edit) {
      buttons.push(
        h('button', { class: 'btn small ghost', dataset: { testid: 'edit-channel' }, onclick: editChannel }, icon('pencil'), t('channel.edit')),
      );
    }
    if (channel.can_invite) {
      buttons.push(h('button', { class: 'btn small', dataset: { testid: 'invite-people' }, onclick: invitePeople }, icon('userPlus'), t('channel.invite')));
    }
    if (channel.can_leave) {
      buttons.push(h('button', { class: 'btn small ghost', dataset: { testid: 'leave-channel' }, onclick: leave, text: t('channel.leave') }));
    }
    setChildren(header,
      h(
        'div',
        { class: 'channel-title-row' },
        h('h1', { id: 'channel-title', dataset: { testid: 'channel-name' } }, h('span', { class: 'hash' }, icon(channel.is_private ? 'lock' : 'hash', { size: 20 })), channel.name),
        h('span', { class: 'tag', text: kind }),
        channel.is_private ? h('span', { class: 'tag private', dataset: { testid: 'private-tag' }, text: t('channel.private') }) : null,
      ),
      channel.description ? h('p', { class: 'channel-desc muted', text: channel.description }) : null,
      h('div', { class: 'channel-actions' }, buttons),
    );
  }

  function renderFooter() {
    write?.destroy?.();
    write = null;
    if (channel.can_post) {
      write = composer({
        draftKey: `draft:c${id}`,
        label: t('composer.label', { name: channel.name }),
        placeholder: t('composer.placeholder', { name: channel.name }),
        onSend: (body) => send(body, newCid()),
        onTyping: () => conn.send({ op: 'typing', channel: id }),
      });
      footer.replaceChildren(write.el);
    } else if (channel.can_join) {
      const join = h('button', { class: 'btn primary', dataset: { testid: 'join-channel' }, onclick: joinChannel, text: t('channel.join') });
      footer.replaceChildren(h('div', { class: 'join-bar' }, h('span', { text: t('channel.notMember') }), join));
    } else {
      footer.replaceChildren(h('div', { class: 'join-bar', dataset: { testid: 'read-only' } }, h('span', { text: t('channel.readOnly') })));
    }
    thread?.setCanWrite(channel.can_comment);
  }

  /** One's membership changed: what one may do changed with it (the server says what). */
  async function refreshRights() {
    try {
      const fresh = await get(`/api/channels/${id}`);
      if (!alive || !channel) return;
      channel = { ...channel, ...fresh };
      renderHeader();
      renderFooter();
    } catch (err) {
      if (alive && err.code === 'not_found') showGone(t('channel.removed'));
    }
  }

  async function joinChannel() {
    try {
      await httpPost(`/api/channels/${id}/join`);
      await refreshRights();
      refreshChannels();
    } catch (err) {
      toast(errorText(err));
    }
  }

  async function leave() {
    try {
      await httpPost(`/api/channels/${id}/leave`);
      await refreshChannels();
      if (channel.is_private) {
        location.hash = '#/directory';
        return;
      }
      await refreshRights();
    } catch (err) {
      toast(errorText(err));
    }
  }

  function editChannel() {
    openChannelEdit(channel, {
      onSaved: (change) => {
        renamed(change);
        header.querySelector('[data-testid="edit-channel"]')?.focus(); // the header was rebuilt
      },
    });
  }

  /** A new name or description (ours, or a `channel.updated` event): header, title, sidebar, composer. */
  function renamed(change) {
    if (!channel) return;
    for (const key of ['name', 'description']) if (typeof change[key] === 'string') channel[key] = change[key];
    renderHeader();
    app.emit('title', channel.name);
    channelUpdated(id, channel);
    write?.relabel?.(t('composer.label', { name: channel.name }), t('composer.placeholder', { name: channel.name }));
  }

  function invitePeople() {
    const ids = new Set(members ? [...members.members.keys()] : []);
    if (members) openInvitePeople(channel, ids);
    else
      get(`/api/channels/${id}/members`)
        .then((people) => openInvitePeople(channel, new Set(people.map((p) => p.id))))
        .catch((err) => toast(errorText(err)));
  }

  // ---- side panel: members or a thread ------------------------------------------

  function closeSide() {
    members?.destroy();
    members = null;
    thread?.destroy();
    thread = null;
    side.replaceChildren();
    view.classList.remove('with-side');
    if (channel) renderHeader();
  }

  function openMembers({ focus = false } = {}) {
    closeSide();
    members = new MembersPanel(id, {
      onClose: () => {
        closeSide();
        header.querySelector('[data-testid="members-toggle"]')?.focus();
      },
    });
    side.replaceChildren(members.el);
    view.classList.add('with-side');
    renderHeader();
    members.load().catch(() => {});
    if (focus) members.focus();
  }

  function syncThread() {
    const postId = params[1] ? Number(params[1]) : null;
    if (!postId) {
      if (thread) closeSide();
      return;
    }
    if (thread && thread.postId === postId) return;
    closeSide();
    thread = new ThreadPanel(postId, {
      canWrite: !!channel?.can_comment,
      onClose: () => {
        location.hash = `#/c/${id}`;
      },
    });
    side.replaceChildren(thread.el);
    view.classList.add('with-side', 'thread-open');
    thread.load().then(() => thread?.focus());
  }

  // ---- sending -----------------------------------------------------------------

  async function send(body, cid) {
    timeline.addPending(cid, body, {
      onRetry: () => send(body, cid), // the same cid: the server applies it once
      onDiscard: () => timeline.removePending(cid),
    });
    try {
      const ack = await conn.write({ op: 'post', channel: id, body, cid });
      timeline.removePending(cid);
      if (ack.post) timeline.add(ack.post, { own: true });
    } catch (err) {
      timeline.pendingView(cid)?.failed(errorText(err));
    }
  }

  // ---- live events ---------------------------------------------------------------

  function apply(frame) {
    const d = frame.data;
    switch (frame.kind) {
      case 'post.created': {
        const own = d.post.author.id === app.me.id;
        if (own && frame.cid) timeline.removePending(frame.cid);
        timeline.add(d.post, { own });
        typing.stopped(d.post.author.id);
        break;
      }
      case 'post.edited':
        timeline.update(d.post);
        break;
      case 'post.deleted':
        timeline.remove(d.post_id);
        break;
      case 'comment.created':
      case 'comment.deleted':
        timeline.setComments(d.parent_id ?? d.post.parent_id, d.comment_count);
        break;
      case 'like.added':
      case 'like.removed':
        timeline.setLikes(d.post_id, d.like_count, d.user_id, frame.kind === 'like.added');
        break;
      case 'member.joined':
        channel.member_count += 1;
        members?.joined(d.user);
        renderHeader();
        if (d.user.id === app.me.id) refreshRights();
        break;
      case 'member.left':
        channel.member_count = Math.max(0, channel.member_count - 1);
        members?.left(d.user.id);
        if (d.user.id === app.me.id) {
          if (channel.is_private) {
            showGone(t('channel.removed'));
            return;
          }
          refreshRights();
        }
        renderHeader();
        break;
      case 'channel.updated':
        renamed(d);
        break;
      default:
    }
    thread?.onEvent(frame);
  }

  offs.push(
    conn.on('event', (frame) => ready && frame.channel === id && apply(frame)),
    conn.on('reset', ({ channel: c, hadPosition }) => ready && c === id && hadPosition && reload()),
    conn.on('typing', (f) => f.channel === id && f.user !== app.me.id && typing.started(f.user, f.name)),
    conn.on('hello', () => ready && members?.load().catch(() => {})),
    conn.on('suberror', ({ channel: c }) => {
      if (c === id) showGone(t('channel.notFound'));
    }),
    conn.on('personal', ({ kind, data }) => {
      if (kind !== 'membership.added' && kind !== 'membership.removed') return;
      const c = data.channel_id;
      const joined = kind === 'membership.added';
      if (c !== id) return;
      if (joined && gone) load(); // let in (invited) while looking at "not found"
      else if (!joined && ready && channel.is_private) showGone(t('channel.removed'));
    }),
  );
  const onVisible = () => document.visibilityState === 'visible' && setUnread(id, 0);
  document.addEventListener('visibilitychange', onVisible);
  offs.push(() => document.removeEventListener('visibilitychange', onVisible));

  load();

  return {
    update(next) {
      params = next;
      if (ready) syncThread();
    },
    destroy() {
      alive = false;
      for (const off of offs) off();
      write?.destroy?.();
      timeline.destroy();
      typing.destroy();
      closeSide();
      if (app.openChannel === id) app.openChannel = null;
      if (!app.channels.some((c) => c.id === id)) conn.unwatch(id);
    },
  };
}
