// Every command, spawned as a person types it: `--help` lists every option
// and exits 0; a wrong call (unknown option, option without its value,
// missing argument, bad value) prints one line naming the problem and
// "see --help" on stderr, exits 2, and never shows a stack trace.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const data = mkdtempSync(join(tmpdir(), 'qms-cli-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string[], args: string[]): Promise<Run> {
  const [file, ...rest] = command;
  const argv = file === 'flash' ? ['scripts/flash', ...args] : ['--import', 'tsx', file!, ...rest, ...args];
  const child = spawn(file === 'flash' ? 'bash' : process.execPath, argv, {
    // No hub config, a scratch data folder: a wrong call must not touch anything anyway.
    env: { ...process.env, QMS_DATA_DIR: data, QMS_CONFIG: '', QMS_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

interface CommandCase {
  name: string;
  command: string[];
  /** Every option its help must list. */
  options: string[];
  /** A string option, given without its value. */
  valued?: string;
  /** Other wrong calls and the problem each must name. */
  wrong: [args: string[], names: RegExp][];
}

const DEVICE = ['config', 'help'];
const COMMANDS: CommandCase[] = [
  {
    name: 'kiosk',
    command: ['edge/kiosk/main.ts'],
    options: DEVICE,
    valued: 'config',
    wrong: [[['extra'], /extra/]],
  },
  { name: 'speaker', command: ['edge/speaker/main.ts'], options: DEVICE, valued: 'config', wrong: [] },
  { name: 'rating', command: ['edge/rating-button/main.ts'], options: DEVICE, valued: 'config', wrong: [] },
  {
    name: 'devices',
    command: ['hub/cli/devices.ts'],
    options: ['role', 'counter', 'help'],
    valued: 'role',
    wrong: [
      [[], /say what to do: add, list, revoke/],
      [['remove', 'kiosk-01'], /unknown command "remove"/],
      [['add', 'kiosk-01'], /--role/],
      [['add', 'rating-03', '--role', 'rating', '--counter', '0x3'], /--counter: .*"0x3"/],
      [['add', 'rating-03', '--role', 'rating'], /--counter/],
      [['revoke'], /device id/],
    ],
  },
  {
    name: 'backup',
    command: ['hub/cli/backup.ts'],
    options: ['help'],
    wrong: [
      [[], /say what to do/],
      [['restore'], /restore: say which backup/],
      [['list', 'x'], /unexpected "x"/],
    ],
  },
  {
    name: 'announce',
    command: ['edge/speaker/announce.ts'],
    options: [
      'number',
      'prefix',
      'counter',
      'recall',
      'out',
      'play',
      'config',
      'clips',
      'zero-tens',
      'four',
      'thousand',
      'repeat',
      'no-chime',
      'no-recall-prefix',
      'device',
      'volume',
      'help',
    ],
    valued: 'number',
    wrong: [
      [['--number', '', '--counter', '1'], /--number: .*0 to 9999, got ""/],
      [['--number', '0x10', '--counter', '1'], /--number: .*got "0x10"/],
      [['--number', '1e3', '--counter', '1'], /--number: .*got "1e3"/],
      [['--number', '10000', '--counter', '1'], /--number: .*0 to 9999/],
      [['--number', '5'], /--number and --counter are required/],
      [['--number', '5', '--counter', '1', '--four', 'nam'], /--four/],
    ],
  },
  {
    name: 'clips',
    command: ['edge/speaker/build-clips.ts'],
    options: ['out', 'voice', 'speed', 'rate', 'quiet', 'help'],
    valued: 'out',
    wrong: [[['--speed', 'fast'], /--speed: .*"fast"/]],
  },
  {
    name: 'bundle',
    command: ['scripts/bundle.ts'],
    options: ['arch', 'out', 'out-dir', 'clips', 'no-clips', 'cache', 'help'],
    valued: 'out',
    wrong: [
      [['--arch', 'armv7l'], /--arch: .*"armv7l"/],
      [['--arch', 'arm64', '--arch', 'x64', '--out', 'x.tgz'], /--out needs a single --arch/],
    ],
  },
  {
    name: 'hub',
    command: ['hub/main.ts'],
    options: ['config', 'help'],
    valued: 'config',
    wrong: [[['x'], /x/]],
  },
  {
    name: 'ticket:preview',
    command: ['edge/kiosk/preview.ts'],
    options: ['out', 'offline', 'help'],
    valued: 'out',
    wrong: [],
  },
  {
    name: 'bench',
    command: ['bench/run.ts'],
    options: ['repeat', 'tickets', 'lives', 'devices', 'cores', 'burners', 'only', 'profile', 'help'],
    valued: 'repeat',
    wrong: [],
  },
  {
    name: 'flash',
    command: ['flash'],
    options: ['image', 'target', 'role', 'id', 'hub', 'password-file', 'ssh-key', 'rtc', 'dry-run', 'help'],
    valued: 'image',
    wrong: [[[], /--role is required/]],
  },
];

/** The one-line refusal every wrong call must give. */
function expectRefused(result: Run, name: string, problem: RegExp) {
  const lines = result.stderr.trim().split('\n');
  expect(result.code, result.stderr).toBe(2);
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${name.replace(':', '\\:')}: .*\\(see --help\\)$`));
  expect(lines[0]).toMatch(problem);
  expect(result.stderr + result.stdout).not.toMatch(/^\s+at /m);
  expect(result.stdout).toBe('');
}

describe.concurrent('command lines', () => {
  for (const c of COMMANDS) {
    it(`${c.name} --help lists every option and exits 0`, { timeout: 120_000 }, async () => {
      const result = await run(c.command, ['--help']);
      expect(result.code, result.stderr).toBe(0);
      for (const option of c.options) expect(result.stdout).toMatch(new RegExp(`--${option}\\b`));
      expect(result.stdout).toMatch(/usage: /);
      if (c.command[0] !== 'flash') {
        // One line per option: the flag and what it does.
        const rows = result.stdout.split('\n').filter((l) => /^\s+(-\w, )?\s*--[\w-]+/.test(l));
        for (const row of rows) expect(row.replace(/^\s*(-\w, )?\s*--[\w-]+( \S+)?/, '').trim()).not.toBe('');
      }
    });

    it(`${c.name} refuses an unknown option in one line, exit 2`, { timeout: 120_000 }, async () => {
      expectRefused(await run(c.command, ['--no-such-option']), c.name, /--no-such-option/);
    });

    if (c.valued) {
      const option = c.valued;
      it(`${c.name} refuses --${option} without its value in one line, exit 2`, {
        timeout: 120_000,
      }, async () => {
        expectRefused(await run(c.command, [`--${option}`]), c.name, new RegExp(`--${option}`));
      });
    }

    for (const [args, problem] of c.wrong) {
      it(`${c.name} ${JSON.stringify(args)} is refused naming ${problem}`, { timeout: 120_000 }, async () => {
        expectRefused(await run(c.command, args), c.name, problem);
      });
    }
  }

  it('kiosk with no config says where it looked and how to make one', { timeout: 120_000 }, async () => {
    const missing = join(data, 'kiosk.json');
    const result = await run(['edge/kiosk/main.ts'], ['--config', missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no config at ${missing}`);
    expect(result.stderr).toContain('shared/config/examples/kiosk.json');
    expect(result.stderr).toContain('--config');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
