// The channel's header: its name, kind, privacy (a private group, a closed
// department), whether it is archived, and description, and the
// buttons: members, the files shared there, and what the person's rights
// allow (the channel's can_* from the server): edit, invite, leave. Drawn from the channel's store and again when
// it changes; what the buttons do is the channel view's (views/channel.js).
import { put } from '../api.js';
import { channelName, isDirect, partnerOf } from '../direct.js';
import { h, setChildren } from '../dom.js';
import { icon } from '../icons.js';
import { formatFull, formatNumber, t } from '../i18n/index.js';
import { app, channelById, notifyLevelChanged } from '../state.js';
import { errorText, toast } from './errors.js';

const LEVELS = ['all', 'mentions', 'none'];

/**
 * @param store    the channel's ChannelStore
 * @param actions  {toggleMembers, membersOpen() -> bool, toggleFiles, filesOpen() -> bool,
 *                  edit, invite, leave}
 */
export function channelHeader(store, actions) {
  const el = h('header', { class: 'channel-head', dataset: { testid: 'channel-header' } });

  function render() {
    const channel = store.channel;
    if (!channel) return;
    const kind = channel.kind === 'department' ? t('channel.department') : isDirect(channel) ? t('channel.direct') : t('channel.group');
    // On phones the buttons show their icons only (style.css), so the header
    // stays one or two rows high; their names stay for screen readers.
    const label = (text) => h('span', { class: 'btn-text', text });
    const buttons = [
      h(
        'button',
        {
          class: 'btn small',
          'aria-pressed': String(actions.membersOpen()),
          title: t('channel.members', { count: channel.member_count }),
          dataset: { testid: 'members-toggle' },
          onclick: actions.toggleMembers,
        },
        icon('people'),
        label(t('channel.members', { count: channel.member_count })),
        // The count alone, on phones (drawn by CSS, so it is not the button's text twice).
        h('span', { class: 'btn-count', 'aria-hidden': 'true', dataset: { count: formatNumber(channel.member_count) } }),
      ),
      h(
        'button',
        {
          class: 'btn small',
          'aria-pressed': String(actions.filesOpen()),
          title: t('files.title'),
          dataset: { testid: 'files-toggle' },
          onclick: actions.toggleFiles,
        },
        icon('files'),
        label(t('files.title')),
      ),
    ];
    if (channel.can_edit) {
      buttons.push(
        h('button', { class: 'btn small ghost', title: t('channel.edit'), dataset: { testid: 'edit-channel' }, onclick: actions.edit }, icon('pencil'), label(t('channel.edit'))),
      );
    }
    if (channel.can_invite) {
      buttons.push(h('button', { class: 'btn small', title: t('channel.invite'), dataset: { testid: 'invite-people' }, onclick: actions.invite }, icon('userPlus'), label(t('channel.invite'))));
    }
    const level = notifyControl(channel);
    if (level) buttons.push(level);
    if (channel.can_leave) {
      buttons.push(h('button', { class: 'btn small ghost', title: t('channel.leave'), dataset: { testid: 'leave-channel' }, onclick: actions.leave }, icon('logout'), label(t('channel.leave'))));
    }
    // Keep keyboard focus on the button it was on: the header is drawn anew.
    const focused = el.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    setChildren(el,
      h(
        'div',
        { class: 'channel-title-row' },
        h('h1', { id: 'channel-title', dataset: { testid: 'channel-name' } }, h('span', { class: 'hash' }, icon(isDirect(channel) ? 'people' : channel.is_private ? 'lock' : 'hash', { size: 20 })), channelName(channel)),
        h('span', { class: 'tag', text: kind }),
        isDirect(channel) ? null : privacyTag(channel),
        partnerOf(channel) && !partnerOf(channel).active ? h('span', { class: 'tag archived', dataset: { testid: 'deactivated-tag' }, text: t('people.deactivated') }) : null,
        channel.blocked ? h('span', { class: 'tag private', dataset: { testid: 'blocked-tag' }, text: t('dm.blocked') }) : null,
        channel.archived ? h('span', { class: 'tag archived', dataset: { testid: 'archived-tag' }, text: t('channel.archived') }) : null,
      ),
      channel.description ? h('p', { class: 'channel-desc muted', text: channel.description }) : null,
      channel.history_from ? h('p', { class: 'channel-desc muted small', dataset: { testid: 'history-from' }, text: t('dm.historyFrom', { when: formatFull(channel.history_from) }) }) : null,
      h('div', { class: 'channel-actions' }, buttons),
    );
    if (focused) focus(focused);
  }

  /**
   * What of this channel notifies the person (a member: the list has their
   * level): all posts, mentions only, or nothing (muted: no badge either).
   */
  function notifyControl(channel) {
    const level = channelById(channel.id)?.notify;
    if (!level) return null;
    const select = h(
      'select',
      {
        class: 'notify-level',
        'aria-label': t('notify.level'),
        title: t('notify.level'),
        dataset: { testid: 'notify-level' },
        onchange: async () => {
          const wanted = select.value;
          try {
            const answer = await put(`/api/channels/${channel.id}/notify`, { level: wanted });
            notifyLevelChanged(channel.id, answer.level);
          } catch (err) {
            select.value = level;
            toast(errorText(err));
          }
        },
      },
      LEVELS.map((value) => h('option', { value, selected: value === level, text: t(`notify.level.${value}`) })),
    );
    return h('span', { class: `btn small notify-pick${level === 'none' ? ' muted-on' : ''}` }, icon(level === 'none' ? 'bellOff' : 'bell'), select);
  }

  /** A private group's tag, or a closed department's (with who may read it). */
  function privacyTag(channel) {
    if (!channel.is_private) return null;
    if (channel.kind === 'department') {
      return h('span', { class: 'tag private', title: t('channel.closedHint'), dataset: { testid: 'closed-tag' } }, icon('lock', { size: 12 }), t('channel.closed'));
    }
    return h('span', { class: 'tag private', dataset: { testid: 'private-tag' }, text: t('channel.private') });
  }

  function focus(testid) {
    el.querySelector(`[data-testid="${testid}"]`)?.focus();
  }

  const offs = [store.on('channel', render), app.on('channels', render)];
  render();
  return {
    el,
    render,
    focus,
    destroy: () => offs.forEach((off) => off()),
  };
}
