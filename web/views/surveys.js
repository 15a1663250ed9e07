// Surveys (アンケート):
//   #/surveys                         the surveys one may see: to answer first (marked), then the rest
//   #/surveys/new                     make one (admins and the people they allow: survey_make.js)
//   #/surveys/<id>                    answer it (what is and is not recorded is said first)
//   #/surveys/<id>/results            its rate and results, live (its author and admins: survey_results.js)
//   #/surveys/template/network_usage  the ready-made usage survey, sent in one click; the ones sent from it
// The list follows `survey.answered` (one's other devices) and `survey`
// notifications (one opened) through app 'surveys' events.
import { get, post } from '../api.js';
import { h, setChildren } from '../dom.js';
import { formatFull, lang, t } from '../i18n/index.js';
import { app } from '../state.js';
import { errorBox, errorText } from './errors.js';
import { mountMake } from './survey_make.js';
import { mountResults } from './survey_results.js';

export const TEMPLATE_KEY = 'network_usage';

export function mount(container, params) {
  const [sub, results] = params;
  if (sub === 'new') return mountMake(container);
  if (sub && sub.startsWith('template/')) return mountTemplate(container, sub.slice('template/'.length));
  if (sub && results) return mountResults(container, Number(sub));
  if (sub) return mountAnswer(container, Number(sub));
  return mountList(container);
}

/** Errors the survey routes answer with, in the reader's language. */
export function surveyError(err) {
  const reason = err?.details?.reason;
  return errorText(err, {
    survey_closed: t('surveys.err.closed'),
    survey_not_open: t('surveys.err.notOpen'),
    already_answered: t('surveys.err.already'),
    not_in_audience: t('surveys.err.notAudience'),
    reminded_recently: t('surveys.err.remindedRecently'),
    not_found: t('surveys.err.notFound'),
    answer_invalid: t(reason === 'required' ? 'surveys.err.required' : 'surveys.err.answer'),
  });
}

function stateText(s) {
  if (s.state === 'open') return s.answered ? t('surveys.state.answered') : t('surveys.state.open');
  return t(`surveys.state.${s.state}`);
}

function surveyCard(s) {
  const mark = s.can_answer ? h('span', { class: 'badge survey-mark', dataset: { testid: 'survey-new' }, text: t('surveys.toAnswer') }) : null;
  return h(
    'li',
    { class: 'card survey-card', dataset: { testid: 'survey-item', surveyId: String(s.id) } },
    h(
      'div',
      { class: 'card-main' },
      h('div', { class: 'card-title' }, h('a', { href: `#/surveys/${s.id}`, text: s.title }), mark),
      h(
        'p',
        { class: 'muted survey-meta' },
        h('span', { dataset: { testid: 'survey-state' }, text: stateText(s) }),
        ' · ',
        h('span', { text: s.anonymous ? t('surveys.anonymous') : t('surveys.named') }),
        ' · ',
        h('span', { text: s.audience === 'company' ? t('surveys.audience.company') : s.departments.map((d) => d.name).join('、') }),
        ' · ',
        h('time', { datetime: s.closes_at, text: t('surveys.closes', { when: formatFull(s.closes_at) }) }),
      ),
    ),
    s.can_manage ? h('a', { class: 'btn small', href: `#/surveys/${s.id}/results`, dataset: { testid: 'survey-results-link' }, text: t('surveys.results') }) : null,
  );
}

function mountList(container) {
  let alive = true;
  app.emit('title', t('surveys.title'));
  const toAnswer = h('ul', { class: 'card-list', dataset: { testid: 'surveys-to-answer' } });
  const others = h('ul', { class: 'card-list', dataset: { testid: 'surveys-others' } });
  const status = h('p', { class: 'muted', role: 'status' });
  const actions = h('div', { class: 'page-actions' });
  async function load() {
    try {
      const found = await get('/api/surveys');
      if (!alive) return;
      setChildren(toAnswer, ...found.surveys.filter((s) => s.can_answer).map(surveyCard));
      setChildren(others, ...found.surveys.filter((s) => !s.can_answer).map(surveyCard));
      status.textContent = toAnswer.children.length ? '' : t('surveys.noneToAnswer');
      setChildren(actions,
        found.can_make ? h('a', { class: 'btn primary', href: '#/surveys/new', dataset: { testid: 'survey-new-button' }, text: t('surveys.new') }) : null,
        found.can_make ? h('a', { class: 'btn', href: `#/surveys/template/${TEMPLATE_KEY}`, dataset: { testid: 'survey-template-link' }, text: t('surveys.template.link') }) : null,
      );
    } catch (err) {
      if (alive) status.textContent = surveyError(err);
    }
  }
  const off = app.on('surveys', () => load());
  container.replaceChildren(
    h(
      'div',
      { class: 'page surveys-page', dataset: { testid: 'surveys-page' } },
      h('div', { class: 'page-head' }, h('h1', { text: t('surveys.title') }), actions),
      h('h2', { class: 'section-title', text: t('surveys.toAnswerHeading') }),
      status,
      toAnswer,
      h('h2', { class: 'section-title', text: t('surveys.othersHeading') }),
      others,
    ),
  );
  load();
  return {
    destroy() {
      alive = false;
      off();
    },
  };
}

