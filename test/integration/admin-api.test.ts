// The administration API against a real hub (HTTP + MQTT + SQLite):
// - every refusal (no session, officer, cross-site, bad input, state
//   conflicts) answers with a Vietnamese message and leaves every row of the
//   store exactly as it was;
// - accepted edits reach the live queue and the devices at once (retained
//   catalogue, a kiosk ticket for a new procedure);
// - device credentials: the token shown once connects, a revoke cuts the
//   open connection and refuses the next one;
// - accounts: disabling or a new password ends the account's sessions.

import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueMessage, type IssuedTicket, reply } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { connectDevice, nextMessage, startTestHub, type TestHub } from '../helpers/hub.js';

const VIETNAMESE = /[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]/i;
const TABLES = [
  'fields',
  'procedures',
  'priority_categories',
  'counters',
  'settings',
  'accounts',
  'sessions',
  'devices',
  'audit_log',
  'tickets',
  'sequences',
];

// biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field by the assertions
type Json = any;
const json = (res: Response): Promise<Json> => res.json() as Promise<Json>;

let t: TestHub;
let admin: ReturnType<TestHub['as']>;
let officer: ReturnType<TestHub['as']>;
let adminCookie: string;
const clients: MqttClient[] = [];

/** Every row of every table the administration could touch. */
function dump(): Record<string, unknown[]> {
  return Object.fromEntries(
    TABLES.map((table) => [table, t.hub.db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()]),
  );
}

const none = (path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${t.httpUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      origin: t.httpUrl,
      ...(init.method === undefined || init.method === 'GET' ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.method === undefined || init.method === 'GET' ? {} : { body: JSON.stringify(init.body ?? {}) }),
  });

const crossSite = (path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${t.httpUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      cookie: adminCookie,
      origin: 'http://evil.example',
      ...(init.method === undefined || init.method === 'GET' ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.method === undefined || init.method === 'GET' ? {} : { body: JSON.stringify(init.body ?? {}) }),
  });

/** A kiosk device that asks for tickets and waits for the matching reply. */
async function kiosk(id: string) {
  const client = await connectDevice(t.mqttUrl, id, t.addDevice(id, 'kiosk'));
  clients.push(client);
  await client.subscribeAsync(topics.deviceReply(id), { qos: 1 });
  return (requestId: string, procedureId: string) => {
    const answer = nextMessage(client, topics.deviceReply(id), 5000);
    client.publish(
      topics.deviceRequest(id, 'issue-ticket'),
      JSON.stringify({ v: 1, requestId, procedureId }),
      {
        qos: 1,
      },
    );
    return answer.then((p) => reply.parse(JSON.parse(p.toString())));
  };
}

beforeAll(async () => {
  t = await startTestHub();
  adminCookie = await t.signIn('admin', t.hub.initialAdminPassword!);
  admin = t.as(adminCookie);
  officer = t.as(await t.signIn('officer-1', await t.addAccount('officer-1', 'officer')));
  t.addDevice('rating-3', 'rating', 3);
});
afterAll(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await t.stop();
});

// ---------------------------------------------------------------- refusals

const field = { id: 'moi', name: 'Lĩnh vực mới', numbering: { prefix: 'M', start: 1, end: 99, wrap: true } };
const procedure = { id: 'moi-01', fieldId: 'can-cuoc', name: 'Thủ tục mới' };
const numbering = (prefix: string, start: number, end: number) => ({ prefix, start, end, wrap: false });
const hours = {
  mon: [{ open: '07:30', close: '11:30' }],
  tue: [],
  wed: [],
  thu: [],
  fri: [],
  sat: [],
  sun: [],
};

