// One small JSON state file on an edge device's SD card: the kiosk's lease
// and outbox, the rating device's outbox, a cached catalogue. The one module
// every program uses for them, so the rules are written once:
// - a write is atomic and durable: a temporary file, fsynced, renamed over
//   the old one, the folder fsynced (a power cut leaves the old file or the
//   new one, never half of one);
// - writes are serialised and each update is a transaction: the change is
//   made on a copy, written, and only then becomes the state in memory, so a
//   failed write leaves memory and disk as they were, and two updates at the
//   same moment never share a temporary file;
// - what is read is checked against a zod schema; a file that fails (cut
//   short by a non-atomic editor, 0 bytes or zeros after a power cut, garbage
//   in the middle, valid JSON of the wrong shape, one bad entry among good
//   ones, a file copied from another device) is SALVAGED: the owner's
//   salvage function picks every complete entry out of what can still be
//   read, the damaged file is kept aside (`<name>.damaged-<time>`) with a log
//   line, the salvaged state is written in its place, and `damage` says what
//   happened so the program can show it in its device status and go on.

import { constants } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import type { Logger } from '../log/logger.js';

export type StateFileProblem =
  /** 0 bytes, or only zeros/whitespace (a power cut on a file written without fsync). */
  | 'empty'
  /** Not JSON: cut short, garbage in it. */
  | 'not_json'
  /** JSON, but not what the program writes (or one bad entry among good ones). */
  | 'wrong_shape'
  /** A valid file of another device (a copied SD card or data folder): not used at all. */
  | 'foreign'
  /** The file could not be read (I/O error, a folder in its place). */
  | 'unreadable';

/** What was wrong with a state file at start, and what became of it. */
export interface StateFileDamage {
  /** Base name of the file. */
  file: string;
  problem: StateFileProblem;
  /** Base name of the damaged file kept aside next to it (null: nothing to keep). */
  keptAs: string | null;
  /** Entries recovered into the new file. */
  recovered: number;
  /** Entries seen but not recovered (an estimate where the file is cut). */
  lost: number;
  at: number;
  /** English, for the log. */
  detail: string;
}

/** What the salvage function gets to pick from. */
export interface SalvageInput {
  text: string;
  /** The whole file parsed, when it is JSON (of the wrong shape); undefined otherwise. */
  parsed: unknown;
  /** Every complete JSON object in the file, in file order, outer before inner. */
  objects: unknown[];
}

export interface Salvaged<T> {
  data: T;
  recovered: number;
  lost: number;
}

export interface StateFileOptions<T> {
  path: string;
  /** What a whole file must be. */
  schema: z.ZodType<T>;
  /** The state of a new file. */
  empty: () => T;
  /** Rebuild the state from a damaged file. Without one, a damaged file is kept aside and the state starts empty (a cache). */
  salvage?: (input: SalvageInput) => Salvaged<T>;
  /** The device a valid file belongs to, when it is not this one (a copied data folder): the file is kept aside unused. */
  foreignOwner?: (data: T) => string | null;
  /** Entries in a file (what a foreign file would lose). */
  count?: (data: T) => number;
  log?: Logger;
  now?: () => number;
  /** Damaged files kept aside per state file; older ones are removed (default 10). */
  keepDamaged?: number;
}

const DEFAULT_KEEP_DAMAGED = 10;

