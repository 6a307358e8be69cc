// The hub's MQTT broker as an attacker or a confused device sees it: who may
// connect, publish and subscribe, checked with mqtt.js and with Debian's
// mosquitto clients (-V mqttv311) as an independent second implementation.
//
// MQTT 3.1.1 has no negative PUBACK: aedes answers an unauthorized PUBLISH by
// closing the connection, and an unauthorized SUBSCRIBE with granted QoS 128.
// "Nothing got through" is proven without sleeping: after the refusal the hub
// publishes a marker on the same topic, and the marker must be the first
// thing the subscriber sees (a broker keeps the order of one subscription).

import { type ChildProcess, execFile } from 'node:child_process';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  counterStateMessage,
  type DeviceStatus,
  issuedTicket,
  reply,
} from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { connectDevice, nextMessage, startTestHub, type TestHub } from '../helpers/hub.js';

interface Run {
  /** Exit code, or null if the process was killed. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

const PROCEDURE = 'can-cuoc-01';

let testHub: TestHub;
const clients: MqttClient[] = [];
const children = new Set<ChildProcess>();

beforeEach(async () => {
  testHub = await startTestHub();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.end(true);
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  await testHub.stop();
});

// ---------------------------------------------------------------- helpers

/** Run a mosquitto client; `onStdout` sees its output as it comes. */
function mosquitto(
  tool: 'mosquitto_sub' | 'mosquitto_pub',
  args: string[],
  onStdout?: (text: string) => void,
): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(tool, args, { timeout: 8_000 }, (error, stdout, stderr) => {
      children.delete(child);
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, signal: error?.signal ?? null, stdout, stderr, ms: Date.now() - started });
    });
    children.add(child);
    if (onStdout) child.stdout?.on('data', (chunk: Buffer | string) => onStdout(chunk.toString()));
  });
}

/** Host, port and protocol; with `id` and `password`, the device's credentials too. */
function mqttArgs(id?: string, password?: string): string[] {
  const args = ['-V', 'mqttv311', '-h', '127.0.0.1', '-p', String(testHub.hub.mqttPort)];
  if (id !== undefined) args.push('-i', id);
  if (password !== undefined) args.push('-u', id ?? '', '-P', password);
  return args;
}

async function open(id: string, password: string, extra: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = await connectDevice(testHub.mqttUrl, id, password, extra);
  clients.push(client);
  return client;
}

/** Every message a client receives from now on. */
function record(client: MqttClient): Received[] {
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) =>
    received.push({ topic, payload: payload.toString(), retain: packet.retain }),
  );
  return received;
}

