// What the MQTT front door lets in: packet sizes, connection counts, the
// CONNECT time-out and the slow-down after failed logins. The hub sits on a
// shared office LAN and runs on a Pi with 1–8 GB: a client must never make it
// buffer more than these allow. Settings `mqtt.limits` (hub/config.ts).

import { z } from 'zod';
import { intRange } from '../../shared/config/config-file.js';
import { MAX_PAYLOAD_BYTES } from '../../shared/protocol/messages.js';

export interface MqttLimits {
  /** Bytes a client may send before it has authenticated: its CONNECT and anything sent with it. */
  maxPacketBytesBeforeAuth: number;
  /** Largest packet (fixed header included) an authenticated device may send. */
  maxPacketBytes: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Connections still waiting for their CONNECT or its answer. */
  maxUnauthenticated: number;
  maxUnauthenticatedPerAddress: number;
  /** A connection whose complete CONNECT has not arrived by then is closed. */
  connectTimeoutMs: number;
  /** Refused logins from one address answered at once; after these the refusal waits. */
  authFailuresBeforeDelay: number;
  /** First wait before a refusal; it doubles with each further failure... */
  authDelayMs: number;
  /** ...up to this. */
  authMaxDelayMs: number;
}

export const DEFAULT_MQTT_LIMITS: Readonly<MqttLimits> = Object.freeze({
  maxPacketBytesBeforeAuth: 4 * 1024,
  maxPacketBytes: 64 * 1024,
  maxConnections: 500,
  maxConnectionsPerAddress: 64,
  maxUnauthenticated: 100,
  maxUnauthenticatedPerAddress: 16,
  connectTimeoutMs: 5_000,
  authFailuresBeforeDelay: 5,
  authDelayMs: 100,
  authMaxDelayMs: 2_000,
});

/** Room for the largest request (MAX_PAYLOAD_BYTES) with its topic and header. */
const MIN_PACKET_BYTES = MAX_PAYLOAD_BYTES + 1024;

const limit = (min: number, max: number, key: keyof MqttLimits) =>
  intRange(min, max).default(DEFAULT_MQTT_LIMITS[key]);

export const mqttLimitsSchema = z
  .strictObject({
    maxPacketBytesBeforeAuth: limit(256, 1024 * 1024, 'maxPacketBytesBeforeAuth'),
    maxPacketBytes: limit(MIN_PACKET_BYTES, 16 * 1024 * 1024, 'maxPacketBytes'),
    maxConnections: limit(1, 100_000, 'maxConnections'),
    maxConnectionsPerAddress: limit(1, 100_000, 'maxConnectionsPerAddress'),
    maxUnauthenticated: limit(1, 100_000, 'maxUnauthenticated'),
    maxUnauthenticatedPerAddress: limit(1, 100_000, 'maxUnauthenticatedPerAddress'),
    connectTimeoutMs: limit(100, 120_000, 'connectTimeoutMs'),
    authFailuresBeforeDelay: limit(0, 1_000, 'authFailuresBeforeDelay'),
    authDelayMs: limit(0, 60_000, 'authDelayMs'),
    authMaxDelayMs: limit(0, 60_000, 'authMaxDelayMs'),
  })
  .prefault({});
