import { describe, expect, it } from 'vitest';
import { mayPublish, maySubscribe } from '../../../hub/broker/acl.js';
import { clientIdBelongsTo } from '../../../hub/broker/broker.js';

const kiosk = { id: 'kiosk-01', role: 'kiosk', counterId: null } as const;
const rating = { id: 'rating-03', role: 'rating', counterId: 3 } as const;
const speaker = { id: 'speaker-01', role: 'speaker', counterId: null } as const;

describe('per-role ACL', () => {
  it.each([
    [kiosk, 'qms/device/kiosk-01/status', true],
    [kiosk, 'qms/device/kiosk-01/request/issue-ticket', true],
    [kiosk, 'qms/device/kiosk-02/request/issue-ticket', false],
    [kiosk, 'qms/device/kiosk-01/request/announcement-played', false],
    [kiosk, 'qms/hub/announce', false],
    [kiosk, 'qms/device/kiosk-01/reply', false],
    [rating, 'qms/device/rating-03/request/issue-ticket', false],
    [rating, 'qms/hub/counter/3', false],
    [speaker, 'qms/device/speaker-01/request/announcement-played', true],
    [speaker, 'qms/device/speaker-01/request/issue-ticket', false],
  ] as const)('%o may publish %s: %s', (device, topic, allowed) => {
    expect(mayPublish(device, topic)).toBe(allowed);
  });

  it.each([
    [kiosk, 'qms/device/kiosk-01/status', true],
    [kiosk, 'qms/device/kiosk-01/request/issue-ticket', false],
    [kiosk, 'qms/device/kiosk-02/status', false],
    [rating, 'qms/device/rating-03/request/submit-rating', false],
    [speaker, 'qms/device/speaker-01/status', true],
  ] as const)('%o may publish %s retained: %s', (device, topic, allowed) => {
    expect(mayPublish(device, topic, { retain: true })).toBe(allowed);
    // Without the retain flag every own topic is allowed.
    expect(mayPublish(device, topic, { retain: false })).toBe(topic.includes(`/${device.id}/`));
  });

  it.each([
    [kiosk, 'qms/device/kiosk-01/reply', true],
    [kiosk, 'qms/hub/catalogue', true],
    [kiosk, 'qms/hub/queue', true],
    [kiosk, 'qms/hub/announce', false],
    [kiosk, '#', false],
    [kiosk, 'qms/device/+/reply', false],
    [rating, 'qms/hub/counter/3', true],
    [rating, 'qms/hub/counter/4', false],
    [rating, 'qms/hub/counter/+', false],
    [speaker, 'qms/hub/announce', true],
    [speaker, 'qms/hub/announcement-settings', true],
    [kiosk, 'qms/hub/announcement-settings', false],
    [speaker, 'qms/hub/counter/+', true],
    [speaker, 'qms/hub/counter/12', true],
    [speaker, 'qms/hub/counter/0', false],
    [speaker, 'qms/hub/counter/#', false],
    [speaker, 'qms/device/speaker-01/status', false],
  ] as const)('%o may subscribe %s: %s', (device, filter, allowed) => {
    expect(maySubscribe(device, filter)).toBe(allowed);
  });

  it('accepts the device id or "<id>:<suffix>" as client id, nothing else', () => {
    expect(clientIdBelongsTo('kiosk-01', 'kiosk-01')).toBe(true);
    expect(clientIdBelongsTo('kiosk-01:debug', 'kiosk-01')).toBe(true);
    expect(clientIdBelongsTo('kiosk-01-2', 'kiosk-01')).toBe(false);
    expect(clientIdBelongsTo('kiosk-0', 'kiosk-01')).toBe(false);
    expect(clientIdBelongsTo('', 'kiosk-01')).toBe(false);
  });
});
