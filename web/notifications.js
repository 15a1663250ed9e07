// One's notifications (notify/ on the server; docs/protocol.md, "Mentions and
// notifications"): the bell's count and the inbox's newest page, kept as the
// server says on every device.
//
// The first page is fetched whenever one's own stream starts without a replay
// (every page load, or a position the server could not replay: app.js), and
// `notification.*` events of that stream are applied on top. Events that come
// while the page is on its way are applied again once it is there (adding one
// the page already holds replaces it), so none is lost between the two.
//
// A new notification while the tab is hidden also shows as a browser
// notification, when the person turned that on here (a choice of this
// browser: `desktop-notify`) and the browser allowed it.
//   app events: notifications (the list or the count changed)
import { get, post } from './api.js';
import { t } from './i18n/index.js';
import { app } from './state.js';
import { load, save } from './storage.js';

const FIRST_PAGE = 20;

export const inbox = {
  items: [], // newest first (by latest activity)
  unread: 0,
  before: null, // the next page's cursor; null: no more
  loaded: false,
};

let loading = null; // the first page's request, while it is on its way
let heldBack = []; // events that came meanwhile

function changed() {
  app.emit('notifications', inbox);
}

/** Fetch the newest page again: the list and count as the server has them now. */
export function refreshInbox() {
  const me = app.me;
  heldBack = [];
  const request = get(`/api/notifications?limit=${FIRST_PAGE}`);
  loading = request;
  return request.then(
    (page) => {
      if (loading !== request || app.me !== me) return;
      loading = null;
      inbox.items = page.notifications;
      inbox.unread = page.unread_count;
      inbox.before = page.before;
      inbox.loaded = true;
      const again = heldBack;
      heldBack = [];
      for (const frame of again) apply(frame, { quiet: true });
      changed();
    },
    (err) => {
      if (loading === request) loading = null;
      throw err;
    },
  );
}

/** The next older page, added below. */
export async function loadMoreNotifications() {
  if (inbox.before == null) return;
  const page = await get(`/api/notifications?limit=${FIRST_PAGE}&before=${inbox.before}`);
  const known = new Set(inbox.items.map((n) => n.id));
  inbox.items.push(...page.notifications.filter((n) => !known.has(n.id)));
  inbox.before = page.before;
  inbox.unread = page.unread_count;
  changed();
}

/** Mark some read (ids), or all of them: here at once, on the other devices by the server's event. */
export async function markNotificationsRead(ids) {
  const all = ids === 'all';
  const wanted = all ? null : new Set(ids);
  const unread = inbox.items.filter((n) => !n.read && (all || wanted.has(n.id)));
  if (!all && unread.length === 0) return;
  for (const n of unread) n.read = true;
  if (all) inbox.unread = 0;
  else inbox.unread = Math.max(0, inbox.unread - unread.length);
  changed();
  const answer = await post('/api/notifications/read', all ? { all: true } : { ids: [...wanted] });
  inbox.unread = answer.unread_count;
  changed();
}

/** A `notification.*` event of one's own stream. */
export function notificationEvent(frame) {
  if (loading) heldBack.push(frame);
  apply(frame, { quiet: false });
  changed();
}

function apply({ kind, data }, { quiet }) {
  if (kind === 'notification.added' || kind === 'notification.updated') {
    const n = data.notification;
    const fresh = !inbox.items.some((x) => x.id === n.id);
    inbox.items = [n, ...inbox.items.filter((x) => x.id !== n.id)];
    if (!quiet && fresh && kind === 'notification.added') showOnDesktop(n);
    // A moderator acted on one's report or on oneself: views that list them reload.
    if (!quiet && isModeration(n)) app.emit('moderation-notice', n);
  } else if (kind === 'notification.read') {
    const ids = new Set(data.ids);
    for (const n of inbox.items) if (data.all || ids.has(n.id)) n.read = true;
  } else if (kind === 'notification.removed') {
    const ids = new Set(data.ids);
    inbox.items = inbox.items.filter((n) => !ids.has(n.id));
  } else {
    return;
  }
  inbox.unread = data.unread_count;
}

export function forgetInbox() {
  inbox.items = [];
  inbox.unread = 0;
  inbox.before = null;
  inbox.loaded = false;
  loading = null;
  heldBack = [];
}

