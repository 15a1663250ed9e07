// The bell in the top bar: the count of unread notifications, and the inbox
// it opens (a panel under the bar; the whole width on phones). Each entry says
// what happened and where; a click reads it and opens its post, highlighted
// (an event's, an announcement's or a survey's notification: that event,
// announcement or survey: web/notifications.js, notificationHref).
// "Mark all read", older pages, and the switch for browser notifications while
// the tab is hidden. The state is web/notifications.js's.
import { h } from '../dom.js';
import { formatFull, formatNumber, formatWhen, t } from '../i18n/index.js';
import { icon } from '../icons.js';
import {
  desktopState,
  inbox,
  isModeration,
  loadMoreNotifications,
  markNotificationsRead,
  notificationHref,
  notificationText,
  openNotification,
  setDesktop,
} from '../notifications.js';
import { app } from '../state.js';
import { errorText, toast } from './errors.js';

export function mountBell() {
  const count = h('span', { class: 'bell-count', hidden: true, dataset: { testid: 'bell-count' } });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'icon-btn bell',
      'aria-haspopup': 'dialog',
      'aria-expanded': 'false',
      'aria-controls': 'inbox',
      dataset: { testid: 'bell' },
      onclick: () => toggle(),
    },
    icon('bell'),
    count,
  );
  const list = h('ul', { class: 'inbox-list', dataset: { testid: 'inbox-list' } });
  const more = h('button', { type: 'button', class: 'btn small', hidden: true, dataset: { testid: 'inbox-more' }, text: t('notify.more'), onclick: older });
  const allRead = h('button', { type: 'button', class: 'link-btn', dataset: { testid: 'inbox-read-all' }, text: t('notify.readAll'), onclick: readAll });
  const desktop = h('label', { class: 'inbox-desktop small' });
  const panel = h(
    'div',
    { id: 'inbox', class: 'inbox', role: 'dialog', 'aria-labelledby': 'inbox-title', hidden: true, dataset: { testid: 'inbox' } },
    h('div', { class: 'inbox-head' }, h('h2', { id: 'inbox-title', text: t('notify.title') }), allRead),
    list,
    more,
    desktop,
  );
  const el = h('div', { class: 'bell-wrap' }, button, panel);

  function render() {
    const n = inbox.unread;
    count.hidden = n === 0;
    count.textContent = n > 99 ? '99+' : formatNumber(n);
    button.setAttribute('aria-label', n ? t('notify.bellUnread', { count: n }) : t('notify.bell'));
    button.classList.toggle('has-unread', n > 0);
    if (panel.hidden) return;
    allRead.disabled = n === 0;
    list.replaceChildren(...(inbox.items.length ? inbox.items.map(entry) : [h('li', { class: 'muted pad', dataset: { testid: 'inbox-empty' }, text: t('notify.empty') })]));
    more.hidden = inbox.before == null;
    renderDesktop();
  }

  function entry(n) {
    return h(
      'li',
      { class: `inbox-item${n.read ? '' : ' unread'}`, dataset: { testid: 'notification', id: String(n.id), kind: n.kind } },
      h(
        'a',
        {
          href: notificationHref(n),
          onclick: (ev) => {
            ev.preventDefault();
            close();
            openNotification(n);
          },
        },
        h('span', { class: 'inbox-dot', 'aria-hidden': 'true' }),
        h(
          'span',
          { class: 'inbox-text' },
          h('span', { class: 'inbox-what', dataset: { testid: 'notification-text' }, text: notificationText(n) }),
          n.excerpt && !isModeration(n) ? h('span', { class: 'inbox-excerpt', text: n.excerpt }) : null,
          h(
            'span',
            { class: 'inbox-meta muted small' },
            n.channel_id != null ? h('span', { text: `#${n.channel_name}` }) : null,
            n.channel_id != null ? ' · ' : null,
            h('time', { datetime: n.updated_at, title: formatFull(n.updated_at), text: formatWhen(n.updated_at) }),
          ),
        ),
        n.read ? null : h('span', { class: 'sr-only', text: t('notify.unread') }),
      ),
      !n.read
        ? h('button', {
            type: 'button',
            class: 'icon-btn inbox-mark',
            title: t('notify.markRead'),
            'aria-label': t('notify.markRead'),
            dataset: { testid: 'notification-read' },
            onclick: () => markNotificationsRead([n.id]).catch((err) => toast(errorText(err))),
          }, icon('check'))
        : null,
    );
  }

  function renderDesktop() {
    const state = desktopState();
    if (state === 'unsupported') {
      desktop.hidden = true;
      return;
    }
    const box = h('input', {
      type: 'checkbox',
      checked: state === 'on',
      disabled: state === 'denied',
      dataset: { testid: 'desktop-notify' },
      onchange: async () => {
        const now = await setDesktop(box.checked);
        if (box.checked && now !== 'on') toast(t('notify.desktopDenied'));
      },
    });
    desktop.replaceChildren(box, ' ', state === 'denied' ? t('notify.desktopDenied') : t('notify.desktop'));
  }

  async function older() {
    more.disabled = true;
    try {
      await loadMoreNotifications();
    } catch (err) {
      toast(errorText(err));
    } finally {
      more.disabled = false;
    }
  }

  async function readAll() {
    try {
      await markNotificationsRead('all');
    } catch (err) {
      toast(errorText(err));
    }
  }

  function open() {
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    render();
    document.addEventListener('pointerdown', outside, true);
    document.addEventListener('keydown', onKey);
    (list.querySelector('a') ?? allRead).focus();
  }

  function close({ focus = false } = {}) {
    if (panel.hidden) return;
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', outside, true);
    document.removeEventListener('keydown', onKey);
    if (focus) button.focus();
  }

  function toggle() {
    if (panel.hidden) open();
    else close();
  }

  function outside(ev) {
    if (!el.contains(ev.target)) close();
  }

  function onKey(ev) {
    if (ev.key === 'Escape') {
      ev.stopPropagation();
      close({ focus: true });
    }
  }

  const off = app.on('notifications', render);
  render();
  return {
    el,
    close,
    destroy() {
      off();
      close();
    },
  };
}
