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
//   form to publish (now or at a time, to the company or to departments, with
//   files from the attach button and comments allowed or not).
// - #/announcements/<id>: one announcement with its files (images open the
//   viewer, documents download) and, when comments are open or there are
//   some, its comments and a box to write one; for its author and admins the
//   confirmation rate overall and per department, who has not confirmed, a
//   reminder to them, and editing (text, files, comments open or closed;
//   confirmations asked again or not). The rate follows `tallied` frames and
//   the comments `commented` frames (each at most a few a second), asking the
//   server again.
// Words: publishing, editing and commenting meet the server's word check; a
// warning comes back with Edit and "publish anyway" / "send anyway" (sent
// again with acknowledge_warning), a block-level word is refused.
import { del, get, patch, post as httpPost } from '../api.js';
import { h } from '../dom.js';
import { formatFull, formatWhen, t } from '../i18n/index.js';
import { safeFragment } from '../safe_html.js';
import { app } from '../state.js';
import { UploadSet } from '../uploads.js';
import { attachButton, postFiles, uploadTiles } from './attachments.js';
import { errorBox, errorText, toast } from './errors.js';
import { mentionPicker } from './mentions.js';

const MAX_COMMENT = 4000; // the server's MAX_COMMENT_CHARS (announcements/models.py)

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
    postFiles(a.files),
    link && a.comment_count
      ? h('p', { class: 'muted' }, h('a', { href: `#/announcements/${a.id}`, dataset: { testid: 'announcement-comment-count' }, text: t('announce.commentCount', { count: a.comment_count }) }))
      : null,
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

/**
 * Says a write's word check refusal in `box` (a warning: Edit, and `anyway`
 * which sends it again acknowledged); true if it was one, else false.
 */
function wordRefusal(err, box, { anywayText, onAnyway, onEdit, testid }) {
  if (err?.code === 'word_blocked') {
    box.replaceChildren(h('span', { text: t('words.blocked') }));
    box.hidden = false;
    return true;
  }
  if (err?.code !== 'word_warning') return false;
  const edit = h('button', { type: 'button', class: 'link-btn', dataset: { testid: `${testid}-edit` }, text: t('words.edit'), onclick: () => ((box.hidden = true), onEdit()) });
  const anyway = h('button', { type: 'button', class: 'link-btn', dataset: { testid: `${testid}-anyway` }, text: anywayText, onclick: () => ((box.hidden = true), onAnyway()) });
  box.replaceChildren(h('span', { text: t('words.warning') }), ' ', edit, ' ', anyway);
  box.hidden = false;
  anyway.focus();
  return true;
}

/** The files part of a form: an attach button, the tiles, {el, set, ids(), destroy()}. */
function filePicker(testid, kept = []) {
  const set = new UploadSet({ kept });
  const tiles = uploadTiles(set, { testid });
  const attach = attachButton({ testid, onFiles: (files) => set.add(files) });
  const el = h('div', { class: 'announce-files' }, h('span', { class: 'label', text: t('announce.filesLabel') }), ' ', attach.el, tiles.el);
  return {
    el,
    set,
    /** The file ids once the uploads are done; null (after saying why) if one failed. */
    async ids(error) {
      if (set.busy) {
        error.set(t('files.sendWhenUploaded'));
        await set.until(() => !set.busy || set.blocked);
        error.set('');
      }
      if (set.blocked) {
        error.set(t('files.fixFailed'));
        return null;
      }
      return set.refs.map((r) => r.id);
    },
    destroy() {
      tiles.destroy?.();
      set.destroy();
    },
  };
}

