// Builds the hub's TrustedClock from its settings and the store: the last
// stored event (a reading before it is not believed), a confirmation saved
// earlier in this same boot, and the real time sources (or a test's).

import { readFileSync } from 'node:fs';
import type { Logger } from '../../shared/log/logger.js';
import type { Db } from '../store/db.js';
import type { QueueStore } from '../store/queue-store.js';
import { type SavedConfirmation, TrustedClock } from './clock.js';
import { type ClockProbe, systemProbe } from './probe.js';

export interface ClockSettings {
  trustSystemClock: boolean;
  rtc: string;
  carryOverMinutes: number;
  checkSeconds: number;
}

export const DEFAULT_CLOCK_SETTINGS: ClockSettings = {
  trustSystemClock: false,
  rtc: '/sys/class/rtc/rtc0',
  carryOverMinutes: 120,
  checkSeconds: 30,
};

/** Settings plus what tests replace: the sources, the system and monotonic clocks, the boot id. */
export interface ClockOptions extends Partial<ClockSettings> {
  probe?: ClockProbe;
  systemNow?: () => number;
  monotonicNow?: () => number;
  bootId?: string | null;
}

const SETTING = 'clockConfirmation';

function currentBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * The latest stored moment: the latest event of the tickets of the two
 * latest service dates, and the last audit entry written (rowid order).
 * Events are keyed by ticket (schema 12), so the last one written is no
 * longer at the end of a b-tree. The queue writes events only for tickets
 * of its service date, and the daily reset for those of the date it closes
 * (cancelled, they keep their date; carried ones take the new one), so the
 * two latest dates hold the latest event; read by key (tickets by service
 * date, then each one's events), a few hundred rows, not the year.
 */
export function lastStoredEventAt(db: Db): number | null {
  const at = (sql: string) => (db.prepare(sql).get() as { at: number | null } | undefined)?.at ?? null;
  const times = [
    at(`SELECT max(e.at) AS at FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id
        WHERE t.service_date IN (SELECT DISTINCT service_date FROM tickets ORDER BY service_date DESC LIMIT 2)`),
    at('SELECT at FROM audit_log ORDER BY id DESC LIMIT 1'),
  ].filter((t): t is number => t !== null);
  return times.length ? Math.max(...times) : null;
}

export function createClock(options: ClockOptions, store: QueueStore, log: Logger): TrustedClock {
  const settings = { ...DEFAULT_CLOCK_SETTINGS, ...options };
  const saved = store.getSetting<SavedConfirmation | null>(SETTING) ?? null;
  return new TrustedClock({
    probe: options.probe ?? systemProbe({ rtcPath: settings.rtc || null }),
    log,
    systemNow: options.systemNow,
    monotonicNow: options.monotonicNow,
    lastEventAt: lastStoredEventAt(store.db),
    trustSystemClock: settings.trustSystemClock,
    checkMs: settings.checkSeconds * 1000,
    bootId: options.bootId === undefined ? currentBootId() : options.bootId,
    saved,
    save: (confirmation) => {
      try {
        store.putSetting(SETTING, confirmation);
      } catch (error) {
        log.error('clock confirmation not saved', { error });
      }
    },
  });
}
