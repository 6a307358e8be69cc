import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  announcement,
  counterStateMessage,
  type IssuedTicket,
  reply,
} from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { connectDevice, nextMessage, startTestHub, type TestHub } from '../helpers/hub.js';

/** A kiosk that sends requests and collects replies by requestId. */
async function kiosk(t: TestHub, id: string) {
  const client = await connectDevice(t.mqttUrl, id, t.addDevice(id, 'kiosk'));
  await client.subscribeAsync(topics.deviceReply(id), { qos: 1 });
  const replies = new Map<string, (r: unknown) => void>();
  client.on('message', (topic, payload) => {
    if (topic !== topics.deviceReply(id)) return;
    const r = reply.parse(JSON.parse(payload.toString()));
    if (r.requestId) replies.get(r.requestId)?.(r);
  });
  const request = (requestId: string, body: Record<string, unknown>) =>
    new Promise<ReturnType<typeof reply.parse>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${requestId}`)), 5000);
      replies.set(requestId, (r) => {
        clearTimeout(timer);
        resolve(r as ReturnType<typeof reply.parse>);
      });
      client.publish(topics.deviceRequest(id, 'issue-ticket'), JSON.stringify({ v: 1, requestId, ...body }), {
        qos: 1,
      });
    });
  return { client, request };
}

describe('ticket issuance over MQTT', () => {
  let t: TestHub;
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    t = await startTestHub();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync()));
    await t.stop();
  });

  it('gives 200 distinct numbers, in order per field, to 10 concurrent kiosks', async () => {
    const kiosks = await Promise.all(Array.from({ length: 10 }, (_, i) => kiosk(t, `kiosk-${i}`)));
    clients.push(...kiosks.map((k) => k.client));
    // Two fields with separate series; procedures of one field share a series.
    const procedures = ['can-cuoc-01', 'can-cuoc-02', 'cu-tru-01', 'cu-tru-03'];
    const replies = await Promise.all(
      kiosks.flatMap((k, i) =>
        Array.from({ length: 20 }, (_, j) =>
          k.request(`k${i}-r${j}`, { procedureId: procedures[(i + j) % 4] }),
        ),
      ),
    );
    const tickets = replies.map((r) => {
      expect(r.ok).toBe(true);
      return (r as { data: IssuedTicket }).data;
    });
    expect(new Set(tickets.map((x) => x.ticketId)).size).toBe(200);
    for (const [fieldId, first] of [
      ['can-cuoc', 1001],
      ['cu-tru', 2001],
    ] as const) {
      // In the order the hub issued them (issue time, then number), numbers
      // run without gap or repeat from the field's first number.
      const numbers = tickets
        .filter((x) => x.fieldId === fieldId)
        .sort((a, b) => a.issuedAt - b.issuedAt || a.number - b.number)
        .map((x) => x.number);
      expect(numbers).toEqual(Array.from({ length: 100 }, (_, i) => first + i));
    }
    // The store holds exactly what was answered.
    const stored = t.hub.db.prepare('SELECT count(*) AS n FROM tickets').get() as { n: number };
    expect(stored.n).toBe(200);
  });

  it('answers a repeated requestId with the same ticket and issues nothing new', async () => {
    const k = await kiosk(t, 'kiosk-a');
    clients.push(k.client);
    const first = await k.request('same-id', { procedureId: 'can-cuoc-01' });
    const again = await k.request('same-id', { procedureId: 'can-cuoc-01' });
    expect(first.ok).toBe(true);
    expect(again).toEqual(first);
    // The same requestId from another kiosk is another request.
    const other = await kiosk(t, 'kiosk-b');
    clients.push(other.client);
    const third = await other.request('same-id', { procedureId: 'can-cuoc-01' });
    expect((third as { data: IssuedTicket }).data.display).toBe('1002');
    expect(t.hub.service.state.tickets.size).toBe(2);
    expect(t.hub.metrics.get('request_repeated')).toBe(1);
    // The same id for another procedure is a device bug, not a repeat.
    const reused = await k.request('same-id', { procedureId: 'cu-tru-01' });
    expect(reused).toMatchObject({ ok: false, error: { code: 'request_id_reused' } });
    expect(t.hub.service.state.tickets.size).toBe(2);
  });

  it('replies with people ahead, estimated wait and the counters serving the procedure', async () => {
    const k = await kiosk(t, 'kiosk-a');
    clients.push(k.client);
    await k.request('a', { procedureId: 'cu-tru-01' });
    await k.request('b', { procedureId: 'cu-tru-01', priority: 'nguoi-cao-tuoi' });
    const r = await k.request('c', { procedureId: 'cu-tru-01' });
    const data = (r as { data: IssuedTicket }).data;
    expect(data.ahead).toBe(2);
    // Default 300 s per citizen; "Cư trú" is served at counters 3 and 8: one
    // takes the priority ticket, the other the first, then c after 300 s;
    // priority citizens took a sixth of the two counters' time lately: 360 s.
    expect(data.counters.map((c) => c.id)).toEqual([3, 8]);
    expect(data.estimatedWaitSeconds).toBe(360);
    expect(data.estimatedWait).toEqual({ fromMinutes: 5, toMinutes: 10 });
    expect(data.fieldName).toBe('Cư trú');
    expect(data.lookupPath).toBe(`/t/${data.ticketId}`);
  });

  it('a call publishes the retained counter state and an announcement with a call id', async () => {
    const k = await kiosk(t, 'kiosk-a');
    clients.push(k.client);
    const issued = (await k.request('a', { procedureId: 'can-cuoc-01' })) as { data: IssuedTicket };

    const speaker = await connectDevice(t.mqttUrl, 'speaker-1', t.addDevice('speaker-1', 'speaker'));
    clients.push(speaker);
    await speaker.subscribeAsync(topics.announce, { qos: 1 });
    const heard = nextMessage(speaker, topics.announce);

    const officer = t.as(await t.signIn('canbo', await t.addAccount('canbo', 'officer')));
    const res = await officer('/api/counters/2/call-next', { method: 'POST' });
    expect(res.status).toBe(200);
    const a = announcement.parse(JSON.parse((await heard).toString()));
    expect(a).toMatchObject({ display: issued.data.display, counterId: 2, recall: false });
    expect(a.callId).toMatch(/^[0-9a-f-]{36}$/);

    // A recall is another announcement with its own call id.
    const heardAgain = nextMessage(speaker, topics.announce);
    await officer('/api/counters/2/recall', { method: 'POST' });
    const b = announcement.parse(JSON.parse((await heardAgain).toString()));
    expect(b.recall).toBe(true);
    expect(b.callId).not.toBe(a.callId);

    // A device connecting later still gets the counter's state (retained).
    const rating = await connectDevice(t.mqttUrl, 'rating-2', t.addDevice('rating-2', 'rating', 2));
    clients.push(rating);
    const retained = nextMessage(rating, topics.counterState(2));
    await rating.subscribeAsync(topics.counterState(2), { qos: 1 });
    const state = counterStateMessage.parse(JSON.parse((await retained).toString()));
    expect(state.current).toMatchObject({ display: issued.data.display, status: 'called' });

    // The device list shows who is connected.
    expect(t.hub.broker.connectedDevices().sort()).toEqual(['kiosk-a', 'rating-2', 'speaker-1']);
  });
});
