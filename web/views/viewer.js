// The image viewer: one image of a post at full size (its content URL, so an
// animated GIF moves), over everything, in a modal <dialog> (the page behind
// is inert). ← and → move between the post's images, Esc closes, Tab stays
// inside; closing puts the focus back where it was (the thumbnail). A download
// link beside the close button. On a phone it fills the screen, and a swipe
// moves too.
import { h } from '../dom.js';
import { contentUrl, downloadUrl, humanSize } from '../files.js';
import { icon } from '../icons.js';
import { t } from '../i18n/index.js';

const SWIPE_PX = 50;

/**
 * @param images      the FileRefs of the images to move between
 * @param index       the one to show first
 * @param returnFocus the element to focus again once closed
 */
export function openViewer(images, index, { returnFocus = document.activeElement } = {}) {
  let at = index;
  const counter = h('span', { class: 'viewer-count', dataset: { testid: 'viewer-count' } });
  const name = h('span', { class: 'viewer-name', dataset: { testid: 'viewer-name' } });
  const size = h('span', { class: 'viewer-size muted' });
  const download = h(
    'a',
    { class: 'btn small viewer-download', dataset: { testid: 'viewer-download' } },
    icon('download', { size: 16 }),
    h('span', { class: 'btn-text', text: t('files.download') }),
  );
  const close = h(
    'button',
    { type: 'button', class: 'icon-btn viewer-close', 'aria-label': t('common.close'), title: t('common.close'), dataset: { testid: 'viewer-close' }, onclick: () => dialog.close() },
    icon('close'),
  );
  const img = h('img', { class: 'viewer-img', dataset: { testid: 'viewer-image' } });
  const stage = h('div', { class: 'viewer-stage' }, img);
  const several = images.length > 1;
  const prev = several
    ? h('button', { type: 'button', class: 'viewer-nav prev', 'aria-label': t('files.prev'), dataset: { testid: 'viewer-prev' }, onclick: () => move(-1) }, icon('chevronLeft', { size: 28 }))
    : null;
  const next = several
    ? h('button', { type: 'button', class: 'viewer-nav next', 'aria-label': t('files.next'), dataset: { testid: 'viewer-next' }, onclick: () => move(1) }, icon('chevronRight', { size: 28 }))
    : null;
  const dialog = h(
    'dialog',
    { class: 'viewer', 'aria-label': t('files.viewer'), dataset: { testid: 'viewer' } },
    h('div', { class: 'viewer-bar' }, h('span', { class: 'viewer-title' }, name, size), counter, download, close),
    h('div', { class: 'viewer-body' }, prev, stage, next),
  );

  function show() {
    const ref = images[at];
    img.alt = ref.name;
    // The box has the image's shape before its bytes arrive: nothing jumps.
    if (ref.width && ref.height) {
      img.width = ref.width;
      img.height = ref.height;
    } else {
      img.removeAttribute('width');
      img.removeAttribute('height');
    }
    img.src = contentUrl(ref.id);
    dialog.dataset.fileId = ref.id;
    name.textContent = ref.name;
    name.title = ref.name;
    size.textContent = humanSize(ref.size);
    download.href = downloadUrl(ref.id);
    download.setAttribute('download', ref.name);
    download.setAttribute('aria-label', t('files.downloadName', { name: ref.name }));
    counter.textContent = several ? t('files.position', { n: at + 1, count: images.length }) : '';
    counter.hidden = !several;
  }

  function move(step) {
    if (!several) return;
    at = (at + step + images.length) % images.length;
    show();
  }

  /** Tab and Shift+Tab go round the viewer's controls. */
  function trapTab(ev) {
    const stops = [...dialog.querySelectorAll('a[href], button')].filter((el) => !el.hidden && el.offsetParent !== null);
    if (!stops.length) return;
    const first = stops[0];
    const last = stops[stops.length - 1];
    if (ev.shiftKey && document.activeElement === first) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && document.activeElement === last) {
      ev.preventDefault();
      first.focus();
    }
  }

  dialog.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowRight') {
      ev.preventDefault();
      move(1);
    } else if (ev.key === 'ArrowLeft') {
      ev.preventDefault();
      move(-1);
    } else if (ev.key === 'Tab') {
      trapTab(ev);
    }
    // Escape: the dialog's own cancel closes it.
  });
  // Clicking the dark around the image closes, as on every photo viewer.
  dialog.addEventListener('click', (ev) => {
    if (ev.target === dialog || ev.target === stage) dialog.close();
  });
  let touchX = null;
  stage.addEventListener('touchstart', (ev) => {
    touchX = ev.touches.length === 1 ? ev.touches[0].clientX : null;
  }, { passive: true });
  stage.addEventListener('touchend', (ev) => {
    if (touchX === null) return;
    const dx = ev.changedTouches[0].clientX - touchX;
    touchX = null;
    if (Math.abs(dx) > SWIPE_PX) move(dx < 0 ? 1 : -1);
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (returnFocus?.isConnected) returnFocus.focus();
  });

  show();
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
  return dialog;
}
