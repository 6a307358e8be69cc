// What a new user sees first: the start banner gives an address a browser
// can open, and a browser's icon request is not answered with an error.

import type { NetworkInterfaceInfo } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { pageUrls } from '../../shared/net/page-urls.js';
import { freePort, spawnHub, startTestHub, type TestHub, tempDir } from '../helpers/hub.js';

const nic = (address: string, internal = false, family: 'IPv4' | 'IPv6' = 'IPv4') =>
  ({ address, internal, family }) as NetworkInterfaceInfo;

describe('hub addresses for people', () => {
  it('a hub listening everywhere is shown at its LAN addresses, then at 127.0.0.1', () => {
    const interfaces = {
      lo: [nic('127.0.0.1', true)],
      eth0: [nic('192.168.1.10'), nic('fe80::1', false, 'IPv6')],
    };
    expect(pageUrls('0.0.0.0', 8080, interfaces)).toEqual([
      'http://192.168.1.10:8080',
      'http://127.0.0.1:8080',
    ]);
    expect(pageUrls('::', 8080, { lo: [nic('127.0.0.1', true)] })).toEqual(['http://127.0.0.1:8080']);
  });

  it('a hub bound to one address is shown at that address', () => {
    expect(pageUrls('192.168.1.10', 8080, {})).toEqual(['http://192.168.1.10:8080']);
    expect(pageUrls('::1', 80, {})).toEqual(['http://[::1]:80']);
  });

  it('the first-start banner prints a real address, never a placeholder', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const hub = await spawnHub(dir.path, await freePort(), await freePort());
    try {
      await expect.poll(hub.output, { timeout: 30_000 }).toMatch(/Sign in at http:\/\/[\d.]+:\d+\/admin/);
      expect(hub.output()).not.toContain('<hub>');
      expect(hub.output()).toMatch(new RegExp(`http://[\\d.]+:${hub.httpPort}/admin`));
    } finally {
      await hub.kill();
      dir.remove();
    }
  });
});

describe('browser extras', () => {
  let testHub: TestHub;
  afterAll(() => testHub?.stop());

  it('/favicon.ico answers 204 with no body, not a JSON 404', async () => {
    testHub = await startTestHub();
    const response = await fetch(`${testHub.httpUrl}/favicon.ico`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });
});
