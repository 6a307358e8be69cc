// A real PostgreSQL (Debian's postgresql 15) for tests and the benchmark:
// initdb into a temporary folder, pg_ctl start on a free loopback port.
// PostgreSQL refuses to run as root: when we are root it runs as the
// `postgres` user that the Debian package creates (runuser).

import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './hub.js';
import { shQuote, whenProcessEnds } from './reaper.js';

export interface TestPostgres {
  port: number;
  dir: string;
  /** A connection URL to a fresh database (created by `createDatabase`). */
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'pg_ctl'))) return join(root, v, 'bin');
  throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
}

const asRoot = userInfo().uid === 0;

function run(bin: string, args: string[]): string {
  const [cmd, all] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, all, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

export async function startPostgres(options: { fsync?: boolean } = {}): Promise<TestPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'qms-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  // If this process ends without remove() (a failed beforeAll, a crash, a killed
  // worker): immediate shutdown (SIGQUIT) of the postmaster, then the folder.
  const reaper = whenProcessEnds(
    `pid=$(head -n 1 ${shQuote(join(data, 'postmaster.pid'))} 2>/dev/null) && kill -QUIT "$pid"
for i in $(seq 50); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
rm -rf ${shQuote(dir)}`,
  );
  const remove = () => {
    try {
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // not running
    }
    rmSync(dir, { recursive: true, force: true });
    reaper.cancel();
  };
  let port = 0;
  let settings = '';
  const start = async () => {
    run(join(bin, 'pg_ctl'), ['-D', data, '-o', settings, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  };
  try {
    run(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    port = await freePort();
    settings = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses='127.0.0.1'",
      `-c fsync=${options.fsync ? 'on' : 'off'}`,
      '-c max_connections=200',
      '-c shared_buffers=64MB',
    ].join(' ');
    await start();
  } catch (e) {
    remove();
    throw e;
  }
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    dir,
    url,
    async createDatabase(name) {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    start,
    async stop() {
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
    },
    async remove() {
      remove();
    },
  };
}
