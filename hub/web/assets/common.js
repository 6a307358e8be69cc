// Shared by every page: texts, the office (name, time zone), dates and times
// in the office's zone, JSON calls to the hub API, the live event stream, the
// banner asking to confirm the hub's time, and small DOM helpers. Plain ES
// module, no build step.
import SITE from '/assets/site.js';
import T from '/assets/text.js';

/** @typedef {import('../../../shared/api/board.js').BoardSnapshot} BoardSnapshot */
/** @typedef {import('../../../shared/api/session.js').SessionAnswer} SessionAnswer */

export { T };

/** The office (hub config `site`): its name, and the time zone every page shows times in. */
export const site = SITE;

// ------------------------------------------------------------------ dates and times
// Always in the office's zone, whatever the browser's (a TV box or phone left
// in UTC would show 02:30 for 09:30 in Hà Nội). Built from parts, so every
// browser prints the same text.

const partsFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: SITE.timeZone,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  weekday: 'short',
  hourCycle: 'h23',
});
const WEEKDAYS = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 0 };
const WEEKDAY_NAMES = ['Chủ Nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];

/** { year, month, day, hour, minute, second, weekday (0 = Sunday) } in the office's zone. */
export function officeParts(ms) {
  const p = Object.fromEntries(partsFormat.formatToParts(ms).map((x) => [x.type, x.value]));
  return {
    year: p.year,
    month: p.month,
    day: p.day,
    hour: p.hour,
    minute: p.minute,
    second: p.second,
    weekday: WEEKDAYS[p.weekday] ?? 0,
  };
}

/** "08:05" in the office's local time. */
export function clock(ms) {
  const p = officeParts(ms);
  return `${p.hour}:${p.minute}`;
}

/** "08:05:09". */
export function clockSeconds(ms) {
  const p = officeParts(ms);
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** "27/11/2026". */
export function dayText(ms) {
  const p = officeParts(ms);
  return `${p.day}/${p.month}/${p.year}`;
}

/** "08:05 27/11/2026". */
export function dateTime(ms) {
  return `${clock(ms)} ${dayText(ms)}`;
}

/** "Thứ Năm, 27/11/2026". */
export function weekdayDate(ms) {
  return `${WEEKDAY_NAMES[officeParts(ms).weekday]}, ${dayText(ms)}`;
}

/** "2026-11-27": the office's calendar date (a service date, for the reports' ranges). */
export function officeDate(ms) {
  const p = officeParts(ms);
  return `${p.year}-${p.month}-${p.day}`;
}

/** Error from the API, with the hub's code and a message for people. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0: the hub did not answer)
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Call the hub's JSON API; throws ApiError with the hub's message on failure.
 * A state-changing call always sends a JSON body (`{}` when it has no data):
 * the hub refuses anything else. The answer is typed by the caller with the
 * hub's own view types (shared/api/*.ts, imported in the page as typedefs).
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  /** @type {RequestInit & { headers: Record<string, string> }} */
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

/**
 * The signed-in account, or null.
 * @returns {Promise<SessionAnswer | null>}
 */
export async function currentAccount() {
  try {
    return await api('GET', '/api/session');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
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
/**
 * @param {(snapshot: BoardSnapshot) => void} onSnapshot
 * @param {(live: boolean) => void} [onStatus]
 */
export function followBoard(onSnapshot, onStatus = () => {}) {
  /** @type {EventSource} */
  let source;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
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

// An element of the page's own HTML: an input, select, dialog, form or link
// as that HTML says (a select reads as an input: value, disabled). The checker cannot read the HTML, so the kind is taken
// on trust (the browser tests open every page).
/** @typedef {HTMLInputElement & HTMLDialogElement & HTMLFormElement & HTMLAnchorElement} PageElement */

/**
 * The page's element with this id.
 * @param {string} id
 * @returns {PageElement}
 */
export const $ = (id) => /** @type {PageElement} */ (document.getElementById(id));

/**
 * The elements matching a selector, in the document or under `root`, as an
 * array; their kind is taken on trust as for `$`.
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {PageElement[]}
 */
export const $$ = (selector, root = document) =>
  /** @type {PageElement[]} */ ([...root.querySelectorAll(selector)]);

/**
 * The first element matching a selector, in the document or under `root`
 * (kind taken on trust as for `$`).
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {PageElement}
 */
export const $1 = (selector, root = document) => /** @type {PageElement} */ (root.querySelector(selector));

/**
 * A form whose controls are read by name: `form.id`, `form.name` are its
 * inputs there, not the form's own attributes (as the browser does it).
 * @typedef {Omit<HTMLElement, 'id'> & Pick<HTMLFormElement, 'reset' | 'elements'> & { [control: string]: HTMLInputElement }} NamedForm
 */

/**
 * The page's form with this id, its controls read by name.
 * @param {string} id
 * @returns {NamedForm}
 */
export const formById = (id) =>
  /** @type {NamedForm} */ (/** @type {unknown} */ (document.getElementById(id)));

/**
 * Fixed texts of a page: data-text="admin.tabs.catalogue" → T.admin.tabs.catalogue
 * (a key that names no text leaves the element as it is).
 */
export function applyTexts() {
  for (const el of $$('[data-text]')) {
    /** @type {any} */
    const value = el.dataset.text.split('.').reduce((/** @type {any} */ o, k) => (o ? o[k] : undefined), T);
    if (typeof value === 'string') el.textContent = value;
  }
}

/**
 * A page's own words: its module (/assets/text-<page>.js, kept out of every
 * page's text.js) joins T, then the fixed texts of its HTML are filled in.
 * @param {Partial<typeof T>} pageText
 */
export function usePageText(pageText) {
  Object.assign(T, pageText);
  applyTexts();
}

/**
 * The browser tab's title: "<what> · <name>", the app's name unless another is given.
 * @param {string} what
 * @param {string} [name]
 */
export function setTitle(what, name = T.common.appName) {
  document.title = `${what} · ${name}`;
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

/**
 * A table's head and body: one heading cell per text (null: an empty one,
 * over the row's buttons), then the rows, or `empty` when there are none.
 * @param {(string | null)[]} headings
 * @param {Node[]} rows
 * @param {Node} [empty]
 * @returns {HTMLElement[]}
 */
export function tableParts(headings, rows, empty) {
  return [
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headings.map((t) => h('th', {}, t)),
      ),
    ),
    h('tbody', {}, rows.length || !empty ? rows : empty),
  ];
}

/**
 * Fills "{name}" placeholders, as shared/text/vi.ts fillText does on the hub;
 * an unknown placeholder is left visible rather than hidden.
 * @param {string} template
 * @param {Record<string, unknown>} [params]
 */
export function fillText(template, params = {}) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole));
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

/** @type {ReturnType<typeof setTimeout> | undefined} */
let noticeTimer;

/**
 * A short message at the top of the page.
 * @param {string} message
 * @param {'error' | 'ok' | 'info'} [kind]
 */
export function notify(message, kind = 'error') {
  let bar = document.getElementById('notice');
  if (!bar) {
    bar = h('div', { id: 'notice', role: 'status', 'aria-live': 'polite' });
    document.body.prepend(bar);
  }
  bar.className = `notice ${kind}`;
  bar.textContent = message;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    bar.className = 'notice hidden';
  }, 6000);
}

