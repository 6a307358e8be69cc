// One office, run entirely from an unpacked bundle with the bundle's own
// Node.js: the hub (its SQLite written by the bundle's better-sqlite3) and the
// kiosk, speaker and rating programs in simulate mode, as separate processes
// started the way systemd starts them (node dist/…/main.js --config FILE).
// An arm64 bundle runs under qemu-aarch64-static on an x86 machine; a bundle
// for this machine's CPU runs natively. Presses go in on the programs'
// standard input ("press 0"), as a technician at a desk would type them.

import { type ChildProcess, execFile as execFileCb, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { parseWav, wavDurationSeconds } from '../../edge/speaker/wav.js';
import { type Arch, isNative, TARGETS } from '../../scripts/bundle-lib/targets.js';
import { registerDevice } from '../../scripts/flash-lib/hub-api.js';
import { freePort } from '../helpers/hub.js';
import { signInAt, testOfficer } from '../helpers/rating.js';

const execFile = promisify(execFileCb);

/** Command and leading arguments that run the bundle's node for `arch` here, or null with why not. */
export function bundleNode(app: string, arch: Arch): { command: string; args: string[] } | string {
  const node = join(app, 'node', 'bin', 'node');
  if (isNative(arch)) return { command: node, args: [] };
  const emulator = TARGETS[arch].emulator;
  if (!emulator) return `no emulator for ${arch} on ${process.arch}`;
  const found = [process.env.PATH ?? '', '/usr/bin']
    .join(':')
    .split(':')
    .some((dir) => dir && existsSync(join(dir, emulator.command)));
  if (!found) return `${emulator.command} is not installed (apt-get install ${emulator.packages.join(' ')})`;
  if (!existsSync(join(emulator.sysroot, 'lib')))
    return `${emulator.sysroot} is missing (apt-get install ${emulator.packages.join(' ')})`;
  return { command: emulator.command, args: ['-L', emulator.sysroot, node] };
}

export interface ProgramFigures {
  /** Spawn → ready (hub) or connected to the hub (devices), ms. */
  startMs: number;
  /** Resident memory after the flow, and its peak, MiB (of qemu itself under emulation). */
  rssMiB: number;
  peakMiB: number;
}

export class BundleProgram {
  readonly child: ChildProcess;
  private output = '';
  private readonly started = performance.now();
  readyMs = Number.NaN;

  constructor(
    readonly name: string,
    launcher: { command: string; args: string[] },
    app: string,
    args: string[],
    env: Record<string, string>,
  ) {
    this.child = spawn(launcher.command, [...launcher.args, ...args], {
      cwd: app,
      env: { ...process.env, NODE_ENV: 'production', QMS_LOG_LEVEL: 'info', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const take = (d: Buffer) => {
      this.output += d.toString();
    };
    this.child.stdout!.on('data', take);
    this.child.stderr!.on('data', take);
    this.child.stdin!.on('error', () => undefined);
  }

  get log(): string {
    return this.output;
  }

  /** Resolves when the output matches, with the time since spawn; rejects if the program exits. */
  async waitFor(pattern: RegExp, what: string, ms: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(
          `${this.name} exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}:\n${this.output}`,
        );
      if (Date.now() > deadline) throw new Error(`${this.name}: no ${what} within ${ms} ms:\n${this.output}`);
      await sleep(20);
    }
  }

  async ready(pattern: RegExp, ms: number): Promise<void> {
    await this.waitFor(pattern, 'start', ms);
    this.readyMs = performance.now() - this.started;
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** VmRSS and VmHWM of the process (MiB). */
  memory(): { rssMiB: number; peakMiB: number } {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
  }

  /** SIGTERM and the exit code (the programs stop cleanly with 0). */
  async stop(ms = 60_000): Promise<number | string | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null)
      return this.child.exitCode ?? this.child.signalCode;
    const exited = new Promise<number | string | null>((resolve) =>
      this.child.once('exit', (code, signal) => resolve(code ?? signal)),
    );
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface OfficeRun {
  figures: Record<'hub' | 'kiosk' | 'speaker' | 'rating', ProgramFigures>;
  ticket: { display: string; number: number; status: string };
  wav: { file: string; seconds: number; sampleRate: number };
  rating: { level: string; score: number; ticket_id: string };
  /** Seconds from the first press to the stored rating. */
  flowSeconds: number;
  /** What the bundled backup command printed for `now` and `check latest`, beside the running hub. */
  backup: { now: string; check: string };
  exitCodes: Record<string, number | string | null>;
}

async function until<T>(what: string, check: () => T | undefined | null | false, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Start the hub from `app`, register three devices through its admin API,
 * start them, then: a kiosk press gives a ticket in the hub's SQLite, the
 * officer's call gives an announcement WAV, a rating key gives a stored rating.
 * `slow` scales every time limit (emulation).
 */
export async function runOffice(app: string, arch: Arch, work: string, slow: number): Promise<OfficeRun> {
  const launcher = bundleNode(app, arch);
  if (typeof launcher === 'string') throw new Error(launcher);
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  const hubData = join(work, 'hub');
  const programs: BundleProgram[] = [];
  const ms = (base: number) => base * slow;
  try {
    const hub = new BundleProgram('hub', launcher, app, ['dist/hub/main.js'], {
      QMS_DATA_DIR: hubData,
      QMS_HTTP_PORT: String(httpPort),
      QMS_MQTT_PORT: String(mqttPort),
    });
    programs.push(hub);
    await hub.ready(/ INFO hub: ready /, ms(20_000));
    const adminPassword = (
      await hub.waitFor(/Password \(shown only now\): (\S+)/, 'admin password', 5000)
    )[1]!;
    const page = await fetch(`${httpUrl}/login`);
    if (page.status !== 200 || !/<html/i.test(await page.text()))
      throw new Error('the hub serves no login page');
    const cookie = await signInAt(httpUrl, 'admin', adminPassword);
    const token = cookie.replace(/^qms_session=/, '');
    const register = (deviceId: string, role: 'kiosk' | 'speaker' | 'rating', counterId?: number) =>
      registerDevice({ httpUrl, deviceId, role, counterId, replace: false, auth: { token } });

    const device = (role: 'kiosk' | 'speaker' | 'rating', password: string, hardware: object) => {
      const file = join(work, `${role}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          role,
          deviceId: `${role}-a`,
          site: { name: 'Công an tỉnh Thanh Hóa – Bộ phận một cửa' },
          hub: { mqttUrl, httpUrl },
          credentials: { password },
          dataDir: join(work, role),
          simulate: true,
          hardware,
        }),
      );
      const folder = role === 'rating' ? 'rating-button' : role;
      const program = new BundleProgram(
        role,
        launcher,
        app,
        [`dist/edge/${folder}/main.js`, '--config', file],
        {},
      );
      programs.push(program);
      return program;
    };
    const kiosk = device('kiosk', await register('kiosk-a', 'kiosk'), {
      buttons: [{ gpio: 5, fieldId: 'can-cuoc' }],
      debounceMs: 0,
      pressWindowMs: 0,
      requestTimeoutMs: ms(5000),
    });
    const speaker = device('speaker', await register('speaker-a', 'speaker'), {
      audio: { clipsDir: join(app, 'clips') },
    });
    const rating = device('rating', await register('rating-a', 'rating', 1), {
      counterId: 1,
      keys: [
        { gpio: 5, level: 'very_satisfied' },
        { gpio: 6, level: 'satisfied' },
        { gpio: 13, level: 'unsatisfied' },
      ],
      requestTimeoutMs: ms(3000),
    });
    const connected = / INFO [\w/-]+: connected to hub /;
    await Promise.all([kiosk, speaker, rating].map((p) => p.ready(connected, ms(30_000))));
    await speaker.waitFor(/clip pack ready/, 'clip pack', ms(10_000));

    const db = () => new Database(join(hubData, 'qms.sqlite'), { readonly: true, fileMustExist: true });
    const query = <T>(sql: string): T | undefined => {
      const handle = db();
      try {
        return handle.prepare(sql).get() as T | undefined;
      } finally {
        handle.close();
      }
    };

    const flowStarted = performance.now();
    // A press before the hub's catalogue has arrived is ignored (and says so): press again then.
    const ignored = () => kiosk.log.split('press ignored').length;
    const ticketDeadline = Date.now() + ms(20_000);
    let ticket: OfficeRun['ticket'] | undefined;
    while (!ticket) {
      const before = ignored();
      kiosk.send('press 0');
      const found = await until(
        'the ticket in the hub SQLite',
        () =>
          query<OfficeRun['ticket']>(
            "SELECT display, number, status FROM tickets WHERE source_device = 'kiosk-a'",
          ) ?? (ignored() > before ? 'again' : undefined),
        Math.max(0, ticketDeadline - Date.now()),
      );
      if (found === 'again') await sleep(200);
      else ticket = found;
    }
    await until(
      'the printed ticket',
      () =>
        existsSync(join(work, 'kiosk', 'printed')) &&
        readdirSync(join(work, 'kiosk', 'printed')).some((f) => f.endsWith('.png')),
      ms(20_000),
    );

    const officer = testOfficer(httpUrl, cookie, 1);
    await officer.take();
    const called = (await officer.callNext()) as { ticket?: { display?: string } };
    if (called.ticket?.display !== undefined && called.ticket.display !== ticket.display)
      throw new Error(`counter 1 called ${called.ticket.display}, not ${ticket.display}`);
    const announcements = join(work, 'speaker', 'announcements');
    const wavFile = await until(
      'the announcement WAV',
      () => existsSync(announcements) && readdirSync(announcements).find((f) => f.endsWith('.wav')),
      ms(30_000),
    );
    // Written in full before it is named .wav? Wait for a parseable file.
    const wav = await until(
      'a complete WAV',
      () => {
        try {
          return parseWav(readFileSync(join(announcements, wavFile)));
        } catch {
          return null;
        }
      },
      ms(10_000),
    );
    await officer.start();
    await officer.finish();

    // The key press right after the service; pressed again if the hub had not seen the finish yet.
    let stored: OfficeRun['rating'] | undefined;
    const ratingDeadline = Date.now() + ms(30_000);
    while (!stored) {
      rating.send('press very_satisfied');
      try {
        stored = await until(
          'the rating in the hub SQLite',
          () =>
            query<OfficeRun['rating']>(
              "SELECT level, score, ticket_id FROM ratings WHERE device_id = 'rating-a'",
            ),
          Math.min(ms(5000), Math.max(0, ratingDeadline - Date.now())),
        );
      } catch (error) {
        if (Date.now() > ratingDeadline) throw error;
      }
    }
    const flowSeconds = (performance.now() - flowStarted) / 1000;

    // The technician's backup command, from the bundle, beside the running hub.
    const tool = async (...args: string[]) => {
      const { stdout } = await execFile(
        launcher.command,
        [...launcher.args, 'dist/hub/cli/backup.js', ...args],
        {
          cwd: app,
          env: { ...process.env, QMS_DATA_DIR: hubData },
          timeout: ms(60_000),
        },
      );
      return stdout;
    };
    const backup = { now: await tool('now'), check: await tool('check', 'latest') };

    const figures = {} as OfficeRun['figures'];
    for (const p of programs) {
      figures[p.name as keyof OfficeRun['figures']] = { startMs: p.readyMs, ...p.memory() };
    }
    const exitCodes: Record<string, number | string | null> = {};
    for (const p of [...programs].reverse()) exitCodes[p.name] = await p.stop();
    return {
      figures,
      ticket,
      wav: { file: wavFile, seconds: wavDurationSeconds(wav), sampleRate: wav.format.sampleRate },
      rating: stored,
      flowSeconds,
      backup,
      exitCodes,
    };
  } catch (error) {
    const logs = programs.map((p) => `--- ${p.name}\n${p.log.slice(-3000)}`).join('\n');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs}`);
  } finally {
    for (const p of programs) await p.stop(5000);
  }
}
