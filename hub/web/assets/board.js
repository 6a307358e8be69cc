// The waiting-room display board (/board): every open counter's current
// call in large digits, the last calls, waiting counts per field, the date
// and a clock. Runs for days on a TV: the DOM is bounded (tiles, call lines
// and field rows are kept per id and reused, those no longer shown are
// dropped), there is one clock timer, and highlights are CSS animations that
// end by themselves.
// `?zone=1,2,3` shows only those counters (and their calls).
import { $, clock, followBoard, h, site, T, weekdayDate } from '/assets/common.js';

const B = T.board;
const serving = T.ticketStatus.serving.charAt(0).toUpperCase() + T.ticketStatus.serving.slice(1);
/** Rows in the "last calls" list. */
const LAST_SHOWN = 5;

const grid = $('counters');
const lastList = $('last-calls');
const waitingList = $('waiting');
const invite = $('invite');

/** Counter ids from `?zone=1,2,3`, or null for every counter. */
function parseZone(value) {
  if (!value) return null;
  const ids = value
    .split(',')
    .map((s) => Number.parseInt(s.trim(), 10))
    .filter((n) => Number.isInteger(n) && n > 0);
  return ids.length ? new Set(ids) : null;
}
const zone = parseZone(new URLSearchParams(location.search).get('zone'));

document.title = `${B.title} · ${T.common.appName}`;
// The office's name over the title (the application's name when none is set).
$('app-name').textContent = site.name || T.common.appName;
$('title').textContent = B.title;
$('counters-title').textContent = B.nowServing;
$('last-title').textContent = B.lastCalls;
$('waiting-title').textContent = B.waiting;
$('no-counters').textContent = B.noCounters;
invite.textContent = B.welcome;

// ------------------------------------------------------------------ clock

/**
 * Hub time minus this screen's time: a TV box without a clock battery may be
 * wrong. Shown in the office's time zone, whatever zone the box is set to.
 */
let clockOffset = 0;
function tick() {
  const now = Date.now() + clockOffset;
  $('date').textContent = weekdayDate(now);
  $('clock').textContent = clock(now);
}
tick();
setInterval(tick, 1000);

// ------------------------------------------------------------- highlights

/** Start (or restart) an element's highlight animation; the class goes when it ends. */
function flash(el) {
  el.classList.remove('flash');
  void el.offsetWidth; // restart the animation for a repeated call
  el.classList.add('flash');
}
for (const el of [grid, lastList, invite]) {
  el.addEventListener('animationend', (e) => {
    if (e.animationName.startsWith('call-flash') && e.target instanceof Element)
      e.target.classList.remove('flash');
  });
}

/**
 * Make `parent`'s children exactly `wanted` (nodes reused between snapshots)
 * while moving as few as possible: a moved node restarts its animation.
 */
function reconcile(parent, wanted) {
  const keep = new Set(wanted);
  for (const child of [...parent.children]) if (!keep.has(child)) child.remove();
  wanted.forEach((el, i) => {
    const at = parent.children[i];
    if (at !== el) parent.insertBefore(el, at ?? null);
  });
}

// ---------------------------------------------------------------- counters

/** counterId → the tile's nodes, reused from one snapshot to the next. */
const tiles = new Map();

function tile(counterId) {
  let t = tiles.get(counterId);
  if (!t) {
    const name = h('div', { class: 'tile-name' });
    const number = h('div', { class: 'tile-number' });
    const note = h('div', { class: 'tile-note' });
    t = {
      el: h('div', { class: 'tile', dataset: { counter: counterId } }, name, number, note),
      name,
      number,
      note,
    };
    tiles.set(counterId, t);
  }
  return t;
}

function columnsFor(n) {
  if (n <= 1) return 1;
  if (n <= 4) return 2;
  if (n <= 9) return 3;
  if (n <= 16) return 4;
  return 5;
}

function renderCounters(counters, fresh) {
  const shown = counters
    .filter((c) => c.state !== 'closed' && (!zone || zone.has(c.counterId)))
    .sort((a, b) => a.counterId - b.counterId);
  const keep = new Set();
  for (const c of shown) {
    keep.add(c.counterId);
    const t = tile(c.counterId);
    const current = c.current;
    t.name.textContent = c.name;
    const display = current ? current.display : '—';
    t.number.textContent = display;
    // Longer numbers (a letter prefix) get smaller digits to stay inside the tile.
    t.number.dataset.len = String(Math.min(Math.max(display.length, 4), 7));
    // Open but nobody at the desk (a store from before officers opened counters): not serving.
    const unstaffed = c.officer === null && !current;
    t.note.textContent =
      c.state === 'paused'
        ? B.paused
        : unstaffed
          ? B.noOfficer
          : !current
            ? B.idle
            : current.status === 'serving'
              ? serving
              : '';
    t.el.classList.toggle('paused', c.state === 'paused' || unstaffed);
    t.el.classList.toggle('idle', !current);
    t.el.classList.toggle('serving', current?.status === 'serving');
    const call = fresh.get(c.counterId);
    if (call && current && current.display === call.display) flash(t.el);
  }
  for (const [id, t] of tiles) {
    if (!keep.has(id)) {
      t.el.remove();
      tiles.delete(id);
    }
  }
  reconcile(
    grid,
    shown.map((c) => tiles.get(c.counterId).el),
  );
  grid.dataset.cols = String(columnsFor(shown.length));
  $('no-counters').classList.toggle('hidden', shown.length > 0);
}

