// The province centre's program: `npm run central` from source, `node
// dist/central/main.js` under systemd (systemd/qms-central.service).
// Settings: QMS_CENTRAL_CONFIG and QMS_CENTRAL_* (docs/central.md).

import { stopOnSignals } from '../shared/device/program.js';
import { createLogger } from '../shared/log/logger.js';
import { startCentral } from './app.js';
import { ConfigError, loadCentralConfig } from './config.js';

const log = createLogger('central');

async function main(): Promise<void> {
  const central = await startCentral(await loadCentralConfig(), log);
  stopOnSignals(log, () => central.stop());
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) log.error(error.message);
  else
    log.error('central failed to start', {
      error: error instanceof Error ? (error.stack ?? error.message) : error,
    });
  process.exit(1);
});
