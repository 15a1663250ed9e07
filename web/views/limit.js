// The length limit of a post or comment (docs/protocol.md, "Limits": 10,000
// characters), counted as the server counts it (code points, not UTF-16
// units: an emoji is one). Text fields carry no maxlength, which would cut a
// paste short without a word; instead, past the limit, a warning says by how
// much, and sending waits until the text is shortened.
import { h } from '../dom.js';
import { t } from '../i18n/index.js';

export const MAX_BODY = 10000;

/** Characters as the server counts them. */
export function bodyLength(text) {
  // Never more code points than UTF-16 units: short texts need no exact count.
  if (text.length <= MAX_BODY - 1000) return text.length;
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/**
 * A warning under `input` that shows while its text is over the limit.
 * @returns {el, check() -> how many characters over (0 when within)}
 */
export function overLimitWarning(input, testid) {
  const el = h('p', { class: 'over-limit', role: 'alert', hidden: true, dataset: { testid } });
  return {
    el,
    check() {
      const over = bodyLength(input.value.trim()) - MAX_BODY;
      el.hidden = over <= 0;
      if (over > 0) el.textContent = t('composer.tooLong', { count: over, max: MAX_BODY });
      if (over > 0) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      return Math.max(0, over);
    },
  };
}
