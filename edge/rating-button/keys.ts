// The rating keys: one Button from the shared GPIO layer per key (debounced,
// with a press window so a double press of a key is one press), each mapped
// to its satisfaction level by the device config.

import { EventEmitter } from 'node:events';
import { Button, type GpioBackend } from '../../shared/hardware/gpio.js';
import type { RatingLevel } from '../../shared/ratings.js';

export interface KeyConfig {
  gpio: number;
  level: RatingLevel;
}

export class RatingKeys extends EventEmitter<{ press: [level: RatingLevel] }> {
  private readonly buttons: Button[];

  constructor(
    backend: GpioBackend,
    readonly keys: readonly KeyConfig[],
    options: { debounceMs: number; pressWindowMs: number },
    now: () => number = Date.now,
  ) {
    super();
    this.buttons = keys.map((key) => {
      const button = new Button(backend, key.gpio, options, now);
      button.on('press', () => this.emit('press', key.level));
      return button;
    });
  }

  /** The GPIO line of a level's key (simulation: press it). */
  lineOf(level: RatingLevel): number | undefined {
    return this.keys.find((k) => k.level === level)?.gpio;
  }

  close(): void {
    for (const b of this.buttons) b.close();
  }
}
