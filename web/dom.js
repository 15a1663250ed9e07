// Building DOM without HTML strings: h() sets text with textContent and
// attributes one by one, so user data can never become markup. The one
// exception, server-rendered post HTML, goes through safe_html.js.

/**
 * h('button', {class: 'x', onclick: fn, dataset: {testid: 'y'}}, 'text', child)
 * Attributes: `class`, `text`, `dataset`, `on<event>` handlers, booleans
 * (true sets, false/null/undefined skips), everything else via setAttribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'value' && 'value' in el) el.value = value;
    else if (name === 'checked' || name === 'selected' || name === 'disabled') el[name] = !!value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children, skipping null/false like h() does (replaceChildren would print "null"). */
export function setChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** A visually hidden label, for controls whose purpose is shown by an icon. */
export function srOnly(text) {
  return h('span', { class: 'sr-only', text });
}

let uid = 0;
export function uniqueId(prefix = 'k') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled form field: <label for=…>Label</label><input id=…>. */
export function field(label, input, hint) {
  input.id ||= uniqueId('f');
  const parts = [h('label', { for: input.id, text: label }), input];
  if (hint) {
    const hintId = uniqueId('h');
    input.setAttribute('aria-describedby', hintId);
    parts.push(h('small', { id: hintId, class: 'hint', text: hint }));
  }
  return h('div', { class: 'field' }, parts);
}

/** Debounce for search boxes. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** The person's initials for an avatar circle, and a stable hue from their id. */
export function avatar(person, size = '') {
  const words = (person.display_name || '?').trim().split(/\s+/);
  let initials;
  if (!/^[\x20-\x7e]/.test(words[0])) initials = Array.from(words[0]).slice(0, 2).join(''); // 田中 愛子 → 田中
  else if (words.length >= 2) initials = Array.from(words[0])[0] + Array.from(words[1])[0];
  else initials = Array.from(words[0])[0];
  const hue = ((person.id ?? 0) * 137) % 360;
  return h('span', {
    class: `avatar ${size}`,
    'aria-hidden': 'true',
    style: `--hue:${hue}`,
    text: initials.toUpperCase(),
  });
}
