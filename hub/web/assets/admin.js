// The administration page (/admin): catalogue, counters, accounts, settings,
// devices and the audit log, one tab each. Every change goes through the
// hub's /api/admin/* routes; the hub checks everything again and its
// Vietnamese message is shown in the form that sent it. Plain ES module.

import { loadGuide } from '/assets/admin-guide.js';
import {
  $,
  $$,
  $1,
  ApiError,
  api,
  applyTexts,
  clockBanner,
  clockSeconds,
  currentAccount,
  dayText,
  fill,
  fillText as fmt,
  formById,
  h,
  notify,
  officeDate,
  officeParts,
  T,
  tableParts,
  toSignIn,
} from '/assets/common.js';
import pageText from '/assets/text-admin.js';

/** @typedef {import('/assets/common.js').PageElement} PageElement */

// This page's own words (T.admin, T.guideAdmin) come in their own module, not in every page's text.js.
Object.assign(T, pageText);
const A = T.admin;
const show = (el, on) => el.classList.toggle('hidden', !on);

applyTexts();
document.title = `${A.title} · ${T.common.appName}`;

const data = { me: null, catalogue: null, counters: [], accounts: [], settings: null, devices: [] };
const TABS = ['catalogue', 'guide', 'counters', 'accounts', 'settings', 'devices', 'audit'];
let deviceTimer = null;

// ---------------------------------------------------------------- helpers

/** A failed call: back to sign-in when the session is gone, else the hub's message. */
function failed(error, form) {
  if (error instanceof ApiError && error.status === 401) {
    notify(A.sessionEnded);
    setTimeout(toSignIn, 800);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (form) formError(form, message);
  else notify(message);
}

function formError(form, message) {
  const p = $1('.form-error', form);
  p.textContent = message ?? '';
  show(p, Boolean(message));
}

/** Run a form's request with its button disabled; errors show in the form. */
async function submitting(form, work) {
  formError(form, null);
  const buttons = [...$$('button[type=submit]', form)];
  for (const b of buttons) b.disabled = true;
  try {
    await work();
  } catch (error) {
    failed(error, form);
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

/**
 * Every form of the page: the browser does not send it; `work` runs with
 * the form's buttons disabled, its errors shown in the form.
 * @param {HTMLElement | import('/assets/common.js').NamedForm} form
 * @param {(form: PageElement) => Promise<void>} work
 */
function onSubmit(form, work) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, () => work(/** @type {PageElement} */ (form)));
  });
}

/**
 * Save what a form edits: PUT to `path/<id>` when an item is being edited,
 * else POST to `path` with what only a new one has; then say which.
 * @param {string} path
 * @param {{ id: string | number } | null} editing
 * @param {object} body
 * @param {{ updated: string, added: string }} said
 * @param {() => object} newOnly
 */
async function saveItem(path, editing, body, said, newOnly) {
  const saved = editing
    ? await api('PUT', `${path}/${encodeURIComponent(editing.id)}`, body)
    : await api('POST', path, { ...body, ...newOnly() });
  notify(fmt(editing ? said.updated : said.added, { name: saved.name }), 'ok');
}

/**
 * The number series typed in a form, from the inputs `<p>-prefix`,
 * `<p>-start`, `<p>-end` and `<p>-wrap`.
 * @param {string} p
 */
const numberingFrom = (p) => ({
  prefix: $(`${p}-prefix`).value.trim().toUpperCase(),
  start: numberOf($(`${p}-start`)),
  end: numberOf($(`${p}-end`)),
  wrap: $(`${p}-wrap`).checked,
});

/** A destructive button asks for a second click instead of a dialog. */
function confirmButton(label, confirmLabel, onConfirm, extra = {}) {
  let armed = false;
  let timer;
  const button = h('button', { type: 'button', class: 'danger small', ...extra }, label);
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      button.textContent = confirmLabel;
      button.classList.add('armed');
      timer = setTimeout(() => {
        armed = false;
        button.textContent = label;
        button.classList.remove('armed');
      }, 4000);
      return;
    }
    clearTimeout(timer);
    button.disabled = true;
    try {
      await onConfirm();
    } catch (error) {
      failed(error);
      button.disabled = false;
    }
  });
  return button;
}

const small = (label, onclick, extra = {}) =>
  h('button', { type: 'button', class: 'small', onclick, ...extra }, label);
/** @type {(on: boolean, yes?: string, no?: string) => HTMLElement} */
const badge = (on, yes = A.active, no = A.inactive) =>
  h('span', { class: `badge ${on ? 'on' : 'off'}` }, on ? yes : no);
const rangeText = (n) => `${n.prefix}${n.start}–${n.prefix}${n.end}`;
/** Hub time minus this browser's (from the hub's answers), so "today" is the office's. */
let hubOffset = 0;
/**
 * In the office's time zone: "14:05:09" today, "27/11 14:05" another day of
 * this year, with the year before that.
 */
function dateTime(ms) {
  if (!ms) return A.never;
  const now = Date.now() + hubOffset;
  if (officeDate(ms) === officeDate(now)) return clockSeconds(ms);
  const p = officeParts(ms);
  const time = `${p.hour}:${p.minute}`;
  const day = `${p.day}/${p.month}`;
  return p.year === officeParts(now).year ? `${day} ${time}` : `${day}/${p.year} ${time}`;
}

