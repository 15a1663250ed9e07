// Account settings: the sessions one is signed in with (GET /api/me/sessions):
// which browser, from where, when last used, which is this device; "sign out"
// on any of them (DELETE /api/me/sessions/{id}), whose open tabs go to the
// sign-in page at once. Signing out this device is the sidebar's sign-out.
import { del, get } from '../api.js';
import { h } from '../dom.js';
import { formatAgo, formatFull, t } from '../i18n/index.js';
import { errorText, toast } from './errors.js';

/** "Chrome on Windows" from a User-Agent header; what it is when not a browser. */
export function describeAgent(ua) {
  if (!ua) return t('sessions.unknownBrowser');
  const browser =
    [
      [/Edg(A|iOS)?\//, 'Edge'],
      [/OPR\//, 'Opera'],
      [/Firefox\/|FxiOS\//, 'Firefox'],
      [/Chromium\//, 'Chromium'],
      [/Chrome\/|CriOS\//, 'Chrome'],
      [/Safari\//, 'Safari'],
    ].find(([re]) => re.test(ua))?.[1] ?? null;
  const system =
    [
      [/iPhone|iPad|iPod/, 'iOS'],
      [/Android/, 'Android'],
      [/Windows/, 'Windows'],
      [/Mac OS X|Macintosh/, 'macOS'],
      [/CrOS/, 'ChromeOS'],
      [/Linux/, 'Linux'],
    ].find(([re]) => re.test(ua))?.[1] ?? null;
  if (browser && system) return t('sessions.browserOn', { browser, system });
  if (browser) return browser;
  return ua.split(/\s/)[0].slice(0, 60); // a script: "python-httpx/0.28.1", "curl/8.5.0"
}

export function sessionsSection(shared, { signOut }) {
  let alive = true;
  const title = t('settings.sessions');
  const list = h('ul', { class: 'account-list', dataset: { testid: 'sessions-list' } });
  const others = h('button', {
    type: 'button',
    class: 'btn small',
    hidden: true,
    dataset: { testid: 'sessions-end-others' },
    text: t('sessions.endOthers'),
    onclick: endOthers,
  });
  let sessions = [];

  async function load() {
    try {
      const found = await get('/api/me/sessions');
      if (!alive) return;
      sessions = found;
      render();
    } catch (err) {
      if (alive) list.replaceChildren(h('li', { role: 'alert', text: errorText(err) }));
    }
  }

  function render() {
    others.hidden = !sessions.some((s) => !s.current);
    list.replaceChildren(...sessions.map(row));
  }

  function row(s) {
    const facts = [
      s.address ? t('sessions.from', { address: s.address }) : null,
      s.last_used_at ? t('sessions.lastUsed', { when: formatAgo(s.last_used_at) }) : null,
      t('sessions.since', { when: formatAgo(s.created_at) }),
    ].filter(Boolean);
    const end = h('button', {
      type: 'button',
      class: 'btn small',
      dataset: { testid: 'session-end' },
      text: t('sessions.end'),
      onclick: () => (s.current ? signOut() : endOne(s, end)),
    });
    return h(
      'li',
      { class: 'account', dataset: { testid: 'session', current: String(s.current) } },
      h(
        'div',
        { class: 'account-who' },
        h(
          'div',
          {},
          h(
            'strong',
            { title: s.user_agent ?? '' },
            describeAgent(s.user_agent),
            s.current ? h('span', { class: 'tag joined', dataset: { testid: 'session-this' }, text: t('sessions.thisDevice') }) : null,
          ),
          h('small', { class: 'muted', title: s.last_used_at ? formatFull(s.last_used_at) : '', text: facts.join(' · ') }),
        ),
      ),
      h('div', { class: 'account-controls' }, end),
    );
  }

  async function endOne(s, button) {
    button.disabled = true;
    try {
      await del(`/api/me/sessions/${encodeURIComponent(s.id)}`);
      toast(t('sessions.ended', { browser: describeAgent(s.user_agent) }));
    } catch (err) {
      if (err.code !== 'not_found') toast(errorText(err)); // already gone: the list says so
    }
    await load();
  }

  async function endOthers() {
    others.disabled = true;
    try {
      for (const s of sessions.filter((x) => !x.current)) {
        try {
          await del(`/api/me/sessions/${encodeURIComponent(s.id)}`);
        } catch (err) {
          if (err.code !== 'not_found') throw err;
        }
      }
      toast(t('sessions.othersEnded'));
    } catch (err) {
      toast(errorText(err));
    } finally {
      others.disabled = false;
    }
    await load();
  }

  const off = shared.on('others-ended', load);
  const el = h(
    'section',
    { id: 'settings-sessions', class: 'admin-section', 'aria-labelledby': 'settings-sessions-title' },
    h('h2', { id: 'settings-sessions-title', tabindex: '-1', text: title }),
    h('div', { class: 'row between' }, h('p', { class: 'muted', text: t('sessions.lead') }), others),
    list,
  );
  load();
  return {
    el,
    title,
    destroy() {
      alive = false;
      off();
    },
  };
}