/** Atomic, durable write of a whole file: temp + fsync + rename + folder fsync. */
export async function writeFileDurably(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = tempPathOf(path);
  const file = await open(temp, 'w');
  try {
    await file.writeFile(text, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

function tempPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp`);
}

/** UTC, sortable, safe in a file name: 20251128T093005123Z. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}

export class JsonStateFile<T> {
  private current: T;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    data: T,
    /** What was wrong with the file at start; null when it was fine (or new). */
    readonly damage: StateFileDamage | null,
  ) {
    this.current = data;
  }

  /** Read, check and (if needed) salvage the file; a damaged file never stops the program. */
  static async open<T>(options: StateFileOptions<T>): Promise<JsonStateFile<T>> {
    const { path, log } = options;
    const now = options.now ?? Date.now;
    await mkdir(dirname(path), { recursive: true });
    // A temporary file left by a write cut short: its rename never happened,
    // so nothing in it was ever acknowledged to anyone.
    await rm(tempPathOf(path), { force: true }).catch(() => undefined);

    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return new JsonStateFile(path, options.empty(), null);
      return JsonStateFile.recover(options, now(), {
        problem: 'unreadable',
        detail: `cannot be read (${code ?? String(error)})`,
        text: null,
      });
    }

    if (text.replace(/[\s\0]/g, '') === '') {
      return JsonStateFile.recover(options, now(), {
        problem: 'empty',
        detail: `holds no data (${text.length} bytes of zeros or blanks)`,
        text,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return JsonStateFile.recover(options, now(), {
        problem: 'not_json',
        detail: `is not valid JSON (${printable((error as Error).message)})`,
        text,
      });
    }
    const checked = options.schema.safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const where = issue?.path.length ? issue.path.map(String).join('.') : '(file)';
      return JsonStateFile.recover(options, now(), {
        problem: 'wrong_shape',
        detail: `does not have the expected shape (${where}: ${issue?.message ?? 'invalid'})`,
        text,
        parsed,
      });
    }
    const owner = options.foreignOwner?.(checked.data) ?? null;
    if (owner !== null) {
      return JsonStateFile.recover(options, now(), {
        problem: 'foreign',
        detail: `belongs to device ${owner}`,
        text,
        foreign: checked.data,
      });
    }
    log?.debug('state file read', { path });
    return new JsonStateFile(path, checked.data, null);
  }

  private static async recover<T>(
    options: StateFileOptions<T>,
    at: number,
    found: {
      problem: StateFileProblem;
      detail: string;
      text: string | null;
      parsed?: unknown;
      foreign?: T;
    },
  ): Promise<JsonStateFile<T>> {
    const { path, log } = options;
    let salvaged: Salvaged<T>;
    if (found.foreign !== undefined) {
      // Another device's lease or events are not this device's to use.
      salvaged = { data: options.empty(), recovered: 0, lost: options.count?.(found.foreign) ?? 0 };
    } else if (found.text !== null && options.salvage) {
      const objects = found.parsed !== undefined ? collectObjects(found.parsed) : findObjects(found.text);
      try {
        salvaged = options.salvage({ text: found.text, parsed: found.parsed, objects });
      } catch (error) {
        log?.error('state file salvage failed: starting empty', { path, error });
        salvaged = { data: options.empty(), recovered: 0, lost: 0 };
      }
    } else {
      salvaged = { data: options.empty(), recovered: 0, lost: 0 };
    }

    const keptAs = await keepAside(path, found.problem, at, options.keepDamaged ?? DEFAULT_KEEP_DAMAGED, log);
    const damage: StateFileDamage = {
      file: basename(path),
      problem: found.problem,
      keptAs,
      recovered: salvaged.recovered,
      lost: salvaged.lost,
      at,
      detail: found.detail,
    };
    const file = new JsonStateFile(path, salvaged.data, damage);
    try {
      // The damaged file is replaced by the salvaged state now, so a restart reads a good file.
      await writeFileDurably(path, serialise(salvaged.data));
    } catch (error) {
      log?.error('salvaged state not written yet (the next change writes it)', { path, error });
    }
    log?.error(`state file damaged (${found.problem}): kept aside, ${salvaged.recovered} entries recovered`, {
      path,
      detail: found.detail,
      keptAs: keptAs ?? 'nothing to keep',
      lost: salvaged.lost,
    });
    return file;
  }

  /** The state as last written (replaced, never changed in place, by each update). */
  get data(): Readonly<T> {
    return this.current;
  }

  /** Look at the state once every update queued before has finished (no write). */
  afterUpdates<R>(look: (data: Readonly<T>) => R): Promise<R> {
    const run = this.queue.then(() => look(this.current));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Change the state and write it: `change` runs on a copy of the current
   * state when every earlier update has finished; when the write succeeds the
   * copy becomes the state and its result is returned. When it fails nothing
   * changed, in memory or on disk.
   */
  update<R>(change: (draft: T) => R): Promise<R> {
    const run = this.queue.then(async () => {
      const draft = structuredClone(this.current);
      const result = change(draft);
      await writeFileDurably(this.path, serialise(draft));
      this.current = draft;
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** A parser's message quotes the damaged text: no control characters or garbage in a log line. */
function printable(message: string): string {
  let clean = '';
  for (const c of message) {
    const code = c.codePointAt(0)!;
    clean += code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0xfffd ? '?' : c;
  }
  return clean.length > 120 ? `${clean.slice(0, 119)}…` : clean;
}

/** One field a line: easy to read for a person, and a cut file loses only whole entries after the cut. */
function serialise(data: unknown): string {
  return `${JSON.stringify(data, null, 1)}\n`;
}

/** Keep the damaged file next to the state file for a person; the oldest beyond `keep` are removed. */
async function keepAside(
  path: string,
  problem: StateFileProblem,
  at: number,
  keep: number,
  log?: Logger,
): Promise<string | null> {
  const dir = dirname(path);
  const name = basename(path);
  let aside = `${name}.damaged-${stamp(at)}`;
  for (let n = 2; ; n++) {
    try {
      if (problem === 'unreadable') {
        // It cannot be read, so it cannot be copied; it can still be moved out of the way.
        await rename(path, join(dir, aside));
      } else {
        await copyFile(path, join(dir, aside), constants.COPYFILE_EXCL);
        const copy = await open(join(dir, aside), 'r+');
        try {
          await copy.sync();
        } finally {
          await copy.close();
        }
      }
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && n < 100) {
        aside = `${name}.damaged-${stamp(at)}-${n}`;
        continue;
      }
      log?.error('damaged state file could not be kept aside', { path, error });
      if (problem === 'unreadable') await rm(path, { recursive: true, force: true }).catch(() => undefined);
      return null;
    }
  }
  try {
    await syncDir(dir);
    const kept = (await readdir(dir)).filter((f) => f.startsWith(`${name}.damaged-`)).sort();
    for (const old of kept.slice(0, Math.max(0, kept.length - keep))) {
      await rm(join(dir, old), { recursive: true, force: true });
      log?.warn('old damaged state file removed', { file: old });
    }
  } catch (error) {
    log?.warn('damaged state files not tidied', { dir, error });
  }
  return aside;
}

// ---------------------------------------------------------------- finding what is left

/** Every object in a parsed value, in document order, outer before inner. */
export function collectObjects(value: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) {
    for (const item of value) collectObjects(item, out);
  } else if (value !== null && typeof value === 'object') {
    out.push(value);
    for (const item of Object.values(value)) collectObjects(item, out);
  }
  return out;
}

export interface FindLimits {
  /** Longest object looked for, in characters (an entry is far smaller). */
  maxChars: number;
  /** Deepest nesting followed inside one object. */
  maxDepth: number;
}

const FIND_LIMITS: FindLimits = { maxChars: 64 * 1024, maxDepth: 16 };

/**
 * Every complete JSON object in damaged text, in file order, outer before
 * inner: from each `{`, the text up to its matching `}` (strings followed, a
 * string never spans a line or holds a control character), parsed. Where a
 * cut or garbage breaks an object, its own entries are still found one by
 * one. Bounded work: each start looks at most `maxChars` ahead and `maxDepth`
 * deep.
 */
export function findObjects(text: string, limits: FindLimits = FIND_LIMITS): unknown[] {
  const found: unknown[] = [];
  for (let start = text.indexOf('{'); start !== -1; start = text.indexOf('{', start + 1)) {
    const end = matchingBrace(text, start, limits);
    if (end === -1) continue;
    try {
      found.push(JSON.parse(text.slice(start, end + 1)));
    } catch {
      // Balanced but not JSON: the entries inside are tried on their own.
    }
  }
  return found;
}

/** Index of the `}` closing the `{` at `start`, or -1 (cut, broken string, too long or too deep). */
function matchingBrace(text: string, start: number, { maxChars, maxDepth }: FindLimits): number {
  const stop = Math.min(text.length, start + maxChars);
  let depth = 0;
  let inString = false;
  for (let i = start; i < stop; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      else if (c < 0x20) return -1; // a raw control character or line break: not a JSON string
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */) {
      if (++depth > maxDepth) return -1;
    } else if (c === 0x7d /* } */) {
      if (--depth === 0) return i;
    }
  }
  return -1;
}

/**
 * The objects that are whole entries of one kind (checked by `schema`, best
 * a strict one so entries of another kind do not pass), each once by `key`,
 * in file order.
 */
export function pickEntries<E>(
  objects: readonly unknown[],
  schema: z.ZodType<E>,
  key: (entry: E) => string,
): E[] {
  const seen = new Set<string>();
  const entries: E[] = [];
  for (const object of objects) {
    const checked = schema.safeParse(object);
    if (!checked.success) continue;
    const k = key(checked.data);
    if (seen.has(k)) continue;
    seen.add(k);
    entries.push(checked.data);
  }
  return entries;
}

/** How often `"key":` appears in the text: the entries a damaged file held, whole or not. */
export function countKey(text: string, key: string): number {
  return text.match(new RegExp(`"${key.replace(/[^A-Za-z0-9_]/g, '')}"\\s*:`, 'g'))?.length ?? 0;
}
