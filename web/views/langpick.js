// A small language switcher for the signed-out pages.
import { h, uniqueId } from '../dom.js';
import { LANGUAGES, lang, t } from '../i18n/index.js';
import { app } from '../state.js';

export function languagePicker() {
  const id = uniqueId('lang');
  return h(
    'div',
    { class: 'lang-pick' },
    h('label', { for: id, class: 'small', text: t('nav.language') }),
    h(
      'select',
      { id, dataset: { testid: 'lang-select' }, onchange: (ev) => app.emit('language', ev.target.value) },
      Object.entries(LANGUAGES).map(([code, name]) =>
        h('option', { value: code, selected: code === lang(), text: name }),
      ),
    ),
  );
}
