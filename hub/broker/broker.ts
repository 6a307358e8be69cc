import { createServer, type Server } from 'node:net';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from '../../shared/log/logger.js';
import { decodePayload, deviceStatus } from '../../shared/protocol/messages.js';
import { type ParsedTopic, parseTopic } from '../../shared/protocol/topics.js';
import { SignInLimiter } from '../auth/rate-limit.js';
import type { Metrics } from '../metrics.js';
import type { Device, DeviceStore } from '../store/device-store.js';
import { mayPublish, maySubscribe } from './acl.js';
import { FrontDoor, GuardedConnection } from './front-door.js';
import { DEFAULT_MQTT_LIMITS, type MqttLimits } from './limits.js';
import { maskUsername, RefusalLog } from './refusal-log.js';

/** Marks an error already logged where it was raised (an ACL refusal). */
const LOGGED = Symbol('logged');
const refusal = (message: string) => Object.assign(new Error(message), { [LOGGED]: true });

export interface DevicePublish {
  device: Device;
  topic: ParsedTopic;
  payload: Buffer;
}

export interface HubBroker {
  aedes: Aedes;
  port: number;
  /** Publish from the hub itself (no ACL: the hub is trusted). */
  publish(topic: string, payload: string, options?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>;
  /** Cut a device off at once (after its credential was revoked). */
  disconnect(deviceId: string): void;
  connectedDevices(): string[];
  /** Open MQTT connections, and how many of them have not authenticated yet. */
  connections(): { total: number; unauthenticated: number; addresses: number };
  close(): Promise<void>;
}

export interface BrokerOptions {
  host: string;
  port: number;
  devices: DeviceStore;
  log: Logger;
  metrics: Metrics;
  /** Called for every accepted publish of a device (requests and status). */
  onDevicePublish: (message: DevicePublish) => void;
  onDeviceConnection?: (device: Device, connected: boolean) => void;
  /** Front-door limits (limits.ts); what is left out keeps its default. */
  limits?: Partial<MqttLimits>;
  now?: () => number;
}

// aedes keeps what authenticate() found on the client object.
type DeviceClient = Client & { device?: Device };

/** The device's own client id, or a side client of it such as "kiosk-01:debug". */
export function clientIdBelongsTo(clientId: string, deviceId: string): boolean {
  return clientId === deviceId || clientId.startsWith(`${deviceId}:`);
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** The per-address key of a client's connection (its conn is the front door's guard). */
function addressOf(client: Client | null | undefined): string {
  const conn = client?.conn;
  return conn instanceof GuardedConnection ? conn.address : 'unknown';
}

export async function startBroker(options: BrokerOptions): Promise<HubBroker> {
  const { devices, log, metrics } = options;
  const now = options.now ?? Date.now;
  const limits: MqttLimits = { ...DEFAULT_MQTT_LIMITS, ...options.limits };
  // Live clients per device (a device and possibly a technician's side client).
  const clients = new Map<string, Set<DeviceClient>>();
  // Waits and log windows are durations: a monotonic clock, so a wall-clock
  // jump (a Pi without RTC setting its time) neither lengthens a wait nor
  // holds a summary back.
  const monotonic = () => performance.now();
  // Refused logins, per address: a few answered at once, then each refusal
  // waits longer (doubling, bounded). The connection waits with its place in
  // the unauthenticated caps taken, so one address cannot guess faster than
  // maxUnauthenticatedPerAddress / authMaxDelayMs a second. Only refusals
  // wait: a correct credential is answered at once, from any address.
  const failures = new SignInLimiter(
    limits.authFailuresBeforeDelay + 1,
    limits.authDelayMs,
    limits.authMaxDelayMs,
  );
  const refusals = new RefusalLog(log, { now: monotonic });
  const waitingRefusals = new Set<NodeJS.Timeout>();

  const refuseLogin = (
    client: Client,
    reason: 'bad_credentials' | 'client_id_not_device',
    details: Record<string, unknown>,
    error: AuthenticateError,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ) => {
    metrics.inc('mqtt_auth_refused');
    const address = addressOf(client);
    failures.fail(address, monotonic());
    const wait = Math.min(failures.waitMs(address, monotonic()), limits.authMaxDelayMs);
    refusals.note(address, reason, { ...details, ...(wait > 0 ? { delayMs: wait } : {}) });
    if (wait <= 0) return done(error, false);
    metrics.inc('mqtt_auth_delayed');
    const timer = setTimeout(() => {
      waitingRefusals.delete(timer);
      done(error, false);
    }, wait);
    waitingRefusals.add(timer);
  };

  const aedes = await Aedes.createBroker({
    // The front door closes a connection without a complete CONNECT first;
    // this is only aedes' own back-stop.
    connectTimeout: limits.connectTimeoutMs * 2,
    // No anonymous clients: the username is the device id, the password its
    // token, and the MQTT client id is the device id (or "<device id>:<anything>"
    // for a technician's second client, e.g. mosquitto_sub beside mosquitto_pub),
    // so one device cannot take over another's session.
    authenticate(client, username, password, done) {
      const deviceId = username ?? '';
      const device = password ? devices.verify(deviceId, password.toString('utf8')) : null;
      if (!device) {
        // Neither the username nor the client id is logged in full: either
        // may be a password typed into the wrong field.
        return refuseLogin(
          client,
          'bad_credentials',
          { username: maskUsername(deviceId), clientId: maskUsername(client.id) },
          authError('bad username or password', 4),
          done,
        );
      }
      if (!clientIdBelongsTo(client.id, device.id)) {
        return refuseLogin(
          client,
          'client_id_not_device',
          { device: device.id, clientId: maskUsername(client.id) },
          authError('client id must be the device id', 2),
          done,
        );
      }
      failures.succeed(addressOf(client));
      (client as DeviceClient).device = device;
      if (client.conn instanceof GuardedConnection) client.conn.markAuthenticated();
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      const device = (client as DeviceClient | null)?.device;
      if (!device || !mayPublish(device, packet.topic)) {
        metrics.inc('mqtt_publish_refused');
        log.warn('publish refused: outside the device role', { device: device?.id, topic: packet.topic });
        return done(refusal(`publish to ${packet.topic} is not allowed`));
      }
      // Retained messages stay in the broker after the device has gone: only
      // its presence (status) may be kept, never a request.
      if (packet.retain && !mayPublish(device, packet.topic, { retain: true })) {
        metrics.inc('mqtt_publish_refused');
        log.warn('publish refused: retained outside the status topic', {
          device: device.id,
          topic: packet.topic,
        });
        return done(refusal(`retained publish to ${packet.topic} is not allowed`));
      }
      // A status is retained and shown to administrators: refuse a bad one
      // rather than keep it.
      if (parseTopic(packet.topic).kind === 'deviceStatus') {
        const status = decodePayload(packet.payload as Buffer, deviceStatus);
        if (!status.ok || status.value.deviceId !== device.id || status.value.role !== device.role) {
          metrics.inc('mqtt_bad_status');
          log.warn('status refused', {
            device: device.id,
            reason: status.ok ? 'id or role mismatch' : status.message,
          });
          return done(refusal('bad status message'));
        }
      }
      done(null);
    },
    authorizeSubscribe(client, subscription, done) {
      const device = (client as DeviceClient).device;
      if (!device || !maySubscribe(device, subscription.topic)) {
        metrics.inc('mqtt_subscribe_refused');
        log.warn('subscribe refused: outside the device role', {
          device: device?.id,
          topic: subscription.topic,
        });
        return done(null, null); // negative SUBACK (0x80)
      }
      done(null, subscription);
    },
  });

  // Last seen is a convenience for administrators: a store that cannot take
  // the write (disk full, I/O error) must not take the broker down with it.
  // These run inside aedes' connection handling, where a throw would be an
  // uncaught exception: the hub would crash at every device (re)connection.
  const touch = (deviceId: string) => {
    try {
      devices.touch(deviceId, now());
    } catch (error) {
      metrics.inc('store_write_failed');
      log.error('device last-seen time not saved', { device: deviceId, error });
    }
  };

  aedes.on('client', (client: DeviceClient) => {
    if (!client.device) return;
    const set = clients.get(client.device.id) ?? new Set();
    clients.set(client.device.id, set.add(client));
    touch(client.device.id);
    log.info('device connected', { device: client.device.id, role: client.device.role, clientId: client.id });
    options.onDeviceConnection?.(client.device, true);
  });
  aedes.on('clientDisconnect', (client: DeviceClient) => {
    if (!client.device) return;
    const set = clients.get(client.device.id);
    set?.delete(client);
    if (set?.size === 0) clients.delete(client.device.id);
    touch(client.device.id);
    log.info('device disconnected', { device: client.device.id, clientId: client.id });
    options.onDeviceConnection?.(client.device, false);
  });
  // A refused publish comes back here too, closing the client: it was logged
  // by authorizePublish() already, once is enough.
  // A refused CONNECT comes back here as an error carrying its CONNACK code:
  // it was counted and logged by authenticate() already.
  const isRefusedConnect = (error: Error) => (error as { errorCode?: number }).errorCode !== undefined;
  aedes.on('clientError', (client: DeviceClient, error: Error) => {
    if (isRefusedConnect(error) || LOGGED in error) return;
    if (client.device) {
      log.warn('client error', { device: client.device.id, error: error.message });
      return;
    }
    // Not a device (yet): anyone on the LAN can cause this, so it is summarised per address.
    metrics.inc('mqtt_connection_error');
    refusals.note(addressOf(client), 'protocol_error', { error: error.message });
  });
  aedes.on('connectionError', (client: DeviceClient, error: Error) => {
    if (isRefusedConnect(error)) return;
    metrics.inc('mqtt_connection_error');
    refusals.note(addressOf(client), 'protocol_error', { error: error.message });
  });
  aedes.on('publish', (packet: AedesPublishPacket, client: DeviceClient | null) => {
    if (!client?.device) return;
    const topic = parseTopic(packet.topic);
    try {
      options.onDevicePublish({ device: client.device, topic, payload: packet.payload as Buffer });
    } catch (error) {
      // A bug in a handler must not take the broker down with it.
      metrics.inc('handler_crash');
      log.error('device message handler failed', { device: client.device.id, topic: packet.topic, error });
    }
  });

  const frontDoor = new FrontDoor({
    limits,
    metrics,
    refusals,
    admit: (connection) => aedes.handle(connection),
  });
  // Small request/reply messages: Nagle's algorithm would hold each reply back
  // waiting for the client's delayed ACK (~40 ms per round trip).
  const server: Server = createServer({ noDelay: true }, frontDoor.accept);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: during a connection flood a burst must not fill
    // it, or a device's own SYN is dropped and retried only a second later.
    // (Linux caps it at net.core.somaxconn, 4096 by default.)
    server.listen({ port: options.port, host: options.host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    aedes,
    port,
    publish(topic, payload, opts = {}) {
      return new Promise((resolve, reject) => {
        aedes.publish(
          {
            cmd: 'publish',
            topic,
            payload: Buffer.from(payload),
            qos: opts.qos ?? 1,
            retain: opts.retain ?? false,
            dup: false,
          },
          (error) => (error ? reject(error) : resolve()),
        );
      });
    },
    disconnect(deviceId) {
      for (const client of clients.get(deviceId) ?? []) client.close();
    },
    connectedDevices: () => [...clients.keys()],
    connections: () => frontDoor.counts(),
    async close() {
      for (const timer of waitingRefusals) clearTimeout(timer);
      waitingRefusals.clear();
      refusals.close();
      for (const set of clients.values()) for (const client of set) client.close();
      frontDoor.closeAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
