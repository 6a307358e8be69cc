// Simulate mode: `press <button>` lines on standard input press the program's
// simulated buttons; anything else is reported and changes nothing.

import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { pressesFromStdin } from '../../../shared/device/program.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';

describe('presses from standard input', () => {
  it('presses by index or name; bad lines and refused presses are logged, never thrown', async () => {
    const sink = memorySink();
    const log = createLogger('kiosk', { sink, timestamps: false });
    const pressed: Array<number | string> = [];
    const device = {
      press(button: number | string) {
        if (button === 7) throw new Error('no button 7');
        pressed.push(button);
      },
    };
    const input = new PassThrough();
    const lines = pressesFromStdin(log, device, input);
    input.write('press 0\n  press priority  \npress very_satisfied\n');
    input.write('press 7\npress\nreboot now\n\npress 1 2\n');
    input.write(`press ${'x'.repeat(5000)}\n`);
    input.end();
    await new Promise((resolve) => lines.once('close', resolve));
    await sleep(0);
    expect(pressed).toEqual([0, 'priority', 'very_satisfied']);
    const text = sink.lines.join('\n');
    expect(text).toMatch(/simulated press refused button=7 error="no button 7"/);
    expect(text.match(/expected "press <button>"/g)).toHaveLength(4);
  });
});
