import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reply } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { connectDevice, nextMessage, startTestHub, type TestHub } from '../helpers/hub.js';

describe('malformed device messages', () => {
  let t: TestHub;
  let kiosk: MqttClient;
  let speaker: MqttClient;

  const storeCounts = () =>
    t.hub.db
      .prepare(
        `SELECT (SELECT count(*) FROM tickets) AS tickets, (SELECT count(*) FROM ticket_events) AS events,
                (SELECT count(*) FROM sequences) AS sequences, (SELECT count(*) FROM requests) AS requests`,
      )
      .get();

  beforeAll(async () => {
    t = await startTestHub();
    kiosk = await connectDevice(t.mqttUrl, 'kiosk-1', t.addDevice('kiosk-1', 'kiosk'));
    await kiosk.subscribeAsync(topics.deviceReply('kiosk-1'), { qos: 1 });
    speaker = await connectDevice(t.mqttUrl, 'speaker-1', t.addDevice('speaker-1', 'speaker'));
    await speaker.subscribeAsync(topics.deviceReply('speaker-1'), { qos: 1 });
  });
  afterAll(async () => {
    await kiosk.endAsync();
    await speaker.endAsync();
    await t.stop();
  });

  const cases: [string, string | Buffer, string, RegExp][] = [
    ['not JSON', '{"v":1,"requestId":"a",', 'bad_json', /not valid JSON/],
    ['a JSON array', '[1,2,3]', 'bad_message', /JSON object/],
    ['no version', '{"requestId":"a","procedureId":"can-cuoc-01"}', 'unsupported_version', /version null/],
    [
      'an unknown version',
      '{"v":2,"requestId":"a","procedureId":"can-cuoc-01"}',
      'unsupported_version',
      /version 2/,
    ],
    ['a number for procedureId', '{"v":1,"requestId":"a","procedureId":42}', 'bad_message', /procedureId/],
    ['no requestId', '{"v":1,"procedureId":"can-cuoc-01"}', 'bad_message', /requestId/],
    [
      'a bad requestId',
      '{"v":1,"requestId":"a b/c","procedureId":"can-cuoc-01"}',
      'bad_message',
      /requestId/,
    ],
    // Over the payload limit but within the broker's packet limit (64 KiB;
    // a larger packet closes the connection: mqtt-front-door.test.ts).
    ['a huge payload', Buffer.alloc(40 * 1024, 'x'), 'too_large', /limit is 16384/],
    [
      'an unknown procedure',
      '{"v":1,"requestId":"a","procedureId":"khong-co"}',
      'unknown_procedure',
      /khong-co/,
    ],
    [
      'an unknown priority',
      '{"v":1,"requestId":"a","procedureId":"can-cuoc-01","priority":"vip"}',
      'unknown_priority',
      /vip/,
    ],
  ];

  for (const [what, payload, code, message] of cases) {
    it(`answers ${what} with ${code} and changes nothing`, async () => {
      const before = storeCounts();
      const logLines = t.logs.lines.length;
      const answer = nextMessage(kiosk, topics.deviceReply('kiosk-1'));
      kiosk.publish(topics.deviceRequest('kiosk-1', 'issue-ticket'), payload, { qos: 1 });
      const r = reply.parse(JSON.parse((await answer).toString()));
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe(code);
      expect(r.error.message).toMatch(message);
      expect(storeCounts()).toEqual(before);
      expect(t.hub.service.state.tickets.size).toBe(0);
      expect(
        t.logs.lines.slice(logLines).some((l) => l.includes('request refused') && l.includes(code)),
      ).toBe(true);
      expect(kiosk.connected).toBe(true);
    });
  }

  it('answers a playback report for an unknown call with unknown_call', async () => {
    const answer = nextMessage(speaker, topics.deviceReply('speaker-1'));
    speaker.publish(
      topics.deviceRequest('speaker-1', 'announcement-played'),
      JSON.stringify({ v: 1, requestId: 'p1', callId: 'no-such-call', startedAt: 1, endedAt: 2 }),
      { qos: 1 },
    );
    const r = reply.parse(JSON.parse((await answer).toString()));
    expect(r).toMatchObject({ ok: false, requestId: 'p1', error: { code: 'unknown_call' } });
  });

  it('keeps serving good requests after all of that', async () => {
    const answer = nextMessage(kiosk, topics.deviceReply('kiosk-1'));
    kiosk.publish(
      topics.deviceRequest('kiosk-1', 'issue-ticket'),
      JSON.stringify({ v: 1, requestId: 'good', procedureId: 'can-cuoc-01' }),
      { qos: 1 },
    );
    const r = reply.parse(JSON.parse((await answer).toString()));
    expect(r).toMatchObject({ ok: true, requestId: 'good', data: { display: '1001' } });
    expect(t.hub.metrics.get('request_refused_bad_json')).toBe(1);
    expect(t.hub.metrics.get('request_refused_too_large')).toBe(1);
  });
});

describe('malformed HTTP requests', () => {
  let t: TestHub;
  let cookie: string;
  beforeAll(async () => {
    t = await startTestHub();
    cookie = await t.signIn('canbo', await t.addAccount('canbo', 'officer'));
  });
  afterAll(async () => t.stop());

  const post = (path: string, body?: string) =>
    fetch(`${t.httpUrl}${path}`, {
      method: 'POST',
      headers: { cookie, origin: t.httpUrl, 'content-type': 'application/json' },
      body: body ?? '{}',
    });

  it.each([
    ['/api/counters/abc/call-next', undefined, 400, 'bad_request', /params\/id/],
    ['/api/counters/99/call-next', undefined, 404, 'unknown_counter', /99/],
    ['/api/counters/1/call-number', '{"display":1023}', 400, 'bad_request', /body\/display: must be string/],
    ['/api/counters/1/call-number', '{"display":"1023","x":1}', 400, 'bad_request', /additional properties/],
    ['/api/counters/1/call-number', '{"display', 400, 'fst_err_ctp_invalid_json_body', /not valid JSON/],
    ['/api/counters/1/call-number', '{"display":"9999"}', 404, 'unknown_ticket', /9999/],
    ['/api/counters/1/state', '{"state":"broken"}', 400, 'bad_request', /allowed values/],
    [
      '/api/counters/1/finish',
      undefined,
      409,
      'no_current_ticket',
      /^Quầy 1 chưa có số nào đang được gọi hoặc phục vụ\.$/,
    ],
    ['/api/counters/1/transfer', '{"toCounterId":"two"}', 400, 'bad_request', /toCounterId/],
    ['/api/nowhere', undefined, 404, 'not_found', /no route/],
  ] as const)('POST %s %s → %i %s', async (path, body, status, code, message) => {
    const res = await post(path, body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe(code);
    expect(json.error.message).toMatch(message);
  });

  it('refuses a body over 64 KiB and changes nothing', async () => {
    const res = await post('/api/counters/1/call-number', JSON.stringify({ display: 'x'.repeat(100_000) }));
    expect(res.status).toBe(413);
    expect(t.hub.service.state.tickets.size).toBe(0);
  });

  it('serves the OpenAPI document with every counter action', async () => {
    const doc = (await (await fetch(`${t.httpUrl}/api/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    for (const action of [
      'call-next',
      'call-number',
      'recall',
      'start',
      'finish',
      'no-show',
      'transfer',
      'state',
    ]) {
      expect(Object.keys(doc.paths)).toContain(`/api/counters/{id}/${action}`);
    }
    expect(Object.keys(doc.paths)).toContain('/api/tickets/{id}');
  });
});
