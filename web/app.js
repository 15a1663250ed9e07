// Boot and routing. Finds out whether someone is signed in, starts the
// connection manager for them, and maps the URL hash to a view:
//   #/signin  #/invite/<token>  #/reset/<token>  #/  #/c/<id>  #/c/<id>/p/<post>
//   #/directory  #/people  #/people/<id> (with their card open)  #/admin  #/search?q=…
//   #/settings(?section)  #/moderation (moderators, admins)  #/reset/<token>  #/unsubscribe/<token> (a mail's link)  #/terms
//   #/welcome (a newcomer's welcome page)  #/newcomers (a mentor's newcomers)
//   #/questions (open questions)  #/events  #/events/<id> (events: イベント)
//   #/surveys  #/surveys/new  #/surveys/<id>(/results)  #/surveys/template/<key> (surveys)
//   #/analytics (usage analytics, admins)
//   #/questions (open questions)  #/announcements(/<id>) (announcements, their rates)
// Signing out, or being signed out (a close code, a 401), ends everything the
// session started and clears what the person left in the browser (drafts,
// status: storage.js's forgetPeople).
// A view module exports mount(container, params) returning {destroy, update?}.
import { ApiError, del, get, patch, setCsrf, setUnauthorizedHandler } from './api.js';
import { Connection } from './conn.js';
import { h } from './dom.js';
import { detectLang, lang, setLang, t } from './i18n/index.js';
import { reduceEverywhere } from './kinds/index.js';
import {
  accountUpdated,
  app,
  forgetSession,
  membershipChanged,
  notifyLevelChanged,
  refreshChannels,
  refreshMe,
  setPresence,
} from './state.js';
import { forgetInbox, notificationEvent, refreshInbox } from './notifications.js';
import { noteEvent, readMoved } from './reading.js';
import { noteActivity } from './direct.js';
import { forgetTerms, termsEvent, termsStanding } from './terms.js';
import { forgetPeople, load, save, setStorageUser } from './storage.js';
import { hideToast } from './views/errors.js';
import { mountShell } from './views/shell.js';
import { watchTerms } from './views/terms_prompt.js';

