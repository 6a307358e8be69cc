import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Button,
  GpioError,
  Led,
  OnoffBackend,
  type OnoffGpioClass,
  PressFilter,
  SimulatedGpio,
  sysfsNumber,
} from '../../../shared/hardware/gpio.js';
import { tempDir } from '../../helpers/hub.js';

/** A fake /sys/class/gpio with the given chips. */
function fakeSysfs(chips: { name: string; label: string; base: number; ngpio: number }[]) {
  const dir = tempDir('qms-sysfs-');
  for (const c of chips) {
    mkdirSync(join(dir.path, c.name));
    writeFileSync(join(dir.path, c.name, 'label'), `${c.label}\n`);
    writeFileSync(join(dir.path, c.name, 'base'), `${c.base}\n`);
    writeFileSync(join(dir.path, c.name, 'ngpio'), `${c.ngpio}\n`);
  }
  writeFileSync(join(dir.path, 'export'), '');
  return dir;
}

// As read on the boards with kernel 6.6+.
const PI4 = [
  { name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
  { name: 'gpiochip570', label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
];
const PI5 = [
  { name: 'gpiochip512', label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 },
  { name: 'gpiochip544', label: 'gpio-brcmstb@107d517c00', base: 544, ngpio: 15 },
  { name: 'gpiochip559', label: 'gpio-brcmstb@107d508520', base: 559, ngpio: 6 },
  { name: 'gpiochip565', label: 'gpio-brcmstb@107d517c20', base: 565, ngpio: 6 },
  { name: 'gpiochip571', label: 'pinctrl-rp1', base: 571, ngpio: 54 },
];
const OLD_KERNEL_PI3 = [{ name: 'gpiochip0', label: 'pinctrl-bcm2835', base: 0, ngpio: 54 }];

describe('sysfs GPIO numbers', () => {
  const dirs: { remove: () => void }[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });
  const tree = (chips: typeof PI4) => {
    const d = fakeSysfs(chips);
    dirs.push(d);
    return d.path;
  };

  it('offsets GPIO17 by the SoC chip base on a Pi 4 (529), a Pi 5 (588) and an old kernel (17)', () => {
    expect(sysfsNumber(17, { sysfsRoot: tree(PI4) })).toBe(529);
    expect(sysfsNumber(17, { sysfsRoot: tree(PI5) })).toBe(588);
    expect(sysfsNumber(17, { sysfsRoot: tree(OLD_KERNEL_PI3) })).toBe(17);
  });

  it('uses the chip named in the configuration', () => {
    expect(sysfsNumber(3, { sysfsRoot: tree(PI4), chipLabel: 'raspberrypi-exp-gpio' })).toBe(573);
  });

  it('names the problem: a pin the chip does not have, no Pi chip, no sysfs at all', () => {
    const root = tree(PI4);
    expect(() => sysfsNumber(58, { sysfsRoot: root })).toThrow(
      new GpioError('GPIO 58 does not exist on pinctrl-bcm2711 (lines 0–57)'),
    );
    expect(() => sysfsNumber(-1, { sysfsRoot: root })).toThrow(/GPIO -1 does not exist/);
    expect(() => sysfsNumber(4, { sysfsRoot: root, chipLabel: 'pinctrl-rp1' })).toThrow(
      /no GPIO chip labelled "pinctrl-rp1" .* \(found: gpiochip512 "pinctrl-bcm2711", gpiochip570 "raspberrypi-exp-gpio"\)/,
    );
    expect(() => sysfsNumber(4, { sysfsRoot: '/nonexistent/gpio' })).toThrow(
      /cannot read \/nonexistent\/gpio \(ENOENT\): is this a Raspberry Pi/,
    );
  });

  it('opens onoff pins at the offset numbers, watching both edges with the debounce', () => {
    const made: unknown[][] = [];
    const writes: number[] = [];
    let watcher: ((e: Error | null, v: number) => void) | undefined;
    const FakeGpio = class {
      constructor(...args: unknown[]) {
        made.push(args);
      }
      watch(cb: (e: Error | null, v: number) => void) {
        watcher = cb;
      }
      writeSync(v: 0 | 1) {
        writes.push(v);
      }
      unexport() {}
    } as unknown as OnoffGpioClass;
    const errors: Error[] = [];
    const backend = new OnoffBackend(FakeGpio, { sysfsRoot: tree(PI5) }, (e) => errors.push(e));
    const seen: number[] = [];
    backend.input(5, { debounceMs: 30 }).watch((v) => seen.push(v));
    backend.output(26).write(1);
    expect(made).toEqual([
      [576, 'in', 'both', { debounceTimeout: 30 }],
      [597, 'out'],
    ]);
    watcher!(null, 0);
    watcher!(new Error('EIO'), 0);
    expect(seen).toEqual([0]);
    expect(errors.map((e) => e.message)).toEqual(['EIO']);
    expect(writes).toEqual([1]);
  });
});

describe('presses', () => {
  it('ignores contact bounce and repeated presses inside the press window', () => {
    const f = new PressFilter(30, 1500);
    expect(f.accept(0, 1000)).toBe(true); // press
    expect(f.accept(1, 1010)).toBe(false); // bounce
    expect(f.accept(0, 1020)).toBe(false); // bounce
    expect(f.accept(1, 1200)).toBe(false); // release
    expect(f.accept(0, 1400)).toBe(false); // second push, inside the window
    expect(f.accept(1, 1500)).toBe(false);
    expect(f.accept(0, 2600)).toBe(true); // a new press
  });

  it('a Button on simulated GPIO emits one press per push', () => {
    const gpio = new SimulatedGpio();
    let now = 0;
    const button = new Button(gpio, 5, { debounceMs: 30, pressWindowMs: 1000 }, () => now);
    let presses = 0;
    button.on('press', () => presses++);
    gpio.press(5);
    now = 100;
    gpio.press(5); // within the window: a child pushing twice
    now = 1200;
    gpio.press(5);
    gpio.press(6); // another line
    expect(presses).toBe(2);
    button.close();
  });

  it('an LED shows steady and blinking patterns', async () => {
    const gpio = new SimulatedGpio();
    const led = new Led(gpio, 17);
    led.show('on');
    expect(gpio.levels.get(17)).toBe(1);
    led.show('blink-fast');
    const levels = new Set<number>();
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 80));
      levels.add(gpio.levels.get(17)!);
    }
    expect([...levels].sort()).toEqual([0, 1]);
    led.close();
    expect(gpio.levels.get(17)).toBe(0);
  });
});
