// Technicians' command for device credentials, working on the hub's store:
//   npm run devices -- add kiosk-01 --role kiosk
//   npm run devices -- add rating-03 --role rating --counter 3
//   npm run devices -- list
//   npm run devices -- revoke kiosk-01
// The token is printed once; only its hash is stored. A device already
// connected keeps its link until it reconnects (the admin page cuts it at once).

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEVICE_ID_PATTERN, ROLES, type Role } from '../../shared/protocol/topics.js';
import { loadHubConfig } from '../config.js';
import { backupName, writeBackup } from '../store/backup.js';
import { DeviceStore } from '../store/device-store.js';
import { openStore } from '../store/open-store.js';
import { restoreAdvice } from '../store/restore-advice.js';

const USAGE = `usage:
  devices add <device-id> --role kiosk|rating|speaker [--counter N]
  devices list
  devices revoke <device-id>
The store is the hub's (QMS_DATA_DIR or the hub config's dataDir, default ./data).`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, counter: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, deviceId] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  const config = await loadHubConfig();
  // The same checks as the hub: never a fresh store in a used folder, never a damaged one.
  const backups = {
    dir: config.backup.dir ?? join(config.dataDir, 'backups'),
    copyTo: config.backup.copyTo ?? null,
  };
  const { db } = await openStore(config.dataDir, {
    beforeMigration: async (store, _from, to) => {
      await writeBackup(store, backups.dir, backupName(Date.now(), config.site.timeZone, `before-v${to}`));
    },
    restoreHint: () => restoreAdvice(backups),
  });
  const devices = new DeviceStore(db);
  try {
    if (command === 'list') {
      for (const d of devices.list()) {
        const seen = d.lastSeen ? new Date(d.lastSeen).toISOString() : 'never';
        const state = d.revokedAt ? 'revoked' : (d.status?.state ?? 'unknown');
        console.log(`${d.id}\t${d.role}\t${d.counterId ?? '-'}\t${state}\tlast seen ${seen}`);
      }
      return;
    }
    if (!deviceId || !DEVICE_ID_PATTERN.test(deviceId)) {
      throw new UsageError(
        'device id: use 1–40 lowercase letters, digits or "-", starting with a letter or digit',
      );
    }
    if (command === 'add') {
      const role = values.role as Role | undefined;
      if (!role || !ROLES.includes(role)) throw new UsageError(`--role: one of ${ROLES.join(', ')}`);
      let counterId: number | null = null;
      if (values.counter !== undefined) {
        counterId = Number(values.counter);
        if (!Number.isInteger(counterId) || counterId < 1)
          throw new UsageError('--counter: a counter number such as 3');
      }
      if (role === 'rating' && counterId === null)
        throw new UsageError('--counter: a rating device belongs to a counter');
      const token = devices.register(deviceId, role, counterId, Date.now());
      console.log(`device ${deviceId} (${role}) registered; its password, shown only now:\n${token}`);
      return;
    }
    if (command === 'revoke') {
      console.log(
        devices.revoke(deviceId, Date.now()) ? `device ${deviceId} revoked` : `no active device ${deviceId}`,
      );
      return;
    }
    throw new UsageError(`unknown command "${command}"`);
  } finally {
    db.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof UsageError) console.error(USAGE);
  process.exit(2);
});
