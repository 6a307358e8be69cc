// Log lines for connections the front door refuses (bad logins, limits,
// oversized packets), bounded per source address: the first refusal from an
// address is logged at once, with its details; the rest of that minute are
// counted and written as ONE summary line when the minute is over. A flood of
// 5,000 wrong passwords a second thus writes one line a minute, not a
// megabyte. Usernames come from the wire and may be a password typed in the
// wrong field: they are logged shortened, never in full.

import type { Logger } from '../../shared/log/logger.js';

/** At most this many distinct (masked) usernames are listed in a summary. */
const MAX_SAMPLES = 5;
/** Addresses tracked at once; beyond this they share one "other" entry (memory stays bounded). */
const DEFAULT_MAX_ADDRESSES = 1_000;
const OTHER = 'other';

/**
 * "kio…[8]": at most the first three characters (a third of a short name),
 * then the length; anything but printable ASCII shown as "?".
 */
export function maskUsername(username: string | undefined | null): string {
  if (!username) return '(none)';
  const chars = [...username];
  const visible = Math.min(3, Math.floor(chars.length / 3));
  const head = chars
    .slice(0, visible)
    .map((c) => (/^[\x21-\x7e]$/.test(c) ? c : '?'))
    .join('');
  return `${head}…[${chars.length}]`;
}

interface Window {
  openedAt: number;
  /** Refusals after the one logged when the window opened. */
  count: number;
  reasons: Map<string, number>;
  usernames: Set<string>;
}

export interface RefusalLogOptions {
  /** Length of one summary window (default one minute). */
  windowMs?: number;
  maxAddresses?: number;
  /** A monotonic clock in ms (default performance.now). */
  now?: () => number;
}

export class RefusalLog {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    options: RefusalLogOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? DEFAULT_MAX_ADDRESSES;
    this.now = options.now ?? (() => performance.now());
    this.timer = setInterval(() => this.flush(), Math.max(1_000, Math.floor(this.windowMs / 6)));
    this.timer.unref();
  }

  /**
   * One refused connection. `details` go on the line written at once (the
   * first from this address in a window); pass usernames already masked.
   */
  note(address: string, reason: string, details: { username?: string } & Record<string, unknown> = {}): void {
    let key = address;
    if (this.windows.has(key)) this.flushOne(key, this.now());
    let window = this.windows.get(key);
    if (!window && this.windows.size >= this.maxAddresses) {
      key = OTHER;
      window = this.windows.get(key);
    }
    if (!window) {
      this.windows.set(key, { openedAt: this.now(), count: 0, reasons: new Map(), usernames: new Set() });
      this.log.warn('connection refused', {
        address: key === OTHER ? `${address} (${OTHER})` : address,
        reason,
        ...details,
      });
      return;
    }
    window.count++;
    window.reasons.set(reason, (window.reasons.get(reason) ?? 0) + 1);
    if (details.username !== undefined && window.usernames.size < MAX_SAMPLES) {
      window.usernames.add(details.username);
    }
  }

  /** Write the summary of every window that is over (all of them with `all`). */
  flush(all = false): void {
    const now = this.now();
    for (const address of [...this.windows.keys()]) this.flushOne(address, now, all);
  }

  private flushOne(address: string, now: number, all = false): void {
    const window = this.windows.get(address);
    if (!window || (!all && now - window.openedAt < this.windowMs)) return;
    if (window.count === 0) {
      this.windows.delete(address);
      return;
    }
    this.log.warn('connections refused (summary)', {
      address,
      refused: window.count,
      seconds: Math.round((now - window.openedAt) / 1000),
      reasons: Object.fromEntries(window.reasons),
      usernames: window.usernames.size ? [...window.usernames] : undefined,
    });
    // Still refusing: a new window opens silently, so a steady flood
    // writes one line per window and no "first" line in between.
    this.windows.set(address, { openedAt: now, count: 0, reasons: new Map(), usernames: new Set() });
  }

  /** Summaries of what is pending, then stop (the hub is stopping). */
  close(): void {
    clearInterval(this.timer);
    this.flush(true);
    this.windows.clear();
  }
}