/** One request of each route that changes something (valid, so only the caller is wrong). */
const WRITES: [string, string, unknown][] = [
  ['POST', '/api/admin/fields', field],
  ['PUT', '/api/admin/fields/can-cuoc', { name: 'Căn cước công dân' }],
  ['POST', '/api/admin/procedures', procedure],
  ['PUT', '/api/admin/procedures/can-cuoc-01', { active: false }],
  ['POST', '/api/admin/counters', { id: 20, name: 'Quầy 20', serves: [] }],
  ['PUT', '/api/admin/counters/1', { name: 'Quầy một' }],
  ['DELETE', '/api/admin/counters/8', undefined],
  ['POST', '/api/admin/accounts', { username: 'nguyen.a', displayName: 'Nguyễn A', role: 'admin' }],
  ['PUT', '/api/admin/accounts/officer-1', { role: 'admin' }],
  ['POST', '/api/admin/accounts/officer-1/password', {}],
  ['PUT', '/api/admin/settings/rating-scale', { levels: 4 }],
  ['PUT', '/api/admin/settings/priority', { categories: [{ id: 'a', name: 'A' }], cap: 5 }],
  ['PUT', '/api/admin/settings/opening-hours', { days: hours }],
  ['PUT', '/api/admin/settings/daily-reset', { time: '03:00' }],
  [
    'PUT',
    '/api/admin/settings/announcements',
    { repeat: 1, recallPrefix: false, zeroTens: 'lẻ', four: 'bốn', thousand: 'ngàn' },
  ],
  ['POST', '/api/admin/devices', { id: 'kiosk-9', role: 'kiosk' }],
  ['POST', '/api/admin/devices/rating-3/revoke', undefined],
];
const READS = [
  '/api/admin/catalogue',
  '/api/admin/counters',
  '/api/admin/accounts',
  '/api/admin/settings',
  '/api/admin/devices',
  '/api/admin/audit',
];

describe('who may administer', () => {
  it.each(WRITES)(
    '%s %s: 401 without a session, 403 for an officer and from another site',
    async (method, path, body) => {
      const before = dump();
      const init = { method, body };
      const anonymous = await none(path, init);
      expect(anonymous.status).toBe(401);
      expect((await json(anonymous)).error.code).toBe('not_signed_in');
      const asOfficer = await officer(path, init);
      expect(asOfficer.status).toBe(403);
      const e = (await json(asOfficer)).error;
      expect(e.code).toBe('forbidden');
      expect(e.message).toMatch(VIETNAMESE);
      const cross = await crossSite(path, init);
      expect(cross.status).toBe(403);
      expect((await json(cross)).error.code).toBe('cross_site');
      expect(dump()).toEqual(before);
    },
  );

  it.each(READS)(
    'GET %s: 401 without a session, 403 for an officer, 200 for an administrator',
    async (path) => {
      expect((await none(path)).status).toBe(401);
      expect((await officer(path)).status).toBe(403);
      expect((await admin(path)).status).toBe(200);
    },
  );

  it('checks the session before the input: garbage from a stranger is still 401', async () => {
    const res = await none('/api/admin/fields', { method: 'POST', body: { nonsense: true } });
    expect(res.status).toBe(401);
  });
});

type Case = [
  name: string,
  method: string,
  path: string,
  body: unknown,
  status: number,
  code: string,
  text?: RegExp,
];

