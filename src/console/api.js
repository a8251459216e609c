// The console speaks the admin API only. The session cookie is HttpOnly: script never sees it.
// What script holds is the CSRF token the sign-in answered, sent with every change.

const BASE = '/api/v1';
let csrfToken = '';
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `the server answered ${status}`);
    this.status = status;
    this.code = body?.code ?? 'PND_INTERNAL';
    this.details = body?.details;
  }
}

/** Called when the server says the session has ended (401): the console shows sign-in. */
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

export function setCsrfToken(token) {
  csrfToken = token;
}

/** The current session, or undefined when there is none. */
export async function currentSession() {
  const response = await fetch(`${BASE}/session`, { headers: { accept: 'application/json' } });
  if (!response.ok) return undefined;
  const session = await response.json();
  csrfToken = session.csrfToken;
  return session;
}

export async function signIn(token) {
  const session = await request('POST', '/session', { json: { token }, signingIn: true });
  csrfToken = session.csrfToken;
  return session;
}

export async function signOut() {
  await request('DELETE', '/session').catch(() => undefined);
  csrfToken = '';
}

/** A query string from an object, leaving out empty values. */
export function query(values) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * One API call: `json` is sent as JSON, `body` as it is with `type`. Answers the parsed body;
 * throws ApiError with the server's code and message.
 */
export async function request(method, path, options = {}) {
  const headers = { accept: 'application/json' };
  let body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    headers['content-type'] = options.type ?? 'application/octet-stream';
    body = options.body;
  }
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrfToken;
  const response = await fetch(`${BASE}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = { message: text.slice(0, 200) };
  }
  if (!response.ok) {
    const error = new ApiError(response.status, parsed);
    if (response.status === 401 && !options.signingIn) onSignedOut(error.message);
    throw error;
  }
  return parsed;
}

export const get = (path) => request('GET', path);

/**
 * Uploads a file as the raw body with progress (fetch reports none): onProgress(sent, total).
 */
export function upload(method, path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, `${BASE}${path}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('load', () => {
      let parsed;
      try {
        parsed = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        parsed = { message: xhr.responseText.slice(0, 200) };
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(parsed);
      else {
        if (xhr.status === 401) onSignedOut(parsed?.message);
        reject(new ApiError(xhr.status, parsed));
      }
    });
    xhr.addEventListener('error', () =>
      reject(new ApiError(0, { message: 'the upload was cut off; try again' })),
    );
    xhr.send(file);
  });
}
