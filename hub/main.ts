// The hub program: `npm run hub` from source, `node dist/hub/main.js` on a
// device (systemd). Settings come from QMS_CONFIG / QMS_* (see README).

import { createLogger } from '../shared/log/logger.js';
import { startHub } from './app.js';
import { ConfigError, loadHubConfig } from './config.js';

const log = createLogger('hub');

async function main(): Promise<void> {
  const config = await loadHubConfig();
  const hub = await startHub(config, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    hub.stop().then(
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

main().catch((error: unknown) => {
  if (error instanceof ConfigError) log.error(error.message);
  else
    log.error('hub failed to start', {
      error: error instanceof Error ? (error.stack ?? error.message) : error,
    });
  process.exit(1);
});