const BAD: Case[] = [
  // catalogue: types, unknown keys, ids, ranges
  [
    'field name of the wrong type',
    'POST',
    '/api/admin/fields',
    { ...field, name: 5 },
    400,
    'bad_request',
    /tên \(name\) phải là chuỗi/,
  ],
  [
    'field with an unknown key',
    'POST',
    '/api/admin/fields',
    { ...field, colour: 'red' },
    400,
    'bad_request',
    /không nhận trường "colour"/,
  ],
  [
    'field without numbering',
    'POST',
    '/api/admin/fields',
    { id: 'x', name: 'X' },
    400,
    'bad_request',
    /thiếu "dãy số/,
  ],
  [
    'field with a bad id',
    'POST',
    '/api/admin/fields',
    { ...field, id: 'Căn Cước' },
    400,
    'bad_request',
    /mã \(id\) sai định dạng/,
  ],
  [
    'field id already taken',
    'POST',
    '/api/admin/fields',
    { ...field, id: 'cu-tru' },
    409,
    'field_exists',
    /cu-tru/,
  ],
  [
    'field range overlapping Căn cước',
    'POST',
    '/api/admin/fields',
    { ...field, numbering: numbering('', 1500, 2500) },
    400,
    'range_overlap',
    /1001–1999/,
  ],
  [
    'field range start after end',
    'POST',
    '/api/admin/fields',
    { ...field, numbering: numbering('M', 50, 10) },
    400,
    'bad_range',
  ],
  [
    'field range beyond 9999',
    'POST',
    '/api/admin/fields',
    { ...field, numbering: numbering('M', 1, 10000) },
    400,
    'bad_request',
    /9999/,
  ],
  [
    'lowercase prefix',
    'POST',
    '/api/admin/fields',
    { ...field, numbering: numbering('m', 1, 10) },
    400,
    'bad_request',
    /tiền tố/,
  ],
  [
    'a string for a number',
    'POST',
    '/api/admin/fields',
    { ...field, numbering: { ...field.numbering, start: '1' } },
    400,
    'bad_request',
    /số nguyên/,
  ],
  [
    'an empty field edit',
    'PUT',
    '/api/admin/fields/can-cuoc',
    {},
    400,
    'bad_request',
    /ít nhất một thay đổi/,
  ],
  ['an edit of an unknown field', 'PUT', '/api/admin/fields/khong-co', { name: 'X' }, 404, 'unknown_field'],
  [
    'an edit overlapping another field',
    'PUT',
    '/api/admin/fields/cu-tru',
    { numbering: numbering('', 1999, 2999) },
    400,
    'range_overlap',
  ],
  ['a blank field name', 'PUT', '/api/admin/fields/cu-tru', { name: '   ' }, 400, 'bad_name'],
  [
    'procedure with a bad id',
    'POST',
    '/api/admin/procedures',
    { ...procedure, id: 'Thu Tuc' },
    400,
    'bad_request',
    /mã \(id\) sai định dạng/,
  ],
  [
    'procedure id too long',
    'POST',
    '/api/admin/procedures',
    { ...procedure, id: `a${'b'.repeat(64)}` },
    400,
    'bad_request',
  ],
  [
    'procedure with an unknown key',
    'POST',
    '/api/admin/procedures',
    { ...procedure, price: 0 },
    400,
    'bad_request',
    /price/,
  ],
  [
    'procedure numbering as text',
    'POST',
    '/api/admin/procedures',
    { ...procedure, numbering: 'A1-A9' },
    400,
    'bad_request',
  ],
  [
    'procedure of an unknown field',
    'POST',
    '/api/admin/procedures',
    { ...procedure, fieldId: 'khong-co' },
    404,
    'unknown_field',
  ],
  [
    'procedure id already taken',
    'POST',
    '/api/admin/procedures',
    { ...procedure, id: 'cu-tru-01' },
    409,
    'procedure_exists',
  ],
  [
    'procedure served by an unknown counter',
    'POST',
    '/api/admin/procedures',
    { ...procedure, counterIds: [1, 77] },
    404,
    'unknown_counter',
  ],
  [
    'procedure own series overlapping a field',
    'POST',
    '/api/admin/procedures',
    { ...procedure, numbering: numbering('', 2500, 2600) },
    400,
    'range_overlap',
    /Cư trú/,
  ],
  [
    'procedure edit overlapping a field',
    'PUT',
    '/api/admin/procedures/can-cuoc-01',
    { numbering: numbering('', 8999, 9100) },
    400,
    'range_overlap',
  ],
  [
    'procedure edit with a bad active flag',
    'PUT',
    '/api/admin/procedures/can-cuoc-01',
    { active: 'no' },
    400,
    'bad_request',
    /đúng\/sai/,
  ],
  [
    'procedure edit of an unknown id',
    'PUT',
    '/api/admin/procedures/khong-co',
    { active: false },
    404,
    'unknown_procedure',
  ],
  // counters
  [
    'counter number as text',
    'POST',
    '/api/admin/counters',
    { id: 'x', name: 'X', serves: [] },
    400,
    'bad_request',
  ],
  [
    'counter number already taken',
    'POST',
    '/api/admin/counters',
    { id: 1, name: 'X', serves: [] },
    409,
    'counter_exists',
  ],
  [
    'counter serving an unknown procedure',
    'POST',
    '/api/admin/counters',
    { id: 20, name: 'X', serves: [{ procedureId: 'khong-co', weight: 1 }] },
    404,
    'unknown_procedure',
  ],
  [
    'counter weight zero',
    'PUT',
    '/api/admin/counters/1',
    { serves: [{ procedureId: 'can-cuoc-01', weight: 0 }] },
    400,
    'bad_request',
    /hệ số/,
  ],
  [
    'counter serving one procedure twice',
    'PUT',
    '/api/admin/counters/1',
    {
      serves: [
        { procedureId: 'can-cuoc-01', weight: 1 },
        { procedureId: 'can-cuoc-01', weight: 2 },
      ],
    },
    400,
    'procedure_listed_twice',
  ],
  ['counter edit with an unknown key', 'PUT', '/api/admin/counters/1', { state: 'open' }, 400, 'bad_request'],
  ['removing an open counter', 'DELETE', '/api/admin/counters/1', undefined, 409, 'counter_not_closed'],
  ['removing an unknown counter', 'DELETE', '/api/admin/counters/99', undefined, 404, 'unknown_counter'],
  // accounts
  [
    'account with a bad username',
    'POST',
    '/api/admin/accounts',
    { username: 'Nguyễn A', displayName: 'A', role: 'officer' },
    400,
    'bad_request',
    /tên đăng nhập/,
  ],
  [
    'account with a short password',
    'POST',
    '/api/admin/accounts',
    { username: 'a', displayName: 'A', role: 'officer', password: 'short' },
    400,
    'bad_request',
    /ít nhất 8 ký tự/,
  ],
  [
    'account with an unknown role',
    'POST',
    '/api/admin/accounts',
    { username: 'a', displayName: 'A', role: 'root' },
    400,
    'bad_request',
    /vai trò/,
  ],
  [
    'account name already taken',
    'POST',
    '/api/admin/accounts',
    { username: 'officer-1', displayName: 'A', role: 'officer' },
    409,
    'account_exists',
  ],
  [
    'the last administrator demoting themself',
    'PUT',
    '/api/admin/accounts/admin',
    { role: 'officer' },
    409,
    'last_admin',
  ],
  [
    'the last administrator disabling themself',
    'PUT',
    '/api/admin/accounts/admin',
    { disabled: true },
    409,
    'last_admin',
  ],
  [
    'an edit of an unknown account',
    'PUT',
    '/api/admin/accounts/khong-co',
    { disabled: true },
    404,
    'unknown_account',
  ],
  [
    'a password edit with an unknown key',
    'POST',
    '/api/admin/accounts/officer-1/password',
    { passwd: 'x' },
    400,
    'bad_request',
  ],
  [
    'a new password of an unknown account',
    'POST',
    '/api/admin/accounts/khong-co/password',
    {},
    404,
    'unknown_account',
  ],
  // settings
  [
    'five rating levels',
    'PUT',
    '/api/admin/settings/rating-scale',
    { levels: 5 },
    400,
    'bad_request',
    /3, 4/,
  ],
  [
    'a priority cap of 11',
    'PUT',
    '/api/admin/settings/priority',
    { categories: [], cap: 11 },
    400,
    'bad_request',
    /10/,
  ],
  [
    'a priority category listed twice',
    'PUT',
    '/api/admin/settings/priority',
    {
      categories: [
        { id: 'a', name: 'A' },
        { id: 'a', name: 'B' },
      ],
      cap: 2,
    },
    400,
    'priority_listed_twice',
  ],
  [
    'opening after closing',
    'PUT',
    '/api/admin/settings/opening-hours',
    { days: { ...hours, mon: [{ open: '17:00', close: '07:30' }] } },
    400,
    'bad_hours',
  ],
  [
    'opening hours without Sunday',
    'PUT',
    '/api/admin/settings/opening-hours',
    { days: { ...hours, sun: undefined } },
    400,
    'bad_request',
    /sun/,
  ],
  [
    'a reset time of 24:00',
    'PUT',
    '/api/admin/settings/daily-reset',
    { time: '24:00' },
    400,
    'bad_request',
    /HH:MM/,
  ],
  [
    'four repeats of each call',
    'PUT',
    '/api/admin/settings/announcements',
    { repeat: 4, recallPrefix: true, zeroTens: 'linh', four: 'tư', thousand: 'nghìn' },
    400,
    'bad_request',
  ],
  // devices
  [
    'a device id with capitals',
    'POST',
    '/api/admin/devices',
    { id: 'Kiosk_01', role: 'kiosk' },
    400,
    'bad_request',
    /40 chữ/,
  ],
  [
    'a rating device without a counter',
    'POST',
    '/api/admin/devices',
    { id: 'rating-9', role: 'rating' },
    400,
    'device_counter_needed',
  ],
  [
    'a kiosk with a counter',
    'POST',
    '/api/admin/devices',
    { id: 'kiosk-9', role: 'kiosk', counterId: 1 },
    400,
    'device_counter_unused',
  ],
  [
    'a rating device of an unknown counter',
    'POST',
    '/api/admin/devices',
    { id: 'rating-9', role: 'rating', counterId: 99 },
    404,
    'unknown_counter',
  ],
  [
    'a device id already registered',
    'POST',
    '/api/admin/devices',
    { id: 'rating-3', role: 'rating', counterId: 3 },
    409,
    'device_exists',
  ],
  ['an unknown device role', 'POST', '/api/admin/devices', { id: 'tv-1', role: 'tv' }, 400, 'bad_request'],
  [
    'revoking an unknown device',
    'POST',
    '/api/admin/devices/khong-co/revoke',
    undefined,
    404,
    'unknown_device',
  ],
  ['an audit page of 0 rows', 'GET', '/api/admin/audit?limit=0', undefined, 400, 'bad_request'],
];

