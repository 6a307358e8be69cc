// The exact restore command for a refusal message, as this installation runs
// it: `node /opt/qms/dist/hub/cli/backup.js` on a device (as the hub's user,
// with the hub's settings), `npm run backup --` from the source tree.

import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { listBackups } from './backup.js';

export function backupCommand(env: Record<string, string | undefined> = process.env): string {
  const here = fileURLToPath(import.meta.url);
  const program = here.endsWith('.js')
    ? `node ${fileURLToPath(new URL('../cli/backup.js', import.meta.url))}`
    : 'npm run backup --';
  const settings = ['QMS_CONFIG', 'QMS_DATA_DIR']
    .filter((name) => env[name]?.trim())
    .map((name) => `${name}=${env[name]?.trim()}`);
  // Under systemd the hub runs as its own user; the restored file must stay its.
  let user = '';
  try {
    const name = userInfo().username;
    if (env.INVOCATION_ID && name !== 'root') user = `sudo -u ${name} `;
  } catch {
    // No passwd entry: leave it out.
  }
  const prefix = settings.length ? `${user}env ${settings.join(' ')} ` : user;
  return `${prefix}${program}`;
}

/** Lines for a refusal: how to list and restore, and the newest backup there is. */
export function restoreAdvice(
  backups: { dir: string; copyTo: string | null },
  env: Record<string, string | undefined> = process.env,
): string {
  const cmd = backupCommand(env);
  let newest: string | null = null;
  try {
    newest = listBackups(backups.dir).at(-1)?.name ?? null;
  } catch {
    newest = null;
  }
  const lines = [
    'To restore a backup, with the hub stopped (the store now in place is kept aside, not deleted):',
  ];
  if (newest) {
    lines.push(`  ${cmd} list`, `  ${cmd} restore latest      (newest: ${newest})`);
  } else {
    lines.push(
      `  there is no backup in ${backups.dir}${backups.copyTo ? `; look on the second disk ${backups.copyTo}` : ''}`,
      `  ${cmd} restore /path/to/qms-YYYY-MM-DD-HHMM.sqlite`,
    );
  }
  lines.push('  (docs/deployment.md, "Backups and restore")');
  return lines.join('\n');
}
