import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseChronyTracking, parseTimedatectl, systemProbe } from '../../../hub/clock/probe.js';
import { tempDir } from '../../helpers/hub.js';

const dir = tempDir('qms-probe-');
afterAll(() => dir.remove());

// `chronyc -n -c tracking` on a hub: synchronised to a server; on its own (local stratum 10); just started.
const CHRONY_SYNCED =
  'C0A80101,192.168.1.1,3,1764301234.123456789,-0.000012345,0.000001234,0.000023456,-12.345,0.012,0.034,0.012345678,0.001234567,64.5,Normal\n';
const CHRONY_LOCAL =
  '7F7F0101,127.127.1.1,10,1764301234.123456789,0.000000000,0.000000000,0.000000000,-12.345,0.000,0.000,0.000000000,0.000000000,0.0,Normal\n';
const CHRONY_NONE =
  '00000000,0.0.0.0,0,0.000000000,0.000000000,0.000000000,0.000000000,0.000,0.000,0.000,1.000000000,1.000000000,0.0,Not synchronised\n';

describe('reading the time sources', () => {
  it('chrony: synchronised to a server; its own local clock is not a synchronisation', () => {
    expect(parseChronyTracking(CHRONY_SYNCED)).toMatchObject({ synchronised: true, via: 'chrony' });
    expect(parseChronyTracking(CHRONY_LOCAL)).toMatchObject({ synchronised: false, via: 'chrony' });
    expect(parseChronyTracking(CHRONY_NONE)).toMatchObject({ synchronised: false });
    expect(parseChronyTracking('506 Cannot talk to daemon\n')).toBe(null);
    expect(parseChronyTracking('')).toBe(null);
  });

  it('timedatectl: yes, no, anything else unknown', () => {
    expect(parseTimedatectl('yes\n')).toBe(true);
    expect(parseTimedatectl('no\n')).toBe(false);
    expect(parseTimedatectl('')).toBe(null);
    expect(parseTimedatectl('Failed to connect to bus')).toBe(null);
  });

  it('takes chrony first, then timedatectl, then the timesyncd flag; every tool missing is "unknown"', async () => {
    const missing = Object.assign(new Error('spawn chronyc ENOENT'), { code: 'ENOENT' });
    const flag = join(dir.path, 'synchronized');
    const probe = (answers: Record<string, string | Error>, timesyncFile = join(dir.path, 'none')) =>
      systemProbe({
        rtcPath: null,
        timesyncFile,
        run: async (command) => {
          const a = answers[command] ?? missing;
          if (a instanceof Error) throw a;
          return a;
        },
      }).read();
    expect((await probe({ chronyc: CHRONY_LOCAL, timedatectl: 'yes\n' })).ntp).toMatchObject({
      synchronised: false,
      via: 'chrony',
    });
    expect((await probe({ timedatectl: 'yes\n' })).ntp).toEqual({ synchronised: true, via: 'timedatectl' });
    expect((await probe({ timedatectl: 'no\n' })).ntp).toEqual({ synchronised: false, via: 'timedatectl' });
    writeFileSync(flag, '');
    expect((await probe({}, flag)).ntp).toEqual({ synchronised: true, via: 'timesyncd' });
    expect(await probe({})).toEqual({ ntp: { synchronised: null, via: null }, rtc: null });
  });

  it('the real commands on this machine never throw, whatever is installed', async () => {
    const reading = await systemProbe({ rtcPath: join(dir.path, 'no-rtc') }).read();
    expect([true, false, null]).toContain(reading.ntp.synchronised);
    expect(reading.rtc).toBe(null);
  });

  it('reads an RTC from sysfs; one that lost its time gives nothing', async () => {
    const rtc = join(dir.path, 'rtc0');
    mkdirSync(rtc);
    writeFileSync(join(rtc, 'name'), 'rtc-ds1307 1-0068\n');
    writeFileSync(join(rtc, 'since_epoch'), '1795743000\n');
    const read = () => systemProbe({ rtcPath: rtc, run: async () => '' }).read();
    expect((await read()).rtc).toEqual({ path: rtc, name: 'rtc-ds1307 1-0068', time: 1_795_743_000_000 });
    writeFileSync(join(rtc, 'since_epoch'), 'garbage');
    expect((await read()).rtc).toBe(null);
  });
});