describe('bad input is refused with a clear message and changes nothing', () => {
  it.each(BAD)('%s', async (_name, method, path, body, status, code, text) => {
    const before = dump();
    const res = await admin(path, { method, body });
    const payload = (await res.json()) as { error: { code: string; message: string } };
    expect({ status: res.status, code: payload.error?.code }).toEqual({ status, code });
    expect(payload.error.message).toMatch(VIETNAMESE);
    expect(payload.error.message).not.toMatch(/must (be|have|NOT)|should/);
    if (text) expect(payload.error.message).toMatch(text);
    expect(dump()).toEqual(before);
  });

  it('refuses to remove a closed counter that still has a rating device', async () => {
    await admin('/api/counters/3/state', { method: 'POST', body: { state: 'closed' } });
    const before = dump();
    const res = await admin('/api/admin/counters/3', { method: 'DELETE' });
    expect(res.status).toBe(409);
    expect((await json(res)).error).toMatchObject({
      code: 'counter_has_device',
      message: expect.stringMatching(/rating-3/),
    });
    expect(dump()).toEqual(before);
  });
});

// ---------------------------------------------------------------- accepted changes

describe('catalogue and counters reach the live queue at once', () => {
  it('a new field and procedure: retained catalogue republished, a kiosk gets a ticket, a counter serves it', async () => {
    const ask = await kiosk('kiosk-a');
    const kioskClient = clients.at(-1)!;
    const current = nextMessage(kioskClient, topics.catalogue, 5000);
    await kioskClient.subscribeAsync(topics.catalogue, { qos: 1 });
    await current; // the retained catalogue of the start

    const updated = nextMessage(kioskClient, topics.catalogue, 5000);
    let res = await admin('/api/admin/fields', { method: 'POST', body: field });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: 'moi', position: 11, active: true });
    const retained = catalogueMessage.parse(JSON.parse((await updated).toString()));
    expect(retained.fields.at(-1)).toMatchObject({ id: 'moi', name: 'Lĩnh vực mới', procedures: [] });

    const again = nextMessage(kioskClient, topics.catalogue, 5000);
    res = await admin('/api/admin/procedures', {
      method: 'POST',
      body: { id: 'moi-01', fieldId: 'moi', name: 'Xác nhận thông tin cư trú', counterIds: [2] },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: 'moi-01', servedBy: [2], numbering: null });
    const withProcedure = catalogueMessage.parse(JSON.parse((await again).toString()));
    expect(withProcedure.fields.find((f) => f.id === 'moi')!.procedures).toEqual([
      { id: 'moi-01', name: 'Xác nhận thông tin cư trú' },
    ]);

    const answer = await ask('req-moi-1', 'moi-01');
    expect(answer.ok).toBe(true);
    const ticket = (answer as { data: IssuedTicket }).data;
    expect(ticket).toMatchObject({
      display: 'M1',
      procedureName: 'Xác nhận thông tin cư trú',
      fieldName: 'Lĩnh vực mới',
    });
    expect(ticket.counters.map((c) => c.id)).toEqual([2]);

    // the store has what memory has (a restart would load the same catalogue)
    expect(t.hub.service.store.loadCatalogue()).toEqual(t.hub.service.state.catalogue);
    expect(t.hub.service.store.loadCounters().get(2)).toEqual(t.hub.service.state.counters.get(2));

    // deactivated: the kiosk is refused at once
    res = await admin('/api/admin/procedures/moi-01', { method: 'PUT', body: { active: false } });
    expect(res.status).toBe(200);
    const refused = await ask('req-moi-2', 'moi-01');
    expect(refused).toMatchObject({ ok: false, error: { code: 'procedure_inactive' } });
    expect(t.hub.service.store.loadCatalogue()).toEqual(t.hub.service.state.catalogue);
  });

  it('adds, edits and removes a counter; the removed counter is gone from memory and store', async () => {
    let res = await admin('/api/admin/counters', {
      method: 'POST',
      body: { id: 12, name: 'Quầy 12', serves: [{ procedureId: 'cu-tru-01', weight: 2 }] },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      id: 12,
      state: 'closed',
      serves: [{ procedureId: 'cu-tru-01', weight: 2 }],
    });
    res = await admin('/api/admin/counters/12', { method: 'PUT', body: { name: 'Quầy tiếp dân' } });
    expect(await res.json()).toMatchObject({ name: 'Quầy tiếp dân' });
    expect(t.hub.service.store.loadCounters().get(12)?.name).toBe('Quầy tiếp dân');
    res = await admin('/api/admin/counters/12', { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(t.hub.service.state.counters.has(12)).toBe(false);
    expect(t.hub.service.store.loadCounters().has(12)).toBe(false);
  });

  it('priority rules and settings are stored, validated and served', async () => {
    let res = await admin('/api/admin/settings/priority', {
      method: 'PUT',
      body: { categories: [{ id: 'nguoi-cao-tuoi', name: 'Người cao tuổi' }], cap: 3 },
    });
    expect(res.status).toBe(200);
    expect(t.hub.service.state.settings.priorityCap).toBe(3);
    expect(t.hub.service.store.getSetting<{ priorityCap: number }>('queue')?.priorityCap).toBe(3);
    expect(t.hub.service.state.catalogue.priorityCategories).toEqual([
      { id: 'nguoi-cao-tuoi', name: 'Người cao tuổi' },
    ]);

    res = await admin('/api/admin/settings/announcements', {
      method: 'PUT',
      body: { repeat: 3, recallPrefix: false, zeroTens: 'lẻ', four: 'bốn', thousand: 'ngàn' },
    });
    expect(res.status).toBe(200);
    expect(await (await none('/api/settings/announcements')).json()).toEqual({
      repeat: 3,
      recallPrefix: false,
      zeroTens: 'lẻ',
      four: 'bốn',
      thousand: 'ngàn',
    });
    res = await admin('/api/admin/settings/rating-scale', { method: 'PUT', body: { levels: 4 } });
    const settings = await json(res);
    expect(settings.ratingScale.levels).toBe(4);
    expect(settings.ratingScale.scale.map((l: { name: string }) => l.name)).toContain('Bình thường');
    res = await admin('/api/admin/settings/daily-reset', { method: 'PUT', body: { time: '04:30' } });
    expect((await json(res)).dailyResetTime).toBe('04:30');
    res = await admin('/api/admin/settings/opening-hours', { method: 'PUT', body: { days: hours } });
    expect(res.status).toBe(200);
    expect(await (await none('/api/settings/opening-hours')).json()).toEqual(hours);
  });
});

