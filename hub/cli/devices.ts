// Technicians' command for device credentials, working on the hub's store:
//   npm run devices -- add kiosk-01 --role kiosk
//   npm run devices -- add rating-03 --role rating --counter 3
//   npm run devices -- list
//   npm run devices -- revoke kiosk-01
// The token is printed once; only its hash is stored. A device already
// connected keeps its link until it reconnects (the admin page cuts it at once).

import { join } from 'node:path';
import {
  type CommandArgs,
  decimalOption,
  defineCommand,
  runCommand,
  UsageError,
} from '../../shared/cli/command-line.js';
import { DEVICE_ID_PATTERN, ROLES, type Role } from '../../shared/protocol/topics.js';
import { loadHubConfig } from '../config.js';
import { backupName, writeBackup } from '../store/backup.js';
import { DeviceStore } from '../store/device-store.js';
import { openStore } from '../store/open-store.js';
import { restoreAdvice } from '../store/restore-advice.js';

const COMMAND = defineCommand({
  name: 'devices',
  usage: `npm run devices -- add <device-id> --role kiosk|rating|speaker [--counter N]
       npm run devices -- list
       npm run devices -- revoke <device-id>`,
  summary: "Device credentials in the hub's store: add prints the password once (only its hash is kept).",
  positionals: true,
  options: {
    role: { type: 'string', value: 'ROLE', help: `add: the device's role, one of ${ROLES.join(', ')}` },
    counter: { type: 'string', value: 'N', help: 'add: the counter a rating device belongs to (1–999)' },
  },
  footer: "The store is the hub's (QMS_DATA_DIR or the hub config's dataDir, default ./data).",
});

const COMMANDS = ['add', 'list', 'revoke'];

async function main({ values, positionals }: CommandArgs<typeof COMMAND.options>): Promise<void> {
  const [command, deviceId, ...extra] = positionals;
  if (!command) throw new UsageError(`say what to do: ${COMMANDS.join(', ')}`);
  if (!COMMANDS.includes(command))
    throw new UsageError(`unknown command "${command}" (${COMMANDS.join(', ')})`);
  if (extra.length || (command === 'list' && deviceId))
    throw new UsageError(`unexpected "${[...(command === 'list' ? [deviceId] : []), ...extra].join(' ')}"`);
  if (command !== 'list' && (!deviceId || !DEVICE_ID_PATTERN.test(deviceId))) {
    throw new UsageError(
      `${command}: give a device id of 1–40 lowercase letters, digits or "-", starting with a letter or digit`,
    );
  }
  if (command !== 'add' && (values.role !== undefined || values.counter !== undefined))
    throw new UsageError('--role and --counter go with add');
  const role = command === 'add' ? (values.role as Role | undefined) : undefined;
  if (command === 'add' && (!role || !ROLES.includes(role)))
    throw new UsageError(`--role: one of ${ROLES.join(', ')}`);
  const counterId = decimalOption('counter', values.counter, 1, 999) ?? null;
  if (role === 'rating' && counterId === null)
    throw new UsageError('--counter: a rating device belongs to a counter');
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
    if (command === 'add') {
      const token = devices.register(deviceId!, role!, counterId, Date.now());
      console.log(`device ${deviceId} (${role}) registered; its password, shown only now:\n${token}`);
      return;
    }
    if (command === 'revoke') {
      console.log(
        devices.revoke(deviceId!, Date.now()) ? `device ${deviceId} revoked` : `no active device ${deviceId}`,
      );
      return;
    }
  } finally {
    db.close();
  }
}

runCommand(COMMAND, main);
