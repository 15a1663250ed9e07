// The members panel: who is in the channel, and who of them is online now, in
// reading order (web/names.js), each with their reading and department.
// It lists them into the channel's store, then follows the store (member.joined
// and member.left reach it through web/kinds/) and presence frames.
import { get } from '../api.js';
import { avatar, h } from '../dom.js';
import { icon } from '../icons.js';
import { t } from '../i18n/index.js';
import { byReading, nameNote } from '../names.js';
import { app, notePresence } from '../state.js';
import { openProfile, statusDot } from './profile.js';

export class MembersPanel {
  /** @param store  the channel's ChannelStore */
  constructor(store, { onClose }) {
    const channelId = store.id;
    this.store = store;
    this.onlineList = h('ul', { class: 'people-list', dataset: { testid: 'members-online' } });
    this.offlineList = h('ul', { class: 'people-list', dataset: { testid: 'members-offline' } });
    this.onlineHeading = h('h3', { class: 'side-heading' });
    this.offlineHeading = h('h3', { class: 'side-heading' });
    this.el = h(
      'aside',
      { class: 'side-panel members-panel', 'aria-labelledby': `members-title-${channelId}`, dataset: { testid: 'members-panel' } },
      h(
        'div',
        { class: 'panel-head' },
        h('h2', { id: `members-title-${channelId}`, tabindex: '-1', text: t('members.title') }),
        h('button', { class: 'icon-btn', 'aria-label': t('common.close'), onclick: onClose, }, icon('close')),
      ),
      h('div', { class: 'panel-scroll' }, this.onlineHeading, this.onlineList, this.offlineHeading, this.offlineList),
    );
    this.offs = [
      app.on('presence', ({ user }) => this.members.has(user) && this.render()),
      store.on('members', () => this.render()),
    ];
    this.el.addEventListener('keydown', (ev) => ev.key === 'Escape' && onClose());
    if (store.members) this.render(); // listed before: show them while they load again
  }

  /** The people in the store (none until loaded). */
  get members() {
    return this.store.members ?? new Map();
  }

  async load() {
    const people = await get(`/api/channels/${this.store.id}/members`);
    notePresence(people);
    this.store.setMembers(people);
  }

  status(id) {
    return app.presence.get(id) ?? this.members.get(id)?.status ?? 'offline';
  }

  render() {
    const sorted = [...this.members.values()].sort(byReading);
    const online = sorted.filter((p) => this.status(p.id) !== 'offline');
    const offline = sorted.filter((p) => this.status(p.id) === 'offline');
    this.onlineHeading.textContent = t('members.online', { count: online.length });
    this.offlineHeading.textContent = t('members.offline', { count: offline.length });
    this.onlineList.replaceChildren(...online.map((p) => this.row(p)));
    this.offlineList.replaceChildren(...offline.map((p) => this.row(p)));
    this.offlineHeading.hidden = offline.length === 0;
  }

  row(p) {
    const status = this.status(p.id);
    return h(
      'li',
      { dataset: { testid: 'member', userId: String(p.id), status } },
      h(
        'button',
        { class: 'person-row', onclick: () => openProfile(p.id) },
        h('span', { class: 'avatar-wrap' }, avatar(p, 'small'), statusDot(status)),
        h(
          'span',
          { class: 'person-text' },
          h('span', { class: 'name', text: p.display_name }),
          nameNote(p) ? h('small', { class: 'muted', dataset: { testid: 'member-note' }, text: nameNote(p) }) : null,
        ),
      ),
    );
  }

  focus() {
    this.el.querySelector('h2').focus();
  }

  get count() {
    return this.members.size;
  }

  destroy() {
    for (const off of this.offs) off();
  }
}
