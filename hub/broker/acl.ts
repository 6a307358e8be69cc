// Which topics each device may publish and subscribe to. Pure: the broker
// asks it for every PUBLISH and SUBSCRIBE of a device client.

import { REQUEST_ACTIONS, type RequestAction, type Role, topics } from '../../shared/protocol/topics.js';

export interface DeviceIdentity {
  id: string;
  role: Role;
  counterId: number | null;
}

/**
 * A device publishes its own status and its own role's requests. Only the
 * status may be retained (it is the device's presence, replaced by its last
 * will): a retained request would stay in the broker after the device left.
 */
export function mayPublish(
  device: DeviceIdentity,
  topic: string,
  options: { retain?: boolean } = {},
): boolean {
  if (topic === topics.deviceStatus(device.id)) return true;
  if (options.retain) return false;
  // Asked for every request a device sends: one prefix built, not a topic per action of its role.
  const prefix = topics.deviceRequest(device.id, '' as RequestAction);
  if (!topic.startsWith(prefix)) return false;
  return (REQUEST_ACTIONS[device.role] as readonly string[]).includes(topic.slice(prefix.length));
}

/** Exact topic filters each role may subscribe to; no other wildcard is granted. */
export function subscribableTopics(device: DeviceIdentity): string[] {
  const common = [topics.deviceReply(device.id), topics.hubStatus];
  switch (device.role) {
    case 'kiosk':
      return [...common, topics.catalogue, topics.queueSummary];
    case 'rating':
      return device.counterId === null ? common : [...common, topics.counterState(device.counterId)];
    case 'speaker':
      return [...common, topics.announce, topics.announcementSettings, topics.counterStateAll];
  }
}

export function maySubscribe(device: DeviceIdentity, filter: string): boolean {
  if (subscribableTopics(device).includes(filter)) return true;
  // A speaker limited to a zone may follow single counters instead of all.
  return device.role === 'speaker' && /^qms\/hub\/counter\/[1-9]\d{0,2}$/.test(filter);
}
