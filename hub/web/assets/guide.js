// The touch-screen procedure guide (/guide), for a large screen at the
// entrance: fields → procedures → one procedure's card (documents to bring,
// fee, time limit, where it is handled, legal basis, a QR code to its page on
// the national public-service portal, and the current line for it), search
// with an on-screen keyboard, and "Lấy số" when the screen's own kiosk
// program serves the page (docs/kiosk.md, "Touch screen"): the ticket is then
// issued and printed by that program, which holds the device credential; the
// page never does. Opened straight from the hub, there is no printer and the
// button is not shown. Back to the start after a minute without a touch
// (`?idle=SECONDS` changes it).
import {
  $,
  $$,
  ApiError,
  api,
  fill,
  fillText as fmt,
  followBoard,
  h,
  officeParts,
  setTitle,
  site,
  T,
  usePageText,
} from '/assets/common.js';
import { mountKeyboard } from '/assets/guide-keyboard.js';
import { buildIndex, search } from '/assets/guide-search.js';
import pageText from '/assets/text-guide.js';

/** @typedef {import('../../../shared/api/guide.js').GuideAnswer} GuideAnswer */
/** @typedef {import('../../../shared/api/guide.js').GuideLinesAnswer} GuideLinesAnswer */
/** @typedef {GuideAnswer['fields'][number]} GuideField */
/** @typedef {GuideField['procedures'][number]} GuideProcedure */

usePageText(pageText);
const G = T.guide;
const clamp = (n, lo, hi) => Math.min(hi, Math.max(lo, n));

const IDLE_MS = clamp(Number(new URLSearchParams(location.search).get('idle')) || 60, 3, 3600) * 1000;
/** How long the number just printed stays on the screen. */
const RESULT_MS = 15_000;
const KIOSK_POLL_MS = 15_000;

const view = $('view');
const input = $('search');
const keyboard = $('keyboard');
const overlay = $('overlay');

/** GET /api/guide; the live lines; procedure id → { procedure, field }; the search index. */
/** @type {GuideAnswer | null} */
let content = null;
/** @type {GuideLinesAnswer | null} */
let lines = null;
/** @type {Map<string, { procedure: GuideProcedure, field: GuideField }>} */
let procedures = new Map();
let index = [];
/** The screen's kiosk program: undefined until asked, null when there is none (the page opened from the hub). */
let kiosk;
let route = { view: 'fields' };
let trail = [];
let query = '';
let withDocuments = true;
let taking = false;
let hubOffset = 0;
let textSize = 0;
let lastTouch = Date.now();
let resultTimer = null;

// ------------------------------------------------------------------ words

function waitText(line) {
  if (!line) return G.lineUnknown;
  if (line.waitSeconds === null) return G.noOpenCounter;
  const minutes = Math.round(line.waitSeconds / 60);
  if (line.ahead === 0 || minutes < 1) return G.soon;
  if (minutes < 60) return fmt(G.aboutMinutes, { minutes });
  return fmt(G.aboutHours, {
    hours: Math.floor(minutes / 60),
    minutes: String(minutes % 60).padStart(2, '0'),
  });
}

const lineShort = (line) =>
  line ? `${fmt(G.waitingShort, { count: line.ahead })} · ${waitText(line)}` : G.lineUnknown;

/** "2026-03-12" → "12/03/2026". */
const dateText = (date) => date.split('-').reverse().join('/');

function kioskProblem() {
  if (!kiosk) return null;
  if (kiosk.away) return G.kioskAway;
  if (!kiosk.canPrint)
    return fmt(G.printerProblem, { reason: G.printerStates[kiosk.printer] ?? kiosk.printer });
  return null;
}

// ------------------------------------------------------------------ views

function go(next) {
  trail.push(route);
  route = next;
  render();
  window.scrollTo(0, 0);
}

function back() {
  route = trail.pop() ?? { view: 'fields' };
  if (route.view === 'search' && !query) route = trail.pop() ?? { view: 'fields' };
  render();
}

const backButton = () =>
  h('button', { type: 'button', class: 'g-back', id: 'back', onclick: back }, `← ${G.back}`);

/**
 * A button that opens a view (a field's list, a procedure's card).
 * @param {string} className
 * @param {Record<string, string>} dataset
 * @param {{ view: string, id?: string }} next
 * @param {...(Node | string | null)} children
 */
const goButton = (className, dataset, next, ...children) =>
  h('button', { type: 'button', class: className, dataset, onclick: () => go(next) }, ...children);

function procedureItem({ procedure, field }, withField) {
  return goButton(
    'g-item',
    { procedure: procedure.id },
    { view: 'card', id: procedure.id },
    procedure.name,
    withField ? h('small', {}, field.name) : null,
    h('small', { dataset: { line: procedure.id } }, lineShort(lines?.procedures[procedure.id])),
  );
}

