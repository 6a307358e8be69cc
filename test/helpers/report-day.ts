// A known office day for the report tests, built through the real hub:
// tickets from a kiosk over MQTT, officers' actions over the HTTP API, then
// the timestamps set to a fixed timetable in the store (so waits are exact)
// and ratings written straight into the `ratings` table (the rating devices
// come later).
//
// The day (local time, Asia/Ho_Chi_Minh):
//   1001 can-cuoc-01  08:00  Quầy 1 (canbo1) calls 08:04, starts 08:05, done 08:15   rated Rất hài lòng
//   1002 can-cuoc-01  08:10  Quầy 2 (canbo2) calls 08:30, starts 08:31, done 08:36   rated Hài lòng
//   1003 can-cuoc-01  08:20  Quầy 1 calls 08:40, recalls 08:41, no-show 08:42
//   2001 cu-tru-01    09:05  Quầy 3 (canbo3) calls 09:10, starts 09:11, transfers to Quầy 1 09:15;
//                            Quầy 1 calls 09:30, starts 09:31, done 09:51            rated Không hài lòng
//   2002 cu-tru-01    09:30  never called
//   1004 can-cuoc-04  10:00  Quầy 2 calls 11:05, starts 11:06, done 11:16            rated Rất hài lòng
// and one more ticket (1005, can-cuoc-01) moved to the day before, 14:00, never called.

import type { MqttClient } from 'mqtt';
import { mqttKiosk, type TestHub } from './hub.js';

export const OFFICERS = {
  canbo1: 'Nguyễn Văn An',
  canbo2: 'Trần Thị Bình',
  // A quote in a name: the CSV must escape it.
  canbo3: 'Phạm Văn "Ba"',
} as const;

/** The day before a YYYY-MM-DD date. */
export function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

export interface KnownDay {
  /** The service date of the day (the hub's today). */
  date: string;
  /** The day before, holding ticket 1005. */
  before: string;
  /** Administrator's cookie. */
  adminCookie: string;
  adminPassword: string;
  officerCookie: string;
}

