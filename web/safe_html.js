// Post bodies arrive as HTML rendered and sanitised by the server (raw HTML in
// a body is escaped there). As a second line of defence the client copies only
// an allowlist of elements and attributes out of an inert <template>, so even a
// server bug could not run script here.

const ALLOWED = new Set([
  'P', 'BR', 'STRONG', 'EM', 'CODE', 'PRE', 'A', 'UL', 'OL', 'LI', 'BLOCKQUOTE', 'DEL', 'S', 'SPAN',
]);
const SAFE_URL = /^(https?:|mailto:|#|\/(?!\/))/i;

function copy(node, into) {
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      into.append(document.createTextNode(child.nodeValue));
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const chip = mentionChip(child);
      if (chip) {
        into.append(chip);
        continue;
      }
      if (!ALLOWED.has(child.tagName) || child.tagName === 'SPAN') {
        copy(child, into); // keep the text, drop the element
        continue;
      }
      const el = document.createElement(child.tagName.toLowerCase());
      if (child.tagName === 'A') {
        const href = child.getAttribute('href') || '';
        if (SAFE_URL.test(href.trim())) el.setAttribute('href', href.trim());
        el.setAttribute('rel', 'noopener noreferrer nofollow');
        el.setAttribute('target', '_blank');
      }
      if (child.tagName === 'OL' && /^\d+$/.test(child.getAttribute('start') || '')) {
        el.setAttribute('start', child.getAttribute('start'));
      }
      copy(child, el);
      into.append(el);
    }
  }
}

/**
 * A mention as the server renders it (channels/mentions.py): a person's chip
 * (`<a class="mention" data-user="42">`, opening their profile card: views/
 * mentions.js) or `@channel`'s. Anything else of that shape is not one.
 */
function mentionChip(node) {
  if (node.getAttribute('class') !== 'mention') return null;
  const user = node.getAttribute('data-user') || '';
  if (node.tagName === 'A' && /^[1-9][0-9]{0,9}$/.test(user)) {
    const el = document.createElement('a');
    el.className = 'mention';
    el.dataset.user = user;
    el.setAttribute('href', `#/people/${user}`);
    el.textContent = node.textContent;
    return el;
  }
  if (node.tagName === 'SPAN' && node.getAttribute('data-mention') === 'channel') {
    const el = document.createElement('span');
    el.className = 'mention';
    el.dataset.mention = 'channel';
    el.textContent = node.textContent;
    return el;
  }
  return null;
}

/** A fragment holding the allowed part of `html`. */
export function safeFragment(html) {
  const template = document.createElement('template');
  template.innerHTML = html; // inert: template content runs nothing and loads nothing
  const out = document.createDocumentFragment();
  copy(template.content, out);
  return out;
}
