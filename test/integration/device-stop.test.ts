// A device program stops cleanly while a request to the hub is still
// unanswered: the request ends (it is not left pending for ever), its caller
// logs it and finishes, and the stop returns only after that, so nothing
// writes the kiosk's state file behind a stopped program.
// The broker is a real aedes broker that accepts the device and never
// answers a request: a hub that went silent.

import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { Aedes, type AedesPublishPacket } from 'aedes';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Kiosk } from '../../edge/kiosk/kiosk.js';
import { startKiosk } from '../../edge/kiosk/main.js';
import { DeviceConnection, RequestAbandoned } from '../../shared/device/connection.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { tempDir } from '../helpers/hub.js';
import { kioskConfig } from '../helpers/kiosk.js';
import { waitFor } from '../helpers/pty.js';

let broker: Aedes;
let server: Server;
let url: string;
let requests: string[];
const dir = tempDir('qms-device-stop-');

beforeEach(async () => {
  broker = await Aedes.createBroker();
  requests = [];
  broker.on('publish', (packet: AedesPublishPacket) => {
    if (packet.topic.includes('/request/')) requests.push(packet.topic);
  });
  server = createServer(broker.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  url = `mqtt://127.0.0.1:${address.port}`;
});

afterEach(async () => {
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('stopping with a request unanswered', () => {
  it('the connection ends the waiting request with RequestAbandoned when it closes', async () => {
    const sink = memorySink();
    const connection = new DeviceConnection({
      url,
      deviceId: 'kiosk-9',
      role: 'kiosk',
      password: 'x',
      version: 'test',
      log: createLogger('device', { sink }),
      subscriptions: [],
    });
    await waitFor(() => connection.connected, 10_000, 'connected');
    // A time-out far beyond this test's own deadline: only the close can end it.
    const answer = connection.request('request-lease', { count: 5 }, 600_000);
    const outcome = answer.then(
      () => 'answered',
      (error: unknown) => error,
    );
    await waitFor(() => requests.length > 0, 10_000, 'request published');
    await connection.close();
    const error = await outcome;
    expect(error).toBeInstanceOf(RequestAbandoned);
    expect((error as Error).message).toBe('the connection closed before the hub answered');
  });

  it('a kiosk stops while its lease request waits; the request is logged as unanswered before the stop returns', async () => {
    const sink = memorySink();
    let kiosk: Kiosk | undefined = await startKiosk(
      kioskConfig({ mqttUrl: url, httpUrl: 'http://127.0.0.1:9', password: 'x', dataDir: dir.path }),
      { log: createLogger('kiosk', { sink }) },
    );
    try {
      // On connecting, a kiosk with no numbers held asks the hub for a lease.
      await waitFor(() => requests.some((t) => t.endsWith('/request-lease')), 20_000, 'lease requested');
      await kiosk.stop();
      kiosk = undefined;
      expect(sink.lines.filter((l) => l.includes('lease request: no answer; will try again'))).toHaveLength(
        1,
      );
      expect(sink.lines.filter((l) => l.includes('background hub request failed'))).toEqual([]);
    } finally {
      await kiosk?.stop();
    }
  });
});

afterAll(() => dir.remove());
