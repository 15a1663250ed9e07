// Files on screen: the tiles of files being attached (a composer's or an edit's
// UploadSet, web/uploads.js), the files of a post (images as thumbnails in a
// grid, sized from their width and height before anything loads; other files
// as cards that download), the attach button, the drop target, pasting, and
// what a refused upload says. File names are text, always (h()'s `text`).
import { h, setChildren } from '../dom.js';
import { contentUrl, fileKind, guessCategory, humanSize, thumbUrl } from '../files.js';
import { icon } from '../icons.js';
import { formatNumber, t } from '../i18n/index.js';
import { openViewer } from './viewer.js';

// ---- icons and sizes ----------------------------------------------------------

const LABELS = { pdf: 'PDF', word: 'DOC', excel: 'XLS', powerpoint: 'PPT', text: 'TXT', other: 'FILE', image: 'IMG' };

// Catalogue keys never end in `.other`: that is a plural form's (i18n/index.js).
const key = (prefix, kind) => `${prefix}.${kind === 'other' ? 'misc' : kind}`;

/** What a kind of the rules is called ("PDF files"): image, pdf, office, text or other. */
export const kindName = (kind) => t(key('files.kind', kind));

/** A file type's badge: PDF, DOC, XLS, PPT, TXT or FILE (its meaning is read out from files.type.*). */
export function fileIcon(kind) {
  return h(
    'span',
    { class: `file-icon kind-${kind}`, role: 'img', 'aria-label': t(key('files.type', kind)), dataset: { kind } },
    h('span', { 'aria-hidden': 'true', text: LABELS[kind] ?? LABELS.other }),
  );
}

/** What a refused or failed upload says, in the person's language. */
export function uploadErrorText(error) {
  const code = error?.code ?? 'internal';
  switch (code) {
    case 'too_large':
      return error.limit ? t('files.error.tooLargeMax', { max: humanSize(error.limit) }) : t('files.error.tooLarge');
    case 'type_not_allowed':
      return t('files.error.typeNotAllowed', { kind: kindName(error.kind ?? 'other') });
    case 'empty_file':
    case 'image_too_large':
    case 'corrupt_image':
    case 'not_an_image':
    case 'image_timeout':
    case 'storage_unavailable':
      return t(`files.error.${code}`);
    case 'rate_limited':
      return t('error.rate_limited');
    case 'network':
      return t('files.error.network');
    default:
      return t('error.internal');
  }
}

// ---- a post's files -----------------------------------------------------------------

const ONE_IMAGE = { width: 360, height: 300 }; // at most, a post's only image
const GRID_HEIGHT = 150; // a row of several images
const GRID_WIDTH = { min: 90, max: 300 };

/** An image's box: the shape of the full-size image, before its thumbnail loads. */
function imageBox(ref, count) {
  const w = ref.width || 1;
  const h_ = ref.height || 1;
  if (count === 1) {
    const width = Math.round(Math.min(w, ONE_IMAGE.width, (ONE_IMAGE.height * w) / h_));
    return `width:${width}px;aspect-ratio:${w} / ${h_}`;
  }
  const width = Math.round(Math.min(GRID_WIDTH.max, Math.max(GRID_WIDTH.min, (GRID_HEIGHT * w) / h_)));
  return `width:${width}px;height:${GRID_HEIGHT}px`;
}

/**
 * A post's (or a pending post's) files: images first, as thumbnails that open
 * the viewer (← → between this post's images), then the other files as cards.
 * @returns the element, or null when there are no files
 */
export function postFiles(files) {
  if (!files?.length) return null;
  const images = files.filter((f) => f.image);
  const others = files.filter((f) => !f.image);
  return h(
    'div',
    { class: 'post-files', dataset: { testid: 'post-files' } },
    images.length
      ? h(
          'div',
          { class: `image-grid${images.length === 1 ? ' one' : ''}`, dataset: { testid: 'image-grid' } },
          images.map((ref, index) => imageTile(ref, index, images)),
        )
      : null,
    others.length ? h('ul', { class: 'file-cards' }, others.map((ref) => h('li', {}, fileCard(ref)))) : null,
  );
}

function imageTile(ref, index, images) {
  const button = h(
    'button',
    {
      type: 'button',
      class: 'image-tile',
      style: imageBox(ref, images.length),
      title: ref.name,
      'aria-label': t('files.open', { name: ref.name }),
      dataset: { testid: 'image-tile', fileId: ref.id },
      onclick: () => openViewer(images, index, { returnFocus: button }),
    },
    // Animated GIFs show their first frame here and move in the viewer.
    h('img', { src: thumbUrl(ref.id), alt: '', width: ref.width, height: ref.height, loading: 'lazy', decoding: 'async' }),
    ref.animated ? h('span', { class: 'gif-badge', 'aria-hidden': 'true', text: 'GIF' }) : null,
  );
  return button;
}

