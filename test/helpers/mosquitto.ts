// A real Mosquitto 2 (Debian's `mosquitto`) as the province's central
// broker, with the configuration shipped in central/mosquitto/ (TLS, one
// password per office, the ACL), paths and ports moved to a temporary folder.
// The CA and the server certificate are made here with openssl. No
// persistence: a restart loses whatever the broker held, as the worst case.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './hub.js';
import { type Reaper, shQuote, whenProcessEnds } from './reaper.js';

export interface TestMosquitto {
  dir: string;
  /** TLS listener for offices. */
  tlsPort: number;
  tlsUrl: string;
  /** Plain loopback listener (the central service). */
  localPort: number;
  localUrl: string;
  ca: Buffer;
  caFile: string;
  /** Add an office (central/mosquitto/add-office); returns its password. Restarts need not follow: SIGHUP reloads. */
  addOffice(officeId: string): string;
  /** The central service's account password. */
  centralPassword: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
  output(): string;
}

const sh = (cmd: string, args: string[], cwd?: string) =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });

/** A CA and a server certificate for 127.0.0.1 / localhost. */
export function makeCertificates(dir: string): void {
  sh(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=QMS test CA',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  sh(
    'openssl',
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
    ],
    dir,
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  sh(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      'san.ext',
      '-out',
      'server.crt',
    ],
    dir,
  );
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startMosquitto(): Promise<TestMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'qms-mosquitto-'));
  chmodSync(dir, 0o755);
  // If this process ends without remove() (a failed beforeAll, a crash, a killed
  // worker): stop the broker it was running (child.pid, kept by start/stop), then the folder.
  const childPid = join(dir, 'child.pid');
  const reaper = whenProcessEnds(
    `pid=$(cat ${shQuote(childPid)} 2>/dev/null) && kill -TERM "$pid"\nrm -rf ${shQuote(dir)}`,
  );
  try {
    return await setUp(dir, childPid, reaper);
  } catch (e) {
    try {
      const pid = Number(readFileSync(childPid, 'utf8'));
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch {
      // never started
    }
    rmSync(dir, { recursive: true, force: true });
    reaper.cancel();
    throw e;
  }
}

async function setUp(dir: string, childPid: string, reaper: Reaper): Promise<TestMosquitto> {
  makeCertificates(dir);
  for (const f of ['server.key', 'server.crt', 'ca.crt']) chmodSync(join(dir, f), 0o644);
  const tlsPort = await freePort();
  const localPort = await freePort();
  const shipped = readFileSync(join(process.cwd(), 'central', 'mosquitto', 'qms-central.conf'), 'utf8');
  const config = shipped
    .replaceAll('/etc/mosquitto/qms/', `${dir}/`)
    .replace(/^listener 8883$/m, `listener ${tlsPort} 127.0.0.1`)
    .replace(/^listener 1883 127\.0\.0\.1$/m, `listener ${localPort} 127.0.0.1`);
  writeFileSync(join(dir, 'mosquitto.conf'), `${config}\npersistence false\nlog_dest stdout\n`);
  writeFileSync(join(dir, 'acl'), readFileSync(join(process.cwd(), 'central', 'mosquitto', 'acl')));
  const centralPassword = 'central-test-password';
  sh('mosquitto_passwd', ['-c', '-b', join(dir, 'passwd'), 'central', centralPassword]);
  chmodSync(join(dir, 'passwd'), 0o644);

  let child: ChildProcess | null = null;
  let out = '';
  const start = async () => {
    out = '';
    const c = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    writeFileSync(childPid, `${c.pid}`);
    c.once('exit', () => rmSync(childPid, { force: true }));
    c.stdout!.on('data', (d) => (out += d));
    c.stderr!.on('data', (d) => (out += d));
    // Ready when both listeners take connections (its log may sit in a pipe buffer).
    const exited = new Promise<never>((_, reject) =>
      c.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}:\n${out}`))),
    );
    exited.catch(() => {});
    const deadline = Date.now() + 10_000;
    for (const port of [tlsPort, localPort]) {
      for (;;) {
        if (c.exitCode !== null) await exited;
        if (await accepts(port)) break;
        if (Date.now() > deadline) {
          c.kill('SIGKILL');
          throw new Error(`mosquitto did not start:\n${out}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  await start();
  return {
    dir,
    tlsPort,
    tlsUrl: `mqtts://127.0.0.1:${tlsPort}`,
    localPort,
    localUrl: `mqtt://127.0.0.1:${localPort}`,
    ca: readFileSync(join(dir, 'ca.crt')),
    caFile: join(dir, 'ca.crt'),
    centralPassword,
    addOffice(officeId) {
      const printed = sh(join(process.cwd(), 'central', 'mosquitto', 'add-office'), [
        officeId,
        '--passwd',
        join(dir, 'passwd'),
        '--no-reload',
      ]);
      chmodSync(join(dir, 'passwd'), 0o644);
      (child as ChildProcess | null)?.kill('SIGHUP');
      const password = /^password: (\S+)$/m.exec(printed)?.[1];
      if (!password) throw new Error(`add-office printed no password:\n${printed}`);
      return password;
    },
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
      reaper.cancel();
    },
    output: () => out,
  };
}
