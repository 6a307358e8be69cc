import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalState } from '../../../edge/kiosk/local-state.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';
import { tempDir } from '../../helpers/hub.js';

describe('local state', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.remove());

  const lease = (numbers: number[]) => ({
    serviceDate: '2025-11-28',
    validUntil: 2000,
    grantedAt: 0,
    series: { 'field:a': { prefix: 'A', numbers } },
    procedures: { p: { fieldId: 'a', seriesKey: 'field:a', counters: [] } },
  });

  /** A kiosk that printed `printed` tickets offline (one refused by the hub), as its file is on disk. */
  async function printedOffline(printed: number) {
    const state = await LocalState.open(dir.path, { deviceId: 'kiosk-1' });
    await state.setLease(lease([9, 8, 7, 6, 5, 4]));
    for (let i = 0; i < printed; i++) {
      await state.takeNumber({ procedureId: 'p', priority: null, requestId: `r${i}` }, 1000 + i);
    }
    const refused = state.outbox[0]!;
    await state.settle(
      [{ ticketId: refused.ticketId, refused: { code: 'not_leased', message: 'no' } }],
      1500,
    );
    return {
      text: readFileSync(join(dir.path, 'kiosk-state.json'), 'utf8'),
      outbox: [...state.outbox],
      refused,
    };
  }

  it('salvages a cut file: every whole outbox ticket kept and sent later, the lease dropped, the rest kept aside', async () => {
    const { text, outbox } = await printedOffline(4); // A9 refused; A8, A7, A6 waiting
    // Cut inside the last outbox ticket (the refused list after it is lost too).
    const cut = text.indexOf(`"${outbox[2]!.ticketId}"`) + 5;
    writeFileSync(join(dir.path, 'kiosk-state.json'), text.slice(0, cut));
    const logs = memorySink();
    const state = await LocalState.open(dir.path, {
      deviceId: 'kiosk-1',
      log: createLogger('state', { sink: logs, timestamps: false }),
    });
    expect(state.damage).toMatchObject({
      file: 'kiosk-state.json',
      problem: 'not_json',
      recovered: 2,
      lost: 1,
    });
    expect(state.outbox).toEqual(outbox.slice(0, 2));
    // The numbers stay used.
    expect(state.data.used).toEqual({ serviceDate: '2025-11-28', numbers: { 'field:a': [9, 8, 7, 6] } });
    // No lease: nothing printed offline until the hub grants one; the hub is told nothing is held.
    expect(state.data.lease).toBeNull();
    expect(state.heldForLease()).toBeNull();
    expect(await state.takeNumber({ procedureId: 'p', priority: null, requestId: 'x' }, 1600)).toBeNull();
    expect(readdirSync(dir.path).filter((f) => f.startsWith('kiosk-state.json.damaged-'))).toHaveLength(1);
    expect(logs.lines.join('\n')).toMatch(
      /ERROR state: state file damaged \(not_json\): kept aside, 2 entries recovered.*detail="is not valid JSON/,
    );
    // A later lease reply that lists a used number again does not get it printed.
    await state.setLease({ ...lease([8, 3]), validUntil: 9999 });
    expect(state.data.lease!.series['field:a']!.numbers).toEqual([3]);
  });

  it('a file of the wrong shape, a 0-byte file: the kiosk starts, with the damage reported', async () => {
    const file = join(dir.path, 'kiosk-state.json');
    writeFileSync(file, '[1, 2]');
    expect((await LocalState.open(dir.path)).damage).toMatchObject({ problem: 'wrong_shape', recovered: 0 });
    const { text, outbox, refused } = await printedOffline(4);
    // The outbox under another key, as an older or a hand-made file might have it.
    writeFileSync(file, JSON.stringify({ ...JSON.parse(text), version: 2 }));
    const wrong = await LocalState.open(dir.path, { deviceId: 'kiosk-1' });
    expect(wrong.damage).toMatchObject({ problem: 'wrong_shape', recovered: 4 });
    expect(wrong.outbox).toEqual(outbox);
    // The refused ticket stays refused: not taken for one waiting to be sent.
    expect(wrong.data.refused.map((r) => r.ticketId)).toEqual([refused.ticketId]);
    writeFileSync(file, '');
    const empty = await LocalState.open(dir.path, { deviceId: 'kiosk-1' });
    expect(empty.damage).toMatchObject({ problem: 'empty', recovered: 0 });
    expect(empty.outbox).toEqual([]);
  });

  it('never uses the state file of another kiosk; adopts a file of an older version', async () => {
    const { text } = await printedOffline(2);
    const file = join(dir.path, 'kiosk-state.json');
    writeFileSync(file, text.replace('"deviceId": "kiosk-1"', '"deviceId": "kiosk-2"'));
    const foreign = await LocalState.open(dir.path, { deviceId: 'kiosk-1' });
    expect(foreign.damage).toMatchObject({ problem: 'foreign', lost: 1 });
    expect(foreign.outbox).toEqual([]);
    expect(foreign.data.lease).toBeNull();
    // Written before files named their kiosk: taken as this kiosk's.
    const { deviceId: _d, ...older } = JSON.parse(text);
    writeFileSync(file, JSON.stringify(older));
    const adopted = await LocalState.open(dir.path, { deviceId: 'kiosk-1' });
    expect(adopted.damage).toBeNull();
    expect(adopted.outbox).toHaveLength(1);
    expect(JSON.parse(readFileSync(file, 'utf8')).deviceId).toBe('kiosk-1');
  });

  it('tells the hub the numbers it holds', async () => {
    const state = await LocalState.open(dir.path);
    expect(state.heldForLease()).toBeNull();
    await state.setLease(lease([9, 8]));
    await state.takeNumber({ procedureId: 'p', priority: null, requestId: 'r' }, 1000);
    expect(state.heldForLease()).toEqual({
      serviceDate: '2025-11-28',
      series: [{ seriesKey: 'field:a', numbers: [8] }],
    });
  });

  it('counts the numbers in hand of a valid lease only', async () => {
    const state = await LocalState.open(dir.path);
    const lease = {
      serviceDate: '2025-11-28',
      validUntil: 2000,
      grantedAt: 0,
      series: { 'field:a': { prefix: '', numbers: [1, 2] } },
      procedures: { p: { fieldId: 'a', seriesKey: 'field:a', counters: [] } },
    };
    await state.setLease(lease);
    expect(state.held(1000)).toEqual({ 'field:a': 2 });
    expect(state.held(2000)).toEqual({});
    const taken = await state.takeNumber({ procedureId: 'p', priority: null, requestId: 'r1' }, 1000);
    expect(taken).toMatchObject({
      left: 1,
      entry: { number: 1, display: '1', requestId: 'r1', issuedAt: 1000 },
    });
    await state.settle([{ ticketId: taken!.entry.ticketId }], 1500);
    expect(state.outbox).toEqual([]);
    expect(state.data.refused).toEqual([]);
  });
});
