// Admin: the company's time zone (GET/PUT /api/timezone; Asia/Tokyo until
// saved): the zone event files (.ics), calendar feeds and reminder texts are
// written in. Each person's browser shows times in their own zone.
import { get, put } from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorBox, errorText, toast } from './errors.js';

export function timezoneSection() {
  let alive = true;
  const zone = h('input', { type: 'text', required: true, list: 'timezone-names', dataset: { testid: 'company-timezone' } });
  const names = h('datalist', { id: 'timezone-names' }, (Intl.supportedValuesOf?.('timeZone') ?? []).map((z) => h('option', { value: z })));
  const error = errorBox('timezone-error');
  const save = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'company-timezone-save' }, text: t('common.save') });
  get('/api/timezone')
    .then((s) => alive && (zone.value = s.timezone))
    .catch((err) => alive && error.set(errorText(err)));
  const form = h(
    'form',
    {
      class: 'card stack narrow-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        error.set('');
        save.disabled = true;
        try {
          zone.value = (await put('/api/timezone', { timezone: zone.value.trim() })).timezone;
          toast(t('timezone.saved'));
        } catch (err) {
          error.set(errorText(err, { invalid: t('timezone.unknown') }));
        } finally {
          save.disabled = false;
        }
      },
    },
    field(t('timezone.label'), zone),
    names,
    error,
    h('div', { class: 'row end' }, save),
  );
  const el = h(
    'section',
    { id: 'admin-timezone', class: 'admin-section', 'aria-labelledby': 'admin-timezone-title' },
    h('h2', { id: 'admin-timezone-title', tabindex: '-1', text: t('admin.timezone') }),
    h('p', { class: 'muted', text: t('timezone.lead') }),
    form,
  );
  return {
    el,
    destroy() {
      alive = false;
    },
  };
}
