// A channel (#/c/<id>, with a post open: #/c/<id>/p/<post>): the route's
// entry point. It makes the channel's store (web/channel_store.js), puts the
// parts together (channel_header, timeline, typing, channel_footer,
// channel_side) and wires them to the connection (channel_live), with a drop
// target for files over the timeline and composer; it owns
// loading and what the person does to the channel itself: join, leave, edit,
// invite.
// Follows protocol.md's flow: load the newest page over HTTP, then continue
// the live stream from that page's position, so nothing is missed or shown
// twice. What the person reads is reported, and what is new since their last
// visit marked, by channel_read.
import { channelName } from '../direct.js';
import { get, post as httpPost } from '../api.js';
import { ChannelStore } from '../channel_store.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { readState } from '../reading.js';
import { app, channelUpdated, channelsListed, refreshChannels } from '../state.js';
import { sendPost } from '../writes.js';
import { dropTarget } from './attachments.js';
import { openChannelEdit } from './channel_edit.js';
import { channelFooter } from './channel_footer.js';
import { channelHeader } from './channel_header.js';
import { wireLive } from './channel_live.js';
import { channelReading, firstUnread } from './channel_read.js';
import { channelSide } from './channel_side.js';
import { errorText, toast } from './errors.js';
import { openInvitePeople } from './invite_people.js';
import { notFound } from './notfound.js';
import { Timeline } from './timeline.js';
import { TypingIndicator } from './typing.js';

