// GPIO for the edge devices: buttons and LEDs by BCM line number.
//
// Since kernel 6.6 the sysfs GPIO numbers are offset by the chip's base
// (GPIO17 is 529 on a Pi 0–4, whose chip starts at 512; the Pi 5's RP1 chip
// has another base), so the number given to onoff is read from
// /sys/class/gpio/gpiochip*/{label,base,ngpio}, never assumed (onoff issues
// #199, #200). The sysfs root is a setting so the helper is tested on a fake
// tree. Two backends sit behind one interface: onoff on a Pi, and a
// simulated one (demo, tests, a desk without hardware).

import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Labels of the SoC GPIO chip on Raspberry Pi models (not the expander chips). */
export const PI_CHIP_LABELS = ['pinctrl-bcm2711', 'pinctrl-bcm2835', 'pinctrl-rp1', 'pinctrl-bcm2712'];

export class GpioError extends Error {
  override name = 'GpioError';
}

export interface GpioChip {
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

export function listChips(sysfsRoot: string): GpioChip[] {
  let names: string[];
  try {
    names = readdirSync(sysfsRoot).filter((n) => n.startsWith('gpiochip'));
  } catch (error) {
    throw new GpioError(
      `cannot read ${sysfsRoot} (${(error as NodeJS.ErrnoException).code ?? 'error'}): is this a Raspberry Pi with sysfs GPIO?`,
    );
  }
  const read = (chip: string, file: string) => readFileSync(join(sysfsRoot, chip, file), 'utf8').trim();
  return names.map((name) => ({
    name,
    label: read(name, 'label'),
    base: Number(read(name, 'base')),
    ngpio: Number(read(name, 'ngpio')),
  }));
}

/**
 * The sysfs number of a BCM line: the Pi's GPIO chip (or the one labelled
 * `chipLabel`) base + line. A clear error names what is missing.
 */
export function sysfsNumber(line: number, options: { sysfsRoot: string; chipLabel?: string }): number {
  const chips = listChips(options.sysfsRoot);
  const wanted = options.chipLabel ? [options.chipLabel] : PI_CHIP_LABELS;
  const chip = chips.find((c) => wanted.includes(c.label));
  if (!chip) {
    const seen = chips.map((c) => `${c.name} "${c.label}"`).join(', ') || 'none';
    throw new GpioError(
      `no GPIO chip labelled ${wanted.map((l) => `"${l}"`).join(' or ')} under ${options.sysfsRoot} (found: ${seen}); set hardware.gpio.chipLabel`,
    );
  }
  if (!Number.isInteger(line) || line < 0 || line >= chip.ngpio) {
    throw new GpioError(`GPIO ${line} does not exist on ${chip.label} (lines 0–${chip.ngpio - 1})`);
  }
  return chip.base + line;
}

// ---------------------------------------------------------------- pins

export interface InputPin {
  /** Called with the new level (0 or 1) on every edge. */
  watch(listener: (value: 0 | 1) => void): void;
  close(): void;
}

export interface OutputPin {
  write(value: 0 | 1): void;
  close(): void;
}

export interface GpioBackend {
  input(line: number, options: { debounceMs: number }): InputPin;
  output(line: number): OutputPin;
}

/** The part of onoff's Gpio class the backend uses, so it can be replaced in tests. */
export interface OnoffGpio {
  watch(callback: (error: Error | null | undefined, value: number) => void): void;
  writeSync(value: 0 | 1): void;
  unexport(): void;
}
export type OnoffGpioClass = new (
  gpio: number,
  direction: 'in' | 'out',
  edge?: 'none' | 'rising' | 'falling' | 'both',
  options?: { debounceTimeout?: number; activeLow?: boolean },
) => OnoffGpio;

/** GPIO through onoff (sysfs), numbers from the chip base. */
export class OnoffBackend implements GpioBackend {
  constructor(
    private readonly Gpio: OnoffGpioClass,
    private readonly options: { sysfsRoot: string; chipLabel?: string },
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  static async load(options: { sysfsRoot: string; chipLabel?: string }, onError?: (e: Error) => void) {
    const { Gpio } = await import('onoff');
    return new OnoffBackend(Gpio as unknown as OnoffGpioClass, options, onError);
  }

  input(line: number, { debounceMs }: { debounceMs: number }): InputPin {
    const pin = new this.Gpio(sysfsNumber(line, this.options), 'in', 'both', { debounceTimeout: debounceMs });
    return {
      watch: (listener) =>
        pin.watch((error, value) => {
          if (error) this.onError(error);
          else listener(value ? 1 : 0);
        }),
      close: () => pin.unexport(),
    };
  }

  output(line: number): OutputPin {
    const pin = new this.Gpio(sysfsNumber(line, this.options), 'out');
    return { write: (v) => pin.writeSync(v), close: () => pin.unexport() };
  }
}

/** Pins in memory: `press(line)` / `release(line)` as a finger would; outputs readable. */
export class SimulatedGpio extends EventEmitter implements GpioBackend {
  readonly levels = new Map<number, 0 | 1>();