/** "Căn cước công dân" → "can-cuoc-cong-dan" (a suggestion for an id). */
function slug(text) {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

/** Select the whole text of an element (for Ctrl+C or execCommand). */
function selectText(el) {
  const range = document.createRange();
  range.selectNodeContents(el);
  const selection = getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

/** A one-time secret (password or device token) with a copy button. */
function showSecret(box, title, value, hint) {
  const code = h('code', { class: 'mono secret-value', tabindex: '0', 'aria-label': title }, value);
  const copy = h('button', { type: 'button', class: 'primary' }, A.copy);
  copy.addEventListener('click', async () => {
    selectText(code);
    try {
      // navigator.clipboard needs https; a hub on the LAN is often plain http.
      if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(value);
      else if (!document.execCommand('copy')) throw new Error('copy');
      notify(A.copied, 'ok');
    } catch {
      notify(A.copyFailed);
    }
  });
  fill(box, h('h2', {}, title), code, copy, h('p', { class: 'hint' }, hint));
  show(box, true);
  box.scrollIntoView({ block: 'nearest' });
  selectText(code);
}

// ---------------------------------------------------------------- tabs

function selectTab(name) {
  if (!TABS.includes(name)) name = 'catalogue';
  for (const b of $$('#tabs [data-tab]')) {
    b.setAttribute('aria-selected', String(b.dataset.tab === name));
    b.classList.toggle('selected', b.dataset.tab === name);
  }
  for (const t of TABS) show($(`tab-${t}`), t === name);
  clearInterval(deviceTimer);
  deviceTimer = null;
  loadTab(name).catch((e) => failed(e));
  if (name === 'devices') deviceTimer = setInterval(() => loadDevices().catch(() => {}), 5000);
}

async function loadTab(name) {
  if (name === 'catalogue') return loadCatalogue();
  if (name === 'guide') return loadGuide();
  if (name === 'counters') return loadCounters();
  if (name === 'accounts') return loadAccounts();
  if (name === 'settings') return loadSettings();
  if (name === 'devices') return loadDevices();
  if (name === 'audit') return loadAudit(true);
}

for (const b of $$('#tabs [data-tab]')) {
  b.id = b.dataset.tab;
  b.addEventListener('click', () => {
    history.replaceState(null, '', `#${b.dataset.tab}`);
    selectTab(b.dataset.tab);
  });
}
window.addEventListener('hashchange', () => selectTab(location.hash.slice(1)));

// ---------------------------------------------------------------- catalogue

const pForm = formById('procedure-form');
const fForm = formById('field-form');
let editingProcedure = null;
let editingField = null;
let pIdTouched = false;
let fIdTouched = false;

async function loadCatalogue() {
  data.catalogue = await api('GET', '/api/admin/catalogue');
  renderCatalogue();
  renderMissingDefaults().catch(() => {}); // a hint only: the catalogue works without it
  renderProcedureFormOptions();
  if (!editingField) resetFieldForm();
  if (!editingProcedure) resetProcedureForm(pForm.fieldId.value || undefined);
}

function renderCatalogue() {
  const { fields, procedures, counters } = data.catalogue;
  const counterName = new Map(counters.map((c) => [c.id, c.name]));
  const cards = fields.map((f) => {
    const rows = procedures
      .filter((p) => p.fieldId === f.id)
      .map((p) =>
        h(
          'tr',
          { class: p.active ? '' : 'inactive', dataset: { procedure: p.id } },
          h('td', { class: 'mono' }, p.id),
          h('td', {}, p.name),
          h(
            'td',
            { class: 'series' },
            p.numbering
              ? fmt(A.catalogue.ownNumbering, { range: rangeText(p.numbering) })
              : A.catalogue.fieldSeries,
          ),
          h(
            'td',
            { title: p.servedBy.map((id) => counterName.get(id) ?? id).join(', ') },
            p.servedBy.length
              ? p.servedBy.join(', ')
              : h('span', { class: 'warn', title: A.catalogue.nobodyHint }, `⚠ ${A.catalogue.nobody}`),
          ),
          h('td', {}, badge(p.active)),
          h(
            'td',
            { class: 'row-actions' },
            small(A.edit, () => editProcedure(p)),
            small(p.active ? A.deactivate : A.reactivate, () => toggleActive('/api/admin/procedures', p)),
          ),
        ),
      );
    const c = A.catalogue.columns;
    return h(
      'article',
      { class: `card field-card${f.active ? '' : ' inactive'}`, dataset: { field: f.id } },
      h(
        'header',
        { class: 'field-head' },
        h('div', { class: 'field-title' }, h('h3', {}, f.name), h('span', { class: 'mono muted' }, f.id)),
        h(
          'span',
          { class: 'pill' },
          fmt(A.catalogue.fieldNumbering, { range: rangeText(f.numbering) }),
          ' · ',
          f.numbering.wrap ? A.catalogue.wraps : A.catalogue.noWrap,
        ),
        badge(f.active),
        h(
          'span',
          { class: 'row-actions' },
          small(A.catalogue.addProcedureHere, () => {
            resetProcedureForm(f.id);
            pForm.name.focus();
          }),
          small(A.edit, () => editField(f)),
          small(f.active ? A.deactivate : A.reactivate, () => toggleActive('/api/admin/fields', f)),
        ),
      ),
      rows.length
        ? h(
            'table',
            { class: 'admin-table procs' },
            tableParts([c.id, c.name, c.numbering, c.counters, c.state, null], rows),
          )
        : h('p', { class: 'muted' }, fmt(A.catalogue.procedureCount, { count: 0 })),
    );
  });
  fill($('catalogue-list'), cards);
}

/**
 * What the default catalogue of this version has and this office's lacks
 * (POST /api/admin/catalogue/defaults without "apply" is a preview). Shown
 * only when there is something; added switched off, on request.
 */
async function renderMissingDefaults() {
  const box = $('catalogue-defaults');
  const preview = await api('POST', '/api/admin/catalogue/defaults', {});
  const D = A.catalogue.defaults;
  const { fieldsAdded, proceduresAdded, renamed } = preview;
  if (fieldsAdded.length + proceduresAdded.length + renamed.length === 0) {
    box.classList.add('hidden');
    return;
  }
  const text = fmt(D.missing, {
    fields: fieldsAdded.length ? fmt(D.fields, { names: fieldsAdded.map((f) => f.name).join(', ') }) : '',
    procedures: proceduresAdded.length ? fmt(D.procedures, { count: proceduresAdded.length }) : '',
    renamed: renamed.length ? fmt(D.renamed, { count: renamed.length }) : '',
  });
  const apply = small(D.apply, async () => {
    apply.disabled = true;
    try {
      const r = await api('POST', '/api/admin/catalogue/defaults', { apply: true });
      notify(
        fmt(D.applied, {
          fields: r.fieldsAdded.length,
          procedures: r.proceduresAdded.length,
          renamed: r.renamed.length,
        }),
        'ok',
      );
      await loadCatalogue();
    } catch (error) {
      failed(error);
      apply.disabled = false;
    }
  });
  fill(box, [h('p', {}, text), apply]);
  box.classList.remove('hidden');
}

function renderProcedureFormOptions() {
  const select = pForm.fieldId;
  const keep = select.value;
  fill(
    select,
    data.catalogue.fields.map((f) =>
      h('option', { value: f.id }, f.active ? f.name : `${f.name} (${A.inactive})`),
    ),
  );
  if (keep) select.value = keep;
  fill(
    $('p-counters'),
    data.catalogue.counters.map((c) =>
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', value: c.id, name: 'counter' }),
        ` ${c.name}`,
      ),
    ),
  );
}

/** The next free id of a field's procedures, following "<field>-NN". */
function suggestProcedureId(fieldId) {
  const taken = new Set(data.catalogue.procedures.map((p) => p.id));
  for (let i = 1; i < 1000; i++) {
    const id = `${fieldId}-${String(i).padStart(2, '0')}`.slice(0, 64);
    if (!taken.has(id)) return id;
  }
  return '';
}

function resetProcedureForm(fieldId) {
  editingProcedure = null;
  pIdTouched = false;
  pForm.reset();
  formError(pForm, null);
  $('procedure-form-title').textContent = A.catalogue.procedureForm.addTitle;
  $('p-submit').textContent = A.catalogue.procedureForm.submitAdd;
  show($('p-cancel'), false);
  pForm.id.disabled = false;
  const first = data.catalogue.fields.find((f) => f.active) ?? data.catalogue.fields[0];
  pForm.fieldId.value = fieldId ?? first?.id ?? '';
  pForm.id.value = pForm.fieldId.value ? suggestProcedureId(pForm.fieldId.value) : '';
  show($('p-numbering'), false);
  show($('p-counters-box'), true);
  show($('p-counters-note'), false);
}

function editProcedure(p) {
  resetProcedureForm(p.fieldId);
  editingProcedure = p;
  $('procedure-form-title').textContent = fmt(A.catalogue.procedureForm.editTitle, { name: p.name });
  $('p-submit').textContent = A.save;
  show($('p-cancel'), true);
  pForm.id.value = p.id;
  pForm.id.disabled = true;
  pForm.name.value = p.name;
  $('p-own').checked = Boolean(p.numbering);
  show($('p-numbering'), Boolean(p.numbering));
  if (p.numbering) {
    $('p-prefix').value = p.numbering.prefix;
    $('p-start').value = p.numbering.start;
    $('p-end').value = p.numbering.end;
    $('p-wrap').checked = p.numbering.wrap;
  }
  show($('p-counters-box'), false);
  show($('p-counters-note'), true);
  pForm.scrollIntoView({ block: 'nearest' });
  pForm.name.focus();
}

pForm.fieldId.addEventListener('change', () => {
  if (!editingProcedure && !pIdTouched) pForm.id.value = suggestProcedureId(pForm.fieldId.value);
});
pForm.id.addEventListener('input', () => {
  pIdTouched = true;
});
$('p-own').addEventListener('change', () => show($('p-numbering'), $('p-own').checked));
$('p-cancel').addEventListener('click', () => resetProcedureForm());

/** A number input as a number; empty stays undefined so the hub says what is missing. */
const numberOf = (input) => (input.value.trim() === '' ? undefined : Number(input.value));

onSubmit(pForm, async () => {
  const numbering = $('p-own').checked ? numberingFrom('p') : null;
  const body = { fieldId: pForm.fieldId.value, name: pForm.name.value.trim(), numbering };
  await saveItem('/api/admin/procedures', editingProcedure, body, A.catalogue.procedureForm, () => ({
    id: pForm.id.value.trim(),
    counterIds: $$('input[name=counter]:checked', pForm).map((i) => Number(i.value)),
  }));
  editingProcedure = null;
  await loadCatalogue();
});

/**
 * Switch a field or procedure off or back on.
 * @param {string} path
 * @param {{ id: string, name: string, active: boolean }} item
 */
async function toggleActive(path, item) {
  try {
    await api('PUT', `${path}/${encodeURIComponent(item.id)}`, { active: !item.active });
    notify(fmt(item.active ? A.catalogue.deactivated : A.catalogue.reactivated, { name: item.name }), 'ok');
    await loadCatalogue();
  } catch (error) {
    failed(error);
  }
}

/** The first block of 1000 numbers without a prefix that no series uses yet. */
function suggestRange() {
  const { fields, procedures } = data.catalogue;
  const series = [
    ...fields.map((f) => f.numbering),
    ...procedures.filter((p) => p.numbering).map((p) => p.numbering),
  ];
  for (let block = 1; block <= 9; block++) {
    const start = block * 1000 + 1;
    const end = block * 1000 + 999;
    if (!series.some((n) => n.prefix === '' && n.start <= end && start <= n.end)) return { start, end };
  }
  return { start: '', end: '' };
}

function resetFieldForm() {
  editingField = null;
  fIdTouched = false;
  fForm.reset();
  formError(fForm, null);
  $('field-form-title').textContent = A.catalogue.fieldForm.addTitle;
  $('f-submit').textContent = A.catalogue.fieldForm.submitAdd;
  show($('f-cancel'), false);
  fForm.id.disabled = false;
  const range = suggestRange();
  $('f-start').value = String(range.start);
  $('f-end').value = String(range.end);
  $('f-wrap').checked = true;
}

function editField(f) {
  resetFieldForm();
  editingField = f;
  $('field-form-title').textContent = fmt(A.catalogue.fieldForm.editTitle, { name: f.name });
  $('f-submit').textContent = A.save;
  show($('f-cancel'), true);
  fForm.id.value = f.id;
  fForm.id.disabled = true;
  fForm.name.value = f.name;
  $('f-prefix').value = f.numbering.prefix;
  $('f-start').value = f.numbering.start;
  $('f-end').value = f.numbering.end;
  $('f-wrap').checked = f.numbering.wrap;
  $('f-position').value = f.position;
  fForm.scrollIntoView({ block: 'nearest' });
  fForm.name.focus();
}

fForm.name.addEventListener('input', () => {
  if (!editingField && !fIdTouched) fForm.id.value = slug(fForm.name.value);
});
fForm.id.addEventListener('input', () => {
  fIdTouched = true;
});
$('f-cancel').addEventListener('click', () => resetFieldForm());

onSubmit(fForm, async () => {
  const body = {
    name: fForm.name.value.trim(),
    numbering: numberingFrom('f'),
    position: numberOf($('f-position')),
  };
  await saveItem('/api/admin/fields', editingField, body, A.catalogue.fieldForm, () => ({
    id: fForm.id.value.trim(),
  }));
  editingField = null;
  await loadCatalogue();
});

// ---------------------------------------------------------------- counters

const cForm = $('counter-form');
let editingCounter = null;

async function loadCounters() {
  const [counters, catalogue] = await Promise.all([
    api('GET', '/api/admin/counters'),
    api('GET', '/api/admin/catalogue'),
  ]);
  data.counters = counters;
  data.catalogue = catalogue;
  renderCounters();
  if (!editingCounter) resetCounterForm();
}

function renderCounters() {
  const names = new Map(data.catalogue.procedures.map((p) => [p.id, p.name]));
  const c = A.counters.columns;
  fill(
    $('counter-table'),
    tableParts(
      [c.id, c.name, c.state, c.officer, c.serves, null],
      data.counters.map((counter) =>
        h(
          'tr',
          { dataset: { counter: counter.id } },
          h('td', { class: 'num' }, counter.id),
          h('td', {}, counter.name),
          h(
            'td',
            {},
            h('span', { class: `state ${counter.state}` }, A.counters.states[counter.state] ?? counter.state),
          ),
          h('td', {}, counter.officer ?? '—'),
          h(
            'td',
            {
              class: 'serves',
              title: counter.serves.map((s) => names.get(s.procedureId) ?? s.procedureId).join('\n'),
            },
            fmt(A.counters.servesCount, { count: counter.serves.length }),
            counter.serves.length ? h('span', { class: 'muted' }, ` · ${summariseServes(counter)}`) : null,
          ),
          h(
            'td',
            { class: 'row-actions' },
            small(A.edit, () => editCounter(counter)),
            confirmButton(
              A.counters.remove,
              fmt(A.counters.removeConfirm, { name: counter.name }),
              async () => {
                await api('DELETE', `/api/admin/counters/${counter.id}`);
                notify(fmt(A.counters.removed, { name: counter.name }), 'ok');
                await loadCounters();
              },
            ),
          ),
        ),
      ),
    ),
  );
}

/** "Căn cước (4), Cư trú (2)": how many procedures of each field a counter serves. */
function summariseServes(counter) {
  const byField = new Map();
  for (const s of counter.serves) {
    const p = data.catalogue.procedures.find((x) => x.id === s.procedureId);
    const f = p && data.catalogue.fields.find((x) => x.id === p.fieldId);
    const key = f ? f.name : '?';
    byField.set(key, (byField.get(key) ?? 0) + 1);
  }
  return [...byField].map(([name, n]) => `${name} (${n})`).join(', ');
}

function renderServes(serves = []) {
  const weight = new Map(serves.map((s) => [s.procedureId, s.weight]));
  const groups = data.catalogue.fields.map((f) => {
    const procedures = data.catalogue.procedures.filter((p) => p.fieldId === f.id);
    const boxes = procedures.map((p) =>
      h(
        'div',
        { class: 'serve-row' },
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', name: 'serve', value: p.id, checked: weight.has(p.id) }),
          ` ${p.name}`,
          p.active ? null : h('span', { class: 'muted' }, ` (${A.inactive})`),
        ),
        h('input', {
          type: 'number',
          class: 'weight',
          min: '0.1',
          max: '10',
          step: '0.5',
          value: weight.get(p.id) ?? 1,
          'aria-label': `${A.counters.form.weight}: ${p.name}`,
          dataset: { weightFor: p.id },
        }),
      ),
    );
    const whole = h('input', { type: 'checkbox', 'aria-label': `${f.name}: ${A.counters.form.wholeField}` });
    whole.checked = procedures.length > 0 && procedures.every((p) => weight.has(p.id));
    whole.addEventListener('change', () => {
      for (const box of $$('input[name=serve]', fieldset)) box.checked = whole.checked;
    });
    const fieldset = h(
      'fieldset',
      { class: 'serve-group' },
      h(
        'legend',
        {},
        h(
          'label',
          { class: 'check' },
          whole,
          ` ${f.name}`,
          h('span', { class: 'muted' }, ` — ${A.counters.form.wholeField}`),
        ),
      ),
      boxes,
    );
    return fieldset;
  });
  fill($('c-serves'), groups);
}

