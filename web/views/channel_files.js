// The channel's Files panel: everything shared in the channel, newest first
// (views/files_list.js), kept in step with the channel's store while open:
// files of posts and comments written now come in at the top, those of
// deleted posts go, and an edit that changed a post's files loads the list
// again.
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { t } from '../i18n/index.js';
import { FilesList } from './files_list.js';

const filesKey = (post) => (post?.files ?? []).map((f) => f.id).join(' ');

export class FilesPanel {
  /** @param store  the channel's ChannelStore */
  constructor(store, { onClose }) {
    this.store = store;
    const titleId = `files-title-${store.id}`;
    this.list = new FilesList(`/api/channels/${store.id}/files`, { testid: 'channel-files' });
    this.el = h(
      'aside',
      { class: 'side-panel files-panel', 'aria-labelledby': titleId, dataset: { testid: 'files-panel' } },
      h(
        'div',
        { class: 'panel-head' },
        h('h2', { id: titleId, tabindex: '-1', text: t('files.title') }),
        h('button', { class: 'icon-btn', 'aria-label': t('common.close'), dataset: { testid: 'files-close' }, onclick: onClose }, icon('close')),
      ),
      h('div', { class: 'panel-scroll' }, this.list.el),
    );
    this.el.addEventListener('keydown', (ev) => ev.key === 'Escape' && !ev.defaultPrevented && onClose());
    // Which files each post on screen had, to tell an edit of its files from one of its text.
    this.seen = new Map();
    for (const [id, post] of store.posts.byId) this.seen.set(id, filesKey(post));
    const posts = store.posts;
    this.offs = [
      posts.on('added', ({ id, live }) => this.added(id, live)),
      posts.on('changed', ({ id }) => this.changed(id)),
      posts.on('removed', ({ id }) => {
        this.seen.delete(id);
        this.list.dropPost(id);
      }),
      posts.on('reset', () => this.list.load()),
    ];
  }

  load() {
    return this.list.load();
  }

  added(id, live) {
    const post = this.store.posts.get(id);
    if (!post) return;
    this.seen.set(id, filesKey(post));
    if (!live || !post.files?.length) return;
    // A post's files as the list gives them (FilePublic): its author shared them, then.
    const shared = post.files.map((f) => ({
      ...f,
      uploader: post.author,
      created_at: post.created_at,
      channel_id: post.channel_id,
      post_id: post.id,
      thread_id: post.parent_id ?? null,
    }));
    this.list.prepend([...shared].reverse());
  }

  changed(id) {
    const key = filesKey(this.store.posts.get(id));
    const before = this.seen.get(id);
    this.seen.set(id, key);
    if (before !== undefined && before !== key) this.list.load();
  }

  focus() {
    this.el.querySelector('h2').focus();
  }

  destroy() {
    for (const off of this.offs) off();
    this.list.destroy();
  }
}
