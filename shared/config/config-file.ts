// Reading and checking JSON config files. A technician edits these by hand on
// a Pi over SSH, so every failure names the file and each bad field by its
// path (`kiosk.json: hardware.buttons.0.gpio: expected a number between 0 and
// 53`) instead of a stack trace or zod's raw issue list.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';

/** A config file (or the environment) is wrong; `problems` holds one line per bad field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** The file path, or another name for where the settings came from. */
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
  }
}

// ---------------------------------------------------------------- field schemas

/** A whole number in [min, max]; one plain message for every failure but a missing value. */
export function intRange(min: number, max?: number) {
  const range =
    max === undefined
      ? `expected a number of at least ${min}`
      : `expected a number between ${min} and ${max}`;
  const schema = z
    .int({
      // undefined lets the parse-wide map below say "required".
      error: (iss) =>
        iss.input === undefined
          ? undefined
          : typeof iss.input === 'number'
            ? 'expected a whole number'
            : range,
    })
    .min(min, { error: range });
  return max === undefined ? schema : schema.max(max, { error: range });
}

export const port = intRange(0, 65_535);

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Checked against the runtime's time zone data, so a typo fails at start, not at the first ticket. */
export const timeZone = z.string().refine(isTimeZone, {
  error: 'expected an IANA time zone such as "Asia/Ho_Chi_Minh"',
});

/**
 * A URL with one of `protocols` (with the colon, as `URL.protocol` gives it)
 * and a host. `new URL('mqtt://')` parses with an empty host, hence the check.
 */
export function urlWith(protocols: readonly string[], example: string) {
  const kinds = protocols.map((p) => `${p}//`).join(' or ');
  return z.string().refine(
    (text) => {
      try {
        const url = new URL(text);
        return protocols.includes(url.protocol) && url.hostname !== '';
      } catch {
        return false;
      }
    },
    { error: `expected a ${kinds} URL such as "${example}"` },
  );
}

export const nonEmpty = z.string().min(1);

// ---------------------------------------------------------------- messages

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

const list = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

/** Plain messages for zod's generic issues; schemas set their own for anything specific. */
const configErrorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'required';
      return `expected ${iss.expected === 'int' ? 'a whole number' : iss.expected}, got ${kindOf(iss.input)}`;
    case 'invalid_value':
      return iss.values.length === 1 ? `expected ${list(iss.values)}` : `expected one of ${list(iss.values)}`;
    case 'invalid_union':
      // A discriminated union whose tag (`role`, `type`) matched no option.
      if ('options' in iss && Array.isArray(iss.options)) {
        return iss.input === undefined
          ? `required: one of ${list(iss.options)}`
          : `expected one of ${list(iss.options)}`;
      }
      return undefined;
    case 'too_small':
      if (iss.origin === 'array') return `expected at least ${iss.minimum} item(s)`;
      if (iss.origin === 'string')
        return iss.minimum === 1 ? 'must not be empty' : `expected at least ${iss.minimum} characters`;
      return undefined;
    case 'too_big':
      if (iss.origin === 'array') return `expected at most ${iss.maximum} item(s)`;
      if (iss.origin === 'string') return `expected at most ${iss.maximum} characters`;
      return undefined;
    default:
      return undefined;
  }
};

const pathText = (path: readonly PropertyKey[]) => (path.length ? path.map(String).join('.') : '(top level)');

/** One line per problem, `path.to.field: message`; an unknown key is named by its own path. */
export function problemsOf(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => `${pathText([...issue.path, key])}: unknown key (check the spelling)`)
      : [`${pathText(issue.path)}: ${issue.message}`],
  );
}

/** Validate `data` against `schema` or throw a ConfigError naming `source` and every bad field. */
export function validate<S extends z.ZodType>(schema: S, data: unknown, source: string): z.output<S> {
  const result = schema.safeParse(data, { error: configErrorMap });
  if (!result.success) throw new ConfigError(source, problemsOf(result.error));
  return result.data;
}

// ---------------------------------------------------------------- files

const REASONS: Record<string, string> = {
  ENOENT: 'file not found',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
};

/** Why a file could not be read, in words, with the absolute path (the service's cwd is rarely obvious). */
export function readFailure(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = (code && REASONS[code]) ?? (error instanceof Error ? error.message : String(error));
  return `cannot read ${resolve(path)}: ${reason}`;
}

export async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [readFailure(path, error)]);
  }
}

/** JSON.parse with the error turned into a line and column where V8 reports a position. */
export function parseJsonText(text: string, source: string): unknown {
  // Editors on Windows may save a byte-order mark, which JSON.parse refuses.
  const body = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(body);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    let where = '';
    if (position) {
      const before = body.slice(0, Number(position[1])).split('\n');
      where = ` at line ${before.length}, column ${before.at(-1)!.length + 1}`;
    }
    throw new ConfigError(source, [`not valid JSON${where}: ${message}`]);
  }
}

/** Check a config file's text: JSON, then `schema`; `source` names the file in every error. */
export function parseConfigText<S extends z.ZodType>(schema: S, text: string, source: string): z.output<S> {
  return validate(schema, parseJsonText(text, source), source);
}

/**
 * Read and check an optional config file: with no `path`, the schema's
 * defaults alone (errors then name `fallbackSource`).
 */
export async function loadConfigFile<S extends z.ZodType>(
  schema: S,
  path: string | undefined,
  fallbackSource: string,
): Promise<z.output<S>> {
  return path
    ? parseConfigText(schema, await readConfigText(path), path)
    : validate(schema, {}, fallbackSource);
}