function renderFields() {
  fill(
    view,
    h('h2', {}, G.chooseField),
    h(
      'div',
      { class: 'g-tiles' },
      content.fields.map((f) =>
        goButton(
          'g-tile',
          { field: f.id },
          { view: 'field', id: f.id },
          f.name,
          h('small', {}, fmt(G.procedureCount, { count: f.procedures.length })),
        ),
      ),
    ),
  );
}

function renderField(id) {
  const field = content.fields.find((f) => f.id === id);
  if (!field) return home();
  fill(
    view,
    backButton(),
    h('h2', {}, field.name),
    h(
      'div',
      { class: 'g-list' },
      field.procedures.map((p) => procedureItem({ procedure: p, field }, false)),
    ),
  );
}

function renderSearch() {
  const found = search(index, query);
  fill(
    view,
    h('h2', {}, fmt(G.results, { query: query.trim() })),
    found.length
      ? h(
          'div',
          { class: 'g-list', id: 'results' },
          found.map((e) => procedureItem(e, true)),
        )
      : h('p', { class: 'g-empty', id: 'no-results' }, fmt(G.noResults, { query: query.trim() })),
  );
}

const section = (title, ...body) => h('section', { class: 'g-section' }, h('h3', {}, title), ...body);

function takeSection(p) {
  const line = lines?.procedures[p.id];
  const parts = [
    h('h3', {}, G.line),
    h(
      'div',
      { class: 'g-figures' },
      h(
        'div',
        { class: 'g-figure' },
        h('span', {}, G.ahead),
        h('strong', { id: 'ahead' }, line ? String(line.ahead) : '—'),
      ),
      h('div', { class: 'g-figure' }, h('span', {}, G.wait), h('strong', { id: 'wait' }, waitText(line))),
    ),
  ];
  if (kiosk !== null && kiosk !== undefined) {
    parts.push(
      h('button', { type: 'button', id: 'take', class: 'g-take-button', onclick: () => take(p) }, G.take),
    );
    if (p.card?.documents.length) {
      const toggle = h(
        'button',
        { type: 'button', id: 'with-documents', class: 'g-toggle', 'aria-pressed': String(withDocuments) },
        G.withDocuments,
      );
      toggle.addEventListener('click', () => {
        withDocuments = !withDocuments;
        toggle.setAttribute('aria-pressed', String(withDocuments));
      });
      parts.push(toggle);
    }
    parts.push(h('p', { id: 'take-hint', class: 'g-hint' }));
  }
  return h('section', { class: 'g-section g-take' }, parts);
}

function counterChips(p) {
  if (!p.counters.length) return h('p', {}, G.noCounter);
  const names = new Map(content.counters.map((c) => [c.id, c.name]));
  return h(
    'div',
    { class: 'g-chips' },
    p.counters.map((id) =>
      h('span', { class: 'g-chip', dataset: { counter: id } }, names.get(id) ?? `${T.common.counter} ${id}`),
    ),
  );
}

/** A short, stable token of a text (a new QR address gets a new picture URL). */
function tokenOf(text) {
  let n = 0;
  for (const ch of text) n = (n * 31 + ch.codePointAt(0)) | 0;
  return (n >>> 0).toString(36);
}

