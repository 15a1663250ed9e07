// #/surveys/new : making a survey (admins and the people they allow). Questions
// of four kinds (one choice, several, a 1–5 scale, free text), each required
// or not; the audience (everyone, or chosen departments); when it opens and
// closes; named or anonymous. Sent, it opens on its results page.
import { get, post } from '../api.js';
import { h, setChildren, uniqueId } from '../dom.js';
import { t } from '../i18n/index.js';
import { app } from '../state.js';
import { errorBox } from './errors.js';
import { surveyError } from './surveys.js';
import { showWordCheck } from './word_check.js';

const KINDS = ['single', 'multiple', 'scale', 'text'];

function localInput(date) {
  // <input type=datetime-local> wants the local time without a zone.
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function labelled(text, control) {
  control.id ||= uniqueId('s');
  return h('div', { class: 'field' }, h('label', { for: control.id, text }), control);
}

function questionEditor(onRemove) {
  const kind = h('select', { dataset: { testid: 'q-kind' } }, KINDS.map((k) => h('option', { value: k, text: t(`surveys.kind.${k}`) })));
  const text = h('input', { type: 'text', maxlength: '500', required: true, dataset: { testid: 'q-text' } });
  const required = h('input', { type: 'checkbox', checked: true, dataset: { testid: 'q-required' } });
  const options = h('textarea', { rows: '3', dataset: { testid: 'q-options' } });
  const optionsField = labelled(t('surveys.make.options'), options);
  const remove = h('button', { type: 'button', class: 'btn small ghost', dataset: { testid: 'q-remove' }, text: t('surveys.make.removeQuestion') });
  const box = h(
    'fieldset',
    { class: 'survey-question-edit', dataset: { testid: 'q-edit' } },
    h('legend', { text: t('surveys.make.question') }),
    labelled(t('surveys.make.questionText'), text),
    labelled(t('surveys.make.kind'), kind),
    optionsField,
    h('label', { class: 'check' }, required, h('span', { text: t('surveys.required') })),
    remove,
  );
  const sync = () => {
    optionsField.hidden = !(kind.value === 'single' || kind.value === 'multiple');
  };
  kind.addEventListener('change', sync);
  sync();
  remove.addEventListener('click', () => onRemove(box));
  box.read = () => ({
    kind: kind.value,
    text: text.value.trim(),
    required: required.checked,
    options: optionsField.hidden ? [] : options.value.split('\n').map((o) => o.trim()).filter(Boolean),
  });
  box.focusFirst = () => text.focus();
  box.control = (part) => (part === 'text' ? text : options); // the word check's field
  return box;
}

export function mountMake(container) {
  let alive = true;
  app.emit('title', t('surveys.new'));
  const title = h('input', { type: 'text', maxlength: '200', required: true, dataset: { testid: 'survey-make-title' } });
  const description = h('textarea', { rows: '3', maxlength: '2000', dataset: { testid: 'survey-make-description' } });
  const anonymous = h('input', { type: 'checkbox', checked: true, dataset: { testid: 'survey-make-anonymous' } });
  const company = h('input', { type: 'radio', name: 'audience', value: 'company', checked: true, dataset: { testid: 'audience-company' } });
  const chosen = h('input', { type: 'radio', name: 'audience', value: 'departments', dataset: { testid: 'audience-departments' } });
  const departments = h('div', { class: 'survey-departments', hidden: true, dataset: { testid: 'audience-list' } });
  const opens = h('input', { type: 'datetime-local', dataset: { testid: 'survey-make-opens' } });
  const closes = h('input', { type: 'datetime-local', required: true, value: localInput(new Date(Date.now() + 14 * 86400_000)), dataset: { testid: 'survey-make-closes' } });
  const questions = h('div', { class: 'survey-questions-edit' });
  const add = h('button', { type: 'button', class: 'btn', dataset: { testid: 'q-add' }, text: t('surveys.make.addQuestion') });
  const error = errorBox('survey-make-error');
  const send = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'survey-make-submit' }, text: t('surveys.make.send') });

  function addQuestion() {
    const editor = questionEditor((box) => {
      if (questions.children.length > 1) box.remove();
    });
    questions.append(editor);
    return editor;
  }
  add.addEventListener('click', () => addQuestion().focusFirst());
  addQuestion();
  const audienceChanged = () => {
    departments.hidden = !chosen.checked;
  };
  company.addEventListener('change', audienceChanged);
  chosen.addEventListener('change', audienceChanged);

  get('/api/departments')
    .then((list) => {
      if (!alive) return;
      setChildren(departments, list.map((d) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: String(d.id), dataset: { testid: 'audience-department' } }), h('span', { text: d.name }))));
    })
    .catch(() => {});

  const form = h(
    'form',
    { class: 'survey-make', novalidate: true },
    labelled(t('surveys.make.title'), title),
    labelled(t('surveys.make.description'), description),
    h('label', { class: 'check' }, anonymous, h('span', { text: t('surveys.make.anonymous') })),
    h('p', { class: 'muted', text: t('surveys.make.anonymousHint') }),
    h(
      'fieldset',
      { class: 'survey-audience' },
      h('legend', { text: t('surveys.make.audience') }),
      h('label', { class: 'check' }, company, h('span', { text: t('surveys.audience.company') })),
      h('label', { class: 'check' }, chosen, h('span', { text: t('surveys.audience.departments') })),
      departments,
    ),
    h('div', { class: 'survey-dates' }, labelled(t('surveys.make.opens'), opens), labelled(t('surveys.make.closes'), closes)),
    h('h2', { class: 'section-title', text: t('surveys.make.questions') }),
    questions,
    add,
    error,
    send,
  );
  // Set by the word check's "Save anyway" (views/word_check.js) for the next send.
  let acknowledged = false;
  /** The control holding a field the word check names: `title`, `questions[2].options[0]`, … */
  const control = (field) => {
    if (field === 'title') return title;
    if (field === 'description') return description;
    const m = /^questions\[(\d+)\]\.(text|options)/.exec(field);
    return m ? (questions.children[Number(m[1])]?.control(m[2]) ?? null) : null;
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.set('');
    const ack = acknowledged;
    acknowledged = false;
    const departmentIds = [...departments.querySelectorAll('input:checked')].map((i) => Number(i.value));
    const body = {
      title: title.value.trim(),
      description: description.value.trim(),
      anonymous: anonymous.checked,
      audience: chosen.checked ? 'departments' : 'company',
      department_ids: chosen.checked ? departmentIds : [],
      closes_at: closes.value ? new Date(closes.value).toISOString() : '',
      questions: [...questions.children].map((q) => q.read()),
    };
    if (opens.value) body.opens_at = new Date(opens.value).toISOString();
    if (ack) body.acknowledge_warning = true;
    if (!body.title || !closes.value || body.questions.some((q) => !q.text)) {
      error.set(t('surveys.make.incomplete'));
      return;
    }
    if (chosen.checked && !departmentIds.length) {
      error.set(t('surveys.make.chooseDepartment'));
      return;
    }
    if (body.questions.some((q) => (q.kind === 'single' || q.kind === 'multiple') && q.options.length < 2)) {
      error.set(t('surveys.make.twoOptions'));
      return;
    }
    send.disabled = true;
    try {
      const made = await post('/api/surveys', body);
      location.hash = `#/surveys/${made.id}/results`;
    } catch (err) {
      send.disabled = false;
      if (!alive) return;
      const anyway = () => {
        acknowledged = true;
        form.requestSubmit();
      };
      if (showWordCheck(error, err, { testid: 'survey-make', control, anyway })) return;
      error.set(err?.code === 'invalid' ? `${t('surveys.make.invalid')} (${err.message})` : surveyError(err));
    }
  });
  container.replaceChildren(
    h(
      'div',
      { class: 'page survey-make-page', dataset: { testid: 'survey-make-page' } },
      h('div', { class: 'page-head' }, h('h1', { text: t('surveys.new') })),
      form,
    ),
  );
  title.focus();
  return {
    destroy() {
      alive = false;
    },
  };
}
