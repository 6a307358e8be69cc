// Shared by every page: texts, JSON calls to the hub API, the live event
// stream, and small DOM helpers. Plain ES module, no build step.
import T from '/assets/text.js';

export { T };

/** Error from the API, with the hub's code and a message for people. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Call the hub's JSON API; throws ApiError with the hub's message on failure.
 * A state-changing call always sends a JSON body (`{}` when it has no data):
 * the hub refuses anything else.
 */
export async function api(method, path, body) {
  const init = { method, headers: {}, credentials: 'same-origin' };
  if (body === undefined && method !== 'GET' && method !== 'HEAD') body = {};
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', T.common.offline);
  }
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const e = data?.error ? data.error : { code: `http_${res.status}`, message: String(data) };
    throw new ApiError(res.status, e.code, e.message);
  }
  return data;
}

/** Send the browser to the sign-in page, coming back here afterwards. */
export function toSignIn() {
  location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/** The signed-in account, or null. */
export async function currentAccount() {
  try {
    return await api('GET', '/api/session');
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

/**
 * Follow the hub's board snapshots. EventSource reconnects by itself after a
 * hub restart or a network drop; `onStatus(true|false)` tells the page.
 * A refused stream (the hub at its limit of live pages: 503/429) closes the
 * EventSource; it is reopened by hand, waiting longer after each refusal
 * (2 s doubling to 60 s, with jitter so many pages do not return at once).
 */
export function followBoard(onSnapshot, onStatus = () => {}) {
  let source;
  let retry;
  let failures = 0;
  const open = () => {
    source = new EventSource('/api/events');
    source.addEventListener('board', (e) => {
      failures = 0;
      onStatus(true);
      onSnapshot(JSON.parse(e.data));
    });
    source.onerror = () => {
      onStatus(false);
      if (source.readyState === EventSource.CLOSED) {
        const wait = Math.min(60_000, 2000 * 2 ** failures);
        failures = Math.min(failures + 1, 10);
        clearTimeout(retry);
        retry = setTimeout(open, wait / 2 + Math.random() * (wait / 2));
      }
    };
  };
  open();
  return () => {
    clearTimeout(retry);
    source.close();
  };
}

/** Create an element: h('button', { class: 'x', onclick }, 'text', child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
}

/** "12 phút" from seconds; "—" when unknown. */
export function minutes(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  return `${Math.max(0, Math.round(seconds / 60))} ${T.common.minutes}`;
}

/** "08:05" in the office's local time. */
export function clock(ms) {
  return new Date(ms).toLocaleTimeString('vi-VN', { hour: '2-digit', minute: '2-digit', hour12: false });
}

/** A short message at the top of the page. */
export function notify(message, kind = 'error') {
  let bar = document.getElementById('notice');
  if (!bar) {
    bar = h('div', { id: 'notice', role: 'status', 'aria-live': 'polite' });
    document.body.prepend(bar);
  }
  bar.className = `notice ${kind}`;
  bar.textContent = message;
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => {
    bar.className = 'notice hidden';
  }, 6000);
}
