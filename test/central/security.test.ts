// The central broker's doors (Mosquitto with the shipped configuration) and
// the province pages' sign-in (the hub's own rules): an office publishes only
// as itself, nobody gets in without a password or over plain TCP, and the
// province accounts are guarded like the hub's.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Central } from '../../central/app.js';
import { hashPassword } from '../../hub/auth/passwords.js';
import { CENTRAL_PROTOCOL_VERSION, centralTopics } from '../../shared/protocol/central.js';
import { centreHolds, simulatedOffice, startTestCentral, ticketIssued } from '../helpers/central.js';
import { tempDir } from '../helpers/hub.js';
import { makeCertificates, startMosquitto, type TestMosquitto } from '../helpers/mosquitto.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let broker: TestMosquitto;
let postgres: TestPostgres;
let central: Central;

beforeAll(async () => {
  [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
  central = await startTestCentral(broker, await postgres.createDatabase('security'));
}, 60_000);

afterAll(async () => {
  await central?.stop();
  await broker?.remove();
  await postgres?.remove();
});

function connect(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
    c.once('connect', () => resolve(c));
    c.once('error', (e) => {
      c.end(true);
      reject(e);
    });
    c.once('close', () => reject(new Error('closed')));
  });
}

const batch = (office: string, seq: number) =>
  JSON.stringify({
    v: CENTRAL_PROTOCOL_VERSION,
    office,
    events: [{ seq, id: `forged-${office}-${seq}`, at: Date.now(), data: ticketIssued(office, Date.now()) }],
  });

describe('central broker', () => {
  test('an office cannot publish as another office, nor read its acknowledgements', async () => {
    const victim = await simulatedOffice(broker, 'victim');
    victim.issue(5);
    await vi.waitFor(() => expect(victim.outbox.state().ackedSeq).toBe(5), { timeout: 15_000 });
    const password = broker.addOffice('intruder');
    const intruder = await vi.waitFor(
      () => connect(broker.tlsUrl, { username: 'intruder', password, ca: broker.ca, clientId: 'intruder' }),
      { timeout: 10_000 },
    );
    // Under the victim's prefix: the broker drops it (MQTT 3.1.1 has no refusal code for a publish).
    await intruder.publishAsync(centralTopics.events('victim'), batch('victim', 6), { qos: 1 });
    // Its own prefix, naming the victim in the payload: the central service refuses it.
    await intruder.publishAsync(centralTopics.events('intruder'), batch('victim', 6), { qos: 1 });
    // A forged acknowledgement for the victim would make it forget events: not allowed either.
    await intruder.publishAsync(centralTopics.ack('victim'), JSON.stringify({ v: 1, seq: 1000 }), { qos: 1 });
    // Mosquitto checks reading at delivery: the subscription is granted but carries nothing of the victim.
    const overheard: string[] = [];
    intruder.on('message', (topic) => overheard.push(topic));
    await intruder.subscribeAsync(centralTopics.ack('victim'), { qos: 1 });
    // And its own, rightful batch goes through: the broker and centre work for it.
    await intruder.publishAsync(centralTopics.events('intruder'), batch('intruder', 1), { qos: 1 });
    await vi.waitFor(async () => expect((await centreHolds(central.pool, 'intruder')).acked).toBe(1), {
      timeout: 10_000,
    });
    expect(await centreHolds(central.pool, 'victim')).toEqual({
      events: 5,
      distinctSeqs: 5,
      distinctIds: 5,
      maxSeq: 5,
      acked: 5,
    });
    expect(victim.outbox.state().ackedSeq).toBe(5);
    victim.issue(1);
    await vi.waitFor(() => expect(victim.outbox.state().ackedSeq).toBe(6), { timeout: 15_000 });
    expect(overheard).toEqual([]);
    expect(central.consumer.stats.refused).toBeGreaterThanOrEqual(1);
    await intruder.endAsync();
    await victim.stop();
  });

  test('no anonymous client, no wrong password, no plain TCP, no broker with another CA', async () => {
    const password = broker.addOffice('door-test');
    await expect(connect(broker.tlsUrl, { ca: broker.ca, clientId: 'anon' })).rejects.toThrow();
    await expect(
      connect(broker.tlsUrl, { username: 'door-test', password: 'wrong', ca: broker.ca, clientId: 'wrong' }),
    ).rejects.toThrow();
    await expect(
      connect(`mqtt://127.0.0.1:${broker.tlsPort}`, { username: 'door-test', password, clientId: 'plain' }),
    ).rejects.toThrow();
    // An office that trusts another CA refuses this broker (no man in the middle).
    const other = tempDir('qms-other-ca-');
    makeCertificates(other.path);
    await expect(
      connect(broker.tlsUrl, {
        username: 'door-test',
        password,
        ca: readFileSync(join(other.path, 'ca.crt')),
        clientId: 'other-ca',
      }),
    ).rejects.toThrow();
    other.remove();
    const ok = await vi.waitFor(
      () => connect(broker.tlsUrl, { username: 'door-test', password, ca: broker.ca, clientId: 'door-ok' }),
      { timeout: 10_000 },
    );
    await ok.endAsync();
  });
});

describe('province sign-in', () => {
  const url = () => `http://127.0.0.1:${central.httpPort}`;

  test('pages and API need a province account; the session cookie is HttpOnly and SameSite', async () => {
    expect((await fetch(`${url()}/api/offices`)).status).toBe(401);
    await central.accounts.create(
      {
        username: 'province-1',
        displayName: 'Lãnh đạo',
        role: 'officer',
        passwordHash: await hashPassword('pw-province-1'),
      },
      Date.now(),
    );
    const res = await fetch(`${url()}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'province-1', password: 'pw-province-1' }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^qms_central_session=/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const offices = await fetch(`${url()}/api/offices`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(offices.status).toBe(200);
    // A sign-out from another site is refused.
    const cross = await fetch(`${url()}/api/session`, {
      method: 'DELETE',
      headers: {
        cookie: cookie.split(';')[0]!,
        origin: 'http://evil.example',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(cross.status).toBe(403);
  });

  test('guessing passwords is slowed down', async () => {
    let last = 0;
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${url()}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: `guess-${i}` }),
      });
      last = res.status;
    }
    expect(last).toBe(429);
  });
});
