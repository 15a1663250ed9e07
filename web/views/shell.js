// The signed-in frame: sidebar (a drawer on phones), top bar with the menu
// button, the connection banner, and the <main> element routes render into.
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { totalUnread } from '../reading.js';
import { app } from '../state.js';
import { mountBell } from './bell.js';
import { highlightPost, highlightSubject } from './highlight.js';
import { openProfile } from './profile.js';
import { mountSidebar } from './sidebar.js';

const NARROW = window.matchMedia('(max-width: 800px)');

export function mountShell(root, { signOut }) {
  const offs = [];
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1', dataset: { testid: 'main' } });
  const sidebarEl = h('nav', {
    id: 'sidebar',
    class: 'sidebar',
    'aria-label': t('nav.label'),
    dataset: { testid: 'sidebar' },
  });
  const menuButton = h(
    'button',
    {
      class: 'icon-btn menu-btn',
      'aria-controls': 'sidebar',
      'aria-expanded': 'false',
      dataset: { testid: 'menu-button' },
      onclick: () => setDrawer(!root.classList.contains('drawer-open')),
    },
    h('span', { class: 'burger', 'aria-hidden': 'true' }),
    h('span', { class: 'sr-only', text: t('nav.menu') }),
  );
  const title = h('span', { class: 'topbar-title', dataset: { testid: 'topbar-title' } }, 'Kaisha');
  // Search is always at hand: the top bar's box opens the results page (views/search.js).
  const searchInput = h('input', {
    type: 'search',
    name: 'q',
    maxlength: '200',
    autocomplete: 'off',
    placeholder: t('search.placeholder'),
    'aria-label': t('search.label'),
    dataset: { testid: 'search-box' },
  });
  const searchForm = h(
    'form',
    {
      class: 'topbar-search',
      role: 'search',
      onsubmit: (ev) => {
        ev.preventDefault();
        const q = searchInput.value.trim();
        if (q) location.hash = `#/search?${new URLSearchParams({ q })}`;
      },
    },
    searchInput,
  );
  const retry = h('button', {
    class: 'link-btn',
    dataset: { testid: 'conn-retry' },
    text: t('conn.retryNow'),
    onclick: () => app.conn?.retryNow(),
  });
  const bannerText = h('span', { text: t('conn.reconnecting') });
  const banner = h(
    'div',
    { class: 'conn-banner', role: 'status', hidden: true, dataset: { testid: 'conn-banner' } },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    bannerText,
    retry,
  );
  const scrim = h('div', { class: 'scrim', onclick: () => setDrawer(false) });
  const bell = mountBell();
  const mainCol = h('div', { class: 'main-col' }, h('header', { class: 'topbar' }, menuButton, title, searchForm, bell.el), banner, main);
  const frame = h(
    'div',
    { class: 'shell' },
    h('a', { class: 'skip-link', href: '#main', text: t('nav.skip'), onclick: skipToMain }),
    sidebarEl,
    scrim,
    mainCol,
  );
  root.replaceChildren(frame);

  function skipToMain(ev) {
    ev.preventDefault();
    main.focus();
  }

  function setDrawer(open) {
    root.classList.toggle('drawer-open', open);
    menuButton.setAttribute('aria-expanded', String(open));
    mainCol.inert = open; // keyboard and screen readers stay in the open drawer
    if (open) sidebarEl.querySelector('a, button')?.focus();
  }

  const sidebar = mountSidebar(sidebarEl, { signOut, closeDrawer: () => setDrawer(false) });

  let wasDown = false;
  function showState({ state }) {
    if (state === 'open') wasDown = false;
    if (state === 'down') wasDown = true;
    if (state === 'stopped') wasDown = false;
    banner.hidden = !(wasDown && (state === 'down' || state === 'connecting'));
  }
  if (app.conn) {
    offs.push(app.conn.on('state', showState));
    showState({ state: app.conn.state });
  }
  // The connection stopped for good (docs/protocol.md, close codes 4003, 4008):
  // say why (app.connProblem, set before or after this frame is drawn); after
  // 4008, Retry connects once more.
  function showProblem() {
    const problem = app.connProblem;
    if (!problem) return;
    banner.hidden = false;
    banner.classList.add('fatal');
    banner.setAttribute('role', 'alert');
    bannerText.textContent = problem === 'too-many' ? t('conn.tooMany') : t('conn.forbidden');
    if (problem !== 'too-many') {
      retry.remove();
      return;
    }
    retry.textContent = t('common.retry');
    retry.onclick = () => {
      app.connProblem = null;
      banner.classList.remove('fatal');
      banner.setAttribute('role', 'status');
      bannerText.textContent = t('conn.reconnecting');
      retry.textContent = t('conn.retryNow');
      retry.onclick = () => app.conn?.retryNow();
      banner.hidden = true;
      app.conn?.start();
    };
    banner.append(retry);
  }
  offs.push(app.on('conn-problem', showProblem));
  showProblem();
  // The tab's title: the page's, after the unread count of all one's channels.
  let pageTitle = '';
  function renderTitle() {
    const total = totalUnread();
    const count = total > 99 ? '(99+) ' : total ? `(${total}) ` : '';
    document.title = `${count}${pageTitle ? `${pageTitle} · ` : ''}Kaisha`;
  }
  offs.push(
    app.on('title', (text) => {
      pageTitle = text || '';
      title.textContent = text || 'Kaisha';
      renderTitle();
    }),
    app.on('unread', renderTitle),
    app.on('channels', renderTitle),
    app.on('highlight', highlightPost),
    app.on('highlightSubject', highlightSubject),
  );
  const onKey = (ev) => {
    if (ev.key === 'Escape' && root.classList.contains('drawer-open')) {
      setDrawer(false);
      menuButton.focus();
    }
  };
  document.addEventListener('keydown', onKey);
  offs.push(() => document.removeEventListener('keydown', onKey));
  // A mention's chip opens the person's card where one is (a new tab: #/people/<id>).
  const onMention = (ev) => {
    const chip = ev.target.closest?.('a.mention[data-user]');
    if (!chip || ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    openProfile(Number(chip.dataset.user));
  };
  root.addEventListener('click', onMention);
  offs.push(() => root.removeEventListener('click', onMention));
  const onWidth = () => !NARROW.matches && setDrawer(false);
  NARROW.addEventListener('change', onWidth);
  offs.push(() => NARROW.removeEventListener('change', onWidth));

  return {
    main,
    /** Called on every navigation: close the drawer, mark the current link, set the title. */
    routeChanged(name, params) {
      if (root.classList.contains('drawer-open')) setDrawer(false);
      bell.close();
      sidebar.highlight(name, params);
      searchInput.value = name === 'search' ? (new URLSearchParams(params[0] ?? '').get('q') ?? '') : '';
    },
    destroy() {
      for (const off of offs) off();
      sidebar.destroy();
      bell.destroy();
      root.classList.remove('drawer-open');
      root.replaceChildren();
    },
  };
}