function resetCounterForm() {
  editingCounter = null;
  cForm.reset();
  formError(cForm, null);
  $('counter-form-title').textContent = A.counters.form.addTitle;
  $('c-submit').textContent = A.counters.form.submitAdd;
  show($('c-cancel'), false);
  $('c-id').disabled = false;
  const next = Math.max(0, ...data.counters.map((c) => c.id)) + 1;
  $('c-id').value = String(next);
  $('c-name').value = fmt(A.counters.form.namePlaceholder, { id: next });
  renderServes([]);
}

function editCounter(counter) {
  resetCounterForm();
  editingCounter = counter;
  $('counter-form-title').textContent = fmt(A.counters.form.editTitle, { name: counter.name });
  $('c-submit').textContent = A.save;
  show($('c-cancel'), true);
  $('c-id').value = counter.id;
  $('c-id').disabled = true;
  $('c-name').value = counter.name;
  renderServes(counter.serves);
  cForm.scrollIntoView({ block: 'nearest' });
}

$('c-cancel').addEventListener('click', () => resetCounterForm());
$('c-id').addEventListener('input', () => {
  if (!editingCounter) $('c-name').value = fmt(A.counters.form.namePlaceholder, { id: $('c-id').value });
});

onSubmit(cForm, async () => {
  const serves = [...$$('input[name=serve]:checked', cForm)].map((box) => ({
    procedureId: box.value,
    weight: Number($1(`[data-weight-for="${box.value}"]`, cForm).value),
  }));
  const body = { name: $('c-name').value.trim(), serves };
  await saveItem('/api/admin/counters', editingCounter, body, A.counters.form, () => ({
    id: numberOf($('c-id')),
  }));
  editingCounter = null;
  await loadCounters();
});

