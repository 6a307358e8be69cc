// The systemd units: `systemd-analyze verify` (Debian's systemd 252, the
// version of Raspberry Pi OS Bookworm) passes on each with no warning at
// all (an unknown key is only a warning, so any output fails), and each unit
// has what its program needs: restart with a back-off, a state directory,
// the journal, its supplementary groups, and the hardening options.
// The units run the bundle's own Node.js (/opt/qms/node/bin/node); they are
// copied to a temporary folder with it pointed at this Node (verify checks
// that the binary exists); the real files stay real.

import { execFile as execFileCb } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_NODE, PROGRAMS } from '../../scripts/bundle.js';
import { DEVICE_PATHS } from '../../scripts/flash-lib/config.js';
import { ROLE_GROUPS, unitName } from '../../scripts/flash-lib/first-boot.js';
import { FLASH_ROLES } from '../../scripts/flash-lib/options.js';

const execFile = promisify(execFileCb);
const UNITS = join(import.meta.dirname, '..', '..', 'systemd');
let dir: string;

/** Directives newer than systemd 252 (Bookworm): they would be ignored there. */
const NEWER_THAN_252 = [
  'RestartSteps',
  'RestartMaxDelaySec',
  'OpenFile',
  'RestartMode',
  'SurviveFinalKillSignal',
  'ImportCredential',
  'MemoryZSwapWriteback',
  'PrivatePIDs',
];

async function verify(file: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await execFile('systemd-analyze', ['verify', file], {
      cwd: dir,
      timeout: 20_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** key → values of a unit file (a key may repeat). */
function directives(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qms-units-'));
  for (const name of readdirSync(UNITS)) {
    const text = readFileSync(join(UNITS, name), 'utf8').replaceAll(
      `/opt/qms/${BUNDLED_NODE}`,
      process.execPath,
    );
    writeFileSync(join(dir, name), text);
  }
  // verify takes instances, not templates: the back-off as the kiosk's OnFailure= starts it.
  copyFileSync(join(dir, 'qms-backoff@.service'), join(dir, 'qms-backoff@qms-kiosk.service.service'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('systemd-analyze verify', () => {
  it.each([...FLASH_ROLES.map(unitName), 'qms-backoff@qms-kiosk.service.service', 'qms-central.service'])(
    '%s: passes with no output',
    async (name) => {
      const result = await verify(join(dir, name));
      expect(result.output).toBe('');
      expect(result.code).toBe(0);
    },
  );

  it('would catch an unknown key or a missing program (so the check above means something)', async () => {
    const bad = readFileSync(join(dir, 'qms-kiosk.service'), 'utf8')
      .replace('RestartSec=5', 'RestartSec=5\nRestartSteps=5')
      .replace(process.execPath, '/nonexistent/node');
    writeFileSync(join(dir, 'bad.service'), bad);
    const result = await verify(join(dir, 'bad.service'));
    expect(result.output).toMatch(/Unknown key 'RestartSteps'/);
    expect(result.output).toMatch(/\/nonexistent\/node is not executable/);
    expect(result.code).not.toBe(0);
  });
});

describe('what each unit gives its program', () => {
  it.each(FLASH_ROLES)('qms-%s.service', (role) => {
    const text = readFileSync(join(UNITS, unitName(role)), 'utf8');
    const d = directives(text);
    const one = (key: string) => d.get(key)?.[0];
    const program = `/opt/qms/${BUNDLED_NODE} /opt/qms/${PROGRAMS[role]}`;
    expect(one('ExecStart')).toBe(
      role === 'hub' ? program : `${program} --config ${DEVICE_PATHS.config(role)}`,
    );
    expect(one('User')).toBe('qms');
    expect(one('Restart')).toBe('on-failure');
    expect(Number(one('RestartSec'))).toBeGreaterThan(0);
    expect(one('StartLimitIntervalSec')).toBe('120');
    expect(one('StartLimitBurst')).toBe('5');
    expect(one('OnFailure')).toBe('qms-backoff@%n.service');
    expect(one('StateDirectory')).toBe(DEVICE_PATHS.dataDir(role).replace('/var/lib/', ''));
    expect(one('StandardOutput')).toBe('journal');
    expect(one('StandardError')).toBe('journal');
    expect((one('SupplementaryGroups') ?? '').split(' ').filter(Boolean)).toEqual(ROLE_GROUPS[role]);
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('ReadWritePaths')).toBe(DEVICE_PATHS.dataDir(role));
    // Node's JIT needs writable+executable memory.
    expect(d.has('MemoryDenyWriteExecute')).toBe(false);
    // GPIO export writes /sys: the GPIO roles must keep it writable.
    if (ROLE_GROUPS[role].includes('gpio')) expect(d.has('ProtectKernelTunables')).toBe(false);
    for (const key of NEWER_THAN_252) expect(d.has(key), key).toBe(false);
  });
});
