import { describe, expect, it } from 'vitest';
import { addressKey } from '../../../hub/broker/address.js';

describe('addressKey', () => {
  it.each([
    ['192.168.1.23', '192.168.1.23'],
    ['127.0.0.2', '127.0.0.2'],
    ['::ffff:192.168.1.23', '192.168.1.23'],
    ['::FFFF:10.0.0.1', '10.0.0.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::99', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:aaaa::1', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s counts as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });

  it('puts every address of one IPv6 /64 under one key', () => {
    expect(addressKey('2001:db8:a:b:1::1')).toBe(addressKey('2001:db8:a:b:ffff:ffff:ffff:ffff'));
    expect(addressKey('2001:db8:a:b::1')).not.toBe(addressKey('2001:db8:a:c::1'));
  });

  it.each([undefined, '', 'not an address', '1.2.3'])('gives no key for %j', (address) => {
    expect(addressKey(address)).toBeNull();
  });
});