/** Resolves when the client's connection closes; rejects after `ms`. */
function closed(client: MqttClient, ms = 3_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connection still open after ${ms} ms`)), ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Publish something the broker must refuse; resolves once the broker cut the device off. */
async function publishRefused(
  client: MqttClient,
  deviceId: string,
  topic: string,
  payload: string,
  options: mqtt.IClientPublishOptions = { qos: 1 },
): Promise<void> {
  expect(testHub.hub.broker.connectedDevices()).toContain(deviceId);
  const gone = closed(client);
  client.publish(topic, payload, options, () => {});
  await gone;
  expect(client.connected).toBe(false);
  await vi.waitFor(() => expect(testHub.hub.broker.connectedDevices()).not.toContain(deviceId), {
    timeout: 15_000,
  });
}

/** The granted QoS of a SUBSCRIBE (128 = refused), without throwing on refusal. */
async function grantedQos(client: MqttClient, filters: string[], qos: 0 | 1 = 1): Promise<number[]> {
  return new Promise((resolve) => {
    client.subscribe(filters, { qos }, (error, _granted, packet) => {
      const suback = (error as (Error & { packet?: { granted?: number[] } }) | null)?.packet ?? packet;
      resolve([...((suback as { granted?: number[] } | undefined)?.granted ?? [])]);
    });
  });
}

/** Have the hub publish a marker on `topic` and wait for it at `client`. */
async function sendMarker(client: MqttClient, topic: string): Promise<string> {
  const marker = JSON.stringify({ v: 1, marker: `m-${Math.random().toString(36).slice(2)}` });
  const arrived = nextMessage(client, topic);
  await testHub.hub.broker.publish(topic, marker, { qos: 1 });
  expect((await arrived).toString()).toBe(marker);
  return marker;
}

/** Payloads the broker keeps retained on `topic`. */
async function retainedPayloads(topic: string): Promise<string[]> {
  // aedes keeps retained messages in its (untyped) persistence.
  const { persistence } = testHub.hub.broker.aedes as unknown as {
    persistence: { createRetainedStream(pattern: string): AsyncIterable<{ payload: Buffer }> };
  };
  const out: string[] = [];
  for await (const packet of persistence.createRetainedStream(topic)) out.push(packet.payload.toString());
  return out;
}

/** Issue a ticket from a kiosk over MQTT and return it. */
async function issueTicket(kiosk: MqttClient, kioskId: string, requestId: string) {
  const replyTopic = topics.deviceReply(kioskId);
  expect(await grantedQos(kiosk, [replyTopic])).toEqual([1]);
  const answer = nextMessage(kiosk, replyTopic);
  await kiosk.publishAsync(
    topics.deviceRequest(kioskId, 'issue-ticket'),
    JSON.stringify({ v: 1, requestId, procedureId: PROCEDURE }),
    { qos: 1 },
  );
  const decoded = reply.parse(JSON.parse((await answer).toString()));
  if (!decoded.ok) throw new Error(`ticket refused: ${decoded.error.code}`);
  expect(decoded.requestId).toBe(requestId);
  return issuedTicket.parse(decoded.data);
}

function fakeAnnouncement(): string {
  return JSON.stringify({
    v: 1,
    callId: 'fake-call',
    ticketId: 'fake-ticket',
    display: '6666',
    number: 6666,
    prefix: '',
    counterId: 1,
    counterName: 'Quầy 1',
    recall: false,
    at: Date.now(),
  });
}

function status(deviceId: string, role: DeviceStatus['role'], state: 'online' | 'offline'): DeviceStatus {
  return { v: 1, deviceId, role, state, version: '0.1.0', at: Date.now() };
}

const BAD_CREDENTIALS = /^Connection error: Connection Refused: bad user name or password\.\n$/;

// ---------------------------------------------------------------- connecting

describe('who may connect', () => {
  it('refuses an anonymous mqtt.js client (no username, no password)', async () => {
    testHub.addDevice('kiosk-01', 'kiosk');
    const client = mqtt.connect(testHub.mqttUrl, {
      protocolVersion: 4,
      clientId: 'kiosk-01',
      reconnectPeriod: 0,
      connectTimeout: 3_000,
    });
    clients.push(client);
    const error = await new Promise<Error & { code?: number }>((resolve, reject) => {
      client.once('connect', () => reject(new Error('anonymous client was accepted')));
      client.once('error', resolve);
    });
    expect(error.code).toBe(4); // CONNACK: bad user name or password
    expect(client.connected).toBe(false);
    expect(testHub.hub.broker.connectedDevices()).toEqual([]);
    expect(testHub.hub.metrics.get('mqtt_auth_refused')).toBe(1);
  });

  it('refuses an anonymous mosquitto_sub (no -u/-P), even with a registered client id', async () => {
    testHub.addDevice('kiosk-01', 'kiosk');
    const run = await mosquitto('mosquitto_sub', [
      ...mqttArgs('kiosk-01'),
      ...['-t', topics.hubStatus, '-C', '1', '-W', '30'],
    ]);
    expect(run.code).toBe(4); // mosquitto_sub exits with the CONNACK return code
    expect(run.stderr).toMatch(BAD_CREDENTIALS);
    expect(run.stdout).toBe(''); // not even the retained hub status
    expect(testHub.hub.metrics.get('mqtt_auth_refused')).toBe(1);
  });

  it("refuses a wrong password, even another device's valid one", async () => {
    testHub.addDevice('kiosk-01', 'kiosk');
    const otherPassword = testHub.addDevice('kiosk-02', 'kiosk');
    await expect(connectDevice(testHub.mqttUrl, 'kiosk-01', otherPassword)).rejects.toMatchObject({
      code: 4,
    });
    const run = await mosquitto('mosquitto_sub', [
      ...mqttArgs('kiosk-01', 'not-the-password'),
      ...['-t', topics.hubStatus, '-C', '1', '-W', '30'],
    ]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(BAD_CREDENTIALS);
    expect(run.stdout).toBe('');
    expect(testHub.hub.broker.connectedDevices()).toEqual([]);
    expect(testHub.hub.metrics.get('mqtt_auth_refused')).toBe(2);
  });

  it('refuses an unknown device', async () => {
    testHub.addDevice('kiosk-01', 'kiosk');
    await expect(connectDevice(testHub.mqttUrl, 'kiosk-99', 'whatever-token')).rejects.toMatchObject({
      code: 4,
    });
    const run = await mosquitto('mosquitto_sub', [
      ...mqttArgs('kiosk-99', 'whatever-token'),
      ...['-t', topics.hubStatus, '-C', '1', '-W', '30'],
    ]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(BAD_CREDENTIALS);
    expect(testHub.hub.broker.connectedDevices()).toEqual([]);
    expect(testHub.hub.metrics.get('mqtt_auth_refused')).toBe(2);
  });

  it("refuses a client id other than the username: no takeover of another device's session", async () => {
    const password1 = testHub.addDevice('kiosk-01', 'kiosk');
    const password2 = testHub.addDevice('kiosk-02', 'kiosk');
    const victim = await open('kiosk-02', password2);
    let victimClosed = false;
    victim.on('close', () => {
      victimClosed = true;
    });

    // kiosk-01's valid credentials, kiosk-02's client id.
    await expect(
      connectDevice(testHub.mqttUrl, 'kiosk-02', password1, { username: 'kiosk-01' }),
    ).rejects.toMatchObject({ code: 2 }); // CONNACK: identifier rejected
    const run = await mosquitto('mosquitto_sub', [
      ...['-V', 'mqttv311', '-h', '127.0.0.1', '-p', String(testHub.hub.mqttPort)],
      ...['-i', 'kiosk-02', '-u', 'kiosk-01', '-P', password1],
      ...['-t', topics.hubStatus, '-C', '1', '-W', '30'],
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('Connection error: Connection Refused: identifier rejected.\n');
    expect(run.stdout).toBe('');
    expect(testHub.hub.metrics.get('mqtt_auth_refused')).toBe(2);

    // The real kiosk-02 was not kicked out and still works.
    expect(victimClosed).toBe(false);
    expect(testHub.hub.broker.connectedDevices()).toEqual(['kiosk-02']);
    const ticket = await issueTicket(victim, 'kiosk-02', 'after-takeover-attempt');
    expect(ticket.procedureId).toBe(PROCEDURE);
    expect(victimClosed).toBe(false);
  });

  it('lets a technician act as a device by hand: mosquitto_sub as "<id>:sub" gets the reply to mosquitto_pub', async () => {
    const password = testHub.addDevice('kiosk-01', 'kiosk');
    // A side client must carry the device id and a colon: "kiosk-01x" is not kiosk-01.
    await expect(
      connectDevice(testHub.mqttUrl, 'kiosk-01x', password, { username: 'kiosk-01' }),
    ).rejects.toMatchObject({ code: 2 });
    // mosquitto_sub's output is buffered in a pipe: learn from the broker when it subscribed.
    const subscribed = new Promise<void>((resolve) => {
      testHub.hub.broker.aedes.on('subscribe', (_subs, client) => {
        if (client.id === 'kiosk-01:sub') resolve();
      });
    });
    // No -W: mosquitto's alarm-based time-out misfires under the test runner; execFile's time-out bounds it.
    const sub = mosquitto('mosquitto_sub', [
      ...['-V', 'mqttv311', '-h', '127.0.0.1', '-p', String(testHub.hub.mqttPort)],
      ...['-i', 'kiosk-01:sub', '-u', 'kiosk-01', '-P', password],
      ...['-t', topics.deviceReply('kiosk-01'), '-C', '1'],
    ]);
    await subscribed;
    const pub = await mosquitto('mosquitto_pub', [
      ...['-V', 'mqttv311', '-h', '127.0.0.1', '-p', String(testHub.hub.mqttPort)],
      ...['-i', 'kiosk-01:pub', '-u', 'kiosk-01', '-P', password, '-q', '1'],
      ...['-t', topics.deviceRequest('kiosk-01', 'issue-ticket')],
      ...['-m', JSON.stringify({ v: 1, requestId: 'by-hand', procedureId: PROCEDURE })],
    ]);
    expect(pub.code).toBe(0);
    const run = await sub;
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: true,
      requestId: 'by-hand',
      data: { display: '1001', procedureId: PROCEDURE },
    });
  });

  it('refuses a revoked device; broker.disconnect() cuts its open session', async () => {
    const password = testHub.addDevice('kiosk-01', 'kiosk');
    const client = await open('kiosk-01', password); // the credential works...
    expect(testHub.hub.devices.revoke('kiosk-01', Date.now())).toBe(true);
    // Revoking in the store alone does not touch the open session; the broker must be told.
    expect(testHub.hub.broker.connectedDevices()).toEqual(['kiosk-01']);
    const gone = closed(client);
    testHub.hub.broker.disconnect('kiosk-01');
    await gone;

    await expect(connectDevice(testHub.mqttUrl, 'kiosk-01', password)).rejects.toMatchObject({ code: 4 });
    const run = await mosquitto('mosquitto_sub', [
      ...mqttArgs('kiosk-01', password),
      ...['-t', topics.hubStatus, '-C', '1', '-W', '30'],
    ]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(BAD_CREDENTIALS);
    expect(run.stdout).toBe('');
    expect(testHub.hub.broker.connectedDevices()).toEqual([]);
    expect(testHub.hub.metrics.get('mqtt_auth_refused')).toBe(2);
  });
});

// ---------------------------------------------------------------- publishing

describe('what a device may publish', () => {
  it("disconnects a kiosk publishing on another kiosk's request topic; no ticket is issued", async () => {
    const password1 = testHub.addDevice('kiosk-01', 'kiosk');
    const password2 = testHub.addDevice('kiosk-02', 'kiosk');
    const attacker = await open('kiosk-01', password1);
    const victim = await open('kiosk-02', password2);
    const seen = record(victim);
    expect(await grantedQos(victim, [topics.deviceReply('kiosk-02')])).toEqual([1]);

    await publishRefused(
      attacker,
      'kiosk-01',
      topics.deviceRequest('kiosk-02', 'issue-ticket'),
      JSON.stringify({ v: 1, requestId: 'forged', procedureId: PROCEDURE }),
    );
    expect(testHub.hub.service.state.tickets.size).toBe(0);
    expect(testHub.hub.metrics.get('mqtt_publish_refused')).toBe(1);
    expect(testHub.hub.metrics.get('tickets_issued')).toBe(0);

    // kiosk-02's own request goes through, and its first reply is for it, not for the forgery.
    await issueTicket(victim, 'kiosk-02', 'own');
    expect(seen.map((m) => JSON.parse(m.payload).requestId)).toEqual(['own']);
    expect(testHub.hub.service.state.tickets.size).toBe(1);
  });

  it('disconnects a kiosk publishing an announcement; the speaker hears nothing', async () => {
    const kioskPassword = testHub.addDevice('kiosk-01', 'kiosk');
    const speakerPassword = testHub.addDevice('speaker-01', 'speaker');
    const speaker = await open('speaker-01', speakerPassword);
    const heard = record(speaker);
    expect(await grantedQos(speaker, [topics.announce])).toEqual([1]);

    const kiosk = await open('kiosk-01', kioskPassword);
    await publishRefused(kiosk, 'kiosk-01', topics.announce, fakeAnnouncement(), { qos: 1, retain: true });

    const marker = await sendMarker(speaker, topics.announce);
    expect(heard.map((m) => m.payload)).toEqual([marker]);
    expect(await retainedPayloads(topics.announce)).toEqual([]);
    expect(testHub.hub.metrics.get('mqtt_publish_refused')).toBe(1);
  });

  it('cuts off mosquitto_pub on a refused publish: QoS 1 exits 7 "connection lost", QoS 0 exits 0', async () => {
    const kioskPassword = testHub.addDevice('kiosk-01', 'kiosk');
    const speakerPassword = testHub.addDevice('speaker-01', 'speaker');
    const speaker = await open('speaker-01', speakerPassword);
    const heard = record(speaker);
    expect(await grantedQos(speaker, [topics.announce])).toEqual([1]);

    const qos1 = await mosquitto('mosquitto_pub', [
      ...mqttArgs('kiosk-01', kioskPassword),
      ...['-t', topics.announce, '-m', fakeAnnouncement(), '-q', '1'],
    ]);
    expect(qos1.code).toBe(7); // MOSQ_ERR_CONN_LOST: the PUBACK never came
    expect(qos1.stderr).toBe('Error: The connection was lost.\n');

    // At QoS 0 the client has sent and disconnected before the broker answers:
    // it cannot tell, which is why devices must publish requests at QoS 1.
    const qos0 = await mosquitto('mosquitto_pub', [
      ...mqttArgs('kiosk-01', kioskPassword),
      ...['-t', topics.announce, '-m', fakeAnnouncement(), '-q', '0'],
    ]);
    expect(qos0.code).toBe(0);
    expect(qos0.stderr).toBe('');
    await vi.waitFor(() => expect(testHub.hub.metrics.get('mqtt_publish_refused')).toBe(2), {
      timeout: 15_000,
    });

    const marker = await sendMarker(speaker, topics.announce);
    expect(heard.map((m) => m.payload)).toEqual([marker]);
  });

  it('disconnects a rating device that tries to issue a ticket on its own request topic', async () => {
    const password = testHub.addDevice('rating-01', 'rating', 1);
    const rating = await open('rating-01', password);
    await publishRefused(
      rating,
      'rating-01',
      `qms/device/rating-01/request/issue-ticket`,
      JSON.stringify({ v: 1, requestId: 'r1', procedureId: PROCEDURE }),
    );
    expect(testHub.hub.service.state.tickets.size).toBe(0);
    expect(testHub.hub.metrics.get('mqtt_publish_refused')).toBe(1);
    expect(testHub.hub.metrics.get('tickets_issued')).toBe(0);
  });

  it("disconnects a speaker publishing a counter's state; the retained state stays the hub's", async () => {
    const speakerPassword = testHub.addDevice('speaker-01', 'speaker');
    const watcherPassword = testHub.addDevice('rating-01', 'rating', 1);
    const checkerPassword = testHub.addDevice('rating-02', 'rating', 1);
    const watcher = await open('rating-01', watcherPassword);
    const seen = record(watcher);
    const retainedFirst = nextMessage(watcher, topics.counterState(1));
    expect(await grantedQos(watcher, [topics.counterState(1)])).toEqual([1]);
    const real = counterStateMessage.parse(JSON.parse((await retainedFirst).toString()));

    const speaker = await open('speaker-01', speakerPassword);
    const fake = { ...real, current: { ticketId: 'x', display: '6666', status: 'called', calledAt: 1 } };
    await publishRefused(speaker, 'speaker-01', topics.counterState(1), JSON.stringify(fake), {
      qos: 1,
      retain: true,
    });

    // A newcomer still gets the hub's state...
    const run = await mosquitto('mosquitto_sub', [
      ...mqttArgs('rating-02', checkerPassword),
      ...['-t', topics.counterState(1), '--retained-only', '-C', '1', '-W', '30'],
    ]);
    expect(run.code).toBe(0);
    expect(counterStateMessage.parse(JSON.parse(run.stdout))).toEqual(real);
    // ...and the subscriber saw the retained state, then nothing until the marker.
    const marker = await sendMarker(watcher, topics.counterState(1));
    expect(seen.map((m) => m.payload)).toEqual([JSON.stringify(real), marker]);
    expect(testHub.hub.metrics.get('mqtt_publish_refused')).toBe(1);
  });

  it('does not publish a last will outside the device topics; a will on its own status is kept', async () => {
    const password1 = testHub.addDevice('kiosk-01', 'kiosk');
    const password2 = testHub.addDevice('kiosk-02', 'kiosk');
    const speakerPassword = testHub.addDevice('speaker-01', 'speaker');
    const speaker = await open('speaker-01', speakerPassword);
    const heard = record(speaker);
    expect(await grantedQos(speaker, [topics.announce])).toEqual([1]);

    const offline = status('kiosk-02', 'kiosk', 'offline');
    const sneaky = await open('kiosk-01', password1, {
      will: { topic: topics.announce, payload: Buffer.from(fakeAnnouncement()), qos: 1, retain: true },
    });
    const honest = await open('kiosk-02', password2, {
      will: {
        topic: topics.deviceStatus('kiosk-02'),
        payload: Buffer.from(JSON.stringify(offline)),
        qos: 1,
        retain: true,
      },
    });
    // A will is only published when the connection dies without DISCONNECT.
    sneaky.stream.destroy();
    honest.stream.destroy();
    // An anonymous (refused) client's will must not go out either.
    const anonymous = mqtt.connect(testHub.mqttUrl, {
      protocolVersion: 4,
      clientId: 'kiosk-03',
      reconnectPeriod: 0,
      will: { topic: topics.announce, payload: Buffer.from(fakeAnnouncement()), qos: 1, retain: false },
    });
    clients.push(anonymous);
    anonymous.on('error', () => {});

    await vi.waitFor(() => expect(testHub.hub.devices.get('kiosk-02')?.status).toEqual(offline), {
      timeout: 15_000,
    });
    await vi.waitFor(
      () => {
        expect(testHub.hub.broker.connectedDevices()).toEqual(['speaker-01']);
        expect(testHub.hub.metrics.get('mqtt_publish_refused')).toBe(1);
        expect(testHub.hub.metrics.get('mqtt_auth_refused')).toBe(1);
      },
      { timeout: 15_000 },
    );
    expect(await retainedPayloads(topics.deviceStatus('kiosk-02'))).toEqual([JSON.stringify(offline)]);

    const marker = await sendMarker(speaker, topics.announce);
    expect(heard.map((m) => m.payload)).toEqual([marker]);
    expect(await retainedPayloads(topics.announce)).toEqual([]);
  });
});

// ---------------------------------------------------------------- subscribing

describe('what a device may subscribe to', () => {
  it("gives a kiosk a negative SUBACK for #, the announcements and another device's replies", async () => {
    const password1 = testHub.addDevice('kiosk-01', 'kiosk');
    const password2 = testHub.addDevice('kiosk-02', 'kiosk');
    const kiosk = await open('kiosk-01', password1);
    const seen = record(kiosk);

    expect(await grantedQos(kiosk, ['#'])).toEqual([128]);
    expect(await grantedQos(kiosk, [topics.announce])).toEqual([128]);
    expect(await grantedQos(kiosk, [topics.deviceReply('kiosk-02')])).toEqual([128]);
    expect(await grantedQos(kiosk, ['qms/device/+/reply'])).toEqual([128]);
    // In one SUBSCRIBE the allowed filter is granted and the others refused.
    const hubStatusArrives = nextMessage(kiosk, topics.hubStatus);
    expect(await grantedQos(kiosk, ['qms/#', topics.hubStatus, topics.counterState(1)])).toEqual([
      128, 1, 128,
    ]);
    await hubStatusArrives;
    expect(testHub.hub.metrics.get('mqtt_subscribe_refused')).toBe(6);

    // A negative SUBACK does not end the session...
    expect(kiosk.connected).toBe(true);
    expect(testHub.hub.broker.connectedDevices()).toContain('kiosk-01');
    // ...and nothing on the refused topics arrives: kiosk-02's reply, an announcement.
    const other = await open('kiosk-02', password2);
    await issueTicket(other, 'kiosk-02', 'k2-request');
    await testHub.hub.broker.publish(topics.announce, fakeAnnouncement(), { qos: 1 });
    await issueTicket(kiosk, 'kiosk-01', 'k1-request'); // its own reply comes after those
    expect(seen.map((m) => m.topic)).toEqual([topics.hubStatus, topics.deviceReply('kiosk-01')]);
  });

  it("gives a rating device a negative SUBACK for another counter's state and for all counters", async () => {
    const password = testHub.addDevice('rating-01', 'rating', 1);
    const rating = await open('rating-01', password);
    const seen = record(rating);
    expect(await grantedQos(rating, [topics.counterState(2)])).toEqual([128]);
    expect(await grantedQos(rating, [topics.counterStateAll])).toEqual([128]);
    expect(await grantedQos(rating, ['qms/hub/#'])).toEqual([128]);
    expect(await grantedQos(rating, [topics.deviceStatus('rating-01')])).toEqual([128]);
    const own = nextMessage(rating, topics.counterState(1));
    expect(await grantedQos(rating, [topics.counterState(1)])).toEqual([1]);
    expect(counterStateMessage.parse(JSON.parse((await own).toString())).counterId).toBe(1);
    // Counter 2's retained state was never delivered.
    expect(seen.map((m) => m.topic)).toEqual([topics.counterState(1)]);
    expect(testHub.hub.metrics.get('mqtt_subscribe_refused')).toBe(4);
  });

  it('makes mosquitto_sub print "All subscription requests were denied." (and exit 0)', async () => {
    const kioskPassword = testHub.addDevice('kiosk-01', 'kiosk');
    const ratingPassword = testHub.addDevice('rating-01', 'rating', 1);
    const cases: [string, string, string][] = [
      ['kiosk-01', kioskPassword, '#'],
      ['kiosk-01', kioskPassword, topics.announce],
      ['kiosk-01', kioskPassword, topics.deviceReply('kiosk-02')],
      ['rating-01', ratingPassword, topics.counterState(2)],
    ];
    for (const [id, password, filter] of cases) {
      const run = await mosquitto('mosquitto_sub', [
        ...mqttArgs(id, password),
        ...['-t', filter, '-C', '1', '-W', '30'],
      ]);
      // mosquitto 2.0.11 disconnects by itself and exits 0, not with an error code.
      expect({ filter, code: run.code, stderr: run.stderr, stdout: run.stdout }).toEqual({
        filter,
        code: 0,
        stderr: 'All subscription requests were denied.\n',
        stdout: '',
      });
      // The refusal ended it: a -W time-out would have exited 27 with "Timed out".
    }

    // With -d it shows the granted QoS of a partly refused SUBSCRIBE.
    const partly = await mosquitto('mosquitto_sub', [
      ...mqttArgs('kiosk-01', kioskPassword),
      ...['-d', '-q', '1', '-t', '#', '-t', topics.hubStatus, '-C', '1', '-W', '30'],
    ]);
    expect(partly.code).toBe(0);
    expect(partly.stderr).toBe('');
    expect(partly.stdout).toMatch(/^Subscribed \(mid: \d+\): 128, 1$/m);
    expect(partly.stdout).toContain('"state":"online"'); // the retained hub status
    expect(testHub.hub.metrics.get('mqtt_subscribe_refused')).toBe(5);
  });
});

// ---------------------------------------------------------------- retained state

describe('retained counter state', () => {
  it("delivers counter 1's retained state to its rating device, and the state after an officer's call", async () => {
    const ratingPassword = testHub.addDevice('rating-01', 'rating', 1);
    const kioskPassword = testHub.addDevice('kiosk-01', 'kiosk');
    const subArgs = [...mqttArgs('rating-01', ratingPassword), '-t', topics.counterState(1)];

    const before = await mosquitto('mosquitto_sub', [...subArgs, '--retained-only', '-C', '1', '-W', '30']);
    expect(before.code).toBe(0);
    expect(before.stderr).toBe('');
    // The retained message ended it (-C 1), not the -W time-out (exit 27, no output).
    const idle = counterStateMessage.parse(JSON.parse(before.stdout));
    expect(idle).toMatchObject({ counterId: 1, state: 'open', current: null });

    const kiosk = await open('kiosk-01', kioskPassword);
    const ticket = await issueTicket(kiosk, 'kiosk-01', 'r1');
    expect(testHub.hub.service.state.tickets.size).toBe(1);

    // A subscriber already listening gets the change live.
    let liveOutput = '';
    let signalReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      signalReady = resolve;
    });
    const live = mosquitto('mosquitto_sub', [...subArgs, '-C', '2', '-W', '30'], (text) => {
      liveOutput += text;
      if (liveOutput.includes('\n')) signalReady();
    });
    await ready; // the retained state arrived: it is subscribed

    const officer = testHub.as(await testHub.signIn('canbo', await testHub.addAccount('canbo', 'officer')));
    const response = await officer('/api/counters/1/call-next', { method: 'POST' });
    expect(response.status).toBe(200);

    const liveRun = await live;
    expect(liveRun.code).toBe(0);
    const [first, second] = liveRun.stdout
      .trim()
      .split('\n')
      .map((line) => counterStateMessage.parse(JSON.parse(line)));
    expect(first?.current).toBeNull();
    expect(second?.current).toMatchObject({
      ticketId: ticket.ticketId,
      display: ticket.display,
      status: 'called',
    });

    // A device connecting afterwards gets the new state as the retained message.
    const after = await mosquitto('mosquitto_sub', [...subArgs, '--retained-only', '-C', '1', '-W', '30']);
    expect(after.code).toBe(0);
    const called = counterStateMessage.parse(JSON.parse(after.stdout));
    expect(called.current?.display).toBe(ticket.display);
    expect(called.current).toMatchObject({ ticketId: ticket.ticketId, status: 'called' });
  });
});

// ---------------------------------------------------------------- device status

describe('device status', () => {
  it('refuses a status naming another device or the wrong role: disconnected, not recorded, not retained', async () => {
    const password = testHub.addDevice('kiosk-01', 'kiosk');
    testHub.addDevice('kiosk-02', 'kiosk');
    const statusTopic = topics.deviceStatus('kiosk-01');

    const first = await open('kiosk-01', password);
    await publishRefused(
      first,
      'kiosk-01',
      statusTopic,
      JSON.stringify(status('kiosk-02', 'kiosk', 'online')),
      {
        qos: 1,
        retain: true,
      },
    );
    const second = await open('kiosk-01', password);
    await publishRefused(
      second,
      'kiosk-01',
      statusTopic,
      JSON.stringify(status('kiosk-01', 'speaker', 'online')),
      {
        qos: 1,
        retain: true,
      },
    );
    const third = await open('kiosk-01', password);
    await publishRefused(third, 'kiosk-01', statusTopic, 'online', { qos: 1, retain: true });

    // And from mosquitto_pub, which sees the connection drop before its PUBACK.
    const run = await mosquitto('mosquitto_pub', [
      ...mqttArgs('kiosk-01', password),
      ...['-r', '-q', '1', '-t', statusTopic, '-m', JSON.stringify(status('kiosk-01', 'rating', 'online'))],
    ]);
    expect(run.code).toBe(7);
    expect(run.stderr).toBe('Error: The connection was lost.\n');

    expect(testHub.hub.devices.get('kiosk-01')?.status).toBeNull();
    expect(testHub.hub.devices.get('kiosk-02')?.status).toBeNull();
    expect(await retainedPayloads(statusTopic)).toEqual([]);
    expect(await retainedPayloads(topics.deviceStatus('kiosk-02'))).toEqual([]);
    expect(testHub.hub.metrics.get('mqtt_bad_status')).toBe(4);
  });

  it('records and retains a correct status; another device cannot read it', async () => {
    const password = testHub.addDevice('kiosk-01', 'kiosk');
    const otherPassword = testHub.addDevice('kiosk-02', 'kiosk');
    const statusTopic = topics.deviceStatus('kiosk-01');
    const online = { ...status('kiosk-01', 'kiosk', 'online'), printer: 'paper_near_end' as const };

    const run = await mosquitto('mosquitto_pub', [
      ...mqttArgs('kiosk-01', password),
      ...['-r', '-q', '1', '-t', statusTopic, '-m', JSON.stringify(online)],
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    await vi.waitFor(() => expect(testHub.hub.devices.get('kiosk-01')?.status).toEqual(online), {
      timeout: 15_000,
    });
    expect(await retainedPayloads(statusTopic)).toEqual([JSON.stringify(online)]);
    expect(testHub.hub.metrics.get('mqtt_bad_status')).toBe(0);
    expect(testHub.hub.metrics.get('mqtt_publish_refused')).toBe(0);

    const other = await open('kiosk-02', otherPassword);
    const seen = record(other);
    expect(await grantedQos(other, [statusTopic])).toEqual([128]);
    expect(await grantedQos(other, ['qms/device/+/status'])).toEqual([128]);
    expect(other.connected).toBe(true);
    expect(seen).toEqual([]);
  });
});

// ---------------------------------------------------------------- metrics and log

describe('metrics and log of refusals', () => {
  it('counts every refusal, logs it, and never logs a password', async () => {
    const kioskPassword = testHub.addDevice('kiosk-01', 'kiosk');
    const otherPassword = testHub.addDevice('kiosk-02', 'kiosk');
    const ratingPassword = testHub.addDevice('rating-01', 'rating', 1);
    const wrongPassword = 'wrong-password-0123456789';
    testHub.hub.devices.revoke('rating-01', Date.now());

    // Five refused connections.
    const anonymous = await mosquitto('mosquitto_sub', [
      ...mqttArgs('kiosk-01'),
      ...['-t', topics.hubStatus, '-C', '1', '-W', '30'],
    ]);
    expect(anonymous.code).toBe(4);
    await expect(connectDevice(testHub.mqttUrl, 'kiosk-01', wrongPassword)).rejects.toMatchObject({
      code: 4,
    });
    await expect(connectDevice(testHub.mqttUrl, 'kiosk-01', otherPassword)).rejects.toMatchObject({
      code: 4,
    });
    await expect(
      connectDevice(testHub.mqttUrl, 'kiosk-02', kioskPassword, { username: 'kiosk-01' }),
    ).rejects.toMatchObject({ code: 2 });
    await expect(connectDevice(testHub.mqttUrl, 'rating-01', ratingPassword)).rejects.toMatchObject({
      code: 4,
    });
    // One refused subscription, one refused publish.
    const denied = await mosquitto('mosquitto_sub', [
      ...mqttArgs('kiosk-01', kioskPassword),
      ...['-t', '#', '-C', '1', '-W', '30'],
    ]);
    expect(denied.stderr).toBe('All subscription requests were denied.\n');
    const kiosk = await open('kiosk-01', kioskPassword);
    await publishRefused(kiosk, 'kiosk-01', topics.announce, fakeAnnouncement());

    const { metrics } = testHub.hub;
    expect(metrics.get('mqtt_auth_refused')).toBe(5);
    expect(metrics.get('mqtt_subscribe_refused')).toBe(1);
    expect(metrics.get('mqtt_publish_refused')).toBe(1);
    const health = (await (await fetch(`${testHub.httpUrl}/api/health`)).json()) as {
      metrics: Record<string, number>;
    };
    expect(health.metrics).toMatchObject({
      mqtt_auth_refused: 5,
      mqtt_subscribe_refused: 1,
      mqtt_publish_refused: 1,
    });

    // Refused logins are logged per source address: the first at once, the
    // rest of the minute in one summary line (written at the latest when the
    // hub stops). Usernames and client ids are shortened, never in full.
    const lines = testHub.logs.lines;
    const matching = (pattern: RegExp) => lines.filter((line) => pattern.test(line));
    expect(matching(/^WARN hub\/broker: connection refused /)).toEqual([
      'WARN hub/broker: connection refused address=127.0.0.1 reason=bad_credentials username=(none) clientId=ki…[8]',
    ]);
    expect(matching(/connections refused \(summary\)/)).toEqual([]);
    expect(matching(/subscribe refused: outside the device role device=kiosk-01 topic=#$/)).toHaveLength(1);
    expect(
      matching(/publish refused: outside the device role device=kiosk-01 topic=qms\/hub\/announce$/),
    ).toHaveLength(1);
    // Said once: not again as the client error that closes the connection.
    expect(matching(/client error device=kiosk-01/)).toEqual([]);
    const stop = testHub.stop;
    testHub.stop = async () => {};
    await stop();
    expect(matching(/connections refused \(summary\)/)).toEqual([
      expect.stringMatching(
        /^WARN hub\/broker: connections refused \(summary\) address=127\.0\.0\.1 refused=4 seconds=\d+ reasons=\{"bad_credentials":3,"client_id_not_device":1\} usernames=\["ki…\[8\]","rat…\[9\]"\]$/,
      ),
    ]);
    expect(matching(/refused.*(username|clientId)=(kiosk|rating)-0/)).toEqual([]);

    for (const secret of [kioskPassword, otherPassword, ratingPassword, wrongPassword]) {
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    }
  });
});