function renderCard(id) {
  const found = procedures.get(id);
  if (!found) return home();
  const { procedure: p, field } = found;
  const card = p.card;
  const left = [takeSection(p), section(G.where, counterChips(p))];
  const right = [];
  if (card) {
    if (card.onlineUrl) {
      left.push(
        section(
          G.online,
          h(
            'div',
            { class: 'g-online' },
            h('img', {
              id: 'qr',
              alt: '',
              width: 240,
              height: 240,
              src: `/api/guide/procedures/${encodeURIComponent(p.id)}/qr.svg?u=${tokenOf(card.onlineUrl)}`,
            }),
            h('div', {}, h('p', {}, G.onlineHint), h('p', { class: 'g-url' }, card.onlineUrl)),
          ),
        ),
      );
    }
    right.push(
      section(
        G.documents,
        card.documents.length
          ? h(
              'ol',
              { id: 'documents' },
              card.documents.map((d) =>
                h(
                  'li',
                  {},
                  d.name,
                  d.copiesText ? [' — ', h('span', { class: 'g-copies' }, d.copiesText)] : null,
                  d.note ? h('div', { class: 'g-note' }, d.note) : null,
                ),
              ),
            )
          : h('p', {}, G.noDocuments),
      ),
    );
    const pairs = [
      [G.fee, card.fee],
      [G.timeLimit, card.timeLimit],
    ].filter(([, v]) => v);
    if (pairs.length)
      right.push(
        h(
          'section',
          { class: 'g-section' },
          h(
            'dl',
            { class: 'g-pairs' },
            pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
          ),
        ),
      );
    if (card.legalBasis.length)
      right.push(
        section(
          G.legalBasis,
          h(
            'ul',
            {},
            card.legalBasis.map((l) => h('li', {}, l)),
          ),
        ),
      );
    if (card.notes) right.push(section(G.notes, h('p', { class: 'g-notes' }, card.notes)));
    right.push(
      h(
        'p',
        { class: 'g-checked', id: 'checked' },
        card.sample ? G.sample : card.checkedOn ? fmt(G.checkedOn, { date: dateText(card.checkedOn) }) : '',
      ),
    );
  } else {
    right.push(h('section', { class: 'g-section' }, h('p', { id: 'no-card' }, G.noCard)));
  }
  fill(
    view,
    h(
      'article',
      { class: 'g-card', dataset: { procedure: p.id } },
      h(
        'header',
        {},
        backButton(),
        h('h2', { id: 'card-title' }, p.name),
        h('p', { class: 'g-field-name' }, field.name),
      ),
      h('div', { class: 'g-col' }, left),
      h('div', { class: 'g-col' }, right),
    ),
  );
}

function render() {
  if (!content) return;
  if (route.view === 'field') renderField(route.id);
  else if (route.view === 'search') renderSearch();
  else if (route.view === 'card') renderCard(route.id);
  else renderFields();
  updateLines();
  updateTake();
  document.body.dataset.view = route.view;
}

/** The live figures, changed in place so a citizen reading a card keeps their place. */
function updateLines() {
  if (!lines) return;
  for (const el of $$('[data-line]', view)) el.textContent = lineShort(lines.procedures[el.dataset.line]);
  if (route.view === 'card') {
    const line = lines.procedures[route.id];
    if ($('ahead')) $('ahead').textContent = line ? String(line.ahead) : '—';
    if ($('wait')) $('wait').textContent = waitText(line);
  }
  for (const chip of $$('[data-counter]', view)) {
    const state = lines.counters[chip.dataset.counter] ?? 'closed';
    chip.className = `g-chip ${state}`;
    chip.title = G.counterStates[state] ?? state;
  }
}

function updateTake() {
  const button = $('take');
  if (!button) return;
  const problem = kioskProblem();
  button.disabled = Boolean(problem) || taking;
  const hint = $('take-hint');
  hint.textContent = problem ?? G.takeHint;
  hint.className = problem ? 'g-problem' : 'g-hint';
}

// ------------------------------------------------------------------ taking a number

/** A press id that works in any context (crypto.randomUUID needs a secure one). */
function pressId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function showOverlay(className, ...children) {
  clearTimeout(resultTimer);
  fill(overlay, h('div', { class: `g-dialog ${className}`, id: 'dialog' }, children));
  overlay.classList.remove('hidden');
}

function closeOverlay() {
  clearTimeout(resultTimer);
  overlay.classList.add('hidden');
  overlay.replaceChildren();
}

async function take(p) {
  if (taking) return;
  taking = true;
  updateTake();
  showOverlay('printing', h('h2', {}, G.printing));
  const documents = withDocuments && (p.card?.documents.length ?? 0) > 0;
  try {
    const result = await api('POST', '/api/kiosk/tickets', {
      pressId: pressId(),
      procedureId: p.id,
      documents,
    });
    showOverlay(
      'printed',
      h('h2', {}, G.yourNumber),
      h('p', { class: 'g-number', id: 'number' }, result.display),
      h('p', {}, G.takeTicket),
      result.documents ? h('p', { id: 'printed-documents' }, G.printedDocuments) : null,
      result.kind === 'leased' ? h('p', {}, G.printedOffline) : null,
      h('button', { type: 'button', id: 'close', onclick: home }, G.close),
    );
    resultTimer = setTimeout(home, RESULT_MS);
  } catch (e) {
    showOverlay(
      'failed',
      h('h2', {}, G.notPrinted),
      h('p', { id: 'failure' }, e instanceof Error ? e.message : String(e)),
      h('p', {}, G.askStaff),
      h('button', { type: 'button', id: 'close', onclick: closeOverlay }, G.close),
    );
  } finally {
    taking = false;
    await checkKiosk();
  }
}

// ------------------------------------------------------------------ search and keyboard

function setQuery(next) {
  query = next;
  input.value = next;
  $('search-clear').classList.toggle('hidden', !next);
  if (next.trim()) {
    if (route.view !== 'search') go({ view: 'search' });
    else render();
  } else if (route.view === 'search') back();
}

