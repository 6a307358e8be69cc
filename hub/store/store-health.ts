// What the hub knows about its store's health while it runs. A write that
// fails because of the disk or the file itself (not because of the request)
// is a store fault: it is shown on /api/health and the admin page instead of
// hiding behind a generic hub_error.
//
// Two kinds of fault, two behaviours:
// - passing (disk full, an I/O error): every request still tries; the fault
//   clears at the next committed queue change (room again, SD card back).
// - lasting (the file is corrupt, or was removed or replaced under the hub):
//   retrying cannot help and writing more into a damaged b-tree can spread
//   the damage, so from then on the hub refuses every change without
//   touching the store. It keeps serving what it holds in memory (board,
//   consoles, admin page with the fault banner); kiosks get hub_error and
//   print from their number lease, rating keys keep their outbox, as during
//   any hub outage. A technician restores a backup (docs/deployment.md).
//   The hub does not exit: a restart would only meet the start-up check,
//   refuse, and leave the office without any page saying why.

import type { Logger } from '../../shared/log/logger.js';

export type StoreFaultKind = 'full' | 'io' | 'corrupt' | 'gone';

export interface StoreFault {
  kind: StoreFaultKind;
  /** SQLite's (extended) result code, e.g. SQLITE_CORRUPT, SQLITE_IOERR_WRITE. */
  code: string;
  message: string;
  /** First and latest time it was seen, and how often. */
  since: number;
  lastAt: number;
  count: number;
  /** Lasting faults: every change is refused until the store is restored. */
  lasting: boolean;
}

/** The store fault an error is, or null for any other error (a bug, a bad request). */
export function classifyStoreError(error: unknown): { kind: StoreFaultKind; code: string } | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return { kind: 'corrupt', code };
  if (code === 'SQLITE_READONLY_DBMOVED') return { kind: 'gone', code };
  if (code === 'SQLITE_FULL') return { kind: 'full', code };
  // A filesystem remounted read-only after a card error lands here too.
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN')
    return { kind: 'io', code };
  return null;
}

const LASTING: ReadonlySet<StoreFaultKind> = new Set(['corrupt', 'gone']);

export class StoreHealth {
  private current: StoreFault | null = null;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get fault(): StoreFault | null {
    return this.current;
  }

  /** True once a lasting fault was seen: changes are refused without trying. */
  get refusingChanges(): boolean {
    return this.current?.lasting ?? false;
  }

  /**
   * Look at an error that escaped a request or a job; returns the fault it
   * is (and records it), or null when it is not a store fault.
   */
  observe(error: unknown): StoreFault | null {
    const found = classifyStoreError(error);
    if (!found) return null;
    const at = this.now();
    const message = error instanceof Error ? error.message : String(error);
    const cur = this.current;
    // A lasting fault is never replaced by a passing one.
    if (cur && (cur.kind === found.kind || (cur.lasting && !LASTING.has(found.kind)))) {
      cur.lastAt = at;
      cur.count++;
      return cur;
    }
    this.current = {
      ...found,
      message,
      since: at,
      lastAt: at,
      count: 1,
      lasting: LASTING.has(found.kind),
    };
    const fields = { kind: found.kind, code: found.code, error: message };
    if (this.current.lasting) {
      this.log.error(
        'store fault: the store is damaged or gone; refusing every change until it is restored',
        fields,
      );
    } else {
      this.log.error('store fault: writes fail; will clear at the next successful write', fields);
    }
    return this.current;
  }

  /** A queue change was committed: a passing fault is over. */
  committed(): void {
    const cur = this.current;
    if (!cur || cur.lasting) return;
    this.current = null;
    this.log.info('store fault cleared: writes succeed again', { kind: cur.kind, failures: cur.count });
  }
}