// -------------------------------------------------------------- last calls

/** callId → its row; a call never changes, so a row is made once and kept while shown. */
const callRows = new Map();
const noCalls = h('li', { class: 'empty' }, B.noCalls);

function renderLastCalls(calls, fresh) {
  const shown = calls.slice(0, LAST_SHOWN);
  const ids = new Set(shown.map((c) => c.callId));
  for (const id of callRows.keys()) if (!ids.has(id)) callRows.delete(id);
  const wanted = shown.map((c) => {
    let li = callRows.get(c.callId);
    if (!li) {
      li = h(
        'li',
        { dataset: { call: c.callId } },
        h('span', { class: 'call-number' }, c.display),
        h('span', { class: 'call-arrow', 'aria-hidden': 'true' }, '→'),
        h('span', { class: 'call-counter' }, c.counterName),
        h('span', { class: 'call-meta' }, c.recall ? `${B.recall} · ${clock(c.at)}` : clock(c.at)),
      );
      callRows.set(c.callId, li);
    }
    if (fresh.get(c.counterId) === c) flash(li);
    return li;
  });
  reconcile(lastList, wanted.length ? wanted : [noCalls]);
}

function renderInvite(latest, isFresh) {
  const text = latest
    ? B.invite.replace('{display}', latest.display).replace('{counterName}', latest.counterName)
    : B.welcome;
  if (invite.textContent !== text) invite.textContent = text;
  if (isFresh) flash(invite);
}

// ----------------------------------------------------------------- waiting

/** fieldId → row nodes, reused. */
const rows = new Map();

function renderWaiting(fields) {
  const ids = new Set(fields.map((f) => f.fieldId));
  for (const id of rows.keys()) if (!ids.has(id)) rows.delete(id);
  const wanted = fields.map((f) => {
    let r = rows.get(f.fieldId);
    if (!r) {
      const name = h('span', { class: 'field-name' });
      const count = h('span', { class: 'field-count' });
      r = { el: h('li', { class: 'field-row', dataset: { field: f.fieldId } }, name, count), name, count };
      rows.set(f.fieldId, r);
    }
    r.name.textContent = f.name;
    r.count.textContent = String(f.waiting);
    r.el.classList.toggle('none', f.waiting === 0);
    return r.el;
  });
  // Ten fields (the default catalogue) need smaller rows to fit the panel.
  waitingList.classList.toggle('many', fields.length > 8);
  reconcile(waitingList, wanted);
}

// ----------------------------------------------------------------- updates

/** Call ids of the previous snapshot (the hub keeps only its last few); null before the first. */
let seen = null;

/** @param {import('../../../shared/api/board.js').BoardSnapshot} snapshot */
function render(snapshot) {
  clockOffset = snapshot.at - Date.now();
  tick(); // the hub's time at once, not at the next second
  const calls = zone ? snapshot.lastCalls.filter((c) => zone.has(c.counterId)) : snapshot.lastCalls;
  // A call not seen before is new: highlight the newest one of each counter.
  // The first snapshot only sets what is known, so opening the page flashes nothing.
  const fresh = new Map();
  if (seen) {
    for (const c of calls) if (!seen.has(c.callId) && !fresh.has(c.counterId)) fresh.set(c.counterId, c);
  }
  seen = new Set(snapshot.lastCalls.map((c) => c.callId));
  renderCounters(snapshot.counters, fresh);
  renderLastCalls(calls, fresh);
  renderInvite(calls[0], calls.length > 0 && fresh.get(calls[0].counterId) === calls[0]);
  renderWaiting(snapshot.summary.fields);
  document.body.dataset.revision = String(snapshot.revision);
}

function setStatus(online) {
  document.body.classList.toggle('offline', !online);
  $('status-dot').classList.toggle('online', online);
  $('status-text').textContent = online ? B.online : B.offline;
}

$('status-text').textContent = T.common.loading;
followBoard(render, setStatus);
