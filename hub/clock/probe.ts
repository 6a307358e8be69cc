// What the machine says about its time: is the system clock synchronised
// by NTP, and is there a battery-backed real-time clock (RTC) and what does
// it read. Read, never written: the hub does not set the system clock.
// - NTP: chrony when it runs (the hub's own time server; `chronyc -n -c
//   tracking` answers any local user over UDP), otherwise the kernel's view
//   as systemd shows it (`timedatectl show -p NTPSynchronized --value`:
//   adjtimex maxerror under 16 s), otherwise systemd-timesyncd's flag file.
//   chrony's "local stratum" fallback (reference 127.127.1.1) serves time to
//   the devices but is not a synchronisation.
// - RTC: sysfs /sys/class/rtc/rtc0 (name, since_epoch in UTC seconds), e.g.
//   a DS3231 on I²C (dtoverlay=i2c-rtc,ds3231) or the Pi 5's own.
// Every tool may be missing or fail: a reading is then "unknown", never an
// exception.

import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface NtpReading {
  /** null: no tool could tell. */
  synchronised: boolean | null;
  /** Which tool answered. */
  via: 'chrony' | 'timedatectl' | 'timesyncd' | null;
  /** chrony's reference, for the status page. */
  detail?: string;
}

export interface RtcReading {
  /** sysfs path, e.g. /sys/class/rtc/rtc0 */
  path: string;
  /** Driver name, e.g. rtc-ds1307 (which drives the DS3231) or rpi-rtc. */
  name: string;
  /** Its time, ms since 1970 (whole seconds). */
  time: number;
}

export interface ClockReading {
  ntp: NtpReading;
  rtc: RtcReading | null;
}

export interface ClockProbe {
  read(): Promise<ClockReading>;
}

export interface SystemProbeOptions {
  /** sysfs directory of the RTC; "" or null: none is read. */
  rtcPath?: string | null;
  /** systemd-timesyncd's flag file. */
  timesyncFile?: string;
  /** Per command. */
  timeoutMs?: number;
  /** Runs a command; replaced in tests. Resolves with stdout, rejects on any failure. */
  run?: (command: string, args: string[], timeoutMs: number) => Promise<string>;
}

function runCommand(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024, env: { ...process.env, LC_ALL: 'C' } },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

/** chronyd's own reference when it serves its local clock ("local stratum N"). */
const CHRONY_LOCAL_REFID = '7F7F0101';

/**
 * `chronyc -n -c tracking`: CSV, first the reference id (hex), last the leap
 * status ("Normal", "Not synchronised", ...). Null if it is not that.
 */
export function parseChronyTracking(text: string): NtpReading | null {
  const line = text.split('\n').find((l) => l.trim());
  const fields = line?.split(',');
  if (!fields || fields.length < 14 || !/^[0-9A-F]{8}$/i.test(fields[0]!)) return null;
  const refid = fields[0]!.toUpperCase();
  const leap = fields.at(-1)!.trim();
  const synchronised = refid !== '00000000' && refid !== CHRONY_LOCAL_REFID && leap !== 'Not synchronised';
  return { synchronised, via: 'chrony', detail: `${fields[1]} stratum ${fields[2]} (${leap})` };
}

export function parseTimedatectl(text: string): boolean | null {
  const value = text.trim();
  return value === 'yes' ? true : value === 'no' ? false : null;
}

async function readRtc(path: string): Promise<RtcReading | null> {
  try {
    const [seconds, name] = await Promise.all([
      readFile(join(path, 'since_epoch'), 'utf8'),
      readFile(join(path, 'name'), 'utf8').catch(() => 'rtc'),
    ]);
    const s = seconds.trim();
    // An RTC that lost its time fails the read (EINVAL) or gives nonsense.
    if (!/^\d{1,12}$/.test(s)) return null;
    return { path, name: name.trim().slice(0, 60) || 'rtc', time: Number(s) * 1000 };
  } catch {
    return null;
  }
}

export function systemProbe(options: SystemProbeOptions = {}): ClockProbe {
  const run = options.run ?? runCommand;
  const timeoutMs = options.timeoutMs ?? 3000;
  const timesyncFile = options.timesyncFile ?? '/run/systemd/timesync/synchronized';
  const rtcPath = options.rtcPath === undefined ? '/sys/class/rtc/rtc0' : options.rtcPath;

  const ntp = async (): Promise<NtpReading> => {
    // Both at once: a slow D-Bus at boot costs one time-out, not two.
    const [chrony, kernel] = await Promise.all([
      run('chronyc', ['-n', '-c', 'tracking'], timeoutMs).then(parseChronyTracking, () => null),
      run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], timeoutMs).then(
        parseTimedatectl,
        () => null,
      ),
    ]);
    if (chrony) return chrony;
    if (kernel !== null) return { synchronised: kernel, via: 'timedatectl' };
    const timesyncd = await access(timesyncFile).then(
      () => true,
      () => null,
    );
    if (timesyncd) return { synchronised: true, via: 'timesyncd' };
    return { synchronised: null, via: null };
  };

  return {
    async read() {
      const [n, rtc] = await Promise.all([ntp(), rtcPath ? readRtc(rtcPath) : Promise.resolve(null)]);
      return { ntp: n, rtc };
    },
  };
}