/** A file that is not an image: its icon, name and size; a click downloads it. */
export function fileCard(ref) {
  return h(
    'a',
    {
      class: 'file-card',
      href: contentUrl(ref.id),
      download: ref.name,
      title: ref.name,
      dataset: { testid: 'file-card', fileId: ref.id },
    },
    fileIcon(fileKind(ref)),
    h(
      'span',
      { class: 'file-text' },
      h('span', { class: 'file-name', dataset: { testid: 'file-name' }, text: ref.name }),
      h('span', { class: 'file-size', dataset: { testid: 'file-size' }, text: humanSize(ref.size) }),
    ),
    icon('download', { size: 16 }),
  );
}

// ---- attaching ----------------------------------------------------------------------

/**
 * The attach button: a file picker for several files at once.
 * @returns {el, input}
 */
export function attachButton({ testid, onFiles }) {
  const input = h('input', {
    type: 'file',
    multiple: true,
    hidden: true,
    tabindex: '-1',
    dataset: { testid: `${testid}-file-input` },
    onchange: () => {
      if (input.files.length) onFiles([...input.files]);
      input.value = ''; // the same file may be picked again
    },
  });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'icon-btn attach',
      'aria-label': t('files.attach'),
      title: t('files.attach'),
      dataset: { testid: `${testid}-attach` },
      onclick: () => input.click(),
    },
    icon('paperclip'),
  );
  return { el: h('span', { class: 'attach-wrap' }, button, input), button, input };
}

/**
 * Files pasted from the clipboard (a screenshot), or [] when the paste is
 * text. A copy from a spreadsheet or a word processor carries a picture of
 * what was copied beside its text: the text is what was meant then.
 */
export function pastedFiles(ev) {
  const data = ev.clipboardData;
  if (!data || !data.files?.length) return [];
  if (data.types.includes('text/plain') && data.getData('text/plain').trim()) return [];
  return [...data.files].map(named);
}

/** A pasted screenshot is "image.png" on every system: name it by the time instead. */
function named(file) {
  if (file.name && file.name !== 'image.png') return file;
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
  const ext = (file.type.split('/')[1] || 'png').replace('jpeg', 'jpg');
  return new File([file], `screenshot-${stamp}.${ext}`, { type: file.type });
}

const dragsFiles = (ev) => [...(ev.dataTransfer?.types ?? [])].includes('Files');

let pageGuarded = false;

/** A file dropped beside a target would replace Kaisha with the file: refuse such drops. */
function guardPage() {
  if (pageGuarded) return;
  pageGuarded = true;
  for (const name of ['dragover', 'drop']) {
    document.addEventListener(name, (ev) => {
      if (!dragsFiles(ev) || ev.defaultPrevented) return;
      ev.preventDefault();
      if (ev.dataTransfer) ev.dataTransfer.dropEffect = 'none';
    });
  }
}

/**
 * Let files be dropped onto `el`: while files are dragged over it, a visible
 * target says what dropping does. `onFiles(files)` with what was dropped.
 * @returns a function that undoes it
 */
export function dropTarget(el, { label, onFiles, enabled = () => true }) {
  guardPage();
  const overlay = h('div', { class: 'drop-target', hidden: true, dataset: { testid: 'drop-target' } }, icon('paperclip', { size: 28 }), h('span', { text: label }));
  el.classList.add('drop-zone');
  el.append(overlay);
  let depth = 0;
  const show = (on) => {
    overlay.hidden = !on;
    if (!on) depth = 0;
  };
  // A target inside another (a post being edited, in the channel view) takes
  // the drag for itself: the outer one neither shows nor takes it.
  const handlers = {
    dragenter: (ev) => {
      if (!dragsFiles(ev) || !enabled()) return;
      ev.preventDefault();
      ev.stopPropagation();
      depth += 1;
      show(true);
    },
    dragover: (ev) => {
      if (!dragsFiles(ev) || !enabled()) return;
      ev.preventDefault(); // a drop here is ours
      ev.stopPropagation();
      if (ev.dataTransfer) ev.dataTransfer.dropEffect = 'copy';
      show(true);
    },
    dragleave: (ev) => {
      if (!dragsFiles(ev) || !enabled()) return;
      ev.stopPropagation();
      depth = Math.max(0, depth - 1);
      if (depth === 0) show(false);
    },
    drop: (ev) => {
      show(false);
      if (!enabled()) return;
      const files = [...(ev.dataTransfer?.files ?? [])];
      if (!files.length) return;
      ev.preventDefault();
      ev.stopPropagation();
      onFiles(files);
    },
  };
  for (const [name, fn] of Object.entries(handlers)) el.addEventListener(name, fn);
  return () => {
    for (const [name, fn] of Object.entries(handlers)) el.removeEventListener(name, fn);
    overlay.remove();
    el.classList.remove('drop-zone');
  };
}