export async function buildKnownDay(t: TestHub): Promise<KnownDay> {
  const date = t.hub.service.state.serviceDate;
  const before = dayBefore(date);
  const at = (d: string, hhmm: string) => Date.parse(`${d}T${hhmm}:00+07:00`);

  const cookies: Record<string, string> = {};
  for (const [username, name] of Object.entries(OFFICERS)) {
    cookies[username] = await t.signIn(username, await t.addAccount(username, 'officer'));
    t.hub.db.prepare('UPDATE accounts SET display_name = ? WHERE username = ?').run(name, username);
  }
  const adminPassword = await t.addAccount('quantri', 'admin');
  const adminCookie = await t.signIn('quantri', adminPassword);

  const act = async (username: keyof typeof OFFICERS, counterId: number, action: string, body?: unknown) => {
    const res = await t.as(cookies[username]!)(`/api/counters/${counterId}/${action}`, {
      method: 'POST',
      ...(body === undefined ? {} : { body }),
    });
    if (!res.ok) throw new Error(`${action} at counter ${counterId}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { ticket?: { display: string }; display?: string };
  };
  const calledDisplay = (r: { ticket?: { display: string }; display?: string }) =>
    r.ticket?.display ?? r.display;

  const k = await mqttKiosk(t, 'kiosk-report');
  const clients: MqttClient[] = [k.client];
  try {
    const issued: Record<string, string> = {};
    for (const procedureId of [
      'can-cuoc-01',
      'can-cuoc-01',
      'can-cuoc-01',
      'cu-tru-01',
      'cu-tru-01',
      'can-cuoc-04',
    ]) {
      const ticket = await k.issue(procedureId);
      issued[ticket.display] = ticket.ticketId;
    }
    await act('canbo1', 1, 'take');
    await act('canbo2', 2, 'take');
    await act('canbo3', 3, 'take');

    const expectCall = (r: { ticket?: { display: string }; display?: string }, display: string) => {
      if (calledDisplay(r) !== display) throw new Error(`expected ${display}, called ${calledDisplay(r)}`);
    };
    expectCall(await act('canbo1', 1, 'call-next'), '1001');
    await act('canbo1', 1, 'start');
    await act('canbo1', 1, 'finish');
    expectCall(await act('canbo2', 2, 'call-next'), '1002');
    await act('canbo2', 2, 'start');
    await act('canbo2', 2, 'finish');
    expectCall(await act('canbo1', 1, 'call-next'), '1003');
    await act('canbo1', 1, 'recall');
    await act('canbo1', 1, 'no-show');
    expectCall(await act('canbo3', 3, 'call-next'), '2001');
    await act('canbo3', 3, 'start');
    await act('canbo3', 3, 'transfer', { toCounterId: 1 });
    // A ticket sent to a counter comes before that counter's own line.
    expectCall(await act('canbo1', 1, 'call-next'), '2001');
    await act('canbo1', 1, 'start');
    await act('canbo1', 1, 'finish');
    expectCall(await act('canbo2', 2, 'call-next'), '1004');
    await act('canbo2', 2, 'start');
    await act('canbo2', 2, 'finish');
    const late = await k.issue('can-cuoc-01');
    issued[late.display] = late.ticketId;

    // The timetable: one time per stored event of each ticket, in event order.
    const timetable: Record<string, [string, string[]]> = {
      '1001': [date, ['08:00', '08:04', '08:05', '08:15']],
      '1002': [date, ['08:10', '08:30', '08:31', '08:36']],
      '1003': [date, ['08:20', '08:40', '08:41', '08:42']],
      '2001': [date, ['09:05', '09:10', '09:11', '09:15', '09:30', '09:31', '09:51']],
      '2002': [date, ['09:30']],
      '1004': [date, ['10:00', '11:05', '11:06', '11:16']],
      '1005': [before, ['14:00']],
    };
    const db = t.hub.db;
    db.transaction(() => {
      for (const [display, [day, times]] of Object.entries(timetable)) {
        const id = issued[display]!;
        const events = db
          .prepare('SELECT seq, type FROM ticket_events WHERE ticket_id = ? ORDER BY seq')
          .all(id) as {
          seq: number;
          type: string;
        }[];
        if (events.length !== times.length) {
          throw new Error(
            `${display}: ${events.length} events (${events.map((e) => e.type)}), ${times.length} times`,
          );
        }
        const when = events.map((e, i) => ({ type: e.type, at: at(day, times[i]!) }));
        events.forEach((e, i) => {
          db.prepare('UPDATE ticket_events SET at = ? WHERE ticket_id = ? AND seq = ?').run(
            when[i]!.at,
            id,
            e.seq,
          );
        });
        const first = (type: string) => when.find((e) => e.type === type)?.at ?? null;
        const last = (...types: string[]) => when.findLast((e) => types.includes(e.type))?.at ?? null;
        const row = db
          .prepare('SELECT service_started_at, finished_at FROM tickets WHERE id = ?')
          .get(id) as {
          service_started_at: number | null;
          finished_at: number | null;
        };
        db.prepare(
          `UPDATE tickets SET service_date = ?, issued_at = ?, queued_at = ?, first_called_at = ?, called_at = ?,
             service_started_at = ?, finished_at = ? WHERE id = ?`,
        ).run(
          day,
          first('issued'),
          first('issued'),
          first('called'),
          last('called'),
          row.service_started_at === null ? null : last('started'),
          row.finished_at === null ? null : last('finished', 'no_show'),
          id,
        );
      }
      const rate = db.prepare(
        `INSERT INTO ratings (id, ticket_id, counter_id, officer, level, score, device_id, pressed_at, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const ratings: [string, number, string, string, number, string][] = [
        ['1001', 1, 'canbo1', 'very_satisfied', 2, '08:16'],
        ['1002', 2, 'canbo2', 'satisfied', 1, '08:37'],
        ['2001', 1, 'canbo1', 'unsatisfied', 0, '09:52'],
        ['1004', 2, 'canbo2', 'very_satisfied', 2, '11:17'],
      ];
      for (const [display, counterId, officer, level, score, time] of ratings) {
        rate.run(
          `r-${display}`,
          issued[display],
          counterId,
          officer,
          level,
          score,
          `rating-${counterId}`,
          at(date, time),
          at(date, time),
        );
      }
    })();
    return { date, before, adminCookie, adminPassword, officerCookie: cookies.canbo1! };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync()));
  }
}

/** RFC 4180 CSV → rows of cells (quoted fields, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}
