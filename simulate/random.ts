// Seeded randomness for the simulator: the same seed gives the same day,
// to the millisecond, on any machine (no Math.random anywhere in a run).

import type { Spread } from './profile.js';

/** mulberry32: a small, fast 32-bit generator; plenty for a simulated office. */
export class Random {
  private state: number;

  constructor(seed: number | string) {
    this.state = typeof seed === 'number' ? seed >>> 0 : hashSeed(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One of the keys, weighted by its value. */
  pick<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((a, [, w]) => a + w, 0);
    let r = this.next() * total;
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }

  /**
   * A duration in seconds from a log-normal with the given median and 90th
   * percentile: service times are skewed (most short, a few very long).
   */
  duration(d: Spread): number {
    const sigma = (Math.log(d.p90Seconds) - Math.log(d.medianSeconds)) / 1.2815515655446004;
    return Math.exp(Math.log(d.medianSeconds) + sigma * this.normal());
  }

  /** A fresh generator for a separate stream (arrivals, services…), so one never shifts another. */
  fork(label: string): Random {
    return new Random((this.next() * 4294967296) ^ hashSeed(label));
  }
}

/** FNV-1a of a string: a seed from a word. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