// ---- the tiles of files being attached ---------------------------------------------

/**
 * The tiles of an UploadSet, kept in step with it: name, size, a local preview
 * of a picked image, progress while uploading, why it failed (with Retry), and
 * × to cancel or remove.
 * @returns {el, destroy}
 */
export function uploadTiles(set, { testid = 'upload' } = {}) {
  const el = h('ul', { class: 'upload-tiles', hidden: true, 'aria-label': t('files.attached'), dataset: { testid: `${testid}-tiles` } });
  const tiles = new Map(); // key -> {li, drawn: 'state|preview', progress, status}

  function sync() {
    const keys = new Set(set.items.map((i) => i.key));
    for (const [key, tile] of tiles) {
      if (!keys.has(key)) {
        tile.li.remove();
        tiles.delete(key);
      }
    }
    let before = null;
    for (const item of [...set.items].reverse()) {
      let tile = tiles.get(item.key);
      if (!tile) {
        tile = { li: h('li', { class: 'upload-tile', dataset: { testid: 'upload-tile', key: String(item.key) } }), drawn: null };
        tiles.set(item.key, tile);
      }
      const wanted = `${item.state}|${item.preview ? 1 : 0}`;
      if (tile.drawn !== wanted) draw(tile, item);
      tile.drawn = wanted;
      el.insertBefore(tile.li, before);
      before = tile.li;
    }
    el.hidden = set.items.length === 0;
  }

  function draw(tile, item) {
    const li = tile.li;
    const failed = item.state === 'failed' || item.state === 'refused';
    li.dataset.state = item.state;
    li.classList.toggle('failed', failed);
    let picture;
    if (item.preview) picture = h('img', { src: item.preview, alt: '' });
    else if (item.ref?.image) picture = h('img', { src: thumbUrl(item.ref.id), alt: '' });
    else picture = fileIcon(fileKind(item.ref ?? { name: item.name, type: item.file.type, image: guessCategory(item.file) === 'image' }));
    tile.status = h('span', { class: 'tile-status', dataset: { testid: 'upload-status' } });
    tile.progress = null;
    if (item.state === 'uploading' || item.state === 'checking') {
      tile.progress = h('progress', { class: 'tile-progress', max: '100', 'aria-label': t('files.progressOf', { name: item.name }), dataset: { testid: 'upload-progress' } });
    }
    const going = item.state === 'uploading' || item.state === 'checking';
    const remove = h(
      'button',
      {
        type: 'button',
        class: 'icon-btn tile-remove',
        'aria-label': going ? t('files.cancelUpload', { name: item.name }) : t('files.remove', { name: item.name }),
        title: going ? t('files.cancel') : t('files.removeShort'),
        dataset: { testid: 'upload-remove' },
        onclick: () => set.remove(item.key),
      },
      icon('close', { size: 16 }),
    );
    const retry =
      item.state === 'failed'
        ? h('button', { type: 'button', class: 'btn small tile-retry', dataset: { testid: 'upload-retry' }, onclick: () => set.retry(item.key), text: t('common.retry') })
        : null;
    setChildren(
      li,
      h('span', { class: 'tile-thumb' }, picture),
      h(
        'span',
        { class: 'tile-text' },
        h('span', { class: 'tile-name', title: item.name, dataset: { testid: 'upload-name' }, text: item.name }),
        tile.status,
        tile.progress,
      ),
      retry,
      remove,
    );
    if (failed) tile.status.setAttribute('role', 'alert');
    update(tile, item);
  }

  /** The parts that move while uploading: the bar and the figure. */
  function update(tile, item) {
    const percent = item.size ? Math.floor((item.loaded / item.size) * 100) : 100;
    if (tile.progress) {
      if (item.state === 'checking') tile.progress.removeAttribute('value');
      else tile.progress.value = percent;
    }
    let text;
    if (item.state === 'uploading') text = t('files.uploading', { percent: formatNumber(percent) });
    else if (item.state === 'checking') text = t('files.checking');
    else if (item.state === 'done') text = humanSize(item.size);
    else text = uploadErrorText(item.error);
    tile.status.textContent = text;
  }

  const offs = [
    set.on('change', sync),
    set.on('progress', ({ key }) => {
      const tile = tiles.get(key);
      const item = set.get(key);
      if (tile && item) update(tile, item);
    }),
  ];
  sync();
  return {
    el,
    destroy() {
      for (const off of offs) off();
    },
  };
}
