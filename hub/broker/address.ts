// The key that per-address limits count by. An IPv4 address is itself; an
// IPv4 address seen through an IPv6 socket ("::ffff:192.168.1.5") is the IPv4
// address; an IPv6 address is its /64 network, because a host on an IPv6 LAN
// picks any address of its /64 at will (privacy addresses) and would
// otherwise escape every per-address limit.

import { isIPv4, isIPv6 } from 'node:net';

/** Eight 16-bit groups of an IPv6 address, or null if it is not one. */
function ipv6Groups(address: string): number[] | null {
  const [head = '', tail, extra] = address.split('::');
  if (extra !== undefined) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

export function addressKey(address: string | undefined): string | null {
  if (!address) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIPv4(address)) return address;
  const plain = address.split('%')[0]!; // a link-local zone ("fe80::1%eth0")
  if (!isIPv6(plain)) return null;
  const groups = ipv6Groups(plain.toLowerCase());
  if (!groups) return plain.toLowerCase();
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
