// What every program (hub and edge devices) does around its own work: read
// `--config`, refuse a wrong file with a clear message, start, and stop
// cleanly on SIGTERM (systemd) or SIGINT (Ctrl+C). In simulate mode a line
// `press <button>` on standard input presses a simulated button or key, so a
// desk setup or a test drives the real program with no GPIO.

import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ConfigError,
  type DeviceConfig,
  loadDeviceConfig,
  redactDeviceConfig,
} from '../config/device-config.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { Role } from '../protocol/topics.js';

/** Stop once on the first SIGTERM or SIGINT, then exit 0 (1 if stopping failed). */
export function stopOnSignals(
  log: Logger,
  stop: () => Promise<void>,
  describe: () => Record<string, unknown> = () => ({}),
) {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal, ...describe() });
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('stop failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

/** Something with simulated buttons: the kiosk (an index or "priority"), rating keys (a level). */
interface Pressable {
  press(button: number | string): void;
}

const hasPress = (device: object): device is Pressable =>
  typeof (device as Partial<Pressable>).press === 'function';

/** Simulate mode: `press 0`, `press priority`, `press very_satisfied` … one per line. */
export function pressesFromStdin(
  log: Logger,
  device: Pressable,
  input: NodeJS.ReadableStream = process.stdin,
) {
  const lines = createInterface({ input });
  lines.on('line', (line) => {
    const match = /^\s*press\s+(\S{1,40})\s*$/.exec(line);
    if (!match) {
      if (line.trim()) log.warn('simulate: expected "press <button>"', { line: line.slice(0, 80) });
      return;
    }
    const button = /^\d{1,3}$/.test(match[1]!) ? Number(match[1]) : match[1]!;
    try {
      device.press(button);
      log.info('simulated press', { button });
    } catch (error) {
      log.warn('simulated press refused', { button, error: error instanceof Error ? error.message : error });
    }
  });
  lines.on('error', () => undefined);
  return lines;
}

/** True when the module at `moduleUrl` is the one node was started with. */
export function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && moduleUrl === pathToFileURL(resolve(entry)).href;
}

export interface DeviceProgram<R extends Role, D extends { stop(): Promise<void> }> {
  role: R;
  /** Name in logs and usage, and the npm script: kiosk, speaker, rating. */
  name: string;
  /** Folder under dist/edge, for the usage line. */
  folder: string;
  start(config: Extract<DeviceConfig, { role: R }>, log: Logger): Promise<D>;
  /** Extra fields for the "starting" and "stopping" log lines. */
  describe?: (config: Extract<DeviceConfig, { role: R }>, device?: D) => Record<string, unknown>;
}

/** The `main` of an edge program: `--config <file>` (or QMS_<NAME>_CONFIG, or /etc/qms/<name>.json). */
export async function runDeviceProgram<R extends Role, D extends { stop(): Promise<void> }>(
  program: DeviceProgram<R, D>,
): Promise<void> {
  const log = createLogger(program.name);
  const { values } = parseArgs({
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(
      `usage: npm run ${program.name} -- --config <${program.name}.json>   (node dist/edge/${program.folder}/main.js --config …)`,
    );
    return;
  }
  const path =
    values.config ??
    process.env[`QMS_${program.name.toUpperCase()}_CONFIG`] ??
    `/etc/qms/${program.name}.json`;
  let config: DeviceConfig;
  try {
    config = await loadDeviceConfig(path);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.error(error.message);
    process.exit(1);
  }
  if (config.role !== program.role) {
    log.error(`${path}: role is "${config.role}"; this program needs a ${program.role} config`);
    process.exit(1);
  }
  const own = config as Extract<DeviceConfig, { role: R }>;
  log.info('starting', {
    config: path,
    deviceId: own.deviceId,
    simulate: own.simulate,
    ...program.describe?.(own),
  });
  log.debug('config', { config: redactDeviceConfig(own) });
  const device = await program.start(own, log);
  if (own.simulate && hasPress(device)) pressesFromStdin(log, device);
  stopOnSignals(
    log,
    () => device.stop(),
    () => program.describe?.(own, device) ?? {},
  );
}

/** Run `program` if its module is the entry point; a crash at start is logged and exits 1. */
export function mainIfEntry<R extends Role, D extends { stop(): Promise<void> }>(
  moduleUrl: string,
  program: DeviceProgram<R, D>,
): void {
  if (!isEntryPoint(moduleUrl)) return;
  runDeviceProgram(program).catch((error: unknown) => {
    createLogger(program.name).error(`${program.name} failed to start`, {
      error: error instanceof Error ? (error.stack ?? error.message) : error,
    });
    process.exit(1);
  });
}
