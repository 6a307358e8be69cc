// The hub program: `npm run hub` from source, `node dist/hub/main.js` on a
// device (systemd). Settings come from QMS_CONFIG / QMS_* (see README).

import { stopOnSignals } from '../shared/device/program.js';
import { createLogger } from '../shared/log/logger.js';
import { DataDirLocked } from '../shared/storage/data-lock.js';
import { startHub } from './app.js';
import { ConfigError, loadHubConfig } from './config.js';
import { StoreError } from './store/db.js';

const log = createLogger('hub');

async function main(): Promise<void> {
  const hub = await startHub(await loadHubConfig(), log);
  stopOnSignals(log, () => hub.stop());
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) log.error(error.message);
  else if (error instanceof DataDirLocked || error instanceof StoreError) {
    // A refusal with its remedy (several lines): said once, plainly, no stack.
    const [first, ...rest] = error.message.split('\n');
    log.error(`refusing to start: ${first}`);
    if (rest.length) process.stderr.write(`${rest.join('\n')}\n`);
  } else
    log.error('hub failed to start', {
      error: error instanceof Error ? (error.stack ?? error.message) : error,
    });
  process.exit(1);
});
