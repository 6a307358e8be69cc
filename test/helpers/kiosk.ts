// A kiosk config for tests: simulated GPIO, the test hub, a temp data dir.

import { type KioskConfig, parseDeviceConfig } from '../../shared/config/device-config.js';

export function kioskConfig(options: {
  deviceId?: string;
  mqttUrl: string;
  httpUrl: string;
  password: string;
  dataDir: string;
  hardware?: Record<string, unknown>;
}): KioskConfig {
  const config = parseDeviceConfig(
    JSON.stringify({
      role: 'kiosk',
      deviceId: options.deviceId ?? 'kiosk-1',
      site: { name: 'Công an tỉnh Thanh Hóa – Bộ phận một cửa' },
      hub: { mqttUrl: options.mqttUrl, httpUrl: options.httpUrl },
      credentials: { password: options.password },
      dataDir: options.dataDir,
      simulate: true,
      hardware: {
        buttons: [
          { gpio: 5, fieldId: 'can-cuoc' },
          { gpio: 6, fieldId: 'cu-tru' },
        ],
        priorityButton: { gpio: 26, category: 'nguoi-cao-tuoi' },
        led: { gpio: 17 },
        // Tests press faster than any finger: debounce and press window are unit-tested.
        debounceMs: 0,
        pressWindowMs: 0,
        ...options.hardware,
      },
    }),
    'test kiosk',
  );
  if (config.role !== 'kiosk') throw new Error('not a kiosk config');
  return config;
}