/** `cleanups`: where to leave what ends with the page (its uploads in flight). */
function composer(rights, onDone, cleanups) {
  const error = errorBox('announce-error');
  const words = h('p', { class: 'form-error', role: 'alert', hidden: true, dataset: { testid: 'announce-words' } });
  const title = h('input', { type: 'text', maxlength: 200, required: true, dataset: { testid: 'announce-title' } });
  const body = h('textarea', { rows: 5, maxlength: 10000, required: true, dataset: { testid: 'announce-body' } });
  const mustRead = h('input', { type: 'checkbox', dataset: { testid: 'announce-must-read' } });
  const at = h('input', { type: 'datetime-local', dataset: { testid: 'announce-at' } });
  const comments = h('input', { type: 'checkbox', checked: true, dataset: { testid: 'announce-comments' } });
  const files = filePicker('announce');
  cleanups.push(() => files.destroy());
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
    files.el,
    h('label', { class: 'check' }, mustRead, ' ', t('announce.mustReadLabel')),
    h('label', { class: 'check' }, comments, ' ', t('announce.commentsLabel')),
    h('label', {}, t('announce.atLabel'), at),
    words,
    error,
    submit,
  );
  let acknowledged = false;
  form.addEventListener('input', () => {
    acknowledged = false;
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.set('');
    words.hidden = true;
    const chosen = boxes.filter(({ box }) => box.checked).map(({ d }) => d.id);
    if (!chosen.length && !company?.checked) {
      error.set(t('announce.chooseAudience'));
      return;
    }
    submit.disabled = true;
    try {
      const ids = await files.ids(error);
      if (ids === null) return;
      const data = { title: title.value, body: body.value, departments: chosen, must_read: mustRead.checked, comments_enabled: comments.checked, files: ids };
      if (at.value) data.publish_at = new Date(at.value).toISOString();
      if (acknowledged) data.acknowledge_warning = true;
      const made = await httpPost('/api/announcements', data);
      form.reset();
      files.set.clear();
      acknowledged = false;
      if (company) company.checked = true;
      toast(made.published_at ? t('announce.published') : t('announce.scheduledToast'));
      onDone(made);
    } catch (err) {
      const shown = wordRefusal(err, words, {
        testid: 'announce-words',
        anywayText: t('announce.publishAnyway'),
        onEdit: () => body.focus(),
        onAnyway: () => {
          acknowledged = true;
          form.requestSubmit();
        },
      });
      if (!shown) error.set(errorText(err));
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

function editor(a, onSaved, cleanups) {
  const error = errorBox('announce-edit-error');
  const words = h('p', { class: 'form-error', role: 'alert', hidden: true, dataset: { testid: 'announce-edit-words' } });
  const comments = h('input', { type: 'checkbox', checked: a.comments_enabled, dataset: { testid: 'announce-edit-comments' } });
  const files = filePicker('announce-edit', a.files);
  cleanups.push(() => files.destroy());
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
    files.el,
    h('label', { class: 'check' }, comments, ' ', t('announce.commentsLabel')),
    a.published_at ? h('label', { class: 'check' }, askAgain, ' ', t('announce.askAgain')) : null,
    words,
    error,
    h('button', { class: 'btn primary', type: 'submit', dataset: { testid: 'announce-save' }, text: t('announce.save') }),
  );
  let acknowledged = false;
  form.addEventListener('input', () => {
    acknowledged = false;
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.set('');
    words.hidden = true;
    const ids = await files.ids(error);
    if (ids === null) return;
    const data = { ask_again: askAgain.checked };
    if (title.value !== a.title) data.title = title.value;
    if (body.value.trim()) data.body = body.value;
    if (comments.checked !== a.comments_enabled) data.comments_enabled = comments.checked;
    if (ids.join() !== a.files.map((f) => f.id).join()) data.files = ids;
    if (acknowledged) data.acknowledge_warning = true;
    try {
      const saved = await patch(`/api/announcements/${a.id}`, data);
      acknowledged = false;
      a = saved;
      onSaved(saved);
      toast(t('announce.saved'));
    } catch (err) {
      const shown = wordRefusal(err, words, {
        testid: 'announce-edit-words',
        anywayText: t('announce.saveAnyway'),
        onEdit: () => body.focus(),
        onAnyway: () => {
          acknowledged = true;
          form.requestSubmit();
        },
      });
      if (!shown) error.set(errorText(err));
    }
  });
  return form;
}

/** One announcement's comments and the box to write one: {el, show(a), refresh(), destroy()}. */
function commentsPanel(id) {
  const list = h('ol', { class: 'plain-list announce-comments', dataset: { testid: 'announcement-comments' } });
  const status = h('p', { class: 'muted', role: 'status', dataset: { testid: 'announcement-comments-status' } });
  const heading = h('h2', { id: `announce-comments-${id}`, text: t('announce.comments') });
  const input = h('textarea', { rows: 3, maxlength: MAX_COMMENT, 'aria-label': t('announce.commentLabel'), placeholder: t('announce.commentLabel'), dataset: { testid: 'announce-comment-input' } });
  const words = h('p', { class: 'form-error', role: 'alert', hidden: true, dataset: { testid: 'announce-comment-words' } });
  const error = errorBox('announce-comment-error');
  const send = h('button', { class: 'btn primary', type: 'submit', dataset: { testid: 'announce-comment-send' }, text: t('announce.commentSend') });
  // `@` offers people as in posts (web/views/mentions.js); there is no channel, so no `@channel`.
  const picker = mentionPicker(input, { channel: () => null });
  const box = h('form', { class: 'form announce-comment-box', dataset: { testid: 'announce-comment-box' } }, picker.el, input, words, error, send);
  const closed = h('p', { class: 'muted', hidden: true, dataset: { testid: 'announce-comments-closed' }, text: t('announce.commentsClosed') });
  const el = h('section', { class: 'card announce-talk', hidden: true, 'aria-labelledby': heading.id, dataset: { testid: 'announcement-talk' } }, heading, list, status, closed, box);
  let acknowledged = false;
  let asking = null;
  let again = false;

  function draw(page) {
    el.hidden = !page.comments_enabled && page.count === 0;
    list.replaceChildren(
      ...page.comments.map((c) =>
        h(
          'li',
          { class: 'announce-comment', dataset: { testid: 'announcement-comment', id: String(c.id) } },
          h('p', { class: 'search-meta muted' }, h('strong', { text: c.author.display_name }), ' ', h('time', { datetime: c.created_at, title: formatFull(c.created_at), text: formatWhen(c.created_at) })),
          h('div', { class: 'post-body', dataset: { testid: 'announcement-comment-body' } }, safeFragment(c.html)),
          c.can_delete
            ? h('button', { type: 'button', class: 'link-btn', 'aria-label': t('announce.deleteComment'), dataset: { testid: 'announcement-comment-delete' }, text: t('announce.deleteShort'), onclick: () => remove(c) })
            : null,
        ),
      ),
    );
    status.textContent = page.count ? '' : t('announce.noComments');
    box.hidden = !page.can_comment;
    closed.hidden = page.comments_enabled;
  }

  async function refresh() {
    if (asking) {
      again = true;
      return asking;
    }
    asking = (async () => {
      try {
        const page = await get(`/api/announcements/${id}/comments`);
        const all = [...page.comments];
        let next = page.after;
        while (next) {
          const more = await get(`/api/announcements/${id}/comments?after=${next}`);
          all.push(...more.comments);
          next = more.after;
        }
        draw({ ...page, comments: all });
      } catch (err) {
        status.textContent = errorText(err);
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

  async function remove(c) {
    if (!window.confirm(t('announce.deleteCommentConfirm'))) return;
    try {
      await del(`/api/announcements/${id}/comments/${c.id}`);
    } catch (err) {
      toast(errorText(err));
    }
    refresh();
  }

  input.addEventListener('input', () => {
    acknowledged = false;
    words.hidden = true;
  });
  input.addEventListener('keydown', (ev) => {
    // Ctrl/⌘+Enter sends; Enter alone is a new line (comments may be long).
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey) && !ev.isComposing) {
      ev.preventDefault();
      box.requestSubmit();
    }
  });
  box.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    picker.close();
    error.set('');
    words.hidden = true;
    send.disabled = true;
    try {
      await httpPost(`/api/announcements/${id}/comments`, acknowledged ? { body, acknowledge_warning: true } : { body });
      input.value = '';
      acknowledged = false;
      refresh();
    } catch (err) {
      const shown = wordRefusal(err, words, {
        testid: 'announce-comment-words',
        anywayText: t('words.sendAnyway'),
        onEdit: () => input.focus(),
        onAnyway: () => {
          acknowledged = true;
          box.requestSubmit();
        },
      });
      if (!shown) error.set(errorText(err));
    } finally {
      send.disabled = false;
    }
  });
  return { el, refresh };
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
  let talk = null;

  async function loadOne() {
    try {
      const a = await get(`/api/announcements/${id}`);
      if (!alive) return;
      app.emit('title', a.title);
      if (a.published_at && !talk) {
        talk = commentsPanel(id);
        if (app.conn) offs.push(app.conn.on('commented', (f) => f.announcement === id && talk.refresh()));
      }
      // The card is drawn anew; the comments stay where they are, so that
      // someone writing one keeps their place (and focus) when it changes.
      const shown = card(a, { onConfirm: confirmHere, link: false });
      if (talk && talk.el.parentNode === list) list.firstElementChild.replaceWith(shown);
      else list.replaceChildren(shown, talk ? talk.el : '');
      talk?.refresh();
      status.textContent = '';
      if (a.can_manage && !rates) {
        rates = ratePanel(id);
        top.replaceChildren(rates.el, editor(a, () => loadOne(), offs));
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
        if (alive && (rights.company || rights.departments.length)) top.replaceChildren(composer(rights, () => loadList(), offs));
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