  input(line: number): InputPin {
    let listener: ((v: 0 | 1) => void) | null = null;
    const onLevel = (l: number, v: 0 | 1) => {
      if (l === line) listener?.(v);
    };
    this.on('level', onLevel);
    this.levels.set(line, 1); // pulled up: idle high
    return {
      watch: (l) => {
        listener = l;
      },
      close: () => this.off('level', onLevel),
    };
  }

  output(line: number): OutputPin {
    this.levels.set(line, 0);
    return { write: (v) => this.set(line, v), close: () => undefined };
  }

  private set(line: number, value: 0 | 1): void {
    this.levels.set(line, value);
    this.emit('level', line, value);
  }

  /** Buttons pull the line low while pressed (internal pull-up). */
  press(line: number): void {
    this.set(line, 0);
    this.set(line, 1);
  }
}

// ---------------------------------------------------------------- buttons and LEDs

/**
 * Turns raw edges into presses: a press is the line going low; edges within
 * `debounceMs` of the last accepted one are contact bounce; after a press,
 * further presses within `pressWindowMs` are ignored (one ticket per press,
 * however hard or often the citizen pushes). Pure apart from the clock.
 */
export class PressFilter {
  private lastEdge = Number.NEGATIVE_INFINITY;
  private lastPress = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly debounceMs: number,
    private readonly pressWindowMs: number,
  ) {}

  /** True when this edge is a press to act on. */
  accept(value: 0 | 1, now: number): boolean {
    if (now - this.lastEdge < this.debounceMs) return false;
    this.lastEdge = now;
    if (value !== 0) return false;
    if (now - this.lastPress < this.pressWindowMs) return false;
    this.lastPress = now;
    return true;
  }
}

export class Button extends EventEmitter<{ press: [] }> {
  private readonly pin: InputPin;

  constructor(
    backend: GpioBackend,
    readonly line: number,
    options: { debounceMs: number; pressWindowMs: number },
    now: () => number = Date.now,
  ) {
    super();
    const filter = new PressFilter(options.debounceMs, options.pressWindowMs);
    this.pin = backend.input(line, { debounceMs: options.debounceMs });
    this.pin.watch((value) => {
      if (filter.accept(value, now())) this.emit('press');
    });
  }

  close(): void {
    this.pin.close();
  }
}

export type LedPattern = 'off' | 'on' | 'blink-slow' | 'blink-fast';

/** An LED showing a state: steady, or blinking (slow: waiting; fast: fault). */
export class Led {
  private readonly pin: OutputPin;
  private timer: NodeJS.Timeout | null = null;
  private level: 0 | 1 = 0;
  pattern: LedPattern = 'off';

  constructor(backend: GpioBackend, line: number) {
    this.pin = backend.output(line);
    this.pin.write(0);
  }

  show(pattern: LedPattern): void {
    if (pattern === this.pattern) return;
    this.pattern = pattern;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (pattern === 'off' || pattern === 'on') {
      this.level = pattern === 'on' ? 1 : 0;
      this.pin.write(this.level);
      return;
    }
    this.timer = setInterval(
      () => {
        this.level = this.level ? 0 : 1;
        this.pin.write(this.level);
      },
      pattern === 'blink-fast' ? 150 : 600,
    );
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.pin.write(0);
    this.pin.close();
  }
}
