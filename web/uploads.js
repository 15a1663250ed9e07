// The files of one post, comment or edit on their way to the server: an
// UploadSet holds them in the order they were added, and starts each upload
// at once (POST /api/files, the file's bytes as the body). No DOM: the
// composer's tiles (views/attachments.js) draw from it and listen to it.
//
// An item's state:
//   checking   waiting for the company's rules (files.js: fileRules)
//   refused    the rules refuse it (too large, a kind not allowed, empty):
//              never sent; only removing it helps
//   uploading  bytes going out: `loaded` of `size`
//   done       the server took it: `ref` is its FileRef (`ref.id` goes in the post)
//   failed     the server refused it or could not be reached: `error` says
//              why; retry() sends it again
// An edit's files already on the post enter as `done` items with `kept: true`.
//
// Nothing is duplicated: a cancelled or failed upload is never named by a
// post, a retried one gets a new id, and what was uploaded but not sent is
// never attached (the server sweeps unattached uploads after a day).
//
// Events:
//   change    items were added or removed, or one's state changed
//   progress  {key}: an upload's `loaded` moved
import { sendFile } from './api.js';
import { Emitter } from './emitter.js';
import { fileRules, forgetRules, isPreviewable, refusal } from './files.js';

export const MAX_FILES = 10; // per post or comment (the server's MAX_FILES, channels/models.py)
const PREVIEW_PX = 160;
const PREVIEW_UP_TO_BYTES = 40 * 1024 * 1024;

let lastKey = 0;

export class UploadSet extends Emitter {
  /** @param kept  FileRefs already on the post (an edit), kept unless removed */
  constructor({ kept = [], max = MAX_FILES } = {}) {
    super();
    this.max = max;
    this.items = kept.map((ref) => ({
      key: ++lastKey,
      kept: true,
      name: ref.name,
      size: ref.size,
      state: 'done',
      loaded: ref.size,
      ref,
      error: null,
      preview: null,
    }));
    this.request = new Map(); // key -> {abort} of its upload in flight
    this.destroyed = false;
  }

  get size() {
    return this.items.length;
  }

  /** Some upload has not finished yet. */
  get busy() {
    return this.items.some((i) => i.state === 'checking' || i.state === 'uploading');
  }

  /** Some file was refused or failed: it must be retried or removed before sending. */
  get blocked() {
    return this.items.some((i) => i.state === 'failed' || i.state === 'refused');
  }

  /** The FileRefs to send, in order (when nothing is busy or blocked). */
  get refs() {
    return this.items.filter((i) => i.state === 'done').map((i) => i.ref);
  }

  /** Bytes sent and to send, over the uploads still going. */
  get progress() {
    const going = this.items.filter((i) => i.state === 'checking' || i.state === 'uploading');
    const total = going.reduce((n, i) => n + i.size, 0);
    const loaded = going.reduce((n, i) => n + i.loaded, 0);
    return total ? loaded / total : 1;
  }

  get(key) {
    return this.items.find((i) => i.key === key) ?? null;
  }

  /**
   * Add picked, dropped or pasted files (up to the room left) and start them.
   * @returns how many were left out for want of room
   */
  add(files) {
    const room = Math.max(0, this.max - this.items.length);
    const taken = [...files].slice(0, room);
    for (const file of taken) {
      const item = {
        key: ++lastKey,
        kept: false,
        file,
        name: file.name,
        size: file.size,
        state: 'checking',
        loaded: 0,
        ref: null,
        error: null,
        preview: null,
      };
      this.items.push(item);
      this.#preview(item);
      this.#start(item);
    }
    if (taken.length) this.emit('change');
    return files.length - taken.length;
  }

  /** Take an item out; an upload in flight is cancelled. */
  remove(key) {
    const at = this.items.findIndex((i) => i.key === key);
    if (at < 0) return;
    this.request.get(key)?.abort();
    this.request.delete(key);
    this.items.splice(at, 1);
    this.emit('change');
  }

  /** Send a failed upload again (the file alone; the others are not touched). */
  retry(key) {
    const item = this.get(key);
    if (!item || item.state !== 'failed') return;
    this.#start(item);
  }

  /** Everything sent (or given up): start afresh. */
  clear() {
    for (const r of this.request.values()) r.abort();
    this.request.clear();
    this.items = [];
    this.emit('change');
  }

  /** Resolves once `test()` holds (checked now and at every change). */
  until(test) {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.on('change', () => {
        if (!test()) return;
        off();
        resolve();
      });
    });
  }

  destroy() {
    this.destroyed = true;
    for (const r of this.request.values()) r.abort();
    this.request.clear();
  }

  // ---- inside --------------------------------------------------------------------

  #set(item, fields) {
    if (!this.items.includes(item)) return false; // removed meanwhile
    Object.assign(item, fields);
    this.emit('change');
    return true;
  }

  async #start(item) {
    this.#set(item, { state: 'checking', loaded: 0, error: null });
    let rules = null;
    try {
      rules = await fileRules();
    } catch {
      rules = null; // the server checks anyway
    }
    if (this.destroyed || !this.items.includes(item)) return;
    const refused = rules && refusal(item.file, rules);
    if (refused) {
      this.#set(item, { state: 'refused', error: refused });
      return;
    }
    this.#set(item, { state: 'uploading' });
    const name = encodeURIComponent(item.file.name || 'file');
    const request = sendFile(`/api/files?name=${name}`, item.file, {
      onProgress: (loaded) => {
        if (item.state !== 'uploading') return;
        item.loaded = Math.min(loaded, item.size);
        this.emit('progress', { key: item.key });
      },
    });
    this.request.set(item.key, request);
    try {
      const ref = await request.promise;
      this.request.delete(item.key);
      this.#set(item, { state: 'done', loaded: item.size, ref: pickRef(ref) });
    } catch (err) {
      this.request.delete(item.key);
      if (err.code === 'aborted') return; // removed: it is gone already
      // The rules may have changed since they were read; next time ask again.
      if (err.code === 'too_large' || err.code === 'type_not_allowed' || err.code === 'network') forgetRules();
      const error = { ...(err.details ?? {}), code: err.code, status: err.status };
      if (err.code === 'too_large') {
        // The server says so before reading the bytes; the limit is the rules'.
        const fresh = await fileRules().catch(() => null);
        if (fresh) error.limit = fresh.max_file_mb * 1024 * 1024;
      }
      this.#set(item, { state: 'failed', error });
    }
  }

  /** A small picture of a picked image, as a data: URL (the page's CSP allows no blob: images). */
  async #preview(item) {
    const file = item.file;
    if (!isPreviewable(file) || file.size > PREVIEW_UP_TO_BYTES) return;
    if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') return;
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, PREVIEW_PX / Math.max(bitmap.width, bitmap.height));
      const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)));
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      const blob = await canvas.convertToBlob({ type: 'image/webp', quality: 0.8 });
      this.#set(item, { preview: await dataUrl(blob) });
    } catch {
      /* not decodable here: the tile shows an icon */
    }
  }
}

function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** The FileRef of an upload's answer (FilePublic has more than a post carries). */
export function pickRef(file) {
  const { id, name, type, size, image, width, height, animated } = file;
  return { id, name, type, size, image, width, height, animated };
}
