// The kiosk program: `npm run kiosk -- --config kiosk.json` from source,
// `node dist/edge/kiosk/main.js --config /etc/qms/kiosk.json` on a Pi.
// With `simulate: true` it runs on a desk: simulated buttons (the demo
// presses them), and each printed ticket kept as PNG + ESC/POS in
// <dataDir>/printed.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadDeviceConfig, redactDeviceConfig } from '../../shared/config/device-config.js';
import { createLogger } from '../../shared/log/logger.js';
import { startKiosk } from './kiosk.js';

export { type Kiosk, type KioskOptions, type PrintedTicket, startKiosk } from './kiosk.js';

const USAGE = 'usage: npm run kiosk -- --config <kiosk.json>   (node dist/edge/kiosk/main.js --config …)';

async function main(): Promise<void> {
  const log = createLogger('kiosk');
  const { values } = parseArgs({
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const path = values.config ?? process.env.QMS_KIOSK_CONFIG ?? '/etc/qms/kiosk.json';
  let config: Awaited<ReturnType<typeof loadDeviceConfig>>;
  try {
    config = await loadDeviceConfig(path);
  } catch (error) {
    if (error instanceof ConfigError) log.error(error.message);
    else throw error;
    process.exit(1);
  }
  if (config.role !== 'kiosk') {
    log.error(`${path}: role is "${config.role}"; this program needs a kiosk config`);
    process.exit(1);
  }
  log.info('starting', { config: path, deviceId: config.deviceId, simulate: config.simulate });
  log.debug('config', { config: redactDeviceConfig(config) });
  const kiosk = await startKiosk(config, { log });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    kiosk.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('stop failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(resolve(entry)).href) {
  main().catch((error: unknown) => {
    createLogger('kiosk').error('kiosk failed to start', {
      error: error instanceof Error ? (error.stack ?? error.message) : error,
    });
    process.exit(1);
  });
}