export function mount(container, params) {
  const id = Number(params[0]);
  const conn = app.conn;
  const store = new ChannelStore(id, { me: app.me.id });
  let alive = true;
  let ready = false; // a page is shown
  let gone = false; // showing "not found" (no access, or no longer a member of a private group)
  let parts = null; // {header, footer, side}: built with the first page

  app.openChannel = id;
  // Where one had read up to, before this visit reports anything: the list's
  // (kept up to date by read.moved), once it has come (channel_read reports
  // nothing before: it needs the server's position too).
  let lastVisit = readState(id);
  const listed = channelsListed().then(() => {
    lastVisit ??= readState(id);
  });
  let reading = null; // reports what is read (channel_read.js), once the timeline is made

  const timeline = new Timeline(store, {
    label: t('timeline.label'),
    loadOlder: (before) => get(`/api/channels/${id}/posts?before=${before}`),
    onScrolled: () => reading?.check(),
  });
  reading = channelReading(store, conn, timeline, { ready: () => ready });
  const typing = new TypingIndicator();
  const view = h('div', { class: 'channel-view', dataset: { testid: 'channel-view', channelId: String(id) } });
  container.replaceChildren(h('p', { class: 'muted pad', text: t('common.loading') }));

  // ---- the parts ------------------------------------------------------------------

  function build() {
    const side = channelSide(store, {
      view,
      onChange: () => header.render(),
      onMembersClosed: () => header.focus('members-toggle'),
      onFilesClosed: () => header.focus('files-toggle'),
      onThreadClosed: () => {
        location.hash = `#/c/${id}`;
      },
    });
    const header = channelHeader(store, {
      membersOpen: side.membersOpen,
      toggleMembers: side.toggleMembers,
      filesOpen: side.filesOpen,
      toggleFiles: side.toggleFiles,
      edit: editChannel,
      invite: invitePeople,
      leave,
    });
    const footer = channelFooter(store, {
      send: (body, files, ask) => sendPost(store, body, files, ask),
      typing: () => conn.send({ op: 'typing', channel: id }),
      join: joinChannel,
    });
    const main = h('section', { class: 'channel-main', 'aria-labelledby': 'channel-title' }, header.el, timeline.el, typing.el, footer.el);
    // Files dropped anywhere on the timeline or the composer go to the composer.
    const undrop = dropTarget(main, { label: t('files.dropPost'), enabled: footer.canAttach, onFiles: (files) => footer.addFiles(files) });
    view.replaceChildren(main, side.el);
    return { header, footer, side, undrop };
  }

  function unbuild() {
    if (!parts) return;
    parts.undrop();
    parts.side.destroy();
    parts.footer.destroy();
    parts.header.destroy();
    parts = null;
  }

  // ---- loading ----------------------------------------------------------------------

  async function load() {
    let page;
    try {
      page = await get(`/api/channels/${id}/posts`);
    } catch (err) {
      if (!alive) return;
      if (err.code === 'not_found' || err.status === 400) {
        showGone('notFound');
      } else {
        container.replaceChildren(
          h('section', { class: 'empty-state', role: 'alert' }, h('p', { text: errorText(err) }), h('button', { class: 'btn', onclick: load, text: t('common.retry') })),
        );
      }
      return;
    }
    if (!alive) return;
    store.setChannel(page.channel);
    if (!parts) {
      parts = build();
      container.replaceChildren(view); // on the page before the posts, so they scroll into view
    }
    // The side panel first: the timeline is drawn in the column it will have.
    parts.side.start(params[1] ? Number(params[1]) : null);
    store.posts.setPage(page);
    ready = true;
    gone = false;
    conn.resync(id, page.channel.epoch, page.channel.seq); // replays whatever came after the page
    app.emit('title', channelName(store.channel));
    markNew(page);
  }

  /** The divider above the first post new since the last visit (once a visit). */
  async function markNew(page) {
    await listed;
    const visit = lastVisit;
    lastVisit = null; // a reload (or a join) does not mark again
    try {
      const first = await firstUnread(id, app.me.id, visit, page);
      if (alive && first !== null) timeline.markUnread(first);
    } catch {
      /* no divider: the posts are there all the same */
    }
  }

  /** The server could not replay what we missed: take the newest page again. */
  async function reload() {
    try {
      const page = await get(`/api/channels/${id}/posts`);
      if (!alive || !ready) return;
      store.setChannel(page.channel);
      store.posts.setPage(page); // the timeline redraws, an open thread loads again
      parts?.side.reloadMembers();
    } catch {
      /* the next reconnect tries again */
    }
  }

  /** No access (any more): the not-found page, and stop following the channel. */
  function showGone(reason) {
    gone = true;
    ready = false;
    unbuild();
    if (!app.channels.some((c) => c.id === id)) conn.unwatch(id);
    app.emit('title', t('notfound.title'));
    const message = { removed: 'channel.removed', accessLost: 'channel.accessLost' }[reason] ?? 'channel.notFound';
    container.replaceChildren(notFound(t(message)));
    container.firstElementChild.dataset.reason = reason;
  }

  // ---- the person and the channel -------------------------------------------------------

  /** One's membership changed: what one may do changed with it (the server says what). */
  async function refreshRights() {
    try {
      const fresh = await get(`/api/channels/${id}`);
      if (alive && ready) store.setRights(fresh);
    } catch (err) {
      if (alive && err.code === 'not_found') showGone(store.channel?.kind === 'group' ? 'removed' : 'notFound');
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
      if (store.channel.is_private) {
        location.hash = '#/directory';
        return;
      }
      await refreshRights();
    } catch (err) {
      toast(errorText(err));
    }
  }

  function editChannel() {
    openChannelEdit(store.channel, {
      onSaved: (change) => {
        // Shown at once; the channel.updated event that follows changes nothing more.
        store.update(change);
        channelUpdated(id, change);
        parts?.header.focus('edit-channel'); // the header was drawn anew
      },
    });
  }

  function invitePeople() {
    const channel = store.channel;
    if (store.members) openInvitePeople(channel, new Set(store.members.keys()));
    else
      get(`/api/channels/${id}/members`)
        .then((people) => openInvitePeople(channel, new Set(people.map((p) => p.id))))
        .catch((err) => toast(errorText(err)));
  }

  // The title follows renames, whoever made them.
  const offTitle = store.on('channel', () => ready && app.emit('title', channelName(store.channel)));

  const unwire = wireLive(store, conn, {
    ready: () => ready,
    gone: () => gone,
    load,
    reload,
    showGone,
    refreshRights,
    reconnected: () => parts?.side.reloadMembers(),
    typing,
  });

  load();

  return {
    update(next) {
      params = next;
      if (ready) parts.side.showThread(params[1] ? Number(params[1]) : null);
    },
    destroy() {
      alive = false;
      reading.destroy();
      unwire();
      offTitle();
      unbuild();
      timeline.destroy();
      typing.destroy();
      if (app.openChannel === id) app.openChannel = null;
      if (!app.channels.some((c) => c.id === id)) conn.unwatch(id);
    },
  };
}