// ---------------------------------------------------------------- accounts

const aForm = $('account-form');
const rForm = $('reset-form');
let editingAccount = null;
let resetting = null;

fill(
  $('a-role'),
  Object.entries(A.accounts.roles).map(([value, label]) => h('option', { value }, label)),
);

async function loadAccounts() {
  data.accounts = await api('GET', '/api/admin/accounts');
  renderAccounts();
  if (!editingAccount) resetAccountForm();
}

function renderAccounts() {
  const c = A.accounts.columns;
  fill(
    $('account-table'),
    tableParts(
      [c.username, c.displayName, c.role, c.state, c.created, null],
      data.accounts.map((a) =>
        h(
          'tr',
          { class: a.disabledAt ? 'inactive' : '', dataset: { account: a.username } },
          h(
            'td',
            { class: 'mono' },
            a.username,
            a.username === data.me.username ? h('span', { class: 'muted' }, ` ${A.accounts.you}`) : null,
          ),
          h('td', {}, a.displayName),
          h('td', {}, A.accounts.roles[a.role]),
          h('td', {}, badge(!a.disabledAt, A.accounts.enabled, A.accounts.disabled)),
          h('td', {}, dayText(a.createdAt)),
          h(
            'td',
            { class: 'row-actions' },
            small(A.edit, () => editAccount(a)),
            small(a.disabledAt ? A.accounts.enable : A.accounts.disable, () => toggleAccount(a)),
            small(A.accounts.resetPassword, () => startReset(a)),
          ),
        ),
      ),
    ),
  );
}

