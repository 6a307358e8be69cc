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
  setTitle,
  T,
  tableParts,
  toSignIn,
  usePageText,
} from '/assets/common.js';
import { fold } from '/assets/guide-search.js';
import pageText from '/assets/text-admin.js';

/** @typedef {import('/assets/common.js').PageElement} PageElement */
/** @typedef {import('../../../shared/api/admin.js').AdminField} AdminField */
/** @typedef {import('../../../shared/api/admin.js').AdminProcedure} AdminProcedure */
/** @typedef {import('../../../shared/api/admin.js').AdminCounter} AdminCounter */
/** @typedef {import('../../../shared/api/admin.js').AccountView} AccountView */
/** @typedef {import('../../../shared/api/admin.js').AdminCatalogue} AdminCatalogue */
/** @typedef {import('../../../shared/api/admin.js').AdminSettings} AdminSettings */
/** @typedef {import('../../../shared/api/admin.js').DeviceView} DeviceView */
/** @typedef {import('../../../shared/api/admin.js').AccountCreated} AccountCreated */
/** @typedef {import('../../../shared/api/admin.js').PasswordSet} PasswordSet */
/** @typedef {import('../../../shared/api/admin.js').DeviceRegistered} DeviceRegistered */
/** @typedef {import('../../../shared/api/admin.js').CatalogueDefaults} CatalogueDefaults */
/** @typedef {import('../../../shared/api/admin.js').AuditPage} AuditPage */
/** @typedef {import('../../../shared/api/session.js').SessionAnswer} SessionAnswer */

usePageText(pageText); // T.admin, T.guideAdmin
const A = T.admin;
const show = (el, on) => el.classList.toggle('hidden', !on);

setTitle(A.title);

/**
 * What the hub last answered, per tab.
 * @type {{ me: SessionAnswer | null, catalogue: AdminCatalogue | null, counters: AdminCounter[], accounts: AccountView[], settings: AdminSettings | null, devices: DeviceView[] }}
 */
const data = { me: null, catalogue: null, counters: [], accounts: [], settings: null, devices: [] };
/** Where each list of `data` comes from. */
const SOURCES = {
  catalogue: '/api/admin/catalogue',
  counters: '/api/admin/counters',
  accounts: '/api/admin/accounts',
  settings: '/api/admin/settings',
  devices: '/api/admin/devices',
};
/** @typedef {keyof typeof SOURCES} DataList */
const TABS = ['catalogue', 'guide', 'counters', 'accounts', 'settings', 'devices', 'audit'];
let deviceTimer = null;

// ---------------------------------------------------------------- helpers

/**
 * Fetch these lists of `data` again, all at once.
 * @param {...DataList} names
 */
async function refetch(...names) {
  const answers = await Promise.all(names.map((name) => api('GET', SOURCES[name])));
  names.forEach((name, i) => {
    data[name] = answers[i];
  });
}

/**
 * Show a list in one of the page's tables: a heading per column, a row per
 * item (or `empty` when there is none).
 * @template T
 * @param {string} tableId
 * @param {(string | null)[]} headings
 * @param {T[]} items
 * @param {(item: T) => Node} row
 * @param {Node} [empty]
 */
function showTable(tableId, headings, items, row, empty) {
  fill($(tableId), tableParts(headings, items.map(row), empty));
}

/**
 * A select's options from a text table (value → label).
 * @param {HTMLElement} select
 * @param {Record<string, string>} labels
 */
function optionsFrom(select, labels) {
  fill(
    select,
    Object.entries(labels).map(([value, label]) => h('option', { value }, label)),
  );
}

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
  /** @type {{ name: string }} every item saved here has a name */
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

/**
 * Show a number series in the inputs `numberingFrom(p)` reads.
 * @param {string} p
 * @param {{ prefix: string, start: number, end: number, wrap: boolean }} n
 */
function showNumbering(p, n) {
  $(`${p}-prefix`).value = n.prefix;
  $(`${p}-start`).value = String(n.start);
  $(`${p}-end`).value = String(n.end);
  $(`${p}-wrap`).checked = n.wrap;
}

/**
 * A form that adds an item or edits one, and says which: its title
 * (`<name>-form-title`), submit (`<p>-submit`) and cancel (`<p>-cancel`)
 * buttons. The item's key (`key`) is typed for a new item and fixed while
 * editing; while it is not typed by hand, `suggest` fills it in as the form
 * changes. `clear` sets the form for a new item, `load` fills in the item.
 * @template {object} I
 * @param {{
 *   form: PageElement | import('/assets/common.js').NamedForm,
 *   name: string,
 *   p: string,
 *   texts: { addTitle: string, submitAdd: string, editTitle: string },
 *   key: HTMLInputElement,
 *   clear?: (arg?: string) => void,
 *   load: (item: I) => void,
 *   suggest?: { from: HTMLElement, on: string, key: () => string },
 *   focus?: HTMLElement,
 * }} spec
 */
