import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableJsonFile, LocalState } from '../../../edge/kiosk/local-state.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';
import { tempDir } from '../../helpers/hub.js';

describe('local state', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.remove());

  it('writes atomically and reads back', async () => {
    const file = new DurableJsonFile<{ n: number }>(join(dir.path, 'x.json'));
    expect(await file.read()).toBeNull();
    await Promise.all([file.write({ n: 1 }), file.write({ n: 2 }), file.write({ n: 3 })]);
    expect(await file.read()).toEqual({ n: 3 });
    // No temporary file left behind.
    expect(readdirSync(dir.path)).toEqual(['x.json']);
  });

  it('sets a damaged file aside and starts empty, with a log line', async () => {
    writeFileSync(join(dir.path, 'kiosk-state.json'), '{"outbox": [');
    const logs = memorySink();
    const state = await LocalState.open(dir.path, createLogger('state', { sink: logs, timestamps: false }));
    expect(state.outbox).toEqual([]);
    expect(readdirSync(dir.path).some((f) => f.startsWith('kiosk-state.json.corrupt-'))).toBe(true);
    expect(logs.lines.join('\n')).toContain('not valid JSON');
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