function openKeyboard() {
  keyboard.classList.remove('hidden');
  document.body.classList.add('kb-open');
  input.focus();
}

function closeKeyboard() {
  keyboard.classList.add('hidden');
  document.body.classList.remove('kb-open');
  input.blur();
}

mountKeyboard(keyboard, {
  text: () => query,
  onText: setQuery,
  onHide: closeKeyboard,
  labels: { space: G.keyboardSpace, clear: G.clear, hide: G.keyboardHide, tones: G.keyboardTones },
});
input.addEventListener('click', openKeyboard);
$('search-clear').addEventListener('click', () => setQuery(''));

// ------------------------------------------------------------------ start page, text size, idle

function setTextSize(size) {
  textSize = size;
  document.documentElement.classList.toggle('size-1', size === 1);
  document.documentElement.classList.toggle('size-2', size === 2);
  measureHead();
}

function home() {
  closeOverlay();
  closeKeyboard();
  query = '';
  input.value = '';
  $('search-clear').classList.add('hidden');
  trail = [];
  route = { view: 'fields' };
  withDocuments = true;
  setTextSize(0);
  render();
  window.scrollTo(0, 0);
}

const atStart = () =>
  route.view === 'fields' &&
  !query &&
  keyboard.classList.contains('hidden') &&
  overlay.classList.contains('hidden') &&
  textSize === 0 &&
  window.scrollY === 0;

for (const type of ['pointerdown', 'keydown', 'wheel', 'scroll']) {
  addEventListener(
    type,
    () => {
      lastTouch = Date.now();
    },
    { capture: true, passive: true },
  );
}
setInterval(() => {
  if (!taking && Date.now() - lastTouch >= IDLE_MS && !atStart()) home();
}, 500);

$('home').addEventListener('click', home);
$('text-size').addEventListener('click', () => setTextSize((textSize + 1) % 3));

function measureHead() {
  document.documentElement.style.setProperty('--head', `${$('head').offsetHeight}px`);
}
addEventListener('resize', measureHead);

// ------------------------------------------------------------------ data

/** @param {GuideAnswer} next */
function useContent(next) {
  content = next;
  lines = next.lines;
  procedures = new Map();
  for (const field of next.fields)
    for (const p of field.procedures) procedures.set(p.id, { procedure: p, field });
  index = buildIndex(next.fields);
}

function setStatus(text) {
  $('status').textContent = text ?? '';
  $('status').classList.toggle('hidden', !text);
}

async function loadContent() {
  try {
    useContent(await api('GET', '/api/guide'));
    setStatus(null);
    render();
  } catch {
    setStatus(G.hubAway);
    setTimeout(loadContent, 5000);
  }
}

let linesTimer = null;
let linesBusy = false;
async function refreshLines() {
  if (linesBusy || !content) return;
  linesBusy = true;
  try {
    /** @type {GuideLinesAnswer} */
    const next = await api('GET', '/api/guide/lines');
    if (next.contentTag !== content.contentTag) {
      useContent(await api('GET', '/api/guide'));
      render();
    } else {
      lines = next;
      updateLines();
    }
    setStatus(null);
  } catch {
    setStatus(G.hubAway);
  } finally {
    linesBusy = false;
  }
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let kioskTimer;

async function checkKiosk() {
  try {
    const status = await api('GET', '/api/kiosk');
    kiosk = status;
  } catch (e) {
    // 404: the hub's own page, no printer here; anything else: the kiosk program is away.
    kiosk = e instanceof ApiError && e.status === 404 ? null : { away: true };
  }
  updateTake();
  if (kiosk === null) return;
  clearTimeout(kioskTimer);
  kioskTimer = setTimeout(checkKiosk, KIOSK_POLL_MS);
}

function tick() {
  const p = officeParts(Date.now() + hubOffset);
  $('clock').textContent = `${p.hour}:${p.minute}`;
}

$('site').textContent = site.name;
setTitle(G.title, site.name || T.common.appName);
input.placeholder = G.searchPlaceholder;
$('home').textContent = G.home;
measureHead();
tick();
setInterval(tick, 10_000);
// Nothing here waits at the top level: the page paints its frame at once and fills it when the data comes.
Promise.all([loadContent(), checkKiosk()]).then(render);
followBoard(
  (snapshot) => {
    hubOffset = snapshot.at - Date.now();
    tick();
    clearTimeout(linesTimer);
    linesTimer = setTimeout(refreshLines, 200 + Math.round(Math.random() * 200));
  },
  (online) => {
    if (!online) setStatus(G.hubAway);
  },
);