function resetAccountForm() {
  editingAccount = null;
  aForm.reset();
  formError(aForm, null);
  $('account-form-title').textContent = A.accounts.form.addTitle;
  $('a-submit').textContent = A.accounts.form.submitAdd;
  show($('a-cancel'), false);
  show($('a-password-box'), true);
  $('a-username').disabled = false;
  $('a-role').value = 'officer';
}

function editAccount(a) {
  resetAccountForm();
  editingAccount = a;
  $('account-form-title').textContent = fmt(A.accounts.form.editTitle, { username: a.username });
  $('a-submit').textContent = A.save;
  show($('a-cancel'), true);
  show($('a-password-box'), false);
  $('a-username').value = a.username;
  $('a-username').disabled = true;
  $('a-display').value = a.displayName;
  $('a-role').value = a.role;
  aForm.scrollIntoView({ block: 'nearest' });
}

$('a-cancel').addEventListener('click', () => resetAccountForm());

/** Changes to my own account may end my session: then sign in again. */
async function afterOwnChange(username) {
  if (username !== data.me.username) return;
  const me = await currentAccount();
  if (!me) {
    notify(A.sessionEnded);
    setTimeout(toSignIn, 1500);
  }
}

onSubmit(aForm, async () => {
  show($('account-secret'), false);
  const displayName = $('a-display').value.trim();
  const role = $('a-role').value;
  if (editingAccount) {
    const { username } = editingAccount;
    await api('PUT', `/api/admin/accounts/${encodeURIComponent(username)}`, { displayName, role });
    notify(fmt(A.accounts.form.updated, { username }), 'ok');
    editingAccount = null;
    await afterOwnChange(username);
  } else {
    const username = $('a-username').value.trim();
    const password = $('a-password').value;
    const result = await api('POST', '/api/admin/accounts', {
      username,
      displayName,
      role,
      ...(password ? { password } : {}),
    });
    notify(fmt(A.accounts.form.added, { username }), 'ok');
    if (result.password) {
      showSecret(
        $('account-secret'),
        fmt(A.accounts.secretTitle, { username }),
        result.password,
        A.accounts.secretHint,
      );
    }
  }
  await loadAccounts();
});