/** What answering records, said before anyone answers. */
function recordsNotice(s) {
  const items = s.anonymous
    ? [t('surveys.records.anonymous.kept'), t('surveys.records.anonymous.notKept'), t('surveys.records.anonymous.small')]
    : [t('surveys.records.named.kept'), t('surveys.records.named.who')];
  return h(
    'section',
    { class: 'survey-records', 'aria-labelledby': 'survey-records-title', dataset: { testid: 'survey-records' } },
    h('h2', { id: 'survey-records-title', text: s.anonymous ? t('surveys.records.anonymousTitle') : t('surveys.records.namedTitle') }),
    h('ul', {}, items.map((text) => h('li', { text }))),
  );
}

function questionInput(q, index) {
  const name = `q-${q.id}`;
  const legend = h('legend', {}, `${index + 1}. ${q.text}`, q.required ? h('span', { class: 'required', text: ` ${t('surveys.required')}` }) : h('span', { class: 'muted', text: ` ${t('surveys.optional')}` }));
  let read;
  let body;
  if (q.kind === 'single' || q.kind === 'multiple') {
    const type = q.kind === 'single' ? 'radio' : 'checkbox';
    const boxes = q.options.map((o) => h('input', { type, name, value: String(o.id), dataset: { testid: 'survey-option' } }));
    body = h('div', { class: 'survey-options' }, q.options.map((o, i) => h('label', { class: 'survey-option' }, boxes[i], h('span', { text: o.label }))));
    read = () => {
      const chosen = boxes.filter((b) => b.checked).map((b) => Number(b.value));
      return chosen.length ? { question_id: q.id, option_ids: chosen } : null;
    };
  } else if (q.kind === 'scale') {
    const boxes = [1, 2, 3, 4, 5].map((v) => h('input', { type: 'radio', name, value: String(v), 'aria-label': String(v), dataset: { testid: 'survey-scale' } }));
    body = h(
      'div',
      { class: 'survey-scale' },
      h('span', { class: 'muted', text: t('surveys.scaleLow') }),
      boxes.map((b, i) => h('label', { class: 'survey-scale-point' }, b, h('span', { text: String(i + 1) }))),
      h('span', { class: 'muted', text: t('surveys.scaleHigh') }),
    );
    read = () => {
      const chosen = boxes.find((b) => b.checked);
      return chosen ? { question_id: q.id, value: Number(chosen.value) } : null;
    };
  } else {
    const area = h('textarea', { rows: '3', maxlength: '2000', 'aria-label': q.text, dataset: { testid: 'survey-text' } });
    body = area;
    read = () => (area.value.trim() ? { question_id: q.id, text: area.value.trim() } : null);
  }
  const problem = h('p', { class: 'form-error', role: 'alert', hidden: true, text: t('surveys.err.required') });
  const set = h('fieldset', { class: 'survey-question', dataset: { testid: 'survey-question', questionId: String(q.id) } }, legend, body, problem);
  return { q, set, read, problem };
}

