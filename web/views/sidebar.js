// The sidebar: the person and their status, navigation, the channels they are
// in (Departments, Interest groups, Direct messages newest first) with unread counts (the server's, as
// web/reading.js keeps them), language and sign-out.
import { get } from '../api.js';
import { avatar, h, setChildren } from '../dom.js';
import { icon } from '../icons.js';
import { LANGUAGES, formatNumber, lang, t } from '../i18n/index.js';
import { app, canModerate, isAdmin, setMyStatus } from '../state.js';
import { unreadCount } from '../reading.js';
import { openProfile, statusDot } from './profile.js';
import { conversationName, isDirect, lastActivity, partnerOf } from '../direct.js';
import { openNewMessage } from './new_message.js';

export function mountSidebar(el, { signOut }) {
  const offs = [];
  const links = new Map(); // route key -> <a>

  const statusButton = h('button', {
    class: 'status-toggle',
    dataset: { testid: 'status-toggle' },
    onclick: () => setMyStatus(app.myStatus === 'away' ? 'online' : 'away'),
  });
  // What one chose (online, away), while connected; offline while this page is
  // not (others see one as offline unless another tab or device is connected).
  function renderStatus() {
    const connected = app.conn?.state === 'open';
    const status = connected ? (app.myStatus === 'away' ? 'away' : 'online') : 'offline';
    statusButton.replaceChildren(
      h('span', { class: `dot ${status}`, 'aria-hidden': 'true' }),
      h('span', { text: t(`status.${status}`) }),
    );
    statusButton.setAttribute('aria-label', t('status.toggle', { status: t(`status.${status}`) }));
    statusButton.title = connected ? '' : t('status.notConnected');
    statusButton.dataset.status = status;
  }

  const meButton = h('button', { class: 'me-name', onclick: () => openProfile(app.me.id), title: t('people.profile') });
  // Drawn again when one's own account changes (a department move, a new role).
  function renderMe() {
    setChildren(meButton,
      avatar(app.me),
      h(
        'span',
        { class: 'me-text' },
        h('strong', { text: app.me.display_name, dataset: { testid: 'me-name' } }),
        h('small', { text: app.me.department ?? t('people.noDepartment'), dataset: { testid: 'me-department' } }),
      ),
    );
  }
  const settingsLink = h(
    'a',
    { href: '#/settings', class: 'me-settings', dataset: { testid: 'nav-settings' } },
    icon('settings', { size: 14 }),
    t('nav.settings'),
  );
  links.set('settings', settingsLink);
  const meCard = h('div', { class: 'me', dataset: { testid: 'me' } }, meButton, h('div', { class: 'me-row' }, statusButton, settingsLink));

  function navLink(key, href, label, testid, iconName) {
    const a = h('a', { href, class: 'nav-link', dataset: { testid } }, icon(iconName, { size: 16 }), label);
    links.set(key, a);
    return h('li', {}, a);
  }

  const nav = h('ul', { class: 'nav-list' });
  // Whether one mentors anyone (the "My newcomers" link): asked once, and
  // again when one's pairings change (`mentors.updated`).
  let mentoring = false;
  function askMentoring() {
    get('/api/me/newcomers', { quiet: true })
      .then((found) => {
        // Whose questions one may mark answered as their mentor (views/post.js).
        app.mentees = new Set(found.map((n) => n.person.id));
        if (mentoring !== found.length > 0) {
          mentoring = found.length > 0;
          renderNav();
          highlight(lastRoute.name, lastRoute.params);
        }
      })
      .catch(() => {});
  }
  // Questions waiting for an answer that one answers for (a mentor's
  // newcomers', or every one for a moderator): a count beside "Questions",
  // asked at start and every minute.
  const waitingCount = h('span', { class: 'badge nav-count', hidden: true, dataset: { testid: 'questions-waiting' } });
  function askWaiting() {
    get('/api/questions/waiting', { quiet: true })
      .then(({ count }) => {
        waitingCount.textContent = String(count);
        waitingCount.hidden = count === 0;
        waitingCount.title = t('questions.waiting', { count });
      })
      .catch(() => {});
  }
  // Surveys one has not answered yet, open now: a mark beside "Surveys",
  // asked at start and whenever one opens, is answered, or a reminder comes.
  const surveyCount = h('span', { class: 'badge nav-count', hidden: true, dataset: { testid: 'surveys-waiting' } });
  function askSurveys() {
    get('/api/surveys', { quiet: true })
      .then(({ surveys }) => {
        const count = surveys.filter((s) => s.can_answer).length;
        surveyCount.textContent = String(count);
        surveyCount.hidden = count === 0;
        surveyCount.title = t('surveys.waiting', { count });
      })
      .catch(() => {});
  }
  const waitingTimer = setInterval(askWaiting, 60_000);
  offs.push(() => clearInterval(waitingTimer));

  function renderNav() {
    links.delete('admin');
    links.delete('welcome');
    links.delete('newcomers');
    links.delete('moderation');
    setChildren(nav,
      navLink('home', '#/', t('nav.home'), 'nav-home', 'home'),
      app.me.newcomer ? navLink('welcome', '#/welcome', t('nav.welcome'), 'nav-welcome', 'check') : null,
      mentoring ? navLink('newcomers', '#/newcomers', t('nav.newcomers'), 'nav-newcomers', 'people') : null,
      navLink('announcements', '#/announcements', t('nav.announcements'), 'nav-announcements', 'bell'),
      navLink('questions', '#/questions', t('nav.questions'), 'nav-questions', 'comment'),
      navLink('surveys', '#/surveys', t('nav.surveys'), 'nav-surveys', 'check'),
      navLink('events', '#/events', t('nav.events'), 'nav-events', 'calendar'),
      navLink('directory', '#/directory', t('nav.directory'), 'nav-directory', 'compass'),
      navLink('people', '#/people', t('nav.people'), 'nav-people', 'people'),
      canModerate() ? navLink('moderation', '#/moderation', t('nav.moderation'), 'nav-moderation', 'check') : null,
      isAdmin() ? navLink('admin', '#/admin', t('nav.admin'), 'nav-admin', 'shield') : null,
    );
    links.get('questions')?.append(waitingCount);
    links.get('surveys')?.append(surveyCount);
  }

  const departments = h('ul', { class: 'channel-list', dataset: { testid: 'dept-channels' } });
  const groups = h('ul', { class: 'channel-list', dataset: { testid: 'group-channels' } });
  const deptHeading = h('h2', { class: 'side-heading', id: 'side-depts', text: t('nav.departments') });
  const groupHeading = h('h2', { class: 'side-heading', id: 'side-groups', text: t('nav.groups') });
  departments.setAttribute('aria-labelledby', 'side-depts');
  groups.setAttribute('aria-labelledby', 'side-groups');
  // Archived channels one is still in (read-only), when there are any.
  const archived = h('ul', { class: 'channel-list', 'aria-labelledby': 'side-archived', dataset: { testid: 'archived-channels' } });
  const archivedHeading = h('h2', { class: 'side-heading', id: 'side-archived', text: t('nav.archived') });
  // Conversations, the one moved last first, with the other person's presence
  // (one to one) and a button to start a new one.
  const directs = h('ul', { class: 'channel-list', 'aria-labelledby': 'side-direct', dataset: { testid: 'direct-channels' } });
  const directHeading = h(
    'div',
    { class: 'side-heading-row' },
    h('h2', { class: 'side-heading', id: 'side-direct', text: t('nav.direct') }),
    h('button', { class: 'icon-btn small', title: t('dm.new'), 'aria-label': t('dm.new'), dataset: { testid: 'new-message' }, onclick: openNewMessage }, icon('plus', { size: 14 })),
  );

  function badge(count) {
    if (!count) return null;
    return h('span', {
      class: 'badge',
      dataset: { testid: 'unread-badge' },
      'aria-label': t('nav.unread', { count }),
      text: count > 99 ? `${formatNumber(99)}+` : formatNumber(count),
    });
  }

  /** A conversation's mark: the other person's presence (one to one), else a group's icon. */
  function directMark(c) {
    const partner = partnerOf(c);
    if (!partner) return h('span', { class: 'hash' }, icon('people', { size: 16 }));
    const status = partner.active ? app.presence.get(partner.id) ?? 'offline' : 'offline';
    return h('span', { class: 'hash dm-presence', dataset: { testid: 'dm-presence', status } }, statusDot(status));
  }

  function channelLink(c) {
    const count = unreadCount(c.id);
    const label = h('span', { class: 'channel-name', text: isDirect(c) ? conversationName(c) : c.name });
    const a = h(
      'a',
      {
        href: `#/c/${c.id}`,
        class: `nav-link channel-link${count ? ' unread' : ''}`,
        dataset: { testid: 'channel-link', channelId: String(c.id) },
      },
      isDirect(c) ? directMark(c) : h('span', { class: 'hash' }, icon(c.is_private ? 'lock' : 'hash', { size: 16 })),
      label,
      c.notify === 'none'
        ? h('span', { class: 'muted-mark', title: t('notify.level.none'), dataset: { testid: 'muted-mark' } }, icon('bellOff', { size: 14 }), h('span', { class: 'sr-only', text: t('notify.level.none') }))
        : null,
      badge(count),
    );
    links.set(`channel:${c.id}`, a);
    return h('li', {}, a);
  }

  /** One channel's count changed: its badge alone is drawn again (focus stays where it is). */
  function renderUnread({ channel }) {
    if (channel === null) {
      renderChannels();
      return;
    }
    const a = links.get(`channel:${channel}`);
    if (!a) return;
    const count = unreadCount(channel);
    a.querySelector('.badge')?.remove();
    const shown = badge(count);
    if (shown) a.append(shown);
    a.classList.toggle('unread', count > 0);
  }

  function renderChannels() {
    for (const key of [...links.keys()]) if (key.startsWith('channel:')) links.delete(key);
    const live = app.channels.filter((c) => !c.archived);
    const depts = live.filter((c) => c.kind === 'department');
    const grps = live.filter((c) => c.kind === 'group');
    const convs = live.filter(isDirect).sort((a, b) => lastActivity(b).localeCompare(lastActivity(a)) || b.id - a.id);
    directs.replaceChildren(
      ...(convs.length ? convs.map(channelLink) : [h('li', { class: 'muted small', text: t('dm.none') })]),
    );
    const old = app.channels.filter((c) => c.archived);
    archived.replaceChildren(...old.map(channelLink));
    archived.hidden = archivedHeading.hidden = old.length === 0;
    departments.replaceChildren(
      ...(depts.length ? depts.map(channelLink) : [h('li', { class: 'muted small', text: t('nav.noDepartment') })]),
    );
    groups.replaceChildren(
      ...(grps.length
        ? grps.map(channelLink)
        : [h('li', {}, h('a', { href: '#/directory', class: 'muted small', text: t('nav.findGroups') }))]),
    );
    highlight(lastRoute.name, lastRoute.params);
  }

  const langSelect = h(
    'select',
    {
      id: 'lang-select',
      dataset: { testid: 'lang-select' },
      onchange: (ev) => app.emit('language', ev.target.value),
    },
    Object.entries(LANGUAGES).map(([code, name]) =>
      h('option', { value: code, selected: code === lang(), text: name }),
    ),
  );

  el.replaceChildren(
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true', text: '会' }), 'Kaisha'),
    meCard,
    nav,
    deptHeading,
    departments,
    groupHeading,
    groups,
    directHeading,
    directs,
    archivedHeading,
    archived,
    h(
      'div',
      { class: 'side-footer' },
      h('label', { for: 'lang-select', class: 'small', text: t('nav.language') }),
      langSelect,
      h('a', { href: '#/terms', class: 'small', dataset: { testid: 'nav-terms' }, text: t('nav.terms') }),
      h('button', {
        class: 'btn ghost',
        dataset: { testid: 'sign-out' },
        onclick: signOut,
        text: t('nav.signOut'),
      }),
    ),
  );

  let lastRoute = { name: null, params: [] };
  function highlight(name, params) {
    lastRoute = { name, params };
    const key = name === 'channel' ? `channel:${params[0]}` : name;
    for (const [k, a] of links) {
      if (k === key) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  renderMe();
  renderNav();
  renderStatus();
  renderChannels();
  askMentoring();
  askWaiting();
  askSurveys();
  offs.push(
    app.on('onboarding', (f) => f.kind === 'mentors.updated' && f.data.newcomer.id !== app.me?.id && askMentoring()),
    app.on('surveys', askSurveys),
    app.on('channels', renderChannels),
    app.on('unread', renderUnread),
    app.on('presence', ({ user }) => {
      if (user === app.me?.id) renderStatus();
      if (app.channels.some((c) => partnerOf(c)?.id === user)) renderChannels();
    }),
    app.on('me', () => {
      if (!app.me) return;
      renderMe();
      renderNav();
      highlight(lastRoute.name, lastRoute.params);
    }),
  );
  if (app.conn) offs.push(app.conn.on('state', renderStatus));
  return {
    highlight,
    destroy() {
      for (const off of offs) off();
    },
  };
}
