import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../../hub/store/db.js';
import { DeviceStore } from '../../hub/store/device-store.js';
import { type IssuedTicket, reply } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { connectDevice, freePort, type HubProcess, spawnHub, tempDir } from '../helpers/hub.js';
import { until, within } from '../helpers/wait.js';

describe('hub killed with SIGKILL', () => {
  const dir = tempDir();
  let hub: HubProcess | undefined;

  afterEach(async () => {
    await hub?.kill();
    dir.remove();
  });

  it('keeps every answered ticket and never reuses a number after restart', async () => {
    const db = openDb(dir.path);
    const password = new DeviceStore(db).register('kiosk-1', 'kiosk', null, Date.now());
    db.close();
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const answered = new Map<string, IssuedTicket>();
    /** Requests the broker acknowledged (the hub had them) but never answered: in flight at a kill. */
    const inFlight: string[] = [];

    for (let round = 0; round < 3; round++) {
      hub = await spawnHub(dir.path, mqttPort, httpPort);
      const client = await connectDevice(`mqtt://127.0.0.1:${mqttPort}`, 'kiosk-1', password, {
        clean: true,
      });
      await client.subscribeAsync(topics.deviceReply('kiosk-1'), { qos: 1 });
      let killed = false;
      client.on('message', (_topic, payload) => {
        const r = reply.parse(JSON.parse(payload.toString()));
        if (r.ok) answered.set(r.requestId, r.data as IssuedTicket);
      });
      client.on('error', () => undefined);
      // Keep requests flowing and kill the hub mid-stream, after some answers.
      const before = answered.size;
      const acked: string[] = [];
      const sending = (async () => {
        for (let i = 0; !killed && i < 2000; i++) {
          if (!client.connected) break;
          const requestId = `r${round}-${i}`;
          client.publish(
            topics.deviceRequest('kiosk-1', 'issue-ticket'),
            JSON.stringify({ v: 1, requestId, procedureId: 'can-cuoc-01' }),
            { qos: 1 },
            (error) => {
              if (!error) acked.push(requestId);
            },
          );
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      // Kill once 40 more were answered and, at that very moment, the hub
      // holds a request it has not answered.
      await until(
        `40 answers in round ${round} and a request in flight`,
        () => answered.size >= before + 40 && acked.some((id) => !answered.has(id)),
        30_000,
      );
      const unansweredAtKill = acked.filter((id) => !answered.has(id));
      await hub.kill('SIGKILL'); // while requests are still arriving
      killed = true;
      await within(`the sender of round ${round} to stop`, sending, 10_000);
      client.end(true);
      // A reply already on its way when the process died may still land: only
      // the ones never answered were cut off by the kill.
      inFlight.push(...unansweredAtKill.filter((id) => !answered.has(id)));
    }
    expect(inFlight.length, 'requests in flight at the kills').toBeGreaterThan(0);

    // After the last kill, read the store as a restarted hub would.
    hub = await spawnHub(dir.path, mqttPort, httpPort);
    const stored = openDb(dir.path);
    const rows = stored.prepare('SELECT id, display, number, source_request FROM tickets').all() as {
      id: string;
      display: string;
      number: number;
      source_request: string;
    }[];
    stored.close();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(answered.size).toBeGreaterThanOrEqual(120);
    for (const [requestId, ticket] of answered) {
      // Every ticket a kiosk was told about (and would print) exists, unchanged.
      expect(byId.get(ticket.ticketId)).toMatchObject({ display: ticket.display, source_request: requestId });
    }
    // No number was handed out twice, even by requests cut off by the kill.
    expect(new Set(rows.map((r) => r.number)).size).toBe(rows.length);

    // The next number continues after the highest one ever issued.
    const client = await connectDevice(`mqtt://127.0.0.1:${mqttPort}`, 'kiosk-1', password, { clean: true });
    await client.subscribeAsync(topics.deviceReply('kiosk-1'), { qos: 1 });
    const next = new Promise<IssuedTicket>((resolve) => {
      client.on('message', (_t, payload) => {
        const r = reply.parse(JSON.parse(payload.toString()));
        if (r.ok && r.requestId === 'after') resolve(r.data as IssuedTicket);
      });
    });
    client.publish(
      topics.deviceRequest('kiosk-1', 'issue-ticket'),
      JSON.stringify({ v: 1, requestId: 'after', procedureId: 'can-cuoc-01' }),
      { qos: 1 },
    );
    expect((await within('the reply to a new ticket after the restart', next, 10_000)).number).toBe(
      Math.max(...rows.map((r) => r.number)) + 1,
    );

    // A request cut off by a kill, sent again with its requestId as a kiosk
    // does, is answered once: with the ticket stored before the kill, if any.
    const retried = new Map<string, IssuedTicket>();
    client.on('message', (_t, payload) => {
      const r = reply.parse(JSON.parse(payload.toString()));
      if (r.ok && inFlight.includes(r.requestId)) retried.set(r.requestId, r.data as IssuedTicket);
    });
    for (const requestId of inFlight)
      client.publish(
        topics.deviceRequest('kiosk-1', 'issue-ticket'),
        JSON.stringify({ v: 1, requestId, procedureId: 'can-cuoc-01' }),
        { qos: 1 },
      );
    await until(
      'answers to the requests cut off by the kills',
      () => retried.size === inFlight.length,
      15_000,
    );
    for (const requestId of inFlight) {
      const storedBefore = rows.find((r) => r.source_request === requestId);
      if (storedBefore) expect(retried.get(requestId)?.ticketId).toBe(storedBefore.id);
    }
    const after = openDb(dir.path);
    const perRequest = after
      .prepare('SELECT source_request, count(*) AS n FROM tickets GROUP BY source_request HAVING n > 1')
      .all();
    after.close();
    expect(perRequest).toEqual([]);
    console.log(`${answered.size} answered before the kills, ${inFlight.length} in flight at them`);
    await client.endAsync();
  }, 90_000);
});