function mountAnswer(container, id) {
  let alive = true;
  const page = h('div', { class: 'page survey-page', dataset: { testid: 'survey-page' } });
  container.replaceChildren(page);
  const status = h('p', { class: 'muted', role: 'status', text: t('common.loading') });
  page.append(status);

  function show(s) {
    app.emit('title', s.title);
    const head = h(
      'div',
      { class: 'page-head' },
      h('h1', { dataset: { testid: 'survey-title' }, text: s.title }),
      s.can_manage ? h('a', { class: 'btn', href: `#/surveys/${s.id}/results`, dataset: { testid: 'survey-results-link' }, text: t('surveys.results') }) : null,
    );
    const meta = h('p', { class: 'muted' }, `${stateText(s)} · ${t('surveys.closes', { when: formatFull(s.closes_at) })}`);
    const parts = [head, meta];
    if (s.description) parts.push(h('p', { class: 'survey-description', text: s.description }));
    parts.push(recordsNotice(s));
    if (!s.can_answer) {
      const why = s.answered ? t('surveys.thanks') : s.state === 'closed' ? t('surveys.err.closed') : s.state === 'scheduled' ? t('surveys.err.notOpen') : t('surveys.err.notAudience');
      parts.push(h('p', { class: 'notice', role: 'status', dataset: { testid: 'survey-done' }, text: why }));
      setChildren(page, ...parts);
      return;
    }
    const inputs = s.questions.map(questionInput);
    const error = errorBox('survey-error');
    const send = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'survey-submit' }, text: t('surveys.submit') });
    const form = h('form', { class: 'survey-form', novalidate: true }, inputs.map((i) => i.set), error, send);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.set('');
      let missing = null;
      const answers = [];
      for (const input of inputs) {
        const given = input.read();
        input.problem.hidden = !(input.q.required && !given);
        if (input.q.required && !given) missing ??= input;
        if (given) answers.push(given);
      }
      if (missing) {
        missing.set.querySelector('input, textarea')?.focus();
        error.set(t('surveys.err.required'));
        return;
      }
      send.disabled = true;
      try {
        await post(`/api/surveys/${s.id}/answers`, { answers });
        if (!alive) return;
        app.emit('surveys', { kind: 'answered', survey_id: s.id });
        show({ ...s, answered: true, can_answer: false });
        page.querySelector('[data-testid="survey-done"]')?.focus();
      } catch (err) {
        if (!alive) return;
        send.disabled = false;
        const bad = inputs.find((i) => i.q.id === err?.details?.question_id);
        if (bad) bad.problem.hidden = false;
        error.set(surveyError(err));
      }
    });
    parts.push(form);
    setChildren(page, ...parts);
  }

  get(`/api/surveys/${id}`)
    .then((s) => alive && show(s))
    .catch((err) => {
      if (alive) status.textContent = surveyError(err);
    });
  return {
    destroy() {
      alive = false;
    },
  };
}

function mountTemplate(container, key) {
  let alive = true;
  app.emit('title', t('surveys.template.title'));
  const page = h('div', { class: 'page survey-template-page', dataset: { testid: 'survey-template-page' } });
  container.replaceChildren(page);
  const say = (both) => both[lang()] ?? both.ja;

  async function load() {
    try {
      const [templates, mine] = await Promise.all([get('/api/surveys/templates'), get(`/api/surveys?template=${encodeURIComponent(key)}`)]);
      if (!alive) return;
      const tpl = templates.find((x) => x.key === key);
      if (!tpl) {
        setChildren(page, h('p', { text: t('surveys.err.notFound') }));
        return;
      }
      const language = h('select', { dataset: { testid: 'template-language' } },
        h('option', { value: 'both', text: t('surveys.template.both') }),
        h('option', { value: 'ja', text: '日本語' }),
        h('option', { value: 'en', text: 'English' }),
      );
      const days = h('input', { type: 'number', min: '1', max: '90', value: '14', dataset: { testid: 'template-days' } });
      const error = errorBox('template-error');
      const send = h('button', { class: 'btn primary', dataset: { testid: 'template-send' }, text: t('surveys.template.send') });
      send.addEventListener('click', async () => {
        error.set('');
        send.disabled = true;
        try {
          const made = await post('/api/surveys/from-template', { template: key, language: language.value, closes_in_days: Number(days.value) || 14 });
          location.hash = `#/surveys/${made.id}/results`;
        } catch (err) {
          send.disabled = false;
          error.set(surveyError(err));
        }
      });
      setChildren(page,
        h('div', { class: 'page-head' }, h('h1', { text: say(tpl.title) })),
        h('p', { text: t('surveys.template.lead') }),
        h('p', { class: 'muted', text: say(tpl.description) }),
        h('ol', { class: 'survey-preview' }, tpl.questions.map((q) => h('li', {}, say(q.text), q.options.length ? h('span', { class: 'muted', text: ` (${q.options.map(say).join(' / ')})` }) : null))),
        mine.can_make
          ? h('div', { class: 'survey-send-row' },
              h('label', { class: 'field' }, h('span', { text: t('surveys.template.language') }), language),
              h('label', { class: 'field' }, h('span', { text: t('surveys.template.days') }), days),
              send,
            )
          : h('p', { class: 'muted', text: t('surveys.template.askAdmin') }),
        error,
        h('h2', { class: 'section-title', text: t('surveys.template.sent') }),
        mine.surveys.length
          ? h('ul', { class: 'card-list', dataset: { testid: 'template-sent' } }, mine.surveys.map(surveyCard))
          : h('p', { class: 'muted', text: t('surveys.template.noneSent') }),
      );
    } catch (err) {
      if (alive) setChildren(page, h('p', { text: surveyError(err) }));
    }
  }
  load();
  return {
    destroy() {
      alive = false;
    },
  };
}
