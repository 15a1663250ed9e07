// Choosing a new password (account settings, a reset link): the new password
// twice, with a hint that says what makes a good one. The server judges
// strength (org/passwords.py: a password guessed early is refused with
// `weak_password`); the client checks only the length and the repeat, and
// shows the server's refusal in the person's language.
import { field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorText } from './errors.js';

export const MIN_PASSWORD = 8;

/**
 * @param testid  prefix of the inputs' test ids (`${testid}-new`, `${testid}-repeat`)
 * @returns {el, input, check() -> error text or '', value(), reset(), explain(err) -> text}
 */
export function newPassword(testid) {
  const input = h('input', {
    type: 'password',
    name: 'new-password',
    autocomplete: 'new-password',
    required: true,
    minlength: String(MIN_PASSWORD),
    dataset: { testid: `${testid}-new` },
  });
  const repeat = h('input', {
    type: 'password',
    name: 'repeat-password',
    autocomplete: 'new-password',
    required: true,
    dataset: { testid: `${testid}-repeat` },
  });
  const el = h(
    'div',
    { class: 'stack' },
    field(t('password.new'), input, t('password.hint')),
    field(t('password.repeat'), repeat),
  );
  return {
    el,
    input,
    value: () => input.value,
    check() {
      if (input.value.length < MIN_PASSWORD) return t('password.short');
      if (input.value !== repeat.value) return t('password.mismatch');
      return '';
    },
    reset() {
      input.value = '';
      repeat.value = '';
    },
    /** The server's refusal of a new password, in words. */
    explain(err) {
      const fields = (err.fields ?? []).map((f) => f.field);
      const short = err.code === 'invalid' && fields.some((f) => /new|password/.test(f ?? ''));
      return errorText(err, short ? { invalid: t('password.short') } : {});
    },
  };
}
