// `npm run central:demo`: a local province centre for the demo, beside
// `npm start`: Mosquitto with the shipped configuration (TLS with a CA made
// now), PostgreSQL in a temporary folder, and the central service on
// http://127.0.0.1:8090. It writes .tmp/central-demo/hub.json, which points
// the demo hub at it:  QMS_CONFIG=.tmp/central-demo/hub.json npm start
// Needs Debian's mosquitto and postgresql (npm test installs them). Ctrl+C
// stops it and removes its data.

import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startCentral } from '../central/app.js';
import { centralConfigSchema } from '../central/config.js';
import { generatePassword, hashPassword } from '../hub/auth/passwords.js';
import { createLogger } from '../shared/log/logger.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { startPostgres } from '../test/helpers/postgres.js';

const log = createLogger('central-demo');
const OFFICE = 'demo-office';

async function main() {
  const [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
  const stopAll = async () => {
    await broker.remove().catch(() => {});
    await postgres.remove().catch(() => {});
  };
  try {
    const databaseUrl = await postgres.createDatabase('qms_central');
    const dir = resolve('.tmp', 'central-demo');
    mkdirSync(dir, { recursive: true });
    writeFileSync(resolve(dir, 'central.password'), `${broker.addOffice(OFFICE)}\n`, { mode: 0o600 });
    copyFileSync(broker.caFile, resolve(dir, 'ca.crt'));
    writeFileSync(
      resolve(dir, 'hub.json'),
      `${JSON.stringify(
        {
          central: {
            enabled: true,
            url: broker.tlsUrl,
            officeId: OFFICE,
            passwordFile: resolve(dir, 'central.password'),
            caFile: resolve(dir, 'ca.crt'),
            resendSeconds: 5,
          },
        },
        null,
        2,
      )}\n`,
    );
    const central = await startCentral(
      centralConfigSchema.parse({
        name: 'Công an tỉnh (demo)',
        http: { host: '127.0.0.1', port: Number(process.env.QMS_CENTRAL_HTTP_PORT ?? 8090) },
        mqtt: { url: broker.localUrl, username: 'central', password: broker.centralPassword },
        postgres: { url: databaseUrl },
      }),
      log,
    );
    const password = generatePassword();
    await central.accounts.create(
      {
        username: 'lanhdao',
        displayName: 'Lãnh đạo tỉnh',
        role: 'officer',
        passwordHash: await hashPassword(password),
      },
      Date.now(),
    );
    process.stdout.write(
      `\n  Province centre: http://127.0.0.1:${central.httpPort}/dashboard\n` +
        `  Sign in as "lanhdao", password ${password}\n` +
        `  Start the office demo beside it:  QMS_CONFIG=.tmp/central-demo/hub.json npm start\n\n`,
    );
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await central.stop().catch(() => {});
      await stopAll();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    await stopAll();
    throw error;
  }
}

main().catch((error: unknown) => {
  log.error('central demo failed', { error: error instanceof Error ? error.message : error });
  process.exit(1);
});