function itemForm(spec) {
  const { form, texts, key } = spec;
  const title = $(`${spec.name}-form-title`);
  const submit = $(`${spec.p}-submit`);
  const cancel = $(`${spec.p}-cancel`);
  let keyTyped = false;
  const editor = {
    /** @type {I | null} the item being edited; null while adding */
    editing: null,
    /** @param {string} [arg] passed on to `clear` */
    reset(arg) {
      editor.editing = null;
      keyTyped = false;
      form.reset();
      formError(form, null);
      title.textContent = texts.addTitle;
      submit.textContent = texts.submitAdd;
      show(cancel, false);
      key.disabled = false;
      spec.clear?.(arg);
    },
    /** @param {I} item */
    edit(item) {
      editor.reset();
      editor.editing = item;
      // The edit titles name the item by its own fields ({name}, {username}).
      title.textContent = fmt(texts.editTitle, /** @type {Record<string, unknown>} */ (item));
      submit.textContent = A.save;
      show(cancel, true);
      key.disabled = true;
      spec.load(item);
      form.scrollIntoView({ block: 'nearest' });
      spec.focus?.focus();
    },
  };
  cancel.addEventListener('click', () => editor.reset());
  key.addEventListener('input', () => {
    keyTyped = true;
  });
  const { suggest } = spec;
  suggest?.from.addEventListener(suggest.on, () => {
    if (!editor.editing && !keyTyped) key.value = suggest.key();
  });
  return editor;
}

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
  return fold(text).replaceAll(' ', '-').slice(0, 64);
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

async function loadCatalogue() {
  await refetch('catalogue');
  renderCatalogue();
  renderMissingDefaults().catch(() => {}); // a hint only: the catalogue works without it
  renderProcedureFormOptions();
  if (!fieldForm.editing) fieldForm.reset();
  if (!procedureForm.editing) procedureForm.reset(pForm.fieldId.value || undefined);
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
            small(A.edit, () => procedureForm.edit(p)),
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
            procedureForm.reset(f.id);
            pForm.name.focus();
          }),
          small(A.edit, () => fieldForm.edit(f)),
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
  /** @type {CatalogueDefaults} */
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
      /** @type {CatalogueDefaults} */
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

/** @type {ReturnType<typeof itemForm<AdminProcedure>>} */
const procedureForm = itemForm({
  form: pForm,
  name: 'procedure',
  p: 'p',
  texts: A.catalogue.procedureForm,
  key: pForm.id,
  /** @param {string} [fieldId] the field the new procedure is in (else the first active one) */
  clear(fieldId) {
    const first = data.catalogue.fields.find((f) => f.active) ?? data.catalogue.fields[0];
    pForm.fieldId.value = fieldId ?? first?.id ?? '';
    pForm.id.value = pForm.fieldId.value ? suggestProcedureId(pForm.fieldId.value) : '';
    show($('p-numbering'), false);
    show($('p-counters-box'), true);
    show($('p-counters-note'), false);
  },
  load(p) {
    pForm.fieldId.value = p.fieldId;
    pForm.id.value = p.id;
    pForm.name.value = p.name;
    $('p-own').checked = Boolean(p.numbering);
    show($('p-numbering'), Boolean(p.numbering));
    if (p.numbering) showNumbering('p', p.numbering);
    show($('p-counters-box'), false);
    show($('p-counters-note'), true);
  },
  suggest: { from: pForm.fieldId, on: 'change', key: () => suggestProcedureId(pForm.fieldId.value) },
  focus: pForm.name,
});
$('p-own').addEventListener('change', () => show($('p-numbering'), $('p-own').checked));

/** A number input as a number; empty stays undefined so the hub says what is missing. */
const numberOf = (input) => (input.value.trim() === '' ? undefined : Number(input.value));

