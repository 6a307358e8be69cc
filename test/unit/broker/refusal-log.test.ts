import { afterEach, describe, expect, it } from 'vitest';
import { maskUsername, RefusalLog } from '../../../hub/broker/refusal-log.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';

describe('maskUsername', () => {
  it.each([
    ['kiosk-01', 'ki…[8]'],
    ['rating-03', 'rat…[9]'],
    ['a-very-long-username-or-a-password', 'a-v…[34]'],
    ['ab', '…[2]'],
    ['', '(none)'],
    [undefined, '(none)'],
    ['tên\u0000\nx', 't?…[6]'],
  ])('%j → %s', (username, masked) => {
    expect(maskUsername(username)).toBe(masked);
  });
});

describe('RefusalLog', () => {
  let clock = 0;
  let refusals: RefusalLog | undefined;
  afterEach(() => refusals?.close());

  function setup(options: { maxAddresses?: number } = {}) {
    clock = 1_000_000;
    const sink = memorySink();
    const log = createLogger('broker', { sink, level: 'debug', timestamps: false });
    refusals = new RefusalLog(log, { now: () => clock, ...options });
    return { lines: sink.lines, refusals };
  }

  it('logs the first refusal from an address at once and the rest of the minute in one summary', () => {
    const { lines, refusals } = setup();
    refusals.note('10.0.0.5', 'bad_credentials', { username: 'ki…[8]' });
    expect(lines).toEqual([
      'WARN broker: connection refused address=10.0.0.5 reason=bad_credentials username=ki…[8]',
    ]);
    for (let i = 0; i < 1000; i++) {
      clock += 50;
      refusals.note('10.0.0.5', i % 2 ? 'bad_credentials' : 'too_many_unauthenticated_from_address', {
        username: i % 2 ? 'ki…[8]' : undefined,
      });
    }
    expect(lines).toHaveLength(1); // 50 s: still the same minute
    clock += 10_000;
    refusals.flush();
    expect(lines.slice(1)).toEqual([
      'WARN broker: connections refused (summary) address=10.0.0.5 refused=1000 seconds=60 reasons={"too_many_unauthenticated_from_address":500,"bad_credentials":500} usernames=["ki…[8]"]',
    ]);
  });

  it('writes one line a minute per address under a steady flood, and one first line per new address', () => {
    const { lines, refusals } = setup();
    for (let second = 0; second < 600; second++) {
      clock += 1000;
      for (let i = 0; i < 50; i++) refusals.note('10.0.0.5', 'bad_credentials');
      if (second === 300) refusals.note('10.0.0.6', 'connect_timeout', { received: 0 });
      refusals.flush();
    }
    const flood = lines.filter((l) => l.includes('address=10.0.0.5 '));
    expect(flood.length).toBeGreaterThanOrEqual(10);
    expect(flood.length).toBeLessThanOrEqual(11);
    expect(lines.filter((l) => l.includes('address=10.0.0.6 '))).toEqual([
      'WARN broker: connection refused address=10.0.0.6 reason=connect_timeout received=0',
    ]);
  });

  it('starts afresh (a first line at once) after a quiet minute', () => {
    const { lines, refusals } = setup();
    refusals.note('10.0.0.5', 'bad_credentials');
    clock += 61_000;
    refusals.flush(); // nothing more came: the window is dropped without a summary
    refusals.note('10.0.0.5', 'bad_credentials');
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.startsWith('WARN broker: connection refused address=10.0.0.5'))).toBe(true);
  });

  it('writes what is pending when closed', () => {
    const { lines, refusals } = setup();
    refusals.note('10.0.0.5', 'bad_credentials');
    refusals.note('10.0.0.5', 'bad_credentials');
    refusals.close();
    expect(lines[1]).toMatch(/connections refused \(summary\) address=10\.0\.0\.5 refused=1 /);
  });

  it('tracks a bounded number of addresses; the rest share one entry', () => {
    const { lines, refusals } = setup({ maxAddresses: 3 });
    for (let i = 0; i < 100; i++) refusals.note(`10.0.1.${i}`, 'bad_credentials');
    expect(lines).toHaveLength(4); // three addresses and the first of the others
    expect(lines[3]).toBe(
      'WARN broker: connection refused address="10.0.1.3 (other)" reason=bad_credentials',
    );
    refusals.close();
    expect(lines[4]).toMatch(/summary\) address=other refused=96 /);
  });
});
