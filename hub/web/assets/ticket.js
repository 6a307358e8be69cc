// Ticket lookup (/t/<ticketId>), the page behind the QR code on a ticket,
// read on a citizen's phone: number, procedure, status, people ahead and
// estimated wait, and the counter once it is called. Follows the board's
// live feed and fetches the ticket again (debounced) after each change.
import { $, ApiError, api, clock, fill, followBoard, h, minutes, site, T } from '/assets/common.js';
import { oneAtATime } from '/assets/one-at-a-time.js';

/** @typedef {import('../../../shared/api/ticket.js').TicketAnswer} TicketAnswer */
/** @typedef {import('../../../shared/api/console.js').CatalogueAnswer} CatalogueAnswer */

const K = T.ticket;
/** After a burst of changes, one fetch; spread a little so a room of phones does not ask at once. */
const debounceMs = () => 150 + Math.round(Math.random() * 250);

const card = $('ticket');
const ticketId = decodeURIComponent(location.pathname.slice(location.pathname.lastIndexOf('/') + 1));

document.title = `${K.title} · ${T.common.appName}`;
$('app-name').textContent = K.title;
$('site-name').textContent = site.name;
$('loading').textContent = T.common.loading;
$('not-found-title').textContent = K.notFound;
$('not-found-hint').textContent = K.notFoundHint;

/** procedureId → { name, fieldName }, priority id → name (from /api/catalogue). */
let procedures = null;
let priorities = new Map();
/** From the latest board snapshot: counter names and today's service date. */
let counterNames = new Map();
let serviceDate = null;
/** Hub time minus this phone's (from the live feed). */
let hubOffset = 0;
let stopFollowing = null;

const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const fillIn = (template, params) => template.replace(/\{(\w+)\}/g, (whole, key) => params[key] ?? whole);
/** "2025-05-12" → "12/05/2025". */
const dayText = (date) => date.split('-').reverse().join('/');

async function loadCatalogue() {
  /** @type {CatalogueAnswer} */
  const catalogue = await api('GET', '/api/catalogue');
  procedures = new Map();
  for (const f of catalogue.fields) {
    for (const p of f.procedures) procedures.set(p.id, { name: p.name, fieldName: f.name });
  }
  priorities = new Map(catalogue.priorityCategories.map((c) => [c.id, c.name]));
}

function counterName(id) {
  return counterNames.get(id) ?? `${T.common.counter} ${id}`;
}

function row(label, value) {
  return h('div', { class: 'row' }, h('dt', {}, label), h('dd', {}, value));
}

/** Hours as people say them: 2, 2,5. */
const hours = (m) => String(Math.round((m / 60) * 10) / 10).replace('.', ',');

/** The hub's likely range, as on the printed ticket: "khoảng 15–20 phút", "dưới 5 phút". */
/** @param {TicketAnswer['estimate']} estimate */
function waitText(estimate) {
  if (!estimate) return '—';
  if (estimate.waitSeconds === null) return K.noOpenCounter;
  const range = estimate.range;
  if (range === undefined) {
    // A hub from before the range: the single figure.
    if (estimate.ahead === 0 || estimate.waitSeconds < 60) return K.soon;
    return fillIn(K.about, { minutes: minutes(estimate.waitSeconds) });
  }
  if (range === null) return K.soon;
  if (range.fromMinutes === 0) return fillIn(K.under, { to: range.toMinutes });
  if (range.toMinutes > 120)
    return fillIn(K.rangeHours, { from: hours(range.fromMinutes), to: hours(range.toMinutes) });
  return fillIn(K.rangeMinutes, { from: range.fromMinutes, to: range.toMinutes });
}

