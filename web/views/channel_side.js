// The channel view's side panel: the members panel, the files shared in the
// channel or a post's thread, one at a time. A thread follows the URL
// (#/c/<id>/p/<post>); on wide screens the members panel is open by default
// when no thread is.
import { h } from '../dom.js';
import { FilesPanel } from './channel_files.js';
import { MembersPanel } from './members.js';
import { ThreadPanel } from './thread.js';

const WIDE = window.matchMedia('(min-width: 1200px)');

/**
 * @param store  the channel's ChannelStore
 * @param opts   {view: the .channel-view element (its layout classes),
 *                onChange(): opened or closed (the header's members and files buttons),
 *                onMembersClosed(): the members panel closed itself,
 *                onFilesClosed(): the files panel closed itself,
 *                onThreadClosed(): the thread's close button (leave its URL)}
 */
export function channelSide(store, { view, onChange, onMembersClosed, onFilesClosed, onThreadClosed }) {
  const el = h('div', { class: 'side-slot' });
  let members = null;
  let files = null;
  let thread = null;

  function close() {
    const was = members || files || thread;
    members?.destroy();
    members = null;
    files?.destroy();
    files = null;
    thread?.destroy();
    thread = null;
    el.replaceChildren();
    view.classList.remove('with-side', 'thread-open', 'files-open');
    if (was) onChange();
  }

  function openMembers({ focus = false } = {}) {
    close();
    members = new MembersPanel(store, {
      onClose: () => {
        close();
        onMembersClosed();
      },
    });
    el.replaceChildren(members.el);
    view.classList.add('with-side');
    onChange();
    members.load().catch(() => {});
    if (focus) members.focus();
  }

  function openFiles() {
    close();
    files = new FilesPanel(store, {
      onClose: () => {
        close();
        onFilesClosed();
      },
    });
    el.replaceChildren(files.el);
    view.classList.add('with-side', 'files-open');
    onChange();
    files.load();
    files.focus();
  }

  /** The thread of `postId` (null: none), as the URL says. */
  function showThread(postId) {
    if (!postId) {
      if (thread) close();
      return;
    }
    if (thread && thread.postId === postId) return;
    close();
    const mine = new ThreadPanel(store, postId, { onClose: onThreadClosed });
    thread = mine;
    el.replaceChildren(thread.el);
    view.classList.add('with-side', 'thread-open');
    onChange();
    thread.load().then(() => thread === mine && mine.focus());
  }

  return {
    el,
    /** First show of the channel: the URL's thread, or members on a wide screen. */
    start(postId) {
      if (!postId && WIDE.matches && !members) openMembers();
      showThread(postId);
    },
    showThread,
    close,
    toggleMembers() {
      if (members) {
        close();
        onMembersClosed();
      } else openMembers({ focus: true });
    },
    membersOpen: () => !!members,
    toggleFiles() {
      if (files) {
        close();
        onFilesClosed();
      } else openFiles();
    },
    filesOpen: () => !!files,
    /** After a reconnect: presence may have changed meanwhile. */
    reloadMembers() {
      members?.load().catch(() => {});
    },
    destroy: close,
  };
}
