// The hub program: `npm run hub` from source, `node dist/hub/main.js` on a
// device (systemd). Settings come from QMS_CONFIG / QMS_* (see README).

import { defineCommand, runCommand } from '../shared/cli/command-line.js';
import { failedToStart, stopOnSignals } from '../shared/device/program.js';
import { createLogger } from '../shared/log/logger.js';
import { DataDirLocked } from '../shared/storage/data-lock.js';
import { startHub } from './app.js';
import { loadHubConfig } from './config.js';
import { StoreError } from './store/db.js';

const log = createLogger('hub');

const HUB_COMMAND = defineCommand({
  name: 'hub',
  usage: 'npm run hub [-- --config hub.json]   (on a device: node dist/hub/main.js)',
  summary: 'The hub: MQTT broker, store, HTTP API and pages. A bare start needs no file.',
  options: {
    config: {
      type: 'string',
      short: 'c',
      value: 'FILE',
      help: 'the hub config (default: QMS_CONFIG, else built-in defaults)',
    },
  },
  footer: `environment:
  QMS_CONFIG      the hub config file (as --config)
  QMS_DATA_DIR    the data folder (overrides the config's dataDir, default ./data)
  QMS_HTTP_PORT   HTTP port (default 8080)
  QMS_MQTT_PORT   MQTT port (default 1883)`,
});

runCommand(HUB_COMMAND, async ({ values }) => {
  try {
    const env = values.config === undefined ? process.env : { ...process.env, QMS_CONFIG: values.config };
    const hub = await startHub(await loadHubConfig(env), log);
    stopOnSignals(log, () => hub.stop());
  } catch (error) {
    if (error instanceof DataDirLocked || error instanceof StoreError) {
      // A refusal with its remedy (several lines): said once, plainly, no stack.
      const [first, ...rest] = error.message.split('\n');
      log.error(`refusing to start: ${first}`);
      if (rest.length) process.stderr.write(`${rest.join('\n')}\n`);
      process.exit(1);
    }
    failedToStart(log, 'hub', error);
  }
});
