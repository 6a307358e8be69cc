// The one durable JSON state file module of the edge programs: atomic
// serialised transactional writes, a schema check at start, and salvage of a
// damaged file (every whole entry kept, the file kept aside, a damage report)
// for each way a file on an SD card gets damaged.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger, memorySink } from '../../../shared/log/logger.js';
import {
  countKey,
  findObjects,
  JsonStateFile,
  pickEntries,
  type StateFileOptions,
} from '../../../shared/storage/json-state-file.js';
import { tempDir } from '../../helpers/hub.js';

const entry = z.strictObject({ id: z.string(), n: z.number().int() });
type Entry = z.infer<typeof entry>;
const fileSchema = z.object({ owner: z.string().optional(), entries: z.array(entry) });
type Data = z.infer<typeof fileSchema>;

const entries = (count: number, from = 1): Entry[] =>
  Array.from({ length: count }, (_, i) => ({ id: `e${from + i}`, n: (from + i) * 7 }));
/** The file as the module writes it. */
const written = (data: Data) => `${JSON.stringify(data, null, 1)}\n`;

describe('JsonStateFile', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let logs: ReturnType<typeof memorySink>;
  beforeEach(() => {
    dir = tempDir('qms-state-file-');
    path = join(dir.path, 'state.json');
    logs = memorySink();
  });
  afterEach(() => dir.remove());

  const options = (over: Partial<StateFileOptions<Data>> = {}): StateFileOptions<Data> => ({
    path,
    schema: fileSchema,
    empty: () => ({ owner: 'dev-1', entries: [] }),
    salvage: ({ text, objects }) => {
      const found = pickEntries(objects, entry, (e) => e.id);
      return {
        data: { owner: 'dev-1', entries: found },
        recovered: found.length,
        lost: Math.max(0, countKey(text, 'id') - found.length),
      };
    },
    foreignOwner: (d) => (d.owner !== undefined && d.owner !== 'dev-1' ? d.owner : null),
    count: (d) => d.entries.length,
    log: createLogger('state', { sink: logs, timestamps: false }),
    now: () => Date.UTC(2025, 10, 28, 2, 30, 5, 120),
    ...over,
  });
  const open = (over: Partial<StateFileOptions<Data>> = {}) => JsonStateFile.open(options(over));
  const files = () => readdirSync(dir.path).sort();
  const kept = () => files().filter((f) => f.startsWith('state.json.damaged-'));

  /** Open a damaged file; the new file is valid, the old one kept aside byte for byte. */
  async function salvageOf(damaged: string | Buffer) {
    writeFileSync(path, damaged);
    const file = await open();
    expect(file.damage).not.toBeNull();
    expect(kept()).toHaveLength(1);
    expect(readFileSync(join(dir.path, kept()[0]!))).toEqual(
      Buffer.isBuffer(damaged) ? damaged : Buffer.from(damaged),
    );
    expect(file.damage!.keptAs).toBe(kept()[0]);
    // What is on disk now reads back cleanly, with the same state.
    expect(fileSchema.parse(JSON.parse(readFileSync(path, 'utf8')))).toEqual(file.data);
    const again = await open();
    expect(again.damage).toBeNull();
    expect(again.data).toEqual(file.data);
    expect(logs.lines.some((l) => l.startsWith('ERROR state: state file') && l.includes('kept aside'))).toBe(
      true,
    );
    return file;
  }

  it('starts empty without a file, writes atomically, reads back, leaves no temporary file', async () => {
    const file = await open();
    expect(file.damage).toBeNull();
    expect(file.data).toEqual({ owner: 'dev-1', entries: [] });
    await file.update((d) => {
      d.entries.push(...entries(2));
    });
    expect(files()).toEqual(['state.json']);
    expect((await open()).data.entries).toEqual(entries(2));
  });

  it('serialises updates: 100 at the same moment all succeed, each on the state the one before left', async () => {
    const file = await open();
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        file.update((d) => {
          if (i % 3 === 2) d.entries = d.entries.filter((e) => e.id !== `e${i}`);
          else d.entries.push({ id: `e${i + 1}`, n: i });
          return d.entries.length;
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    // Every third removed the entry added just before it.
    const expected = Array.from({ length: 100 }, (_, i) => i)
      .filter((i) => i % 3 === 0)
      .map((i) => `e${i + 1}`);
    expect(file.data.entries.map((e) => e.id)).toEqual(expected);
    expect((await open()).data.entries.map((e) => e.id)).toEqual(expected);
    expect(files()).toEqual(['state.json']);
  });

  it('an update whose write fails changes nothing, in memory or on disk; the next one works', async () => {
    const file = await open();
    await file.update((d) => {
      d.entries.push(...entries(1));
    });
    // The temporary file's name taken by a folder: the write fails (as a full disk would).
    mkdirSync(join(dir.path, '.state.json.tmp'));
    await expect(
      file.update((d) => {
        d.entries.push(...entries(1, 2));
      }),
    ).rejects.toThrow();
    expect(file.data.entries).toEqual(entries(1));
    expect(JSON.parse(readFileSync(path, 'utf8')).entries).toEqual(entries(1));
    rmSync(join(dir.path, '.state.json.tmp'), { recursive: true });
    await file.update((d) => {
      d.entries.push(...entries(1, 3));
    });
    expect(file.data.entries.map((e) => e.id)).toEqual(['e1', 'e3']);
    // A change that throws is not written either, and does not block the queue.
    await expect(
      file.update(() => {
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    await file.update((d) => {
      d.entries.pop();
    });
    expect((await open()).data.entries.map((e) => e.id)).toEqual(['e1']);
  });

  it('a truncated file (cut at every byte): every entry whole before the cut is recovered', async () => {
    const all = entries(4);
    const text = written({ owner: 'dev-1', entries: all });
    for (let cut = 0; cut < text.length - 2; cut += 1) {
      const part = text.slice(0, cut);
      const objects = findObjects(part);
      const found = pickEntries(objects, entry, (e) => e.id);
      const whole = all.filter((e) => part.includes(`${JSON.stringify(e, null, 1).replace(/\n/g, '\n  ')}`));
      expect(found, `cut at ${cut}`).toEqual(whole);
    }
    const cut = text.indexOf('"e4"') + 2; // inside the last entry
    const file = await salvageOf(text.slice(0, cut));
    expect(file.damage).toMatchObject({ problem: 'not_json', recovered: 3, lost: 1, file: 'state.json' });
    expect(file.data.entries).toEqual(entries(3));
  });

  it('garbage in the middle: the entries before and after it are recovered', async () => {
    const text = written({ owner: 'dev-1', entries: entries(6) });
    const from = text.indexOf('"e3"');
    const to = text.indexOf('"e4"') + 8;
    // Zeros and random bytes, with braces and quotes that would confuse a naive scan.
    const garbage = Buffer.concat([Buffer.alloc(40), Buffer.from('{{"x\u0001}]"{'), Buffer.alloc(20, 0xff)]);
    const damaged = Buffer.concat([Buffer.from(text.slice(0, from)), garbage, Buffer.from(text.slice(to))]);
    const file = await salvageOf(damaged);
    expect(file.data.entries.map((e) => e.id)).toEqual(['e1', 'e2', 'e5', 'e6']);
    expect(file.damage).toMatchObject({ problem: 'not_json', recovered: 4 });
    // The parser's message quotes the garbage: the log line stays one clean line.
    const line = logs.lines.find((l) => l.includes('state file damaged'))!;
    expect([...line].filter((c) => c.charCodeAt(0) < 0x20 || c === '\ufffd')).toEqual([]);
  });

  it('valid JSON of the wrong shape: the entries in it are recovered', async () => {
    // Entries under another key, in an object instead of an array, at the top level.
    const file = await salvageOf(
      JSON.stringify({ version: 9, items: { a: entries(1)[0], b: [entries(1, 2)[0]] } }),
    );
    expect(file.damage).toMatchObject({ problem: 'wrong_shape', recovered: 2, lost: 0 });
    expect(file.data.entries).toEqual(entries(2));
    dir.remove();
    dir = tempDir('qms-state-file-');
    path = join(dir.path, 'state.json');
    const top = await salvageOf(JSON.stringify(entries(3)));
    expect(top.data.entries).toEqual(entries(3));
    expect(top.damage!.detail).toContain('expected shape');
  });

  it('one bad entry among good ones: the good ones are kept, the bad one counted lost', async () => {
    const bad = { id: 'e2', n: 'seven' };
    const text = JSON.stringify({ owner: 'dev-1', entries: [entries(1)[0], bad, entries(1, 3)[0]] }, null, 1);
    const file = await salvageOf(text);
    expect(file.damage).toMatchObject({ problem: 'wrong_shape', recovered: 2, lost: 1 });
    expect(file.data.entries.map((e) => e.id)).toEqual(['e1', 'e3']);
  });

  it('a 0-byte file, or one of zeros (a power cut): empty, kept aside, the program goes on', async () => {
    const file = await salvageOf('');
    expect(file.damage).toMatchObject({ problem: 'empty', recovered: 0, lost: 0 });
    expect(file.data).toEqual({ owner: 'dev-1', entries: [] });
    dir.remove();
    dir = tempDir('qms-state-file-');
    path = join(dir.path, 'state.json');
    const zeros = await salvageOf(Buffer.alloc(4096));
    expect(zeros.damage!.problem).toBe('empty');
  });

  it('a valid file of another device is not used at all', async () => {
    const file = await salvageOf(written({ owner: 'dev-2', entries: entries(3) }));
    expect(file.damage).toMatchObject({ problem: 'foreign', recovered: 0, lost: 3 });
    expect(file.damage!.detail).toContain('dev-2');
    expect(file.data).toEqual({ owner: 'dev-1', entries: [] });
  });

  it('a file that cannot be read is moved aside and a new one started', async () => {
    mkdirSync(path); // a folder where the file should be
    const file = await open();
    expect(file.damage).toMatchObject({ problem: 'unreadable', recovered: 0 });
    expect(kept()).toHaveLength(1);
    expect((await open()).damage).toBeNull();
  });

  it('without a salvage function (a cache) a damaged file is kept aside and the state starts empty', async () => {
    writeFileSync(path, '{"entries": [{"id": "e1", "n": 7}');
    const file = await open({ salvage: undefined });
    expect(file.damage).toMatchObject({ problem: 'not_json', recovered: 0 });
    expect(file.data.entries).toEqual([]);
  });

  it('keeps the newest damaged files only, and ignores a temporary file left by a cut write', async () => {
    for (let i = 0; i < 4; i++) {
      writeFileSync(path, '{');
      await open({ keepDamaged: 2, now: () => Date.UTC(2025, 10, 28, 2, 30, i) });
    }
    expect(kept()).toEqual([
      'state.json.damaged-20251128T023002000Z',
      'state.json.damaged-20251128T023003000Z',
    ]);
    writeFileSync(join(dir.path, '.state.json.tmp'), written({ owner: 'dev-1', entries: entries(9) }));
    const file = await open();
    expect(file.data.entries).toEqual([]);
    expect(files()).not.toContain('.state.json.tmp');
  });

  it('finds objects in bounded work, whatever the garbage', () => {
    // A megabyte of opening braces, and of unclosed strings: no quadratic scan.
    expect(findObjects('{'.repeat(1 << 20))).toEqual([]);
    expect(findObjects(`{"${'a'.repeat(1 << 20)}`)).toEqual([]);
    expect(findObjects(`${'{"x": "'.repeat(1 << 16)}{"id": "e1", "n": 1}`)).toContainEqual({
      id: 'e1',
      n: 1,
    });
  });
});