// ------------------------------------------------------------------ the hub's clock

/**
 * While the hub's clock is not trusted (no NTP, no RTC, nobody confirmed it),
 * a banner under the page header shows the hub's time and this computer's,
 * and lets the signed-in officer or administrator confirm this computer's
 * with one click (the hub audits it). Call `check()` when something suggests
 * the clock changed (the live feed says so); it also looks every 30 s.
 */
export function clockBanner(anchor = document.querySelector('header')) {
  const K = T.clock;
  const hubTime = h('strong', { id: 'clock-hub-time' });
  const ownTime = h('strong', { id: 'clock-own-time' });
  const why = h('p', { id: 'clock-why' });
  const button = h('button', { id: 'clock-confirm', type: 'button', class: 'primary' }, K.confirm);
  const banner = h(
    'section',
    { id: 'clock-banner', class: 'clock-banner hidden', role: 'alert', 'aria-labelledby': 'clock-title' },
    h('h2', { id: 'clock-title' }, K.bannerTitle),
    why,
    h('p', {}, K.bannerKeepsWorking),
    h(
      'div',
      { class: 'clock-times' },
      h('span', {}, `${K.hubTime}: `, hubTime),
      h('span', {}, `${K.yourTime}: `, ownTime),
    ),
    h('div', { class: 'clock-actions' }, button, h('span', { class: 'muted clock-hint' }, K.confirmHint)),
  );
  anchor.after(banner);

  let status = null;
  let offset = 0;
  const draw = () => {
    if (!status || status.trusted) return;
    hubTime.textContent = `${clockSeconds(Date.now() + offset)} · ${weekdayDate(Date.now() + offset)}`;
    ownTime.textContent = `${clockSeconds(Date.now())} · ${weekdayDate(Date.now())}`;
  };
  const show = (s) => {
    status = s;
    offset = s.now - Date.now();
    banner.classList.toggle('hidden', s.trusted);
    document.body.classList.toggle('clock-untrusted', !s.trusted);
    why.textContent = K.bannerWhy[s.reason] ?? K.bannerWhy.not_synchronised;
    draw();
  };
  const check = async () => {
    try {
      show(await api('GET', '/api/clock'));
    } catch {
      // The hub is away: the page says so elsewhere; look again later.
    }
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const result = await api('POST', '/api/clock/confirm', { now: Date.now() });
      show(result);
      notify(result.message, 'ok');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) toSignIn();
      else notify(e instanceof Error ? e.message : String(e), 'error');
      await check();
    } finally {
      button.disabled = false;
    }
  });
  setInterval(draw, 1000);
  setInterval(check, 30_000);
  check();
  return {
    check,
    /** A live snapshot's `clock` ({ trusted }): look again when it differs from what is shown. */
    seen(clockState) {
      if (clockState && (!status || clockState.trusted !== status.trusted)) check();
    },
  };
}