// ---- what a notification says, and where it leads -------------------------------

/** A notice from moderation (one's report decided, or a sanction): about no channel. */
export function isModeration(n) {
  return n.kind === 'report' || n.kind === 'moderation';
}

/** "佐藤さんほか3人がいいねしました": the sentence for a notification. */
export function notificationText(n) {
  // Moderation's notices name nobody: `excerpt` is what was done (a code).
  if (isModeration(n)) return t(`notify.${n.kind}.${n.excerpt}`);
  // Id 0: an anonymous question's asker (channels/questions.py).
  const name = n.actors[0]?.id === 0 ? t('question.anonymous') : n.actors[0]?.display_name || t('notify.someone');
  const others = Math.max(0, n.count - 1);
  const vars = { name, channel: n.channel_name, title: n.excerpt, excerpt: n.excerpt };
  if (n.kind === 'like' && others > 0) return t('notify.likeMany', { ...vars, count: others });
  return t(`notify.${n.kind}`, vars);
}

// What a notification's `subject_id` names, by its kind: the page that shows
// it, and the element on that page to highlight. Notifications made before the
// server kept a subject (null) open the list instead.
const SUBJECTS = [
  { is: (kind) => kind.startsWith('event_'), href: (id) => `#/events/${id}`, list: '#/events', selector: (id) => `[data-testid="event-facts"][data-event-id="${id}"]` },
  { is: (kind) => kind.startsWith('announcement'), href: (id) => `#/announcements/${id}`, list: '#/', selector: (id) => `[data-testid="announcement"][data-id="${id}"]` },
  { is: (kind) => kind === 'survey' || kind === 'survey_reminder', href: (id) => `#/surveys/${id}`, list: '#/surveys', selector: () => '[data-testid="survey-title"]' },
];

function subjectOf(n) {
  return SUBJECTS.find((s) => s.is(n.kind)) ?? null;
}

/** The URL a notification opens: its event, announcement or survey; its post in its channel (a comment's thread), or the channel. */
export function notificationHref(n) {
  if (n.kind === 'report') return '#/settings?reports';
  if (n.kind === 'moderation') return '#/settings?sanctions';
  const subject = subjectOf(n);
  if (subject) return n.subject_id != null ? subject.href(Number(n.subject_id)) : subject.list;
  const thread = n.thread_id ?? n.post_id;
  return thread ? `#/c/${n.channel_id}/p/${thread}` : `#/c/${n.channel_id}`;
}

// ---- on the desktop ------------------------------------------------------------------

export function desktopSupported() {
  return typeof window.Notification === 'function';
}

/** 'on' | 'off' | 'denied' (the browser refused) | 'unsupported'. */
export function desktopState() {
  if (!desktopSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  return Notification.permission === 'granted' && load('desktop-notify', 'off') === 'on' ? 'on' : 'off';
}

/** Turn browser notifications on (asks the browser: call from a click) or off. */
export async function setDesktop(on) {
  if (!on) {
    save('desktop-notify', 'off');
    changed();
    return desktopState();
  }
  if (!desktopSupported()) return 'unsupported';
  const answer = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
  save('desktop-notify', answer === 'granted' ? 'on' : 'off');
  changed();
  return desktopState();
}

function showOnDesktop(n) {
  if (document.visibilityState !== 'hidden' || desktopState() !== 'on') return;
  try {
    const shown = new Notification(notificationText(n), {
      body: isModeration(n) ? '' : n.excerpt || n.channel_name,
      tag: `kaisha-${app.me?.id}-${n.id}`,
      lang: document.documentElement.lang,
    });
    shown.onclick = () => {
      window.focus();
      openNotification(n);
      shown.close();
    };
  } catch {
    /* Some browsers allow notifications from a service worker only: the bell still counts it. */
  }
}

/** Read it, and open what it is about, with the post (or event, announcement, survey) highlighted once it shows. */
export function openNotification(n) {
  markNotificationsRead([n.id]).catch(() => {});
  app.highlight = n.post_id ?? null;
  location.hash = notificationHref(n);
  const subject = subjectOf(n);
  if (subject && n.subject_id != null) app.emit('highlightSubject', subject.selector(Number(n.subject_id)));
  else if (n.post_id) app.emit('highlight', n.post_id);
}
