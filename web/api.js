// HTTP calls to /api/. Cookie authentication, plus the X-CSRF-Token header on
// every state-changing request. Errors become ApiError with the server's code.

let csrfToken = null;
let onUnauthorized = null;

export function setCsrf(token) {
  csrfToken = token || null;
}

/** Called when a request made while signed in answers 401 (the session ended). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export class ApiError extends Error {
  /** `details`: the whole error object the server sent (codes and values beside `code`). */
  constructor(status, code, message, fields, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields ?? [];
    this.details = details ?? {};
  }
}

/**
 * A call to the API. `body` is sent as JSON; `{raw, type}` sends a file's bytes
 * as they are (a CSV file: `{raw: file, type: 'text/csv'}`). `quiet`: a 401 is
 * the caller's to read (a wrong current password answers 401 too), not a sign
 * that the session ended.
 */
export async function api(method, path, body, { raw, type, quiet = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (raw !== undefined) headers['Content-Type'] = type;
  else if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'the server cannot be reached');
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const err = data?.error ?? {};
    if (response.status === 401 && csrfToken && onUnauthorized && !quiet) onUnauthorized();
    throw new ApiError(response.status, err.code ?? 'internal', err.message ?? '', err.fields, err);
  }
  return data;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body ?? {}, opts);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);
export const upload = (path, file, type) => api('POST', path, undefined, { raw: file, type });
export const put = (path, body) => api('PUT', path, body);

const STATUS_CODES = { 413: 'too_large', 429: 'rate_limited' };

/**
 * Send a file's bytes as the body of `POST path`, through XMLHttpRequest: fetch
 * reports no upload progress. `onProgress(loaded, total)` as bytes go out.
 * @returns {promise, abort()}: the promise gives the answer's JSON, or rejects
 *   with an ApiError (code `aborted` after abort(), `network` when the server
 *   could not be reached or dropped the connection).
 */
export function sendFile(path, file, { onProgress } = {}) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open('POST', path);
    xhr.setRequestHeader('Accept', 'application/json');
    // The server names the type from the bytes, never from this.
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (ev) => onProgress?.(ev.loaded, ev.lengthComputable ? ev.total : file.size);
    xhr.onload = () => {
      const data = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(data);
        return;
      }
      const err = data?.error ?? {};
      if (xhr.status === 401 && csrfToken && onUnauthorized) onUnauthorized();
      // A proxy in front may refuse a large body with a page of its own (nginx's
      // client_max_body_size): the status still says what happened.
      const code = err.code ?? STATUS_CODES[xhr.status] ?? 'internal';
      reject(new ApiError(xhr.status, code, err.message ?? '', err.fields, err));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'the server cannot be reached'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'cancelled'));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}

/** A client id for idempotent writes (works outside secure contexts too). */
export function newCid() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
