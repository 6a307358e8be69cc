import { describe, expect, it } from 'vitest';
import { loopbackHost } from '../../../edge/kiosk/kiosk.js';

describe('the kiosk warns when ticket QR codes would point at this machine', () => {
  it('names a loopback host', () => {
    expect(loopbackHost('http://127.0.0.1:8080')).toBe('127.0.0.1');
    expect(loopbackHost('http://localhost:8080/')).toBe('localhost');
    expect(loopbackHost('http://[::1]:8080')).toBe('::1');
  });
  it('says nothing for an address phones can reach', () => {
    expect(loopbackHost('http://192.168.1.10:8080')).toBeNull();
    expect(loopbackHost('http://qms-hub.local:8080')).toBeNull();
  });
});