describe('device credentials', () => {
  it('registers a device whose one-time token connects; revoking cuts it off and refuses it again', async () => {
    const res = await admin('/api/admin/devices', {
      method: 'POST',
      body: { id: 'speaker-7', role: 'speaker' },
    });
    expect(res.status).toBe(201);
    const { token, device } = (await res.json()) as { token: string; device: Record<string, unknown> };
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(device).toMatchObject({ id: 'speaker-7', role: 'speaker', online: false, revokedAt: null });
    // only a hash is stored
    const row = t.hub.db.prepare('SELECT token_hash FROM devices WHERE id = ?').get('speaker-7') as {
      token_hash: string;
    };
    expect(row.token_hash).not.toContain(token);
    expect(JSON.stringify(await (await admin('/api/admin/devices')).json())).not.toContain(token);

    const speaker = await connectDevice(t.mqttUrl, 'speaker-7', token);
    clients.push(speaker);
    const list = (await (await admin('/api/admin/devices')).json()) as { id: string; online: boolean }[];
    expect(list.find((d) => d.id === 'speaker-7')).toMatchObject({ online: true });

    const closed = new Promise<void>((resolve) => speaker.once('close', () => resolve()));
    const revoked = await admin('/api/admin/devices/speaker-7/revoke', { method: 'POST' });
    expect(revoked.status).toBe(200);
    expect((await json(revoked)).device).toMatchObject({ online: false, revokedAt: expect.any(Number) });
    await closed; // the open connection is cut at once
    await expect(connectDevice(t.mqttUrl, 'speaker-7', token)).rejects.toThrow();

    const before = dump();
    const twice = await admin('/api/admin/devices/speaker-7/revoke', { method: 'POST' });
    expect(twice.status).toBe(409);
    expect(dump()).toEqual(before);
  });

  it('gives a device a new credential only when asked, and the old one stops working', async () => {
    const created = await admin('/api/admin/devices', {
      method: 'POST',
      body: { id: 'kiosk-7', role: 'kiosk' },
    });
    const first = (await json(created)).token as string;
    const old = await connectDevice(t.mqttUrl, 'kiosk-7', first);
    clients.push(old);
    const closed = new Promise<void>((resolve) => old.once('close', () => resolve()));
    const res = await admin('/api/admin/devices', {
      method: 'POST',
      body: { id: 'kiosk-7', role: 'kiosk', replace: true },
    });
    expect(res.status).toBe(201);
    const second = (await json(res)).token as string;
    expect(second).not.toBe(first);
    await closed;
    await expect(connectDevice(t.mqttUrl, 'kiosk-7', first)).rejects.toThrow();
    clients.push(await connectDevice(t.mqttUrl, 'kiosk-7', second));
  });
});

