// Announcements (お知らせ; docs/protocol.md, "Announcements").
//
// - mustReadPanel(): the must-read announcements one has not confirmed, for
//   home (views/home.js draws it above everything). Each has 確認しました /
//   "Got it"; it leaves at once, and on one's other devices with
//   `announcement.confirmed`. Live: `announcement.published` / `.updated` in
//   one's own stream pin one (again); a change of one's department
//   (`account.updated`) asks the server again, since the audience is the
//   department's people as they are now.
// - #/announcements: the list one may read, and for admins and announcers a
//   form to publish (now or at a time, to the company or to departments).
// - #/announcements/<id>: one announcement; for its author and admins the
//   confirmation rate overall and per department, who has not confirmed, a
//   reminder to them, and editing (confirmations asked again or not). The rate
//   follows `tallied` frames (at most a few a second), asking the server again.
import { get, patch, post as httpPost } from '../api.js';
import { h } from '../dom.js';
import { formatFull, formatWhen, t } from '../i18n/index.js';
import { safeFragment } from '../safe_html.js';
import { app } from '../state.js';
import { errorBox, errorText, toast } from './errors.js';

/** One announcement as a card; `onConfirm` draws its confirm button. */
function card(a, { onConfirm, link = true } = {}) {
  const when = a.published_at ?? a.publish_at;
  const audience = a.company_wide ? t('announce.company') : a.departments.map((d) => d.name).join('、');
  const title = link
    ? h('a', { href: `#/announcements/${a.id}`, dataset: { testid: 'announcement-title' }, text: a.title })
    : h('span', { dataset: { testid: 'announcement-title' }, text: a.title });
  return h(
    'article',
    { class: 'card announcement', dataset: { testid: 'announcement', id: String(a.id) } },
    h(
      'header',
      { class: 'search-meta' },
      h('strong', { class: 'announcement-title' }, title),
      a.must_read ? h('span', { class: 'badge', text: t('announce.mustRead') }) : null,
      a.updated ? h('span', { class: 'badge', dataset: { testid: 'announcement-updated' }, text: t('announce.updated') }) : null,
      a.published_at ? null : h('span', { class: 'badge', text: t('announce.scheduled') }),
    ),
    h(
      'p',
      { class: 'search-meta muted' },
      h('span', { text: a.author.display_name }),
      h('span', { text: audience }),
      h('time', { datetime: when, title: formatFull(when), text: formatWhen(when) }),
    ),
    h('div', { class: 'post-body', dataset: { testid: 'announcement-body' } }, safeFragment(a.html)),
    onConfirm && a.recipient && a.must_read && !a.confirmed
      ? h('button', { class: 'btn primary', type: 'button', dataset: { testid: 'announcement-confirm' }, text: t('announce.confirm'), onclick: (e) => onConfirm(a, e.currentTarget) })
      : null,
  );
}

async function confirm(a, button) {
  button.disabled = true;
  try {
    await httpPost(`/api/announcements/${a.id}/confirm`);
    app.emit('announcement', { kind: 'announcement.confirmed', data: { announcement_id: a.id, round: a.round } });
  } catch (err) {
    button.disabled = false;
    toast(errorText(err));
  }
}

/** Home's pinned must-read announcements: {el, set(list), destroy()}. */
export function mustReadPanel() {
  const shown = new Map(); // id -> announcement
  const list = h('div', { class: 'card-list', dataset: { testid: 'home-must-read' } });
  const el = h('section', { class: 'home-section must-read', hidden: true, 'aria-labelledby': 'home-must-read-head' }, h('h2', { id: 'home-must-read-head', text: t('home.mustRead') }), list);
  let department = app.me?.department_id;

  function draw() {
    const items = [...shown.values()].sort((a, b) => b.id - a.id);
    list.replaceChildren(...items.map((a) => card(a, { onConfirm: confirm })));
    el.hidden = items.length === 0;
  }

  function set(items) {
    shown.clear();
    for (const a of items) shown.set(a.id, a);
    draw();
  }

  async function again() {
    try {
      set((await get('/api/home?limit=1')).must_read);
    } catch {
      /* the next event or visit will */
    }
  }

  const offs = [
    app.on('announcement', ({ kind, data }) => {
      if (kind === 'announcement.confirmed') shown.delete(data.announcement_id);
      else {
        const a = data.announcement;
        if (a.must_read && a.recipient && !a.confirmed) shown.set(a.id, a);
        else shown.delete(a.id);
      }
      draw();
    }),
    app.on('me', (me) => {
      if (me.department_id !== department) {
        department = me.department_id;
        again();
      }
    }),
  ];
  return { el, set, destroy: () => offs.splice(0).forEach((off) => off()) };
}