async function toggleAccount(a) {
  try {
    await api('PUT', `/api/admin/accounts/${encodeURIComponent(a.username)}`, { disabled: !a.disabledAt });
    notify(
      fmt(a.disabledAt ? A.accounts.enabledDone : A.accounts.disabledDone, { username: a.username }),
      'ok',
    );
    await afterOwnChange(a.username);
    await loadAccounts();
  } catch (error) {
    failed(error);
  }
}

function startReset(a) {
  resetting = a;
  rForm.reset();
  formError(rForm, null);
  $('reset-form-title').textContent = fmt(A.accounts.reset.title, { username: a.username });
  show(rForm, true);
  rForm.scrollIntoView({ block: 'nearest' });
  $('r-password').focus();
}

$('r-cancel').addEventListener('click', () => {
  resetting = null;
  show(rForm, false);
});

onSubmit(rForm, async () => {
  const { username } = resetting;
  const password = $('r-password').value;
  const result = await api(
    'POST',
    `/api/admin/accounts/${encodeURIComponent(username)}/password`,
    password ? { password } : {},
  );
  notify(fmt(A.accounts.reset.done, { username }), 'ok');
  show(rForm, false);
  if (result.password) {
    showSecret(
      $('account-secret'),
      fmt(A.accounts.secretTitle, { username }),
      result.password,
      A.accounts.secretHint,
    );
  }
  resetting = null;
  await afterOwnChange(username);
});

// ---------------------------------------------------------------- settings

async function loadSettings() {
  data.settings = await api('GET', '/api/admin/settings');
  renderSettings();
}

function renderSettings() {
  const s = data.settings;
  // rating scale
  for (const r of $$('input[name=levels]', $('rating-form')))
    r.checked = Number(r.value) === s.ratingScale.levels;
  $('rating-scores').textContent = fmt(A.settings.ratings.scores, {
    scores: s.ratingScale.scale.map((l) => `${l.name} ${l.score}`).join(' · '),
  });
  // priority
  fill(
    $('priority-rows'),
    s.priority.categories.map((c) => priorityRow(c)),
  );
  $('priority-cap').value = s.priority.cap;
  // opening hours: two periods a day (morning, afternoon)
  fill(
    $('hours-rows'),
    Object.entries(A.settings.hours.days).map(([day, name]) => {
      const periods = s.openingHours[day] ?? [];
      const cell = (i) => {
        const p = periods[i];
        return h(
          'td',
          { class: 'period' },
          timeInput(p?.open, { day, i, edge: 'open' }, `${name} ${i + 1}: ${A.settings.hours.open}`),
          ' – ',
          timeInput(p?.close, { day, i, edge: 'close' }, `${name} ${i + 1}: ${A.settings.hours.close}`),
        );
      };
      return h(
        'tr',
        {},
        h(
          'th',
          {},
          name,
          periods.length ? null : h('span', { class: 'muted' }, ` (${A.settings.hours.closed})`),
        ),
        cell(0),
        cell(1),
      );
    }),
  );
  // daily reset
  $('reset-time').value = s.dailyResetTime ?? '';
  $('reset-source').textContent = s.dailyResetTime ? '' : A.settings.reset.fromConfig;
  // announcements
  const an = s.announcements;
  $('an-repeat').value = String(an.repeat);
  $('an-recall').checked = an.recallPrefix;
  for (const name of ['zeroTens', 'four', 'thousand']) {
    for (const r of $$(`input[name=${name}]`, $('announce-form'))) r.checked = r.value === an[name];
  }
  announceExample();
}

/** "HH:MM" as text: a time input would show AM/PM in some browsers. */
const timeInput = (value, dataset, label) =>
  h('input', {
    value: value ?? '',
    dataset,
    'aria-label': label,
    placeholder: '--:--',
    maxlength: '5',
    inputmode: 'numeric',
    autocomplete: 'off',
  });

function priorityRow(c = { id: '', name: '' }) {
  const row = h(
    'tr',
    {},
    h(
      'td',
      {},
      h('input', {
        class: 'mono',
        value: c.id,
        name: 'pid',
        maxlength: '64',
        'aria-label': A.settings.priority.id,
      }),
    ),
    h(
      'td',
      {},
      h('input', {
        class: 'grow',
        value: c.name,
        name: 'pname',
        maxlength: '200',
        'aria-label': A.settings.priority.name,
      }),
    ),
    h(
      'td',
      {},
      small(A.settings.priority.remove, () => row.remove()),
    ),
  );
  const id = $1('[name=pid]', row);
  $1('[name=pname]', row).addEventListener('input', (e) => {
    if (!c.id && !id.dataset.touched) id.value = slug(/** @type {HTMLInputElement} */ (e.target).value);
  });
  id.addEventListener('input', () => {
    id.dataset.touched = '1';
  });
  return row;
}

$('priority-add').addEventListener('click', () => {
  const row = priorityRow();
  $('priority-rows').append(row);
  $1('[name=pname]', row).focus();
});

const settingsSaved = (view) => {
  data.settings = view;
  renderSettings();
  notify(A.saved, 'ok');
};

