// Boot and routing. Finds out whether someone is signed in, starts the
// connection manager for them, and maps the URL hash to a view:
//   #/signin  #/invite/<token>  #/welcome/<token>  #/  #/c/<id>  #/c/<id>/p/<post>
//   #/directory  #/people  #/admin
// A view module exports mount(container, params) returning {destroy, update?}.
import { ApiError, del, get, setCsrf, setUnauthorizedHandler } from './api.js';
import { Connection } from './conn.js';
import { h } from './dom.js';
import { detectLang, setLang, t } from './i18n/index.js';
import { reduceEverywhere } from './kinds/index.js';
import {
  app,
  forgetSession,
  membershipChanged,
  refreshChannels,
  rememberPosition,
  setPresence,
} from './state.js';
import { load, save, setStorageUser } from './storage.js';
import { startUnread } from './unread.js';
import { mountShell } from './views/shell.js';

const ROUTES = [
  { name: 'signin', re: /^#\/signin$/, public: true, load: () => import('./views/signin.js') },
  { name: 'invite', re: /^#\/invite\/([\w-]+)$/, public: true, load: () => import('./views/invite.js') },
  { name: 'welcome', re: /^#\/welcome\/([\w-]+)$/, public: true, load: () => import('./views/welcome.js') },
  { name: 'channel', re: /^#\/c\/(\d+)(?:\/p\/(\d+))?$/, load: () => import('./views/channel.js') },
  { name: 'directory', re: /^#\/directory$/, load: () => import('./views/directory.js') },
  { name: 'people', re: /^#\/people$/, load: () => import('./views/people.js') },
  { name: 'admin', re: /^#\/admin$/, load: () => import('./views/admin.js') },
  { name: 'home', re: /^#?\/?$/, load: () => import('./views/home.js') },
];

const root = document.getElementById('app');
let shell = null; // the signed-in frame (sidebar, banner), kept across routes
let current = null; // {name, key, view}
let routeToken = 0;
const sessionOff = [];

function parse(hash) {
  for (const r of ROUTES) {
    const m = r.re.exec(hash);
    if (m) return { route: r, params: m.slice(1) };
  }
  return null;
}

export async function route() {
  const token = ++routeToken;
  const hash = location.hash || '#/';
  const found = parse(hash);
  if (!app.me && !found?.route.public) {
    if (hash !== '#/signin') sessionStorage.setItem('kaisha:after-signin', hash);
    location.replace('#/signin');
    return;
  }
  if (app.me && found?.route.name === 'signin') {
    location.replace('#/');
    return;
  }
  const name = found?.route.name ?? 'notfound';
  const params = found?.params ?? [];
  // The channel view handles the thread part of its URL itself.
  if (current && current.name === name && name === 'channel' && current.params[0] === params[0]) {
    current.params = params;
    current.view.update?.(params);
    return;
  }
  const module = found ? await found.route.load() : await import('./views/notfound.js');
  if (token !== routeToken) return; // a newer navigation won
  current?.view.destroy?.();
  current = null;
  let container;
  if (found?.route.public) {
    shell?.destroy();
    shell = null;
    container = root;
    root.replaceChildren();
  } else {
    shell ??= mountShell(root, { signOut });
    container = shell.main;
    container.replaceChildren();
    shell.routeChanged(name, params);
  }
  root.setAttribute('aria-busy', 'false');
  current = { name, params, view: module.mount(container, params, { signedIn }) ?? {} };
}

/** Start everything that lives while someone is signed in. */
export function signedIn(session) {
  if (app.me) teardown(); // another account (an invitation accepted while signed in)
  setCsrf(session.csrf_token);
  app.me = session.user;
  setStorageUser(app.me.id);
  app.myStatus = load('status', 'online');
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const conn = new Connection(`${scheme}://${location.host}/ws`);
  conn.status = app.myStatus;
  conn.resumeMe(load('me-position', null));
  app.conn = conn;
  startUnread();
  sessionOff.push(
    conn.on('position', rememberPosition),
    conn.on('state', ({ state }) => {
      document.documentElement.dataset.conn = state; // for tests and styling
    }),
    conn.on('presence', (f) => setPresence(f.user, f.status)),

    // Added to or removed from a channel (invited, moved to another department
    // by an admin, joined or left on another device): the sidebar follows.
    conn.on('personal', (f) => {
      if (f.kind === 'membership.added' || f.kind === 'membership.removed') {
        membershipChanged(f.data.channel_id, f.kind === 'membership.added').catch(() => {});
      }
    }),
    conn.on('personal-reset', () => refreshChannels().catch(() => {})),
    conn.on('me-position', (p) => save('me-position', p)),
    // What events of every followed channel change in the shared state (the
    // sidebar's names, unread counts): web/kinds/. The open channel's view
    // applies them to its own store.
    conn.on('event', reduceEverywhere),
    conn.on('unauthorized', () => signedOut('expired')),
    conn.on('forbidden', () => app.emit('forbidden')),
  );
  setPresence(app.me.id, app.myStatus);
  conn.start();
  refreshChannels().catch(() => {});
  app.emit('me', app.me);
}

async function signOut() {
  try {
    await del('/api/session');
  } catch {
    /* signed out locally anyway; the cookie expires on its own */
  }
  signedOut('signed-out');
}

function teardown() {
  for (const off of sessionOff.splice(0)) off();
  app.conn?.stop();
  app.conn = null;
  delete document.documentElement.dataset.conn;
  forgetSession();
  setStorageUser(null);
  setCsrf(null);
}

/** Stop the session's machinery and show the sign-in page (with a reason). */
export function signedOut(reason) {
  if (!app.me) return;
  teardown();
  if (reason) sessionStorage.setItem('kaisha:signin-reason', reason);
  current?.view.destroy?.();
  current = null;
  shell?.destroy();
  shell = null;
  if (location.hash === '#/signin') route();
  else location.hash = '#/signin';
}

/** Re-render in another language (the choice is saved). */
function switchLanguage(code) {
  setLang(code, { persist: true });
  current?.view.destroy?.();
  current = null;
  shell?.destroy();
  shell = null;
  route();
}

function unreachable(retry) {
  root.replaceChildren(
    h(
      'div',
      { class: 'center-card', role: 'alert', dataset: { testid: 'unreachable' } },
      h('h1', { text: 'Kaisha' }),
      h('p', { text: t('boot.unreachable') }),
      h('button', { class: 'btn primary', onclick: retry, text: t('common.retry') }),
    ),
  );
}

let started = false;

async function boot() {
  setLang(detectLang());
  try {
    signedIn(await get('/api/session'));
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) {
      unreachable(() => boot());
      setTimeout(() => !started && boot(), 5000);
      return;
    }
  }
  if (!started) {
    started = true;
    setUnauthorizedHandler(() => signedOut('expired'));
    app.on('language', switchLanguage);
    window.addEventListener('hashchange', () => route());
    window.addEventListener('online', () => app.conn?.retryNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') app.conn?.retryNow();
    });
  }
  route();
}

boot();