onSubmit(pForm, async () => {
  const numbering = $('p-own').checked ? numberingFrom('p') : null;
  const body = { fieldId: pForm.fieldId.value, name: pForm.name.value.trim(), numbering };
  await saveItem('/api/admin/procedures', procedureForm.editing, body, A.catalogue.procedureForm, () => ({
    id: pForm.id.value.trim(),
    counterIds: $$('input[name=counter]:checked', pForm).map((i) => Number(i.value)),
  }));
  procedureForm.editing = null;
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

/** @type {ReturnType<typeof itemForm<AdminField>>} */
const fieldForm = itemForm({
  form: fForm,
  name: 'field',
  p: 'f',
  texts: A.catalogue.fieldForm,
  key: fForm.id,
  clear() {
    const range = suggestRange();
    $('f-start').value = String(range.start);
    $('f-end').value = String(range.end);
    $('f-wrap').checked = true;
  },
  load(f) {
    fForm.id.value = f.id;
    fForm.name.value = f.name;
    showNumbering('f', f.numbering);
    $('f-position').value = String(f.position);
  },
  suggest: { from: fForm.name, on: 'input', key: () => slug(fForm.name.value) },
  focus: fForm.name,
});

onSubmit(fForm, async () => {
  const body = {
    name: fForm.name.value.trim(),
    numbering: numberingFrom('f'),
    position: numberOf($('f-position')),
  };
  await saveItem('/api/admin/fields', fieldForm.editing, body, A.catalogue.fieldForm, () => ({
    id: fForm.id.value.trim(),
  }));
  fieldForm.editing = null;
  await loadCatalogue();
});

// ---------------------------------------------------------------- counters

const cForm = $('counter-form');

async function loadCounters() {
  await refetch('counters', 'catalogue');
  renderCounters();
  if (!counterForm.editing) counterForm.reset();
}

function renderCounters() {
  const names = new Map(data.catalogue.procedures.map((p) => [p.id, p.name]));
  const c = A.counters.columns;
  showTable('counter-table', [c.id, c.name, c.state, c.officer, c.serves, null], data.counters, (counter) =>
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
        small(A.edit, () => counterForm.edit(counter)),
        confirmButton(A.counters.remove, fmt(A.counters.removeConfirm, { name: counter.name }), async () => {
          await api('DELETE', `/api/admin/counters/${counter.id}`);
          notify(fmt(A.counters.removed, { name: counter.name }), 'ok');
          await loadCounters();
        }),
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

/** @type {ReturnType<typeof itemForm<AdminCounter>>} */
const counterForm = itemForm({
  form: cForm,
  name: 'counter',
  p: 'c',
  texts: A.counters.form,
  key: $('c-id'),
  clear() {
    const next = Math.max(0, ...data.counters.map((c) => c.id)) + 1;
    $('c-id').value = String(next);
    $('c-name').value = fmt(A.counters.form.namePlaceholder, { id: next });
    renderServes([]);
  },
  load(counter) {
    $('c-id').value = String(counter.id);
    $('c-name').value = counter.name;
    renderServes(counter.serves);
  },
});
// A new counter's name follows its number until it is typed.
$('c-id').addEventListener('input', () => {
  if (!counterForm.editing) $('c-name').value = fmt(A.counters.form.namePlaceholder, { id: $('c-id').value });
});

onSubmit(cForm, async () => {
  const serves = [...$$('input[name=serve]:checked', cForm)].map((box) => ({
    procedureId: box.value,
    weight: Number($1(`[data-weight-for="${box.value}"]`, cForm).value),
  }));
  const body = { name: $('c-name').value.trim(), serves };
  await saveItem('/api/admin/counters', counterForm.editing, body, A.counters.form, () => ({
    id: numberOf($('c-id')),
  }));
  counterForm.editing = null;
  await loadCounters();
});

// ---------------------------------------------------------------- accounts

const aForm = $('account-form');
const rForm = $('reset-form');
let resetting = null;

optionsFrom($('a-role'), A.accounts.roles);

async function loadAccounts() {
  await refetch('accounts');
  renderAccounts();
  if (!accountForm.editing) accountForm.reset();
}

function renderAccounts() {
  const c = A.accounts.columns;
  showTable(
    'account-table',
    [c.username, c.displayName, c.role, c.state, c.created, null],
    data.accounts,
    (a) =>
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
          small(A.edit, () => accountForm.edit(a)),
          small(a.disabledAt ? A.accounts.enable : A.accounts.disable, () => toggleAccount(a)),
          small(A.accounts.resetPassword, () => startReset(a)),
        ),
      ),
  );
}

/** @type {ReturnType<typeof itemForm<AccountView>>} */
const accountForm = itemForm({
  form: aForm,
  name: 'account',
  p: 'a',
  texts: A.accounts.form,
  key: $('a-username'),
  clear() {
    show($('a-password-box'), true);
    $('a-role').value = 'officer';
  },
  load(a) {
    show($('a-password-box'), false);
    $('a-username').value = a.username;
    $('a-display').value = a.displayName;
    $('a-role').value = a.role;
  },
});

/**
 * A password the hub generated (none when the administrator typed it), shown once.
 * @param {string} username
 * @param {string | undefined} password
 */
function showPassword(username, password) {
  if (password)
    showSecret(
      $('account-secret'),
      fmt(A.accounts.secretTitle, { username }),
      password,
      A.accounts.secretHint,
    );
}

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
  if (accountForm.editing) {
    const { username } = accountForm.editing;
    await api('PUT', `/api/admin/accounts/${encodeURIComponent(username)}`, { displayName, role });
    notify(fmt(A.accounts.form.updated, { username }), 'ok');
    accountForm.editing = null;
    await afterOwnChange(username);
  } else {
    const username = $('a-username').value.trim();
    const password = $('a-password').value;
    /** @type {AccountCreated} */
    const result = await api('POST', '/api/admin/accounts', {
      username,
      displayName,
      role,
      ...(password ? { password } : {}),
    });
    notify(fmt(A.accounts.form.added, { username }), 'ok');
    showPassword(username, result.password);
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
  /** @type {PasswordSet} */
  const result = await api(
    'POST',
    `/api/admin/accounts/${encodeURIComponent(username)}/password`,
    password ? { password } : {},
  );
  notify(fmt(A.accounts.reset.done, { username }), 'ok');
  show(rForm, false);
  showPassword(username, result.password);
  resetting = null;
  await afterOwnChange(username);
});

// ---------------------------------------------------------------- settings

async function loadSettings() {
  await refetch('settings');
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
  $('priority-cap').value = String(s.priority.cap);
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

/** The opening hours typed in the hours form: up to two periods a day. */
function hoursFrom(form) {
  /** @type {Record<string, { open: string, close: string }[]>} */
  const days = {};
  for (const day of Object.keys(A.settings.hours.days)) {
    days[day] = [];
    for (const i of [0, 1]) {
      const open = $1(`[data-day=${day}][data-i="${i}"][data-edge=open]`, form).value;
      const close = $1(`[data-day=${day}][data-i="${i}"][data-edge=close]`, form).value;
      if (open || close) days[day].push({ open, close });
    }
  }
  return { days };
}

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

/**
 * Each settings form, the setting it saves (PUT /api/admin/settings/<path>)
 * and what it sends; the hub answers with all the settings as now saved.
 * @type {[string, string, (form: PageElement) => object][]}
 */
const SETTINGS_FORMS = [
  [
    'rating-form',
    'rating-scale',
    (form) => ({ levels: Number($1('input[name=levels]:checked', form)?.value) }),
  ],
  [
    'priority-form',
    'priority',
    () => ({
      categories: $$('tr', $('priority-rows')).map((tr) => ({
        id: $1('[name=pid]', tr).value.trim(),
        name: $1('[name=pname]', tr).value.trim(),
      })),
      cap: numberOf($('priority-cap')),
    }),
  ],
  ['hours-form', 'opening-hours', hoursFrom],
  ['reset-time-form', 'daily-reset', () => ({ time: $('reset-time').value })],
  ['announce-form', 'announcements', announceValues],
];
for (const [formId, path, values] of SETTINGS_FORMS) {
  onSubmit($(formId), async (form) => {
    data.settings = await api('PUT', `/api/admin/settings/${path}`, values(form));
    renderSettings();
    notify(A.saved, 'ok');
  });
}

// ---------------------------------------------------------------- devices

const dForm = $('device-form');
optionsFrom($('d-role'), A.devices.roles);

async function loadDevices() {
  await refetch('devices', 'counters');
  renderDevices();
  const select = $('d-counter');
  const keep = select.value;
  fill(
    select,
    h('option', { value: '' }, A.devices.form.noCounter),
    data.counters.map((c) => h('option', { value: c.id }, c.name)),
  );
  select.value = keep;
}

function renderDevices() {
  const c = A.devices.columns;
  const counterName = new Map(data.counters.map((x) => [x.id, x.name]));
  /** @param {DeviceView} d */
  const row = (d) => {
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
  };
  showTable(
    'device-table',
    [c.online, c.id, c.role, c.counter, c.version, c.printer, c.fault, c.lastSeen, c.state, null],
    data.devices,
    row,
    h('tr', {}, h('td', { colspan: '10', class: 'muted' }, A.devices.none)),
  );
}

$('d-role').addEventListener('change', () => show($('d-counter-box'), $('d-role').value === 'rating'));

onSubmit(dForm, async () => {
  show($('device-secret'), false);
  const role = $('d-role').value;
  const counter = $('d-counter').value;
  const id = $('d-id').value.trim();
  /** @type {DeviceRegistered} */
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
  /** @type {AuditPage} */
  const page = await api(
    'GET',
    `/api/admin/audit?limit=50${!fresh && auditNext ? `&before=${auditNext}` : ''}`,
  );
  auditNext = page.next;
  const table = $('audit-table');
  const c = A.audit.columns;
  if (fresh) fill(table, tableParts([c.at, c.user, c.action, c.counter, c.detail], []));
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

// Both end this session; "switch account" only reads differently.
for (const id of ['sign-out', 'switch-account']) {
  $(id).addEventListener('click', async () => {
    try {
      await api('DELETE', '/api/session');
    } finally {
      location.href = '/login?next=/admin';
    }
  });
}

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
