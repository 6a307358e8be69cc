// Topic names between edge devices and the hub. MQTT 3.1.1 only (aedes 1.x
// refuses MQTT 5), so request/response is a `requestId` in the payload and a
// reply topic per device, as Zigbee2MQTT does with bridge/request → response.

export const ROOT = 'qms';

/** Device ids become topic levels and MQTT usernames: keep them plain. */
export const DEVICE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

export const ROLES = ['kiosk', 'rating', 'speaker'] as const;
export type Role = (typeof ROLES)[number];

/** Requests a device may send, by role. The hub answers each on the device's reply topic. */
export const REQUEST_ACTIONS = {
  kiosk: ['issue-ticket', 'request-lease', 'sync-tickets'],
  rating: ['submit-rating'],
  speaker: ['announcement-played'],
} as const satisfies Record<Role, readonly string[]>;

export type RequestAction = (typeof REQUEST_ACTIONS)[Role][number];
export const ALL_ACTIONS: readonly RequestAction[] = [...new Set(Object.values(REQUEST_ACTIONS).flat())];

export const topics = {
  /** Retained presence of a device; its last will sets it offline. */
  deviceStatus: (deviceId: string) => `${ROOT}/device/${deviceId}/status`,
  deviceRequest: (deviceId: string, action: RequestAction) => `${ROOT}/device/${deviceId}/request/${action}`,
  deviceReply: (deviceId: string) => `${ROOT}/device/${deviceId}/reply`,
  /** Retained: the hub is up, with its version. */
  hubStatus: `${ROOT}/hub/status`,
  /** Retained: fields and procedures a kiosk can offer. */
  catalogue: `${ROOT}/hub/catalogue`,
  /** Retained: waiting counts per field. */
  queueSummary: `${ROOT}/hub/queue`,
  /** Retained: one counter's state and current ticket. */
  counterState: (counterId: number) => `${ROOT}/hub/counter/${counterId}`,
  counterStateAll: `${ROOT}/hub/counter/+`,
  /** Every call and recall, with a call id, for the speakers. */
  announce: `${ROOT}/hub/announce`,
  /** Retained: how speakers word calls, as an administrator set it on the hub. */
  announcementSettings: `${ROOT}/hub/announcement-settings`,
} as const;

export type ParsedTopic =
  | { kind: 'deviceStatus'; deviceId: string }
  | { kind: 'deviceRequest'; deviceId: string; action: string }
  | { kind: 'deviceReply'; deviceId: string }
  | { kind: 'hub'; rest: string[] }
  | { kind: 'unknown' };

export function parseTopic(topic: string): ParsedTopic {
  const parts = topic.split('/');
  if (parts[0] !== ROOT) return { kind: 'unknown' };
  if (parts[1] === 'device' && parts[2] !== undefined && DEVICE_ID_PATTERN.test(parts[2])) {
    const deviceId = parts[2];
    if (parts.length === 4 && parts[3] === 'status') return { kind: 'deviceStatus', deviceId };
    if (parts.length === 4 && parts[3] === 'reply') return { kind: 'deviceReply', deviceId };
    if (parts.length === 5 && parts[3] === 'request' && parts[4]) {
      return { kind: 'deviceRequest', deviceId, action: parts[4] };
    }
  }
  if (parts[1] === 'hub') return { kind: 'hub', rest: parts.slice(2) };
  return { kind: 'unknown' };
}