describe('accounts', () => {
  it('creates an officer with a generated password shown once; never shows a hash', async () => {
    const res = await admin('/api/admin/accounts', {
      method: 'POST',
      body: { username: 'tran.b', displayName: 'Trần Thị B', role: 'officer' },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { account: { username: string }; password: string };
    expect(body.account).toEqual({
      username: 'tran.b',
      displayName: 'Trần Thị B',
      role: 'officer',
      createdAt: expect.any(Number),
      disabledAt: null,
    });
    expect(body.password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    await t.signIn('tran.b', body.password);
    const list = JSON.stringify(await (await admin('/api/admin/accounts')).json());
    expect(list).not.toMatch(/scrypt|password/i);
  });

  it('disabling an account ends its session at once and refuses its sign-in', async () => {
    const password = 'mat-khau-cua-le-c';
    await admin('/api/admin/accounts', {
      method: 'POST',
      body: { username: 'le.c', displayName: 'Lê C', role: 'officer', password },
    });
    const session = t.as(await t.signIn('le.c', password));
    expect((await session('/api/session')).status).toBe(200);
    const res = await admin('/api/admin/accounts/le.c', { method: 'PUT', body: { disabled: true } });
    expect(res.status).toBe(200);
    expect((await json(res)).disabledAt).toEqual(expect.any(Number));
    expect((await session('/api/session')).status).toBe(401);
    await expect(t.signIn('le.c', password)).rejects.toThrow(/401/);
    await admin('/api/admin/accounts/le.c', { method: 'PUT', body: { disabled: false } });
    await t.signIn('le.c', password);
  });

  it('a new password ends the sessions of the account; the old password no longer works', async () => {
    const password = 'mat-khau-cu-12345';
    await admin('/api/admin/accounts', {
      method: 'POST',
      body: { username: 'pham.d', displayName: 'Phạm D', role: 'officer', password },
    });
    const session = t.as(await t.signIn('pham.d', password));
    const res = await admin('/api/admin/accounts/pham.d/password', { method: 'POST', body: {} });
    const { password: fresh } = (await res.json()) as { password: string };
    expect((await session('/api/session')).status).toBe(401);
    await expect(t.signIn('pham.d', password)).rejects.toThrow(/401/);
    await t.signIn('pham.d', fresh);
  });

  it('with a second administrator, one may step down', async () => {
    await admin('/api/admin/accounts', {
      method: 'POST',
      body: { username: 'admin2', displayName: 'Quản trị 2', role: 'admin', password: 'admin2-password' },
    });
    const second = t.as(await t.signIn('admin2', 'admin2-password'));
    const res = await second('/api/admin/accounts/admin2', { method: 'PUT', body: { role: 'officer' } });
    expect(res.status).toBe(200);
    expect((await second('/api/admin/accounts')).status).toBe(401); // role changed: signed out
    // and now admin is the last one again
    expect(
      (await admin('/api/admin/accounts/admin', { method: 'PUT', body: { disabled: true } })).status,
    ).toBe(409);
  });
});

describe('audit log', () => {
  it('records each administration change (no secrets) and pages through it', async () => {
    const first = (await (await admin('/api/admin/audit?limit=5')).json()) as {
      entries: { id: number; action: string; username: string; detail: unknown }[];
      next: number | null;
    };
    expect(first.entries).toHaveLength(5);
    expect(first.next).toBe(first.entries.at(-1)!.id);
    const second = (await (
      await admin(`/api/admin/audit?limit=5&before=${first.next}`)
    ).json()) as typeof first;
    expect(second.entries[0]!.id).toBeLessThan(first.next!);
    const all = (await (await admin('/api/admin/audit?limit=500')).json()) as typeof first;
    const actions = all.entries.map((e) => e.action);
    for (const action of [
      'field-add',
      'procedure-add',
      'procedure-edit',
      'counter-add',
      'counter-edit',
      'counter-remove',
      'account-add',
      'account-edit',
      'account-password',
      'settings-priority',
      'settings-announcements',
      'settings-rating-scale',
      'settings-daily-reset',
      'settings-opening-hours',
      'device-add',
      'device-revoke',
    ]) {
      expect(actions).toContain(action);
    }
    expect(
      all.entries
        .filter((e) => e.action !== 'sign-in')
        .every((e) => e.username === 'admin' || e.username === 'admin2'),
    ).toBe(true);
    expect(JSON.stringify(all)).not.toMatch(/mat-khau|admin2-password/);
  });
});

describe('daily reset time', () => {
  it('a stored reset time overrides the hub config, and moving it later never takes the office back a day', async () => {
    const { serviceDateOf } = await import('../../hub/queue/service-date.js');
    const { tempDir } = await import('../helpers/hub.js');
    const dir = tempDir();
    const zone = 'Asia/Ho_Chi_Minh';
    try {
      let hub = await startTestHub({ dataDir: dir.path });
      const byConfig = serviceDateOf(Date.now(), zone, '00:00');
      expect(hub.hub.service.state.serviceDate).toBe(byConfig);
      // A reset time later than now (local): today's line is still yesterday's service day.
      const later = ['23:59', '18:00', '12:00', '06:00'].find(
        (time) => serviceDateOf(Date.now(), zone, time) !== byConfig,
      );
      const cookie = await hub.signIn('admin', hub.hub.initialAdminPassword!);
      const res = await hub.as(cookie)('/api/admin/settings/daily-reset', {
        method: 'PUT',
        body: { time: later ?? '23:59' },
      });
      expect(res.status).toBe(200);
      await hub.stop();

      // Restart: the office stays on its current day rather than going back.
      hub = await startTestHub({ dataDir: dir.path });
      expect(hub.hub.service.state.serviceDate).toBe(byConfig);
      await hub.stop();

      // From two days ago, the next reset lands on the day the stored time gives.
      const db = (await import('../../hub/store/db.js')).openDb(dir.path);
      db.prepare("UPDATE settings SET value = '\"2000-01-01\"' WHERE key = 'serviceDate'").run();
      db.close();
      hub = await startTestHub({ dataDir: dir.path });
      expect(hub.hub.service.state.serviceDate).toBe(serviceDateOf(Date.now(), zone, later ?? '23:59'));
      if (later) expect(hub.hub.service.state.serviceDate).not.toBe(byConfig);
      await hub.stop();
    } finally {
      dir.remove();
    }
  });
});
