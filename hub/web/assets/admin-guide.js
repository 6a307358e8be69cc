// The "Hướng dẫn thủ tục" tab of the administration page: each procedure's
// guide card for the touch screen, in plain text parts (documents with their
// copies, fee, time limit, legal basis, the portal link, notes, keywords) and
// the day it was checked. The hub checks and cleans every part again
// (hub/guide/card.ts); everything is shown with textContent, here and on the
// screen, so nothing typed is ever taken as markup.
import {
  $,
  $$,
  $1,
  ApiError,
  api,
  fill,
  fillText as fmt,
  h,
  notify,
  tableParts,
  toSignIn,
} from '/assets/common.js';
import pageText from '/assets/text-admin.js';

const GA = pageText.guideAdmin;
const A = pageText.admin;
const form = $('guide-form');

let data = null;
let editing = null;

function formError(message) {
  const p = $1('.form-error', form);
  p.textContent = message ?? '';
  p.classList.toggle('hidden', !message);
}

function failed(error) {
  if (error instanceof ApiError && error.status === 401) {
    notify(A.sessionEnded);
    setTimeout(toSignIn, 800);
  } else formError(error.message);
}

/** "12/03/2026" from "2026-03-12". */
const dateText = (date) => date.split('-').reverse().join('/');

export async function loadGuide() {
  data = await api('GET', '/api/admin/guide');
  renderList();
  if (editing) {
    const fresh = data.procedures.find((p) => p.id === editing.id);
    if (fresh) editing = fresh;
  }
}

function stateOf(p) {
  if (!p.card) return h('span', { class: 'badge off' }, GA.none);
  if (p.sample) return h('span', { class: 'warn' }, `⚠ ${GA.sample}`);
  return h('span', { class: 'badge on' }, GA.own);
}

function renderList() {
  const cards = data.fields.map((f) => {
    const rows = data.procedures
      .filter((p) => p.fieldId === f.id)
      .map((p) =>
        h(
          'tr',
          { class: p.active ? '' : 'inactive', dataset: { guide: p.id } },
          h('td', {}, p.name),
          h('td', {}, stateOf(p)),
          h('td', {}, p.checkedOn ? dateText(p.checkedOn) : GA.notChecked),
          h(
            'td',
            { class: 'row-actions' },
            h(
              'button',
              { type: 'button', class: 'small', onclick: () => edit(p) },
              p.card ? GA.edit : GA.write,
            ),
          ),
        ),
      );
    return h(
      'article',
      { class: `card field-card${f.active ? '' : ' inactive'}` },
      h('header', { class: 'field-head' }, h('div', { class: 'field-title' }, h('h3', {}, f.name))),
      h(
        'table',
        { class: 'admin-table guide-table' },
        tableParts([GA.columns.name, GA.columns.state, GA.columns.checked, null], rows),
      ),
    );
  });
  fill($('guide-list'), cards);
}

// ---------------------------------------------------------------- the form

function documentRow(d = { name: '', originals: 1, copies: 0, note: '' }) {
  const number = (value, label) =>
    h('input', { type: 'number', min: 0, max: 20, value, class: 'short', 'aria-label': label, title: label });
  const row = h(
    'div',
    { class: 'guide-document' },
    h('input', {
      class: 'g-doc-name',
      value: d.name,
      maxlength: 300,
      placeholder: GA.documentName,
      'aria-label': GA.documentName,
    }),
    h('label', {}, GA.originals, ' ', number(d.originals, GA.originals)),
    h('label', {}, GA.copies, ' ', number(d.copies, GA.copies)),
    h('input', {
      class: 'g-doc-note',
      value: d.note,
      maxlength: 200,
      placeholder: GA.documentNote,
      'aria-label': GA.documentNote,
    }),
    h(
      'button',
      { type: 'button', class: 'small', onclick: () => row.previousElementSibling?.before(row) },
      GA.up,
    ),
    h('button', { type: 'button', class: 'small', onclick: () => row.remove() }, GA.remove),
  );
  return row;
}

function edit(p) {
  editing = p;
  formError(null);
  const card = p.card ?? {
    documents: [],
    fee: '',
    timeLimit: '',
    legalBasis: [],
    onlineUrl: '',
    notes: '',
    keywords: [],
  };
  $('guide-form-title').textContent = fmt(GA.editTitle, { name: p.name });
  fill(
    $('g-documents'),
    card.documents.map((d) => documentRow(d)),
  );
  $('g-fee').value = card.fee;
  $('g-time').value = card.timeLimit;
  $('g-legal').value = card.legalBasis.join('\n');
  $('g-url').value = card.onlineUrl;
  $('g-notes').value = card.notes;
  $('g-keywords').value = card.keywords.join(', ');
  $('g-checked').value = p.checkedOn ?? '';
  $('g-checked').max = data.today;
  fill($('g-remove-box'), p.card ? removeButton(p) : null);
  form.classList.remove('hidden');
  form.scrollIntoView({ block: 'nearest' });
  $('g-fee').focus();
}

function removeButton(p) {
  let armed = false;
  const button = h('button', { type: 'button', class: 'danger small', id: 'g-remove' }, GA.removeCard);
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      button.textContent = GA.removeConfirm;
      button.classList.add('armed');
      return;
    }
    try {
      await api('DELETE', `/api/admin/guide/${encodeURIComponent(p.id)}`);
      notify(fmt(GA.removed, { name: p.name }), 'ok');
      closeForm();
      await loadGuide();
    } catch (error) {
      failed(error);
    }
  });
  return button;
}

function closeForm() {
  editing = null;
  form.classList.add('hidden');
}

$('g-add-document').addEventListener('click', () => {
  const row = documentRow();
  $('g-documents').append(row);
  $1('.g-doc-name', row).focus();
});
$('g-today').addEventListener('click', () => {
  $('g-checked').value = data.today;
});
$('g-cancel').addEventListener('click', closeForm);

const lines = (text) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!editing) return;
  formError(null);
  const body = {
    documents: [...$('g-documents').children].map((row) => {
      const [originals, copies] = $$('input[type=number]', row);
      return {
        name: $1('.g-doc-name', row).value,
        originals: Number(originals.value || 0),
        copies: Number(copies.value || 0),
        note: $1('.g-doc-note', row).value,
      };
    }),
    fee: $('g-fee').value,
    timeLimit: $('g-time').value,
    legalBasis: lines($('g-legal').value),
    onlineUrl: $('g-url').value.trim(),
    notes: $('g-notes').value,
    keywords: $('g-keywords')
      .value.split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    checkedOn: $('g-checked').value || null,
  };
  const submit = $('g-submit');
  submit.disabled = true;
  try {
    await api('PUT', `/api/admin/guide/${encodeURIComponent(editing.id)}`, body);
    notify(fmt(GA.saved, { name: editing.name }), 'ok');
    closeForm();
    await loadGuide();
  } catch (error) {
    failed(error);
  } finally {
    submit.disabled = false;
  }
});
