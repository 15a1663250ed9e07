// "Who liked this": a small popover under a like count, shown on hover, on
// keyboard focus, or on tap (touch screens have no hover).
import { get } from '../api.js';
import { h, setChildren } from '../dom.js';
import { t } from '../i18n/index.js';

let pop = null;
let owner = null; // the button the popover belongs to now
let hideTimer = null;
let shownAt = 0;
const cache = new Map(); // post id -> {count, names}

function popover() {
  if (!pop) {
    pop = h('div', { id: 'likers-pop', class: 'popover', role: 'tooltip', hidden: true, dataset: { testid: 'likers' } });
    pop.addEventListener('mouseenter', () => clearTimeout(hideTimer));
    pop.addEventListener('mouseleave', () => hide());
    document.body.append(pop);
  }
  return pop;
}

function place(button) {
  const r = button.getBoundingClientRect();
  const el = popover();
  el.style.left = `${Math.max(8, Math.min(r.left, window.innerWidth - 248))}px`;
  const below = r.bottom + 6;
  el.style.top = `${below}px`;
  requestAnimationFrame(() => {
    if (below + el.offsetHeight > window.innerHeight - 8) {
      el.style.top = `${Math.max(8, r.top - el.offsetHeight - 6)}px`;
    }
  });
}

async function show(button, post) {
  clearTimeout(hideTimer);
  if (owner !== button) shownAt = performance.now();
  owner = button;
  const el = popover();
  button.setAttribute('aria-describedby', el.id);
  const cached = cache.get(post.id);
  if (cached && cached.count === post.like_count) {
    fill(cached.names);
  } else if (post.like_count === 0) {
    fill([]);
  } else {
    el.replaceChildren(h('span', { class: 'muted', text: t('common.loading') }));
    el.hidden = false;
    place(button);
    try {
      const likers = await get(`/api/posts/${post.id}/likes`);
      // With the department, so two people of one name are told apart.
      const names = likers.map((l) => (l.department ? `${l.display_name} (${l.department})` : l.display_name));
      cache.set(post.id, { count: post.like_count, names });
      if (owner === button) fill(names);
    } catch {
      if (owner === button) el.replaceChildren(h('span', { text: t('error.internal') }));
    }
  }
  place(button);

  function fill(names) {
    setChildren(el,
      h('strong', { text: names.length ? t('likers.title') : t('likers.none') }),
      names.length ? h('ul', {}, names.map((n) => h('li', { dataset: { testid: 'liker' }, text: n }))) : null,
    );
    el.hidden = false;
  }
}

function hide(now = false) {
  clearTimeout(hideTimer);
  const go = () => {
    if (!pop) return;
    pop.hidden = true;
    owner?.removeAttribute('aria-describedby');
    owner = null;
  };
  if (now) go();
  else hideTimer = setTimeout(go, 150);
}

export function attachLikers(button, getPost) {
  button.addEventListener('mouseenter', () => show(button, getPost()));
  button.addEventListener('mouseleave', () => hide());
  button.addEventListener('focus', () => show(button, getPost()));
  button.addEventListener('blur', () => hide());
  button.addEventListener('click', () => {
    // A tap also fires mouseenter and focus just before: keep what they opened.
    if (owner === button && !pop.hidden && performance.now() - shownAt > 400) hide(true);
    else show(button, getPost());
  });
  button.addEventListener('keydown', (ev) => ev.key === 'Escape' && hide(true));
}

document.addEventListener('scroll', () => hide(true), true);