// ---- #/announcements and #/announcements/<id> ------------------------------------

function composer(rights, onDone) {
  const error = errorBox('announce-error');
  const title = h('input', { type: 'text', maxlength: 200, required: true, dataset: { testid: 'announce-title' } });
  const body = h('textarea', { rows: 5, maxlength: 10000, required: true, dataset: { testid: 'announce-body' } });
  const mustRead = h('input', { type: 'checkbox', dataset: { testid: 'announce-must-read' } });
  const at = h('input', { type: 'datetime-local', dataset: { testid: 'announce-at' } });
  const boxes = rights.departments.map((d) => ({ d, box: h('input', { type: 'checkbox', value: String(d.id), dataset: { testid: 'announce-department' } }) }));
  const company = rights.company ? h('input', { type: 'checkbox', checked: true, dataset: { testid: 'announce-company' } }) : null;
  const departments = h(
    'fieldset',
    { class: 'announce-audience' },
    h('legend', { text: t('announce.audience') }),
    company ? h('label', { class: 'check' }, company, ' ', t('announce.company')) : null,
    ...boxes.map(({ d, box }) => h('label', { class: 'check' }, box, ' ', d.name)),
  );
  for (const { box } of boxes) {
    box.addEventListener('change', () => {
      if (company && box.checked) company.checked = false;
    });
  }
  company?.addEventListener('change', () => {
    if (company.checked) for (const { box } of boxes) box.checked = false;
  });
  const submit = h('button', { class: 'btn primary', type: 'submit', dataset: { testid: 'announce-publish' }, text: t('announce.publish') });
  const form = h(
    'form',
    { class: 'card form announce-form', dataset: { testid: 'announce-form' } },
    h('h2', { text: t('announce.new') }),
    h('label', {}, t('announce.titleLabel'), title),
    h('label', {}, t('announce.bodyLabel'), body),
    departments,
    h('label', { class: 'check' }, mustRead, ' ', t('announce.mustReadLabel')),
    h('label', {}, t('announce.atLabel'), at),
    error,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.set('');
    const chosen = boxes.filter(({ box }) => box.checked).map(({ d }) => d.id);
    if (!chosen.length && !company?.checked) {
      error.set(t('announce.chooseAudience'));
      return;
    }
    const data = { title: title.value, body: body.value, departments: chosen, must_read: mustRead.checked };
    if (at.value) data.publish_at = new Date(at.value).toISOString();
    submit.disabled = true;
    try {
      const made = await httpPost('/api/announcements', data);
      form.reset();
      if (company) company.checked = true;
      toast(made.published_at ? t('announce.published') : t('announce.scheduledToast'));
      onDone(made);
    } catch (err) {
      error.set(errorText(err));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function percent(part, whole) {
  return whole ? Math.round((100 * part) / whole) : 0;
}

function ratePanel(id) {
  const overall = h('p', { class: 'announce-rate', dataset: { testid: 'announcement-rate' } });
  const rows = h('tbody');
  const pending = h('ul', { class: 'plain-list', dataset: { testid: 'announcement-pending' } });
  const remind = h('button', { class: 'btn', type: 'button', dataset: { testid: 'announcement-remind' }, text: t('announce.remind') });
  const el = h(
    'section',
    { class: 'card announce-rates', dataset: { testid: 'announcement-rates' } },
    h('h2', { text: t('announce.rates') }),
    overall,
    h('table', { class: 'table' }, h('thead', {}, h('tr', {}, h('th', { text: t('announce.department') }), h('th', { text: t('announce.confirmedCol') }))), rows),
    h('h3', { text: t('announce.pending') }),
    pending,
    remind,
  );
  let asking = null;
  let again = false;

  async function refresh() {
    if (asking) {
      again = true;
      return asking;
    }
    asking = (async () => {
      try {
        const c = await get(`/api/announcements/${id}/confirmations`);
        overall.textContent = t('announce.rate', { percent: percent(c.confirmed, c.recipients), confirmed: c.confirmed, recipients: c.recipients });
        overall.dataset.percent = String(percent(c.confirmed, c.recipients));
        rows.replaceChildren(
          ...c.departments.map((d) =>
            h('tr', { dataset: { testid: 'announcement-department-rate', id: String(d.id ?? '') } }, h('td', { text: d.name || t('announce.noDepartment') }), h('td', { text: t('announce.rate', { percent: percent(d.confirmed, d.recipients), confirmed: d.confirmed, recipients: d.recipients }) })),
          ),
        );
        pending.replaceChildren(...c.pending.map((p) => h('li', { text: p.department ? `${p.display_name}（${p.department}）` : p.display_name })));
        if (c.pending_count > c.pending.length) pending.append(h('li', { class: 'muted', text: t('announce.more', { count: c.pending_count - c.pending.length }) }));
        remind.disabled = c.pending_count === 0;
      } catch (err) {
        overall.textContent = errorText(err);
      }
    })().finally(() => {
      asking = null;
      if (again) {
        again = false;
        refresh();
      }
    });
    return asking;
  }

  remind.addEventListener('click', async () => {
    remind.disabled = true;
    try {
      const done = await httpPost(`/api/announcements/${id}/remind`);
      toast(t('announce.reminded', { count: done.reminded }));
    } catch (err) {
      toast(errorText(err));
    } finally {
      refresh();
    }
  });
  return { el, refresh };
}

function editor(a, onSaved) {
  const error = errorBox('announce-edit-error');
  const title = h('input', { type: 'text', maxlength: 200, value: a.title, dataset: { testid: 'announce-edit-title' } });
  const body = h('textarea', { rows: 5, maxlength: 10000, dataset: { testid: 'announce-edit-body' } });
  const askAgain = h('input', { type: 'checkbox', dataset: { testid: 'announce-ask-again' } });
  const form = h(
    'form',
    { class: 'card form', dataset: { testid: 'announce-edit' } },
    h('h2', { text: t('announce.edit') }),
    h('label', {}, t('announce.titleLabel'), title),
    h('label', {}, t('announce.bodyLabel'), body),
    h('p', { class: 'muted', text: t('announce.bodyHint') }),
    a.published_at ? h('label', { class: 'check' }, askAgain, ' ', t('announce.askAgain')) : null,
    error,
    h('button', { class: 'btn primary', type: 'submit', text: t('announce.save') }),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.set('');
    const data = { ask_again: askAgain.checked };
    if (title.value !== a.title) data.title = title.value;
    if (body.value.trim()) data.body = body.value;
    try {
      onSaved(await patch(`/api/announcements/${a.id}`, data));
      toast(t('announce.saved'));
    } catch (err) {
      error.set(errorText(err));
    }
  });
  return form;
}

export function mount(container, params) {
  const id = params?.[0] ? Number(params[0]) : null;
  let alive = true;
  const offs = [];
  app.emit('title', t('announce.title'));
  const status = h('p', { class: 'muted', role: 'status', dataset: { testid: 'announce-status' } });
  const list = h('div', { class: 'card-list', dataset: { testid: 'announcement-list' } });
  const top = h('div');
  container.replaceChildren(
    h('div', { class: 'page announce-page', dataset: { testid: 'announce-page' } }, h('div', { class: 'page-head' }, h('h1', { text: t('announce.title') })), top, status, list),
  );

  async function loadList() {
    status.textContent = t('common.loading');
    try {
      const page = await get('/api/announcements');
      if (!alive) return;
      list.replaceChildren(...page.announcements.map((a) => card(a, { onConfirm: confirmHere })));
      status.textContent = page.announcements.length ? '' : t('announce.none');
    } catch (err) {
      if (alive) status.textContent = errorText(err);
    }
  }

  async function confirmHere(a, button) {
    await confirm(a, button);
    if (id) loadOne();
    else loadList();
  }

  let rates = null;

  async function loadOne() {
    try {
      const a = await get(`/api/announcements/${id}`);
      if (!alive) return;
      app.emit('title', a.title);
      list.replaceChildren(card(a, { onConfirm: confirmHere, link: false }));
      status.textContent = '';
      if (a.can_manage && !rates) {
        rates = ratePanel(id);
        top.replaceChildren(rates.el, editor(a, () => loadOne()));
        if (app.conn) offs.push(app.conn.on('tallied', (f) => f.announcement === id && rates.refresh()));
      }
      rates?.refresh();
    } catch (err) {
      if (alive) status.textContent = errorText(err);
    }
  }

  if (id) {
    loadOne();
    offs.push(app.on('announcement', () => loadOne()));
  } else {
    get('/api/announcements/rights')
      .then((rights) => {
        if (alive && (rights.company || rights.departments.length)) top.replaceChildren(composer(rights, () => loadList()));
      })
      .catch(() => {});
    loadList();
    offs.push(app.on('announcement', () => loadList()));
  }
  return {
    destroy() {
      alive = false;
      for (const off of offs.splice(0)) off();
    },
  };
}