onSubmit($('rating-form'), async (form) => {
  const levels = Number($1('input[name=levels]:checked', form)?.value);
  settingsSaved(await api('PUT', '/api/admin/settings/rating-scale', { levels }));
});

onSubmit($('priority-form'), async () => {
  const categories = [...$$('tr', $('priority-rows'))].map((tr) => ({
    id: $1('[name=pid]', tr).value.trim(),
    name: $1('[name=pname]', tr).value.trim(),
  }));
  settingsSaved(
    await api('PUT', '/api/admin/settings/priority', { categories, cap: numberOf($('priority-cap')) }),
  );
});

onSubmit($('hours-form'), async (form) => {
  const days = {};
  for (const day of Object.keys(A.settings.hours.days)) {
    days[day] = [];
    for (const i of [0, 1]) {
      const open = $1(`[data-day=${day}][data-i="${i}"][data-edge=open]`, form).value;
      const close = $1(`[data-day=${day}][data-i="${i}"][data-edge=close]`, form).value;
      if (open || close) days[day].push({ open, close });
    }
  }
  settingsSaved(await api('PUT', '/api/admin/settings/opening-hours', { days }));
});

onSubmit($('reset-time-form'), async () => {
  settingsSaved(await api('PUT', '/api/admin/settings/daily-reset', { time: $('reset-time').value }));
});

function announceValues() {
  const form = $('announce-form');
  const pick = (name) => $1(`input[name=${name}]:checked`, form)?.value;
  return {
    repeat: Number($('an-repeat').value),
    recallPrefix: $('an-recall').checked,
    zeroTens: pick('zeroTens'),
    four: pick('four'),
    thousand: pick('thousand'),
  };
}

function announceExample() {
  const v = announceValues();
  $('announce-example').textContent = fmt(A.settings.announcements.example, {
    text: fmt(A.settings.announcements.sample, {
      recall: v.recallPrefix ? A.settings.announcements.recallWord : '',
      thousand: v.thousand ?? '',
      four: v.four ?? '',
      zeroTens: v.zeroTens ?? '',
      repeat: v.repeat,
    }),
  });
}
$('announce-form').addEventListener('change', announceExample);

onSubmit($('announce-form'), async () => {
  settingsSaved(await api('PUT', '/api/admin/settings/announcements', announceValues()));
});

// ---------------------------------------------------------------- devices

const dForm = $('device-form');
fill(
  $('d-role'),
  Object.entries(A.devices.roles).map(([value, label]) => h('option', { value }, label)),
);

async function loadDevices() {
  const [devices, counters] = await Promise.all([
    api('GET', '/api/admin/devices'),
    api('GET', '/api/admin/counters'),
  ]);
  data.devices = devices;
  data.counters = counters;
  renderDevices();
  const select = $('d-counter');
  const keep = select.value;
  fill(
    select,
    h('option', { value: '' }, A.devices.form.noCounter),
    counters.map((c) => h('option', { value: c.id }, c.name)),
  );
  select.value = keep;
}

function renderDevices() {
  const c = A.devices.columns;
  const counterName = new Map(data.counters.map((x) => [x.id, x.name]));
  const rows = data.devices.map((d) => {
    const paper = d.printer ? (A.devices.printer[d.printer] ?? d.printer) : '—';
    const paperClass = d.printer === 'ok' ? 'ok' : d.printer ? 'bad' : '';
    return h(
      'tr',
      { class: d.revokedAt ? 'inactive' : '', dataset: { device: d.id } },
      h(
        'td',
        {},
        h('span', {
          class: `status-dot${d.online ? ' online' : ''}`,
          title: d.online ? A.devices.online : A.devices.offline,
        }),
        h('span', { class: 'sr' }, d.online ? A.devices.online : A.devices.offline),
      ),
      h('td', { class: 'mono' }, d.id),
      h('td', { class: 'nowrap' }, A.devices.roles[d.role] ?? d.role),
      h('td', { class: 'nowrap' }, d.counterId ? (counterName.get(d.counterId) ?? d.counterId) : '—'),
      h('td', { class: 'mono' }, d.version ?? '—'),
      h('td', { class: 'nowrap' }, h('span', { class: `paper ${paperClass}` }, paper)),
      h('td', { class: d.fault ? 'warn' : 'muted' }, d.fault ?? '—'),
      h('td', { class: 'nowrap' }, dateTime(d.lastSeen)),
      h('td', {}, d.revokedAt ? badge(false, '', A.devices.revoked) : badge(true, A.devices.inUse)),
      h(
        'td',
        { class: 'row-actions' },
        d.revokedAt
          ? null
          : confirmButton(A.devices.revoke, A.devices.revokeConfirm, async () => {
              await api('POST', `/api/admin/devices/${encodeURIComponent(d.id)}/revoke`);
              notify(fmt(A.devices.revokedDone, { deviceId: d.id }), 'ok');
              await loadDevices();
            }),
      ),
    );
  });
  fill(
    $('device-table'),
    tableParts(
      [c.online, c.id, c.role, c.counter, c.version, c.printer, c.fault, c.lastSeen, c.state, null],
      rows,
      h('tr', {}, h('td', { colspan: '10', class: 'muted' }, A.devices.none)),
    ),
  );
}

$('d-role').addEventListener('change', () => show($('d-counter-box'), $('d-role').value === 'rating'));

