// What every program (hub and edge devices) does around its own work: read
// `--config`, refuse a wrong file with a clear message, start, and stop
// cleanly on SIGTERM (systemd) or SIGINT (Ctrl+C).

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  defineCommand,
  helpText,
  isEntryPoint,
  parseCommandLine,
  UsageError,
  usageLine,
} from '../cli/command-line.js';
import {
  ConfigError,
  type DeviceConfig,
  loadDeviceConfig,
  redactDeviceConfig,
} from '../config/device-config.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { Role } from '../protocol/topics.js';
import { DataDirLocked, type DataLock, lockDataDir } from '../storage/data-lock.js';

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

/**
 * A program that could not start: a config problem in its own one-line
 * words, anything else with its stack; then exit 1.
 */
export function failedToStart(log: Logger, name: string, error: unknown): never {
  if (error instanceof ConfigError) log.error(error.message);
  else
    log.error(`${name} failed to start`, {
      error: error instanceof Error ? (error.stack ?? error.message) : error,
    });
  process.exit(1);
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
  /**
   * Simulate mode only: a line typed on stdin (`press 0`), as a finger on a
   * simulated button would. Returns what was done, for the log; throws on a
   * line it does not understand. Under systemd stdin is empty: nothing happens.
   */
  input?: (device: D, line: string) => string;
}

/** Simulate mode: feed stdin lines to the program's `input`, one log line each. */
function readSimulatedInput<D>(log: Logger, device: D, input: (device: D, line: string) => string): void {
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (raw) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      log.info('simulated input', { line, done: input(device, line) });
    } catch (error) {
      log.warn('simulated input not understood', { line, reason: (error as Error).message });
    }
  });
  // The program does not wait for stdin: the device connection keeps it running.
  process.stdin.unref?.();
}

/** The command line every edge program takes. */
export function deviceCommand(program: Pick<DeviceProgram<Role, never>, 'name' | 'folder'>) {
  const env = `QMS_${program.name.toUpperCase()}_CONFIG`;
  return defineCommand({
    name: program.name,
    usage: `npm run ${program.name} -- --config <${program.name}.json>   (on a device: node dist/edge/${program.folder}/main.js --config …)`,
    options: {
      config: {
        type: 'string',
        short: 'c',
        value: 'FILE',
        help: `the device config (default: ${env}, else /etc/qms/${program.name}.json)`,
      },
    },
    footer: `An example config: ${exampleConfig(program.name)} (copy it, set deviceId, hub and password).`,
  });
}

function exampleConfig(name: string): string {
  return `shared/config/examples/${name}.json`;
}

/** Where the config was looked for and how to make one: printed when there is none. */
export function missingConfigHint(program: Pick<DeviceProgram<Role, never>, 'name'>, path: string): string {
  return `${program.name}: no config at ${resolve(path)}. Make one from the example: cp ${exampleConfig(program.name)} ${program.name}.json, edit it, then npm run ${program.name} -- --config ${program.name}.json (or set QMS_${program.name.toUpperCase()}_CONFIG).`;
}

/** The `main` of an edge program: `--config <file>` (or QMS_<NAME>_CONFIG, or /etc/qms/<name>.json). */
export async function runDeviceProgram<R extends Role, D extends { stop(): Promise<void> }>(
  program: DeviceProgram<R, D>,
): Promise<void> {
  const log = createLogger(program.name);
  const command = deviceCommand(program);
  const { values } = parseCommandLine(command, process.argv.slice(2));
  if (values.help) {
    console.log(helpText(command));
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
    if (!existsSync(path)) {
      console.error(missingConfigHint(program, path));
    }
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
  // A second copy on the same data folder (a unit started twice, a technician
  // running the program by hand beside systemd) would print the same leased
  // numbers or send the same presses twice: refuse it at once, naming the first.
  let lock: DataLock;
  try {
    lock = lockDataDir(resolve(own.dataDir), program.name, program.name);
  } catch (error) {
    if (!(error instanceof DataDirLocked)) throw error;
    log.error(error.message);
    process.exit(1);
  }
  // The signal handlers come before the start: a SIGTERM that arrives while
  // it runs (systemd stopping a unit that just started, after its "ready"
  // line but before start returns) waits for the start, then stops cleanly,
  // instead of killing the program with its state files half written.
  let device: D | undefined;
  const started = program.start(own, log);
  stopOnSignals(
    log,
    () => started.then((d) => d.stop()).finally(() => lock.release()),
    () => program.describe?.(own, device) ?? {},
  );
  device = await started;
  if (own.simulate && program.input) readSimulatedInput(log, device, program.input);
}

/** Run `program` if its module is the entry point; a crash at start is logged and exits 1. */
export function mainIfEntry<R extends Role, D extends { stop(): Promise<void> }>(
  moduleUrl: string,
  program: DeviceProgram<R, D>,
): void {
  if (!isEntryPoint(moduleUrl)) return;
  runDeviceProgram(program).catch((error: unknown) => {
    if (error instanceof UsageError) {
      console.error(usageLine(program.name, error.message));
      process.exit(2);
    }
    failedToStart(createLogger(program.name), program.name, error);
  });
}
