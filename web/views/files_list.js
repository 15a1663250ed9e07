// A list of shared files, newest first, a page at a time (GET
// /api/channels/{id}/files or /api/users/{id}/files: {files, before}), with a
// filter (all, images, documents): each with its name, size, who shared it
// and when, and a link to its post. Images open the viewer (← → between the
// images listed); other files download. The channel's Files panel and a
// person's profile card both show one.
import { get } from '../api.js';
import { h } from '../dom.js';
import { contentUrl, fileKind, humanSize, thumbUrl } from '../files.js';
import { formatFull, formatWhen, t } from '../i18n/index.js';
import { channelById } from '../state.js';
import { fileIcon } from './attachments.js';
import { errorText } from './errors.js';
import { openViewer } from './viewer.js';

const FILTERS = [
  ['', 'files.all'],
  ['image', 'files.images'],
  ['document', 'files.documents'],
];

export class FilesList {
  /**
   * @param path     the list's URL without a query (`/api/channels/5/files`)
   * @param opts     {showChannel: name the channel of each file (a person's list),
   *                  onNavigate(): a link to a post was followed, testid}
   */
  constructor(path, { showChannel = false, onNavigate = () => {}, testid = 'files-list' } = {}) {
    this.path = path;
    this.showChannel = showChannel;
    this.onNavigate = onNavigate;
    this.kind = '';
    this.files = [];
    this.before = null;
    this.loading = 0; // the number of the latest request: an older answer is dropped
    this.alive = true;
    this.filterButtons = FILTERS.map(([kind, key]) =>
      h('button', {
        type: 'button',
        class: 'seg',
        'aria-pressed': String(kind === this.kind),
        dataset: { testid: `files-filter-${kind || 'all'}` },
        onclick: () => this.filter(kind),
        text: t(key),
      }),
    );
    this.list = h('ul', { class: 'file-rows', dataset: { testid: `${testid}-items` } });
    this.status = h('p', { class: 'muted small files-status', role: 'status', dataset: { testid: `${testid}-status` } });
    this.moreButton = h('button', { type: 'button', class: 'btn small', hidden: true, dataset: { testid: 'files-more' }, onclick: () => this.more(), text: t('files.more') });
    this.el = h(
      'div',
      { class: 'files-list', dataset: { testid } },
      h('div', { class: 'segmented', role: 'group', 'aria-label': t('files.filter') }, this.filterButtons),
      this.list,
      this.status,
      h('div', { class: 'files-more' }, this.moreButton),
    );
  }

  /** The first page of the current filter (again). */
  async load() {
    const mine = ++this.loading;
    this.status.textContent = t('common.loading');
    this.moreButton.hidden = true;
    try {
      const page = await get(this.url(null));
      if (!this.alive || mine !== this.loading) return;
      this.files = page.files;
      this.before = page.before;
      this.render();
    } catch (err) {
      if (this.alive && mine === this.loading) this.status.textContent = errorText(err);
    }
  }

  async more() {
    if (this.before === null) return;
    const mine = ++this.loading;
    this.moreButton.disabled = true;
    try {
      const page = await get(this.url(this.before));
      if (!this.alive || mine !== this.loading) return;
      this.files = [...this.files, ...page.files];
      this.before = page.before;
      this.render();
    } catch (err) {
      if (this.alive) this.status.textContent = errorText(err);
    } finally {
      this.moreButton.disabled = false;
    }
  }

  filter(kind) {
    if (kind === this.kind) return;
    this.kind = kind;
    for (const [i, [k]] of FILTERS.entries()) this.filterButtons[i].setAttribute('aria-pressed', String(k === kind));
    this.files = [];
    this.list.replaceChildren();
    this.load();
  }

  url(before) {
    const query = new URLSearchParams();
    if (this.kind) query.set('kind', this.kind);
    if (before !== null) query.set('before', String(before));
    const q = query.toString();
    return q ? `${this.path}?${q}` : this.path;
  }

  /** Files shared just now (newest first), shown above the rest if the filter takes them. */
  prepend(files) {
    const known = new Set(this.files.map((f) => f.id));
    const fresh = files.filter((f) => !known.has(f.id) && this.takes(f));
    if (!fresh.length) return;
    this.files = [...fresh, ...this.files];
    this.render();
  }

  /** The files of a deleted post (or of its comments) are gone. */
  dropPost(postId) {
    const left = this.files.filter((f) => f.post_id !== postId && f.thread_id !== postId);
    if (left.length === this.files.length) return;
    this.files = left;
    this.render();
  }

  takes(file) {
    return !this.kind || (this.kind === 'image') === !!file.image;
  }

  render() {
    const images = this.files.filter((f) => f.image);
    this.list.replaceChildren(...this.files.map((f) => this.row(f, images)));
    this.status.textContent = this.files.length ? '' : t(this.kind ? 'files.noneOfKind' : 'files.none');
    this.moreButton.hidden = this.before === null;
  }

  row(file, images) {
    const open = () => openViewer(images, images.indexOf(file), { returnFocus: document.activeElement });
    const picture = file.image
      ? h('button', { type: 'button', class: 'file-row-thumb', 'aria-label': t('files.open', { name: file.name }), onclick: open }, h('img', { src: thumbUrl(file.id), alt: '', loading: 'lazy' }))
      : h('span', { class: 'file-row-thumb' }, fileIcon(fileKind(file)));
    const name = file.image
      ? h('button', { type: 'button', class: 'link-btn file-row-name', title: file.name, dataset: { testid: 'file-item-name' }, onclick: open, text: file.name })
      : h('a', { class: 'file-row-name', href: contentUrl(file.id), download: file.name, title: file.name, dataset: { testid: 'file-item-name' }, text: file.name });
    const channel = this.showChannel ? channelById(file.channel_id) : null;
    const facts = [humanSize(file.size), file.uploader.display_name];
    if (channel) facts.push(`#${channel.name}`);
    const post = file.channel_id && file.post_id ? `#/c/${file.channel_id}/p/${file.post_id}` : null;
    return h(
      'li',
      { class: 'file-row', dataset: { testid: 'file-item', fileId: file.id, kind: file.image ? 'image' : 'document' } },
      picture,
      h(
        'div',
        { class: 'file-row-text' },
        name,
        h(
          'span',
          { class: 'file-row-meta muted', dataset: { testid: 'file-item-meta' } },
          `${facts.join(' · ')} · `,
          h('time', { datetime: file.created_at, title: formatFull(file.created_at), text: formatWhen(file.created_at) }),
        ),
      ),
      post ? h('a', { class: 'btn small ghost file-row-post', href: post, dataset: { testid: 'file-item-post' }, onclick: () => this.onNavigate(), text: t('files.goToPost') }) : null,
    );
  }

  destroy() {
    this.alive = false;
  }
}