onSubmit(dForm, async () => {
  show($('device-secret'), false);
  const role = $('d-role').value;
  const counter = $('d-counter').value;
  const id = $('d-id').value.trim();
  const result = await api('POST', '/api/admin/devices', {
    id,
    role,
    ...(role === 'rating' ? { counterId: counter ? Number(counter) : null } : {}),
    ...($('d-replace').checked ? { replace: true } : {}),
  });
  showSecret(
    $('device-secret'),
    fmt(A.devices.secretTitle, { deviceId: id }),
    result.token,
    fmt(A.devices.secretHint, { deviceId: id }),
  );
  dForm.reset();
  show($('d-counter-box'), false);
  await loadDevices();
});

// ---------------------------------------------------------------- audit

let auditNext = null;

/** An audit entry's detail as "tên: giá trị; …" in Vietnamese, not JSON. */
function detailText(value) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? A.audit.yes : A.audit.no;
  if (Array.isArray(value)) return value.map(detailText).join(', ');
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([key, v]) => {
        const inner = detailText(v);
        return `${A.audit.detailKeys[key] ?? key}: ${v && typeof v === 'object' && !Array.isArray(v) ? `(${inner})` : inner}`;
      })
      .join('; ');
  }
  return String(value);
}

async function loadAudit(fresh) {
  const page = await api(
    'GET',
    `/api/admin/audit?limit=50${!fresh && auditNext ? `&before=${auditNext}` : ''}`,
  );
  auditNext = page.next;
  const table = $('audit-table');
  const c = A.audit.columns;
  if (fresh) {
    fill(
      table,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, c.at),
          h('th', {}, c.user),
          h('th', {}, c.action),
          h('th', {}, c.counter),
          h('th', {}, c.detail),
        ),
      ),
      h('tbody'),
    );
  }
  table
    .querySelector('tbody')
    .append(
      ...page.entries.map((e) =>
        h(
          'tr',
          {},
          h('td', { class: 'nowrap' }, dateTime(e.at)),
          h('td', { class: 'mono' }, e.username),
          h('td', {}, A.audit.actions[e.action] ?? e.action),
          h('td', {}, e.counterId ?? ''),
          h('td', { class: 'detail' }, e.detail === null ? '' : detailText(e.detail)),
        ),
      ),
    );
  show($('audit-more'), Boolean(auditNext));
  show($('audit-end'), !auditNext);
}

$('audit-more').addEventListener('click', () => loadAudit(false).catch((e) => failed(e)));

// ---------------------------------------------------------------- start

$('sign-out').addEventListener('click', async () => {
  try {
    await api('DELETE', '/api/session');
  } finally {
    location.href = '/login?next=/admin';
  }
});
$('switch-account').addEventListener('click', async () => {
  try {
    await api('DELETE', '/api/session');
  } finally {
    location.href = '/login?next=/admin';
  }
});

// ---------------------------------------------------------------- store fault banner

const STORE_FAULT_POLL_MS = 15_000;
const when = (ms) => new Date(ms).toLocaleString('vi-VN');

/** The lines of the banner for GET /api/health, none when all is well. */
function storeFaultLines(health) {
  const lines = [];
  const fault = health?.store?.fault;
  const F = A.storeFault;
  if (fault) {
    lines.push(fmt(F[fault.kind] ?? F.io, { code: fault.code, since: when(fault.since) }));
    if (fault.count > 1) lines.push(fmt(F.failures, { count: fault.count, last: when(fault.lastAt) }));
  }
  const backup = health?.store?.backup;
  if (backup?.error)
    lines.push(fmt(F.backupFailed, { at: when(backup.error.at), message: backup.error.message }));
  if (backup?.copyError)
    lines.push(fmt(F.copyFailed, { at: when(backup.copyError.at), message: backup.copyError.message }));
  const central = health?.central;
  if (central?.alarm)
    lines.push(
      fmt(F.centralBacklog, {
        pending: central.pending.toLocaleString('vi-VN'),
        since: central.oldestAt ? when(central.oldestAt) : '—',
        max: central.maxEvents.toLocaleString('vi-VN'),
      }),
    );
  if (central?.dropped > 0)
    lines.push(fmt(F.centralDropped, { dropped: central.dropped.toLocaleString('vi-VN') }));
  return lines;
}

/** Show the store's faults over the page, signed in or not, and keep looking. */
async function watchStoreHealth() {
  let banner = $('store-fault');
  if (!banner) {
    banner = h('div', { id: 'store-fault', class: 'store-fault hidden', role: 'alert' });
    $1('header', document)?.after(banner);
  }
  try {
    // 503 while something is wrong: the body says what.
    const res = await fetch('/api/health', { credentials: 'same-origin' });
    const lines = storeFaultLines(await res.json());
    banner.replaceChildren(...lines.map((line) => h('p', {}, line)));
    show(banner, lines.length > 0);
  } catch {
    // Hub unreachable: the page's own calls say so.
  }
  setTimeout(watchStoreHealth, STORE_FAULT_POLL_MS);
}

async function start() {
  watchStoreHealth();
  let me;
  try {
    me = await currentAccount();
  } catch (error) {
    failed(error);
    return;
  }
  if (!me) return toSignIn();
  data.me = me;
  // Asks to confirm the hub's time while it is not trusted; also gives "today" in the office.
  clockBanner();
  api('GET', '/api/clock')
    .then((c) => {
      hubOffset = c.now - Date.now();
    })
    .catch(() => {});
  $('who').textContent = fmt(A.signedInAs, { name: me.displayName });
  show($('loading'), false);
  if (me.role !== 'admin') {
    $('forbidden-text').textContent = fmt(A.forbidden, { username: me.username });
    show($('forbidden'), true);
    return;
  }
  show($('tabs'), true);
  selectTab(location.hash.slice(1) || 'catalogue');
}

start();
