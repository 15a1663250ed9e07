// Files as the client knows them, without DOM: where a file's bytes are, what
// kind of file it is (for its icon), its size as people read it, and the
// company's rules for uploads (GET /api/files/rules), kept for a minute.
//
// A file the server sent (FileRef, in posts; FilePublic, in lists) is
// {id, name, type, size, image, width, height, animated}: `type` is what the
// server sniffed from the bytes, so it is the truth for icons. A file picked
// from the disk (a File) has only a name and the browser's guess at a type:
// `guessCategory` is good enough to refuse, before uploading, what the rules
// will certainly refuse; the server decides the rest.
import { get } from './api.js';
import { locale } from './i18n/index.js';

export const contentUrl = (id) => `/api/files/${encodeURIComponent(id)}/content`;
export const thumbUrl = (id) => `/api/files/${encodeURIComponent(id)}/thumb`;
/** An image's bytes as an attachment (the content URL shows images inline). */
export const downloadUrl = (id) => `${contentUrl(id)}?download=1`;

const MIB = 1024 * 1024;
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** "820 B", "14 KB", "2.4 MB": binary units (the rules' MB are MiB too). */
export function humanSize(bytes) {
  let value = Math.max(0, Number(bytes) || 0);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  const number = new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
  return `${number} ${UNITS[unit]}`;
}

const OFFICE = {
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'word',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'excel',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'powerpoint',
};
const BY_EXTENSION = {
  pdf: 'pdf',
  doc: 'word',
  docx: 'word',
  xls: 'excel',
  xlsx: 'excel',
  csv: 'excel',
  ppt: 'powerpoint',
  pptx: 'powerpoint',
  txt: 'text',
  md: 'text',
  log: 'text',
};

function extension(name) {
  const dot = (name ?? '').lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/**
 * Which icon a shared file gets: image, pdf, word, excel, powerpoint, text or
 * other. From the sniffed type; the name's extension only for what the server
 * could not name (an old .xls is application/octet-stream).
 */
export function fileKind(ref) {
  if (ref.image) return 'image';
  if (ref.type === 'application/pdf') return 'pdf';
  if (OFFICE[ref.type]) return OFFICE[ref.type];
  if (ref.type === 'text/plain' && extension(ref.name) !== 'csv') return 'text';
  return BY_EXTENSION[extension(ref.name)] ?? 'other';
}

// ---- before uploading --------------------------------------------------------

const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'png', 'gif', 'webp', 'heic', 'heif']);
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/heic', 'image/heif']);
const OFFICE_EXTENSIONS = new Set(['docx', 'xlsx', 'pptx']);
const TEXT_EXTENSIONS = new Set(['txt', 'csv', 'tsv', 'md', 'log', 'json']);

/**
 * The rules' category ("image", "pdf", "office", "text", "other") a picked
 * file will most likely be sniffed as. SVG is "other" (the server never
 * takes it for an image), HTML too (the server keeps markup apart from text).
 */
export function guessCategory(file) {
  const ext = extension(file.name);
  const type = (file.type || '').toLowerCase();
  if (IMAGE_TYPES.has(type) || IMAGE_EXTENSIONS.has(ext)) return 'image';
  if (type === 'application/pdf' || ext === 'pdf') return 'pdf';
  if (OFFICE[type] || OFFICE_EXTENSIONS.has(ext)) return 'office';
  if (type === 'text/html' || ext === 'html' || ext === 'htm') return 'other';
  if (type.startsWith('text/') || TEXT_EXTENSIONS.has(ext)) return 'text';
  return 'other';
}

/** Looks like an image the browser can show as a preview. */
export function isPreviewable(file) {
  return /^image\/(jpeg|png|gif|webp)$/.test(file.type || '');
}

const RULES_FOR_MS = 60_000;
let rulesCache = null; // {at, promise}

/** The company's upload rules {max_file_mb, allowed}, asked for at most once a minute. */
export function fileRules() {
  if (!rulesCache || Date.now() - rulesCache.at > RULES_FOR_MS) {
    const promise = get('/api/files/rules');
    rulesCache = { at: Date.now(), promise };
    promise.catch(() => {
      if (rulesCache?.promise === promise) rulesCache = null;
    });
  }
  return rulesCache.promise;
}

/** The rules may have changed (a refusal from the server, an admin's save). */
export function forgetRules() {
  rulesCache = null;
}

/**
 * Why the rules refuse `file` before it is sent, as an error like the
 * server's ({code, limit} / {code, kind}), or null when they may accept it.
 */
export function refusal(file, rules) {
  if (file.size === 0) return { code: 'empty_file' };
  if (file.size > rules.max_file_mb * MIB) return { code: 'too_large', limit: rules.max_file_mb * MIB };
  const kind = guessCategory(file);
  if (!rules.allowed.includes(kind)) return { code: 'type_not_allowed', kind };
  return null;
}
