// Message catalogues and locale-aware formatting. Every string a person sees
// comes from t(); dates and numbers go through Intl in the chosen language.
import en from './en.js';
import ja from './ja.js';

export const LANGUAGES = { en: 'English', ja: '日本語' };
const CATALOGUES = { en, ja };
const STORAGE_KEY = 'kaisha:lang';
const LOCALES = { en: 'en-US', ja: 'ja-JP' };

let current = 'en';
let plurals = new Intl.PluralRules('en-US');

/** The stored choice, else the browser's language: ja* means Japanese, anything else English. */
export function detectLang() {
  let stored = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null;
  }
  if (stored && stored in CATALOGUES) return stored;
  const wanted = navigator.languages?.length ? navigator.languages[0] : navigator.language;
  return (wanted || '').toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export function setLang(code, { persist = false } = {}) {
  current = code in CATALOGUES ? code : 'en';
  plurals = new Intl.PluralRules(LOCALES[current]);
  document.documentElement.lang = current;
  if (persist) {
    try {
      localStorage.setItem(STORAGE_KEY, current);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
  }
}

export function lang() {
  return current;
}

export function locale() {
  return LOCALES[current];
}

/**
 * The message for `key`, with `{name}` placeholders filled from `vars`. With a
 * numeric `count`, `key.one` / `key.other` (Intl plural rules) are tried first.
 */
export function t(key, vars = {}) {
  const catalogue = CATALOGUES[current];
  let message;
  if (typeof vars.count === 'number') {
    const form = `${key}.${plurals.select(vars.count)}`;
    message = catalogue[form] ?? catalogue[`${key}.other`] ?? en[form] ?? en[`${key}.other`];
  }
  message ??= catalogue[key] ?? en[key];
  if (message === undefined) {
    console.warn('missing message', key);
    return key;
  }
  return message.replace(/\{(\w+)\}/g, (whole, name) => {
    const value = vars[name];
    if (value === undefined || value === null) return whole;
    return typeof value === 'number' ? formatNumber(value) : String(value);
  });
}

export function formatNumber(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

const dateFormats = new Map();
function dateFormat(options) {
  const key = `${current}|${JSON.stringify(options)}`;
  if (!dateFormats.has(key)) dateFormats.set(key, new Intl.DateTimeFormat(locale(), options));
  return dateFormats.get(key);
}

/** A post's time: the time alone for today, else date and time. */
export function formatWhen(iso, now = new Date()) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return '';
  const sameDay = when.toDateString() === now.toDateString();
  return sameDay
    ? dateFormat({ timeStyle: 'short' }).format(when)
    : dateFormat({ dateStyle: 'medium', timeStyle: 'short' }).format(when);
}

export function formatFull(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return '';
  return dateFormat({ dateStyle: 'full', timeStyle: 'medium' }).format(when);
}

/** A date alone ("Mar 3, 2027"): expiries. */
export function formatDate(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return '';
  return dateFormat({ dateStyle: 'medium' }).format(when);
}

const STEPS = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
];

/** How long ago ("5 minutes ago", "5 分前"); past a week, the date and time. */
export function formatAgo(iso, now = Date.now()) {
  const when = new Date(iso).getTime();
  if (Number.isNaN(when)) return '';
  let amount = Math.max(0, (now - when) / 1000);
  if (amount < 45) return t('time.justNow');
  for (const [unit, size] of STEPS) {
    if (amount < size) {
      return new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' }).format(-Math.round(amount), unit);
    }
    amount /= size;
  }
  return formatWhen(iso);
}

export function catalogueKeys(code) {
  return Object.keys(CATALOGUES[code] ?? {});
}
