// The officer's counter console: pick a counter, call and serve citizens,
// follow the queue live. Every action goes to the hub, which decides; the page
// shows the hub's answer and refetches the counter after each change anywhere.
import {
  $,
  $$,
  ApiError,
  api,
  clock,
  clockBanner,
  currentAccount,
  fill,
  fillText,
  followBoard,
  h,
  notify,
  setTitle,
  T,
  toSignIn,
  usePageText,
} from '/assets/common.js';
import pageText from '/assets/text-console.js';

/** @typedef {import('../../../shared/api/console.js').CounterAnswer} CounterAnswer */
/** @typedef {import('../../../shared/api/console.js').CatalogueAnswer} CatalogueAnswer */
/** @typedef {import('../../../shared/api/console.js').CallAnswer} CallAnswer */
/** @typedef {import('../../../shared/api/console.js').TicketActionAnswer} TicketActionAnswer */
/** @typedef {import('../../../shared/api/console.js').TransferAnswer} TransferAnswer */
/** @typedef {import('../../../shared/api/console.js').CounterStateAnswer} CounterStateAnswer */
/** @typedef {import('../../../shared/api/session.js').SessionAnswer} SessionAnswer */
/** @typedef {CatalogueAnswer['fields'][number]['procedures'][number] & { fieldName: string }} ProcedureInfo */

usePageText(pageText);
const C = T.console;
const STORE_KEY = 'qms.console.counterId';
const MAX_ROWS = 60;

// ------------------------------------------------------------------ texts

$('call-number-input').placeholder = C.callNumberPlaceholder;
setTitle(C.title);

// ------------------------------------------------------------------ state

const page = {
  /** @type {SessionAnswer | null} */
  account: null,
  /** @type {number | null} */
  counterId: null,
  /** @type {CounterAnswer | null} Last answer of GET /api/counters/:id. */
  counter: null,
  /** Hub clock minus this browser's clock (ms); times on screen use the hub's clock. */
  offset: 0,
  fetchedAt: 0,
  /** @type {Map<string, ProcedureInfo>} */
  procedures: new Map(),
  /** @type {CatalogueAnswer['fields']} */
  fields: [],
  /** @type {Map<string, string>} priority group id → name */
  priorities: new Map(),
  online: true,
  busy: false,
  /** The number just finished or marked absent here, for the title until the next call. */
  lastDone: null,
};

const hubNow = () => Date.now() + page.offset;
const mine = (c) => c !== null && page.account !== null && c.officer === page.account.username;
const current = (c) => (c ? c.current : null);

