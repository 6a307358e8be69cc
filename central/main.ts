// The province centre's program: `npm run central` from source, `node
// dist/central/main.js` under systemd (systemd/qms-central.service).
// Settings: QMS_CENTRAL_CONFIG and QMS_CENTRAL_* (docs/central.md).

import { failedToStart, stopOnSignals } from '../shared/device/program.js';
import { createLogger } from '../shared/log/logger.js';
import { startCentral } from './app.js';
import { loadCentralConfig } from './config.js';

const log = createLogger('central');

async function main(): Promise<void> {
  const central = await startCentral(await loadCentralConfig(), log);
  stopOnSignals(log, () => central.stop());
}

main().catch((error: unknown) => failedToStart(log, 'central', error));