/** @param {TicketAnswer} ticket */
function render(ticket) {
  const proc = procedures?.get(ticket.procedureId);
  const status = ticket.status;
  const parts = [
    h('p', { class: 'ticket-label' }, K.number),
    h('p', { class: 'ticket-number', id: 'number' }, ticket.display),
    h('p', { class: `badge status-${status}`, id: 'status' }, capital(T.ticketStatus[status] ?? status)),
  ];
  if (serviceDate && ticket.serviceDate !== serviceDate) {
    parts.push(h('p', { class: 'other-day' }, fillIn(K.otherDay, { date: dayText(ticket.serviceDate) })));
  }
  if ((status === 'called' || status === 'serving') && ticket.counterId !== null) {
    parts.push(
      h(
        'div',
        { class: `call ${status}`, id: 'call' },
        h('p', { class: 'call-lead' }, status === 'called' ? K.calledTo : K.servingAt),
        h('p', { class: 'call-counter', id: 'call-counter' }, counterName(ticket.counterId)),
      ),
    );
  }
  if (status === 'waiting') {
    parts.push(
      h(
        'div',
        { class: 'stats' },
        h(
          'div',
          { class: 'stat' },
          h('span', { class: 'stat-label' }, K.ahead),
          h(
            'span',
            { class: 'stat-value', id: 'ahead' },
            ticket.estimate ? String(ticket.estimate.ahead) : '—',
          ),
        ),
        h(
          'div',
          { class: 'stat' },
          h('span', { class: 'stat-label' }, K.estimatedWait),
          h('span', { class: 'stat-value', id: 'wait' }, waitText(ticket.estimate)),
        ),
      ),
    );
  }
  const hint = {
    waiting: K.waitingHint,
    called: K.calledHint,
    done: K.doneHint,
    no_show: K.noShowHint,
    cancelled: K.cancelledHint,
  }[status];
  if (hint) parts.push(h('p', { class: 'hint' }, hint));
  parts.push(
    h(
      'dl',
      { class: 'details' },
      row(K.field, proc?.fieldName ?? '—'),
      row(K.procedure, proc?.name ?? '—'),
      row(K.issuedAt, clock(ticket.issuedAt)),
      ticket.priority ? row(K.priority, priorities.get(ticket.priority) ?? ticket.priority) : null,
    ),
  );
  fill(card, parts);
  card.dataset.status = status;
  card.classList.remove('hidden');
  $('loading').classList.add('hidden');
  document.title =
    status === 'called'
      ? `${ticket.display} → ${counterName(ticket.counterId)}`
      : `${ticket.display} · ${K.title}`;
  // A finished or cancelled ticket will not change again: let go of the live feed.
  if ((status === 'done' || status === 'cancelled') && stopFollowing) {
    stopFollowing();
    stopFollowing = null;
    $('live').classList.add('hidden');
  }
}

function notFound() {
  $('loading').classList.add('hidden');
  card.classList.add('hidden');
  $('not-found').classList.remove('hidden');
  document.title = `${K.notFound} · ${T.common.appName}`;
  if (stopFollowing) {
    stopFollowing();
    stopFollowing = null;
  }
  $('live').classList.add('hidden');
}

let timer = null;

// A change while the ticket is read asks for one more read, after the usual pause.
const refresh = oneAtATime(async () => {
  try {
    if (!procedures) await loadCatalogue().catch(() => {});
    const ticket = await api('GET', `/api/tickets/${encodeURIComponent(ticketId)}`);
    render(ticket);
    setUpdated();
  } catch (e) {
    // 404: no such ticket; 400: not even a ticket id.
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) notFound();
    // Otherwise the hub is unreachable: keep what is shown; the feed retries.
  }
}, schedule);

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(refresh, debounceMs());
}

let online = false;
function setUpdated() {
  $('live-text').textContent = online
    ? `${K.online} · ${fillIn(K.updatedAt, { time: clock(Date.now() + hubOffset) })}`
    : K.offline;
}

function setStatus(isOnline) {
  online = isOnline;
  $('live-dot').classList.toggle('online', isOnline);
  setUpdated();
}

function onSnapshot(snapshot) {
  counterNames = new Map(snapshot.counters.map((c) => [c.counterId, c.name]));
  serviceDate = snapshot.serviceDate;
  hubOffset = snapshot.at - Date.now();
  schedule();
}

if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(ticketId)) {
  notFound();
} else {
  $('live').classList.remove('hidden');
  setStatus(false);
  $('live-text').textContent = T.common.loading;
  refresh();
  // Every change on the hub (a call, a new ticket, a counter opening) may move this ticket.
  stopFollowing = followBoard(onSnapshot, setStatus);
}
