// What the hub's HTTP side allows a client on the office LAN: how many
// connections and live event streams, how long headers and bodies may take,
// and how much unsent event data all streams together may hold. The defaults
// suit a LAN (requests take milliseconds) with long-lived event streams from
// consoles, TV boards and citizens' phones; hub config `http.limits` changes
// them (hub/config.ts checks the values, README lists them).

export interface HttpLimits {
  /** Open TCP connections in total; new ones beyond are dropped at once (Node `server.maxConnections`). */
  maxConnections: number;
  /** Open connections from one address; beyond it a new connection is closed at once. */
  maxConnectionsPerAddress: number;
  /** Time for the request line and headers; a connection that sends nothing is closed after it too. */
  headersTimeoutMs: number;
  /** Time for a whole request, headers and body (not the answer: event streams stay open). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection between two requests is closed after this. */
  keepAliveTimeoutMs: number;
  /** A connection with no traffic at all either way is closed after this (longer than the 20 s event heartbeat). */
  idleTimeoutMs: number;
  /** Live `/api/events` streams in total; a new one beyond is refused with 503. */
  maxEventStreams: number;
  /** Live streams from one address; beyond it the oldest is replaced if older than 30 s, or the new one gets 429. */
  maxEventStreamsPerAddress: number;
  /** Unsent event data all streams together may hold; the streams furthest behind are cut beyond it. */
  maxEventBacklogBytes: number;
}

export const defaultHttpLimits: Readonly<HttpLimits> = {
  maxConnections: 1500,
  maxConnectionsPerAddress: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 120_000,
  maxEventStreams: 1000,
  maxEventStreamsPerAddress: 10,
  maxEventBacklogBytes: 16 * 1024 * 1024,
};

/** The event heartbeat: a comment line every 20 s keeps idle streams (and proxies) open. */
export const EVENT_HEARTBEAT_MS = 20_000;

/** Where limits must agree with each other: one line per conflict, naming the keys. */
export function limitConflicts(l: HttpLimits): { key: keyof HttpLimits; message: string }[] {
  const out: { key: keyof HttpLimits; message: string }[] = [];
  if (l.headersTimeoutMs > l.requestTimeoutMs)
    out.push({ key: 'headersTimeoutMs', message: 'must not be longer than requestTimeoutMs' });
  if (l.idleTimeoutMs <= EVENT_HEARTBEAT_MS)
    out.push({
      key: 'idleTimeoutMs',
      message: `must be longer than the ${EVENT_HEARTBEAT_MS / 1000} s event heartbeat`,
    });
  // A stream over its cap should get an answer saying so, not a dropped connection.
  if (l.maxEventStreams >= l.maxConnections)
    out.push({ key: 'maxEventStreams', message: 'must be less than maxConnections' });
  if (l.maxEventStreamsPerAddress >= l.maxConnectionsPerAddress)
    out.push({ key: 'maxEventStreamsPerAddress', message: 'must be less than maxConnectionsPerAddress' });
  if (l.maxConnectionsPerAddress > l.maxConnections)
    out.push({ key: 'maxConnectionsPerAddress', message: 'must not be more than maxConnections' });
  return out;
}
