// Province accounts, on the central store (QMS_CENTRAL_CONFIG / QMS_CENTRAL_DATABASE_URL):
//   npm run central:accounts -- add <username> [--admin] [--name "Họ tên"]
//   npm run central:accounts -- password <username>
//   npm run central:accounts -- disable <username> | enable <username>
//   npm run central:accounts -- list
// A new password is generated and printed once; only its scrypt hash is stored.

import { parseArgs } from 'node:util';
import pg from 'pg';
import { generatePassword, hashPassword } from '../../hub/auth/passwords.js';
import { loadCentralConfig } from '../config.js';
import { CentralAccounts } from '../store/accounts.js';
import { migrate } from '../store/schema.js';

const USAGE = `usage:
  central:accounts add <username> [--admin] [--name "display name"]
  central:accounts password <username>
  central:accounts disable <username> | enable <username>
  central:accounts list`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { admin: { type: 'boolean' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, username] = positionals;
  if (values.help || !command || (command !== 'list' && !username)) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (username !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(username)) {
    console.error('a username is 1–64 letters, digits or _ . -');
    return 2;
  }
  const config = await loadCentralConfig();
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
  try {
    await migrate(pool);
    const accounts = new CentralAccounts(pool);
    if (command === 'list') {
      for (const a of await accounts.list())
        console.log(`${a.username}\t${a.role}\t${a.displayName}${a.disabledAt ? '\t(disabled)' : ''}`);
      return 0;
    }
    const name = username!;
    if (command === 'add' || command === 'password') {
      const password = generatePassword();
      const hash = await hashPassword(password);
      const done =
        command === 'add'
          ? await accounts.create(
              {
                username: name,
                displayName: values.name ?? name,
                role: values.admin ? 'admin' : 'officer',
                passwordHash: hash,
              },
              Date.now(),
            )
          : await accounts.setPassword(name, hash);
      if (!done) {
        console.error(command === 'add' ? `${name} exists already` : `no account ${name}`);
        return 1;
      }
      console.log(`${name}: password ${password} (shown only now)`);
      return 0;
    }
    if (command === 'disable' || command === 'enable') {
      if (!(await accounts.setDisabled(name, command === 'disable', Date.now()))) {
        console.error(`no account ${name}`);
        return 1;
      }
      console.log(`${name}: ${command}d`);
      return 0;
    }
    console.log(USAGE);
    return 2;
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
