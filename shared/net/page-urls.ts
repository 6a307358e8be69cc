// The addresses a person can open a server's pages at (the hub, the province centre), for the lines printed
// at start: the listen address 0.0.0.0 or "::" is no use to a browser.

import { networkInterfaces } from 'node:os';

const ANY = new Set(['0.0.0.0', '::', '']);

/** Base URLs (no trailing slash), the LAN ones first, then this machine's own. */
export function pageUrls(host: string, port: number, interfaces = networkInterfaces()): string[] {
  if (!ANY.has(host)) return [`http://${host.includes(':') ? `[${host}]` : host}:${port}`];
  const lan = Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => `http://${a.address}:${port}`);
  return [...new Set(lan), `http://127.0.0.1:${port}`];
}
