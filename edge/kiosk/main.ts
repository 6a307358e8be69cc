// The kiosk program: `npm run kiosk -- --config kiosk.json` from source,
// `node dist/edge/kiosk/main.js --config /etc/qms/kiosk.json` on a Pi.
// With `simulate: true` it runs on a desk: simulated buttons (the demo
// presses them, or type `press 0` on stdin), and each printed ticket kept as
// PNG + ESC/POS in <dataDir>/printed.

import { mainIfEntry } from '../../shared/device/program.js';
import { startKiosk } from './kiosk.js';

export { type Kiosk, type KioskOptions, type PrintedTicket, startKiosk } from './kiosk.js';

mainIfEntry(import.meta.url, {
  role: 'kiosk',
  name: 'kiosk',
  folder: 'kiosk',
  start: (config, log) => startKiosk(config, { log }),
  // `press 0` presses the first configured button, `press priority` the priority button.
  input: (kiosk, line) => {
    const m = /^press\s+(\d+|priority)$/.exec(line);
    if (!m) throw new Error('expected "press <button index>" or "press priority"');
    const button = m[1] === 'priority' ? 'priority' : Number(m[1]);
    kiosk.press(button);
    return `button ${button} pressed`;
  },
});
