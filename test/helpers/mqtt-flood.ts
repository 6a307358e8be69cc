// A wrong-password flood, as its own process so that the process under test
// is not the bottleneck: opens `rate` connections a second from one source
// address, each sending a CONNECT with a wrong password, for `seconds`.
// Prints one JSON line with what happened to them when done. With
// --workers N, N processes share the rate (one Node process opens only a few
// thousand sockets a second).
//
//   node --import tsx test/helpers/mqtt-flood.ts --port 1883 --rate 5000 --seconds 5 --from 127.0.0.2 --workers 2

import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { connackCode, connectPacket } from './mqtt-raw.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '5' },
    from: { type: 'string', default: '127.0.0.2' },
    username: { type: 'string', default: 'kiosk-01' },
    /** Sockets open at once at most (the rest wait their turn): file descriptors are finite. */
    open: { type: 'string', default: '8000' },
    workers: { type: 'string', default: '1' },
  },
});
const port = Number(values.port);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const maxOpen = Number(values.open);

const workers = Number(values.workers);
if (workers > 1) {
  // Split the rate over child processes and add up what they report.
  const outputs = await Promise.all(
    Array.from({ length: workers }, () => {
      const args = process.argv
        .slice(1)
        .filter((_, i, all) => all[i - 1] !== '--workers' && _ !== '--workers');
      const child = spawn(
        process.execPath,
        [...process.execArgv, ...args, '--workers', '1', '--rate', String(rate / workers)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      return new Promise<Record<string, unknown>>((resolve) =>
        child.once('exit', () => resolve(JSON.parse(out || '{}') as Record<string, unknown>)),
      );
    }),
  );
  const total: Record<string, unknown> = { workers };
  for (const output of outputs) {
    for (const [key, value] of Object.entries(output)) {
      if (typeof value === 'number')
        total[key] =
          key === 'seconds' ? Math.max(Number(total[key] ?? 0), value) : Number(total[key] ?? 0) + value;
      else if (value && typeof value === 'object') {
        const sum = (total[key] ?? {}) as Record<string, number>;
        for (const [k, v] of Object.entries(value as Record<string, number>)) sum[k] = (sum[k] ?? 0) + v;
        total[key] = sum;
      }
    }
  }
  process.stdout.write(`${JSON.stringify(total)}\n`);
  process.exit(0);
}

const packet = connectPacket({ clientId: values.username!, username: values.username!, password: 'wrong' });
const counts = {
  attempted: 0,
  connected: 0,
  /** CONNACK with return code 4 (bad username or password). */
  refusedBadCredentials: 0,
  /** Closed or reset by the hub without a CONNACK (over a connection limit). */
  closedWithoutAnswer: 0,
  /** Errors by code: ECONNRESET is the hub resetting a connection over a limit. */
  errors: {} as Record<string, number>,
  skippedTooManyOpen: 0,
  otherConnack: 0,
};
let open = 0;

function attempt(): void {
  if (open >= maxOpen) {
    counts.skippedTooManyOpen++;
    return;
  }
  counts.attempted++;
  open++;
  let answered = false;
  const socket = connect({ host: '127.0.0.1', port, localAddress: values.from! });
  socket.on('connect', () => {
    counts.connected++;
  });
  socket.write(packet); // sent as soon as the connection is up
  socket.on('data', (data: Buffer) => {
    const code = connackCode(data);
    answered = true;
    if (code === 4) counts.refusedBadCredentials++;
    else counts.otherConnack++;
    socket.destroy();
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    const code = error.code ?? 'other';
    counts.errors[code] = (counts.errors[code] ?? 0) + 1;
  });
  socket.on('close', () => {
    open--;
    if (!answered) counts.closedWithoutAnswer++;
  });
}

const started = Date.now();
const end = started + seconds * 1000;
let sent = 0;
// Paced in 10 ms steps: as many attempts as the schedule says are due.
const timer = setInterval(() => {
  const now = Date.now();
  const due = Math.floor(((Math.min(now, end) - started) * rate) / 1000);
  while (sent < due) {
    sent++;
    attempt();
  }
  if (now >= end) {
    clearInterval(timer);
    const wait = setInterval(() => {
      if (open > 0 && Date.now() < end + 5_000) return;
      clearInterval(wait);
      const elapsed = (Date.now() - started) / 1000;
      process.stdout.write(
        `${JSON.stringify({ ...counts, perSecond: Math.round(counts.attempted / seconds), stillOpen: open, seconds: elapsed })}\n`,
      );
      process.exit(0);
    }, 50);
  }
}, 10);
