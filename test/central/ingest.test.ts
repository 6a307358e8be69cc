import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { Central } from '../../central/app.js';
import { centreHolds, simulatedOffice, startTestCentral } from '../helpers/central.js';
import { startMosquitto, type TestMosquitto } from '../helpers/mosquitto.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let broker: TestMosquitto;
let postgres: TestPostgres;
let central: Central;

beforeAll(async () => {
  [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
  central = await startTestCentral(broker, await postgres.createDatabase('smoke'));
}, 60_000);

afterAll(async () => {
  await central?.stop();
  await broker?.remove();
  await postgres?.remove();
});

test('a simulated office reaches PostgreSQL and is acknowledged', async () => {
  const office = await simulatedOffice(broker, 'office-a');
  office.issue(500);
  await vi.waitFor(
    async () => {
      expect(office.outbox.state().ackedSeq).toBe(500);
    },
    { timeout: 20_000, interval: 200 },
  );
  const holds = await centreHolds(central.pool, 'office-a');
  expect(holds).toEqual({ events: 500, distinctSeqs: 500, distinctIds: 500, maxSeq: 500, acked: 500 });
  expect(office.outbox.stats().pending).toBe(0);
  await office.stop();
}, 60_000);

test('an outbox that filled while the link was down: the centre counts the dropped numbers as lost and goes on', async () => {
  const office = await simulatedOffice(broker, 'office-full', { maxEvents: 100 });
  office.issue(10);
  await vi.waitFor(() => expect(office.outbox.state().ackedSeq).toBe(10), { timeout: 20_000, interval: 100 });
  office.proxy.down();
  office.proxy.cut();
  office.issue(300);
  expect(office.outbox.stats()).toMatchObject({ pending: 100, droppedThrough: 210 });
  office.proxy.up();
  await vi.waitFor(() => expect(office.outbox.state().ackedSeq).toBe(310), {
    timeout: 30_000,
    interval: 200,
  });
  expect(await centreHolds(central.pool, 'office-full')).toEqual({
    events: 110,
    distinctSeqs: 110,
    distinctIds: 110,
    maxSeq: 310,
    acked: 310,
  });
  const { rows } = await central.pool.query("SELECT lost_events FROM offices WHERE id = 'office-full'");
  expect(Number(rows[0].lost_events)).toBe(200);
  await office.stop();
}, 60_000);

test('a centre whose store was replaced: the events it acknowledged before count as lost, and the office goes on', async () => {
  const office = await simulatedOffice(broker, 'office-replaced');
  office.issue(20);
  await vi.waitFor(() => expect(office.outbox.state().ackedSeq).toBe(20), { timeout: 20_000, interval: 100 });
  // The centre loses everything it had of this office.
  await central.pool.query("DELETE FROM events WHERE office_id = 'office-replaced'");
  await central.pool.query("DELETE FROM offices WHERE id = 'office-replaced'");
  office.issue(5);
  await vi.waitFor(() => expect(office.outbox.state().ackedSeq).toBe(25), { timeout: 20_000, interval: 100 });
  expect(await centreHolds(central.pool, 'office-replaced')).toMatchObject({ events: 5, acked: 25 });
  const { rows } = await central.pool.query("SELECT lost_events FROM offices WHERE id = 'office-replaced'");
  expect(Number(rows[0].lost_events)).toBe(20);
  await office.stop();
}, 60_000);