const ROUTES = [
  { name: 'signin', re: /^#\/signin$/, public: true, load: () => import('./views/signin.js') },
  { name: 'invite', re: /^#\/invite\/([\w-]+)$/, public: true, load: () => import('./views/invite.js') },
  { name: 'channel', re: /^#\/c\/(\d+)(?:\/p\/(\d+))?$/, load: () => import('./views/channel.js') },
  { name: 'directory', re: /^#\/directory$/, load: () => import('./views/directory.js') },
  { name: 'people', re: /^#\/people(?:\/(\d+))?$/, load: () => import('./views/people.js') },
  { name: 'search', re: /^#\/search(?:\?(.*))?$/, load: () => import('./views/search.js') },
  { name: 'admin', re: /^#\/admin$/, load: () => import('./views/admin.js') },
  { name: 'analytics', re: /^#\/analytics$/, load: () => import('./views/analytics.js') },
  { name: 'settings', re: /^#\/settings(?:\?(\w+))?$/, load: () => import('./views/settings.js') },
  { name: 'welcome', re: /^#\/welcome$/, load: () => import('./views/welcome.js') },
  { name: 'newcomers', re: /^#\/newcomers$/, load: () => import('./views/newcomers.js') },
  { name: 'terms', re: /^#\/terms$/, load: () => import('./views/terms.js') },
  { name: 'moderation', re: /^#\/moderation$/, load: () => import('./views/moderation.js') },
  { name: 'questions', re: /^#\/questions$/, load: () => import('./views/questions.js') },
  { name: 'surveys', re: /^#\/surveys(?:\/(new|template\/\w+|\d+)(?:\/(results))?)?$/, load: () => import('./views/surveys.js') },
  { name: 'events', re: /^#\/events(?:\/(\d+))?$/, load: () => import('./views/events.js') },
  { name: 'announcements', re: /^#\/announcements(?:\/(\d+))?$/, load: () => import('./views/announcements.js') },
  { name: 'reset', re: /^#\/reset\/([\w-]+)$/, public: true, load: () => import('./views/reset.js') },
  { name: 'unsubscribe', re: /^#\/unsubscribe\/([\w-]+)$/, public: true, load: () => import('./views/unsubscribe.js') },
  { name: 'home', re: /^#?\/?$/, load: () => import('./views/home.js') },
];

const LIST_WITHOUT_SOCKET_MS = 500;

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
  hideToast(); // what it said was about the page one left
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
  current = { name, params, view: module.mount(container, params, { signedIn, signOut }) ?? {} };
}

/** Start everything that lives while someone is signed in. */
export function signedIn(session) {
  if (app.me) teardown(); // another account (an invitation accepted while signed in)
  setCsrf(session.csrf_token);
  app.me = session.user;
  setStorageUser(app.me.id);
  app.myStatus = load('status', 'online');
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  // Kept by earlier versions, now the server's (read state) or not needed (the
  // lists are fetched again after subscribing): gone at the next sign-in.
  for (const old of ['unread', 'positions', 'me-position']) save(old, null);
  tellLanguage();
  const conn = new Connection(`${scheme}://${location.host}/ws`);
  conn.status = app.myStatus;
  app.conn = conn;
  let helloSeen = false;
  let listSoon = null; // the channel list without waiting for the socket (below)
  sessionOff.push(
    conn.on('state', ({ state }) => {
      document.documentElement.dataset.conn = state; // for tests and styling
      // Not connected, one is offline as far as this page knows.
      if (app.me) setPresence(app.me.id, state === 'open' ? app.myStatus : 'offline');
    }),
    conn.on('presence', (f) => setPresence(f.user, f.status)),

    // Added to or removed from a channel (invited, moved to another department
    // by an admin, joined or left on another device): the sidebar follows.
    // One's own account changed (renamed, moved, another role): the own card
    // and whatever depends on one's role follow. A channel read here or on
    // another device: its badge says what the server counted.
    conn.on('personal', (f) => {
      if (f.kind === 'membership.added' || f.kind === 'membership.removed') {
        membershipChanged(f.data.channel_id, f.kind === 'membership.added').catch(() => {});
      } else if (f.kind === 'account.updated') {
        accountUpdated(f.data);
      } else if (f.kind === 'read.moved') {
        readMoved(f.data);
      } else if (f.kind === 'preference.changed') {
        notifyLevelChanged(f.data.channel_id, f.data.level);
      } else if (f.kind.startsWith('notification.')) {
        notificationEvent(f);
        // A survey opened for one, or a reminder: the surveys list and mark follow.
        if (f.kind === 'notification.added' && f.data.notification.kind.startsWith('survey')) app.emit('surveys', f);
      } else if (f.kind === 'survey.answered') {
        // Answered on another device, or (its author, admins) a new count.
        app.emit('surveys', f);
      } else if (f.kind === 'mentors.updated' || f.kind === 'checklist.updated') {
        // A newcomer's mentors or checklist (one's own, or of a newcomer one
        // mentors): the welcome page, "My newcomers" and the sidebar follow.
        app.emit('onboarding', f);
      } else if (f.kind === 'block.added' || f.kind === 'block.removed') {
        // A conversation of two with them takes nothing more (or again).
        refreshChannels().catch(() => {});
        app.emit('blocks');
      } else if (f.kind === 'terms.published' || f.kind === 'terms.accepted') {
        termsEvent(f);
      } else if (f.kind === 'gathering.changed') {
        app.emit('gathering', f.data.gathering); // a company-wide event (web/kinds/gatherings.js)
      } else if (f.kind.startsWith('announcement.')) {
        // Published for one, edited, or confirmed on another device: home's
        // pinned ones and the announcements pages follow.
        app.emit('announcement', f);
      }
    }),
    // Subscribed to one's own stream without a replay: at every page load
    // (nothing is saved between pages), or after a position the server could
    // not replay. Whatever was written before the subscription (after the
    // session was fetched at boot, say) will never come as an event: fetch
    // what the stream feeds now, when everything after is sure to come live.
    conn.on('personal-reset', () => {
      clearTimeout(listSoon);
      refreshChannels().catch(() => {});
      refreshMe().catch(() => {});
      refreshInbox().catch(() => {});
    }),
    // A channel's events could not be replayed: its counts too are stale.
    conn.on('reset', ({ hadPosition }) => hadPosition && refreshChannels().catch(() => {})),
    // What events of every followed channel change in the shared state: the
    // sidebar's names (web/kinds/) and unread counts (web/reading.js). The open
    // channel's view applies them to its own store.
    conn.on('event', reduceEverywhere),
    conn.on('event', noteEvent),
    conn.on('event', noteActivity),
    // The server ended a subscription (one left or was removed elsewhere).
    conn.on('access-lost', () => refreshChannels().catch(() => {})),
    // Back after a drop: whatever changed about oneself meanwhile.
    conn.on('hello', () => {
      if (helloSeen) refreshMe().catch(() => {});
      helloSeen = true;
    }),
    conn.on('unauthorized', ({ reason }) => signedOut(whyUnauthorized(reason))),
    conn.on('forbidden', ({ reason }) => shutOut(reason)),
    conn.on('too-many', () => connectionRefused('too-many')),
  );
  // Where one stands with the terms of use: from GET /api/session (at boot, and
  // again after subscribing to one's own stream), then from that stream.
  termsStanding(session.terms);
  sessionOff.push(
    app.on('session', (fresh) => termsStanding(fresh.terms)),
    watchTerms(),
  );
  setPresence(app.me.id, app.myStatus);
  conn.start();
  // The channel list (the costliest read of a page load: unread counts of
  // every channel) is fetched once, after `subbed_me` (above); a socket slow
  // to open does not keep the sidebar empty for longer than this.
  listSoon = setTimeout(() => refreshChannels().catch(() => {}), LIST_WITHOUT_SOCKET_MS);
  sessionOff.push(() => clearTimeout(listSoon));
  app.emit('me', app.me);
}

async function signOut() {
  // Hang up first: the server closes this session's sockets as it ends it, and
  // this tab should not take that for a sign-out in another tab.
  app.conn?.stop('signing-out');
  try {
    await del('/api/session');
  } catch {
    /* signed out locally anyway; the cookie expires on its own */
  }
  signedOut('signed-out');
}

/**
 * Why a socket was closed with 4001, from the server's close reason (org/auth.py's
 * kicks): each is a reason key of the sign-in page. Anything else: the session ended.
 */
const UNAUTHORIZED_REASONS = {
  signed_out: 'signed-out-elsewhere', // this session signed out, in another tab
  session_ended: 'session-ended', // from the sessions list, elsewhere
  password_changed: 'password-changed', // a password change or reset ended the others
  token_revoked: 'session-ended',
};

function whyUnauthorized(reason) {
  return UNAUTHORIZED_REASONS[reason] ?? 'expired';
}

/**
 * A socket closed with 4003: the account was deactivated, or the page's origin
 * is not allowed. A deactivated account's sessions are gone, so the session
 * answers 401; otherwise say what the server said and stay.
 */
async function shutOut(reason) {
  if (reason === 'deactivated' || reason === 'suspended') {
    signedOut(reason);
    return;
  }
  const me = app.me;
  try {
    await get('/api/session', { quiet: true });
    if (app.me === me) connectionRefused('forbidden');
  } catch (err) {
    if (app.me !== me) return;
    if (err instanceof ApiError && err.status === 401) signedOut('deactivated');
    else connectionRefused('forbidden');
  }
}

/**
 * The connection stopped for a reason the person should read (4003 without a
 * deactivation, 4008): kept in `app.connProblem`, which the shell shows when
 * it is drawn and whenever it changes (it may be drawn after the close).
 */
function connectionRefused(problem) {
  app.connProblem = problem;
  app.emit('conn-problem', problem);
}

function teardown() {
  for (const off of sessionOff.splice(0)) off();
  app.conn?.stop();
  app.conn = null;
  app.connProblem = null;
  delete document.documentElement.dataset.conn;
  forgetSession();
  forgetInbox();
  setStorageUser(null);
  forgetPeople();
  forgetTerms();
  setCsrf(null);
}

/**
 * Stop the session's machinery, clear what the person left in the browser and
 * show the sign-in page (with a reason: a key of signin.reason.*).
 */
export function signedOut(reason) {
  if (!app.me) return;
  // The views first: a composer saves its draft when it goes, and must find
  // the person's storage still there to be cleared with the rest.
  current?.view.destroy?.();
  current = null;
  shell?.destroy();
  shell = null;
  for (const dialog of document.querySelectorAll('dialog')) dialog.close();
  hideToast();
  teardown();
  if (reason) sessionStorage.setItem('kaisha:signin-reason', reason);
  if (location.hash === '#/signin') route();
  else location.hash = '#/signin';
}

/**
 * The server writes one's mail in one's language: once per browser and
 * person, if it does not know one yet, tell it the one shown here (choosing
 * another later tells it too: switchLanguage).
 */
function tellLanguage() {
  if (load('language-told', false)) return;
  const me = app.me;
  get('/api/me')
    .then((mine) => {
      if (app.me !== me) return;
      save('language-told', true);
      if (!mine.language) return patch('/api/me', { language: lang() });
    })
    .catch(() => {});
}

/** Re-render in another language (the choice is saved, and told to the server:
 * the person's mail is written in it). */
function switchLanguage(code) {
  setLang(code, { persist: true });
  if (app.me) patch('/api/me', { language: lang() }).catch(() => {});
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