/** mm:ss, or h:mm:ss after an hour. */
function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** "12 phút", or "45 giây" under a minute. */
function waitText(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s} ${C.seconds}` : `${Math.floor(s / 60)} ${T.common.minutes}`;
}

// ------------------------------------------------------------------ actions

/**
 * An action on the ticket at the counter, which makes sense while that ticket
 * is `status`: POST /api/counters/:id/<name>.
 * @param {string} name
 * @param {string} key
 * @param {string} label
 * @param {'called' | 'serving'} status
 */
const ticketAction = (name, key, label, status) => ({
  key,
  label,
  can: (/** @type {CounterAnswer} */ c) => current(c)?.status === status,
  run: () => post(name),
});

/** Each action: its shortcut key, when it makes sense, and what it does. */
const ACTIONS = {
  'call-next': {
    key: 'n',
    label: C.actions.callNext,
    can: (c) => c.state === 'open' && !current(c) && c.waiting.count > 0,
    run: () => post('call-next'),
  },
  recall: ticketAction('recall', 'r', C.actions.recall, 'called'),
  start: ticketAction('start', 's', C.actions.start, 'called'),
  finish: ticketAction('finish', 'f', C.actions.finish, 'serving'),
  'no-show': ticketAction('no-show', 'v', C.actions.noShow, 'called'),
  transfer: {
    key: 'c',
    label: C.actions.transfer,
    can: (c) => current(c) !== null,
    run: () => openTransfer(),
  },
  'call-number': {
    key: 'g',
    label: C.actions.callNumber,
    can: (c) => c.state === 'open' && !current(c),
    run: (display) => callNumber(display ?? $('call-number-input').value),
  },
  pause: {
    key: 'p',
    label: C.actions.pause,
    can: (c) => c.state === 'open',
    run: () => setCounterState('paused'),
  },
  open: {
    key: 'm',
    label: C.actions.open,
    can: (c) => c.state !== 'open',
    run: () => setCounterState('open'),
  },
};
const BY_KEY = new Map(Object.entries(ACTIONS).map(([name, a]) => [a.key, name]));
/** A call the speaker has not reported after this long is worth a word to the officer. */
const UNHEARD_AFTER_MS = 30_000;
const buttons = [...$$('[data-action]')];

for (const button of buttons) {
  const action = ACTIONS[button.dataset.action];
  fill(button, h('span', {}, action.label), ' ', h('kbd', {}, action.key.toUpperCase()));
  button.setAttribute('aria-keyshortcuts', action.key.toUpperCase());
  if (button.type !== 'submit') button.addEventListener('click', () => trigger(button.dataset.action));
}

/** Do an action, if this officer holds the counter and nothing else is in flight. */
function trigger(name, argument) {
  const c = page.counter;
  if (!c || page.busy) return;
  if (!mine(c)) {
    notify(ownershipText(c));
    return;
  }
  ACTIONS[name].run(argument);
}

function failed(error) {
  if (error.status === 401) {
    toSignIn();
    return;
  }
  notify(error.message, 'error');
}

/** Set when sign-out was refused the counter once because a citizen is at it. */
let signOutWarned = false;

/** Run one request with every action button off, then show the counter as the hub has it. */
async function busy(work) {
  signOutWarned = false; // a new action: a later sign-out warns again
  page.busy = true;
  render();
  try {
    await work();
  } catch (e) {
    failed(e);
  } finally {
    page.busy = false;
    render();
    await refresh();
  }
}

function post(path, body) {
  const id = page.counterId;
  return busy(async () => {
    /** @type {CallAnswer | TicketActionAnswer | TransferAnswer} */
    const result = await api('POST', `/api/counters/${id}/${path}`, body);
    const display = 'ticket' in result ? result.ticket.display : result.display;
    if (C.done[path] && display) notify(fillText(C.done[path], { display }), 'ok');
    // The counter is empty now: its title says which number was just done with.
    if (C.lastDone[path] && display)
      page.lastDone = { counterId: id, text: fillText(C.lastDone[path], { display }) };
  });
}

function callNumber(value) {
  const display = value.trim();
  if (!display) {
    notify(C.callNumberEmpty);
    $('call-number-input').focus();
    return;
  }
  return post('call-number', { display }).then(() => {
    // Called: the number typed is done with, and the shortcuts work again.
    const input = $('call-number-input');
    if (current(page.counter)?.display !== display) return;
    if (input.value.trim() === display) input.value = '';
    input.blur();
  });
}

function setCounterState(state) {
  const id = page.counterId;
  return busy(() => api('POST', `/api/counters/${id}/state`, { state }));
}

// Escape leaves the field, so that the shortcuts work again.
$('call-number-input').addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && event.target instanceof HTMLElement) event.target.blur();
});

$('call-number-form').addEventListener('submit', (event) => {
  event.preventDefault();
  trigger('call-number');
});

// Shortcuts: single keys, never while typing in a field or with a dialog open.
document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.repeat || event.ctrlKey || event.altKey || event.metaKey) return;
  if (event.target instanceof Element && event.target.closest('input, textarea, select, [contenteditable]'))
    return;
  if ($('transfer-dialog').open || $('console').classList.contains('hidden')) return;
  const name = BY_KEY.get(event.key.length === 1 ? event.key.toLowerCase() : '');
  if (!name) return;
  event.preventDefault();
  if (name === 'call-number') {
    // The key only moves to the number field; Enter there calls.
    $('call-number-input').focus();
    return;
  }
  // A key for an action that looks impossible still asks the hub: the page
  // may be a moment behind, and the hub's answer says why it refuses.
  trigger(name);
});

// ------------------------------------------------------------------ transfer

function openTransfer() {
  const c = page.counter;
  const cur = current(c);
  if (!cur) {
    // Let the hub explain (nothing at the counter to transfer).
    return post('transfer', { toCounterId: null, toProcedureId: null });
  }
  $('transfer-title').textContent = fillText(C.transferTitle, { display: cur.display });
  $('transfer-error').className = 'notice error hidden';
  const counterSelect = $('transfer-counter');
  const procedureSelect = $('transfer-procedure');
  fill(counterSelect, h('option', { value: '' }, C.transferAnyCounter));
  fill(procedureSelect, h('option', { value: '' }, C.transferSameProcedure));
  for (const field of page.fields) {
    procedureSelect.append(
      h(
        'optgroup',
        { label: field.name },
        field.procedures.map((p) => h('option', { value: p.id, disabled: p.id === cur.procedureId }, p.name)),
      ),
    );
  }
  $('transfer-dialog').showModal();
  counterSelect.focus();
  // The other counters, with their state now.
  api('GET', '/api/counters')
    .then((/** @type {CounterAnswer[]} */ counters) => {
      for (const other of counters) {
        if (other.counterId === c.counterId) continue;
        const closed = other.state === 'closed';
        counterSelect.append(
          h(
            'option',
            { value: other.counterId, disabled: closed },
            closed ? `${other.name} ${C.counterClosed}` : other.name,
          ),
        );
      }
    })
    .catch(failed);
}

$('transfer-cancel').addEventListener('click', () => $('transfer-dialog').close());

$('transfer-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const toCounterId = $('transfer-counter').value ? Number($('transfer-counter').value) : null;
  const toProcedureId = $('transfer-procedure').value || null;
  const submit = $('transfer-submit');
  submit.disabled = true;
  try {
    /** @type {TransferAnswer} */
    const ticket = await api('POST', `/api/counters/${page.counterId}/transfer`, {
      toCounterId,
      toProcedureId,
    });
    $('transfer-dialog').close();
    notify(fillText(C.transferred, { display: ticket.display }), 'ok');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return toSignIn();
    $('transfer-error').textContent = e instanceof Error ? e.message : String(e);
    $('transfer-error').className = 'notice error';
  } finally {
    submit.disabled = false;
    scheduleRefresh(0);
  }
});

// ------------------------------------------------------------------ counter choice

function showOnly(id) {
  for (const section of ['loading', 'picker', 'console'])
    $(section).classList.toggle('hidden', section !== id);
  $('counter-head').classList.toggle('hidden', id !== 'console');
  $('change-counter').classList.toggle('hidden', id !== 'console');
}

function fieldNames(counter) {
  const names = [];
  for (const s of counter.serves) {
    const name = page.procedures.get(s.procedureId)?.fieldName;
    if (name && !names.includes(name)) names.push(name);
  }
  return names.join(', ');
}

async function showPicker() {
  showOnly('picker');
  setTitle(C.pickTitle);
  /** @type {CounterAnswer[]} */
  let counters;
  try {
    counters = await api('GET', '/api/counters');
  } catch (e) {
    return failed(e);
  }
  fill(
    $('picker-list'),
    counters.map((c) =>
      h(
        'button',
        {
          type: 'button',
          class: `counter-choice${c.counterId === page.counterId ? ' chosen' : ''}`,
          dataset: { counter: c.counterId },
          onclick: () => choose(c.counterId),
        },
        h('span', { class: 'choice-head' }, h('strong', {}, c.name), stateBadge(c.state)),
        h('span', { class: 'choice-fields' }, fieldNames(c)),
        h('span', { class: 'muted' }, c.officer ? fillText(C.servedBy, { officer: c.officer }) : C.noOfficer),
        h('span', { class: 'muted' }, fillText(C.waitingAt, { count: c.waiting.count })),
      ),
    ),
  );
}

async function take(id) {
  /** @type {CounterStateAnswer} */
  const c = await api('POST', `/api/counters/${id}/take`);
  notify(fillText(C.tookCounter, { counterName: c.name }), 'ok');
}

/** Take a counter: leave the previous one if this officer held it, and remember the choice here. */
async function choose(id) {
  try {
    if (page.counterId && page.counterId !== id && mine(page.counter)) {
      await api('POST', `/api/counters/${page.counterId}/leave`).catch(() => {});
    }
    await take(id);
  } catch (e) {
    return failed(e);
  }
  page.counterId = id;
  page.counter = null;
  localStorage.setItem(STORE_KEY, String(id));
  showOnly('console');
  await refresh();
}

$('change-counter').addEventListener('click', () => showPicker());
$('take').addEventListener('click', async () => {
  try {
    await take(page.counterId);
  } catch (e) {
    failed(e);
  }
  await refresh();
});

$('sign-out').addEventListener('click', async () => {
  // The counter is freed so that later calls are not put on this officer's name.
  if (page.counterId && mine(page.counter)) {
    try {
      await api('POST', `/api/counters/${page.counterId}/leave`);
    } catch (e) {
      // A citizen called or served here keeps the counter: say so once (the
      // hub's message names the number), and sign out on the second press
      // with the counter still under this officer's name.
      if (e instanceof ApiError && e.code === 'counter_busy' && !signOutWarned) {
        signOutWarned = true;
        notify(`${e.message} ${C.signOutAnyway}`, 'error');
        return;
      }
    }
  }
  try {
    await api('DELETE', '/api/session');
  } catch (e) {
    return failed(e);
  }
  toSignIn();
});

// ------------------------------------------------------------------ live data

let refreshTimer;
let refreshSeq = 0;

function scheduleRefresh(delay = 50) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, delay);
}

async function refresh() {
  clearTimeout(refreshTimer);
  if (!page.counterId) return;
  const seq = ++refreshSeq;
  const sent = Date.now();
  try {
    /** @type {CounterAnswer} */
    const c = await api('GET', `/api/counters/${page.counterId}`);
    if (seq !== refreshSeq) return; // a newer answer is on its way
    page.offset = c.at - (sent + Date.now()) / 2;
    page.fetchedAt = Date.now();
    page.counter = c;
    // The number just done with names the empty counter until the hub shows
    // another ticket there. Not judged in render(): that also runs with the
    // answer from before the action, which still holds the finished ticket.
    if (c.current || page.lastDone?.counterId !== c.counterId) page.lastDone = null;
    render();
  } catch (e) {
    if (seq !== refreshSeq) return;
    if (e instanceof ApiError && e.status === 404) {
      localStorage.removeItem(STORE_KEY);
      page.counterId = null;
      page.counter = null;
      notify(C.counterGone);
      showPicker();
    } else if (!(e instanceof ApiError && e.code === 'network')) {
      failed(e);
    }
  }
}

async function loadCatalogue() {
  /** @type {CatalogueAnswer} */
  const catalogue = await api('GET', '/api/catalogue');
  page.fields = catalogue.fields;
  page.procedures = new Map(
    catalogue.fields.flatMap((f) => f.procedures.map((p) => [p.id, { ...p, fieldName: f.name }])),
  );
  page.priorities = new Map(catalogue.priorityCategories.map((p) => [p.id, p.name]));
}

function setOnline(online) {
  if (online === page.online) return;
  page.online = online;
  $('offline').classList.toggle('hidden', online);
  $('live-dot').classList.toggle('online', online);
  $('live-text').textContent = online ? C.live : C.notLive;
  if (online) {
    // Back after an outage or a hub restart: the catalogue may have changed too.
    loadCatalogue()
      .catch(() => {})
      .then(() => scheduleRefresh(0));
  } else {
    render();
  }
}

// ------------------------------------------------------------------ drawing

function stateBadge(state) {
  return h('span', { class: `state-badge state-${state}` }, C.state[state] ?? state);
}

function ownershipText(c) {
  return c.officer
    ? fillText(C.notYours, { counterName: c.name, officer: c.officer })
    : fillText(C.notTaken, { counterName: c.name });
}

function priorityMark(id) {
  const name = page.priorities.get(id) ?? id;
  return h('span', { class: 'priority-mark', title: name }, `★ ${C.priorityMark}`);
}

function render() {
  const c = page.counter;
  if (!c) return;
  setTitle(c.name, C.title);
  $('counter-name').textContent = c.name;
  fill($('counter-state'), stateBadge(c.state));
  $('ownership').classList.toggle('hidden', mine(c));
  $('ownership-text').textContent = mine(c) ? '' : ownershipText(c);

  // The ticket at the counter.
  const cur = current(c);
  const display = $('current-display');
  display.textContent = cur ? cur.display : '—';
  display.className = `current-display ${cur ? cur.status : 'idle'}`;
  $('current-title').textContent = cur ? C.status[cur.status] : (page.lastDone?.text ?? C.nothingCurrent);
  if (cur) {
    const procedure = page.procedures.get(cur.procedureId);
    fill(
      $('current-status'),
      procedure ? h('span', { class: 'current-procedure' }, procedure.name) : null,
      cur.priority ? priorityMark(cur.priority) : null,
    );
    const times = [fillText(C.calledAt, { time: clock(cur.calledAt) })];
    if (cur.serviceStartedAt) times.push(fillText(C.startedAt, { time: clock(cur.serviceStartedAt) }));
    if (cur.callCount > 1) times.push(fillText(C.callCount, { count: cur.callCount }));
    $('current-info').textContent = times.join(' · ');
    $('elapsed-label').textContent = cur.status === 'serving' ? C.elapsedServing : C.elapsedCalled;
  } else {
    fill($('current-status'));
    $('current-info').textContent = c.state === 'open' ? C.nothingHint : '';
    $('elapsed-label').textContent = '';
  }
  $('current-elapsed').classList.toggle('hidden', !cur);
  renderUnheard();

  // Buttons: on only when the action makes sense now.
  for (const button of buttons) {
    const action = ACTIONS[button.dataset.action];
    button.disabled = page.busy || !page.online || !mine(c) || !action.can(c);
  }
  $('call-number-input').disabled = !mine(c) || !ACTIONS['call-number'].can(c);

  // The waiting line.
  const w = c.waiting;
  $('waiting-count').textContent = String(w.count);
  $('waiting-priority').textContent = String(w.priority);
  $('waiting-priority').classList.toggle('priority', w.priority > 0);
  const canCall = page.online && !page.busy && mine(c) && ACTIONS['call-number'].can(c);
  const rows = w.tickets.slice(0, MAX_ROWS).map((t) => {
    const procedure = page.procedures.get(t.procedureId);
    return h(
      'li',
      {
        class: `waiting-row${t.priority ? ' is-priority' : ''}`,
        dataset: { display: t.display, issued: t.issuedAt },
      },
      h('span', { class: 'row-display' }, t.display),
      h(
        'span',
        { class: 'row-main' },
        h(
          'span',
          { class: 'row-procedure', title: procedure?.name ?? t.procedureId },
          procedure?.name ?? t.procedureId,
        ),
        h(
          'span',
          { class: 'row-marks' },
          t.priority ? priorityMark(t.priority) : null,
          t.assignedCounterId === c.counterId ? h('span', { class: 'pinned-mark' }, C.pinned) : null,
        ),
      ),
      h('span', { class: 'row-wait' }, ''),
      h(
        'button',
        {
          type: 'button',
          class: 'small',
          disabled: !canCall,
          title: `${C.actions.callNumber} ${t.display}`,
          onclick: () => trigger('call-number', t.display),
        },
        C.callThis,
      ),
    );
  });
  if (w.tickets.length > MAX_ROWS) {
    rows.push(
      h(
        'li',
        { class: 'waiting-more muted' },
        fillText(C.moreWaiting, { count: w.tickets.length - MAX_ROWS }),
      ),
    );
  }
  if (w.count === 0) rows.push(h('li', { class: 'waiting-empty muted' }, C.noneWaiting));
  fill($('waiting-list'), rows);
  tick();
}

/**
 * The speaker did not say the current call (an outage, an audio fault), has
 * not reported it for a while, or there is no speaker: the officer may recall.
 */
function renderUnheard() {
  const cur = current(page.counter);
  const a = cur?.announcement;
  const U = C.unheard;
  let text = null;
  if (a?.state === 'not_said')
    text = fillText(U.notSaid, { display: cur.display, reason: U.problem[a.problem] ?? U.problem.other });
  else if (a?.state === 'no_speaker') text = fillText(U.noSpeaker, { display: cur.display });
  else if (a?.state === 'pending' && hubNow() - a.at > UNHEARD_AFTER_MS)
    text = fillText(U.pending, { display: cur.display });
  const box = $('unheard');
  box.classList.toggle('hidden', text === null);
  if (text === null) return;
  box.title = a.detail ?? '';
  if ($('unheard-text').textContent !== text) $('unheard-text').textContent = text;
  const button = $('unheard-recall');
  button.textContent = U.recall;
  button.disabled = page.busy || !page.online || !mine(page.counter) || !ACTIONS.recall.can(page.counter);
}
$('unheard-recall').addEventListener('click', () => trigger('recall'));

/** Once a second: the clocks on screen. */
function tick() {
  const c = page.counter;
  if (!c) return;
  renderUnheard();
  const cur = current(c);
  if (cur) {
    const since = cur.status === 'serving' && cur.serviceStartedAt ? cur.serviceStartedAt : cur.calledAt;
    $('elapsed').textContent = duration(hubNow() - since);
  }
  const sinceFetch = (Date.now() - page.fetchedAt) / 1000;
  $('waiting-longest').textContent =
    c.waiting.count > 0 ? waitText(c.waiting.longestWaitSeconds + sinceFetch) : '—';
  for (const row of $$('.waiting-row', $('waiting-list'))) {
    const waited = (hubNow() - Number(row.dataset.issued)) / 1000;
    row.querySelector('.row-wait').textContent = fillText(C.waitedFor, { time: waitText(waited) });
  }
}

setInterval(tick, 1000);

// ------------------------------------------------------------------ start

async function start() {
  page.account = await currentAccount().catch(() => null);
  if (!page.account) {
    toSignIn();
    return;
  }
  $('officer-name').textContent = page.account.displayName;
  // While the hub's time is not trusted, a banner asks to confirm it.
  const banner = clockBanner();
  $('live-text').textContent = C.live;
  $('live-dot').classList.add('online');
  try {
    await loadCatalogue();
  } catch (e) {
    failed(e);
  }

  const saved = Number(localStorage.getItem(STORE_KEY));
  if (Number.isInteger(saved) && saved > 0) {
    page.counterId = saved;
    showOnly('console');
    await refresh();
    // Back at the counter this machine is set to: take it if nobody holds it.
    if (page.counter && page.counter.officer === null) {
      await take(saved).catch(failed);
      await refresh();
    }
  } else {
    await showPicker();
  }

  followBoard(
    (snapshot) => {
      banner.seen(snapshot.clock);
      scheduleRefresh();
    },
    (online) => setOnline(online),
  );
}

start();
