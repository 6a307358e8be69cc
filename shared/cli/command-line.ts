// One command-line parser for every program (hub, kiosk, speaker, rating,
// devices, backup, announce, clips, bundle, flash, simulate): node:util
// parseArgs in strict mode, with each option's one-line help kept beside its
// definition, so `--help` lists every option and a wrong call is refused in
// one line naming the problem, exit status 2, never a stack trace.
//
//   const COMMAND = defineCommand({ name: 'clips', usage: 'npm run clips -- [options]',
//     options: { out: { type: 'string', value: 'DIR', help: 'where the pack goes' } } });
//   runCommand(COMMAND, async ({ values, positionals }) => { … });

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean | string[] | boolean[];
  /** Placeholder of the value in the help text: FILE, N, DIR (string options). */
  value?: string;
  /** One line: what the option does, its range and default. */
  help: string;
}

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** Program name, first word of every error line. */
  name: string;
  /** Synopsis line(s) after "usage: ". */
  usage: string;
  /** A sentence or two under the synopsis. */
  summary?: string;
  options: O;
  /** Positional arguments (commands, file names) are allowed. */
  positionals?: boolean;
  /** Lines after the option list (commands, examples, environment). */
  footer?: string;
}

/** A wrong call: one line, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--help` is added to every command. */
const HELP_OPTION = { type: 'boolean', short: 'h', help: 'show this help and exit' } as const;

type WithHelp<O> = O & { help: typeof HELP_OPTION };

export function defineCommand<const O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
): CommandSpec<WithHelp<O>> {
  return { ...spec, options: { ...spec.options, help: HELP_OPTION } as WithHelp<O> };
}

/** The help text: synopsis, summary, then one line per option. */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    return [flag, o.help + (o.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return [
    `usage: ${spec.usage}`,
    ...(spec.summary ? ['', spec.summary] : []),
    '',
    'options:',
    ...rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`),
    ...(spec.footer ? ['', spec.footer] : []),
  ].join('\n');
}

/** node:util's parse errors in one short line ("unknown option --x", "--config needs a value"). */
export function usageMessageOf(error: unknown): string | null {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return null;
  const message = (error as Error).message;
  const option = /'(?:-\w, )?(--[^' <]+)/.exec(message)?.[1] ?? /'(-[^' <]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return option ? `Unknown option '${option}'` : message.replace(/\. .*$/s, '');
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing|ambiguous/.test(message)) return `${option ?? 'an option'} needs a value`;
      if (/does not take an argument/.test(message)) return `${option ?? 'an option'} takes no value`;
      return message.replace(/\. .*$/s, '');
    default:
      return message.replace(/\. .*$/s, '');
  }
}

function parseConfig(spec: CommandSpec): ParseArgsConfig['options'] {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, { type, short, multiple, default: value }] of Object.entries(spec.options)) {
    options[name] = {
      type,
      ...(short ? { short } : {}),
      ...(multiple ? { multiple } : {}),
      ...(value !== undefined ? { default: value } : {}),
    } as NonNullable<ParseArgsConfig['options']>[string];
  }
  return options;
}

type Parsed<O extends Record<string, OptionSpec>> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>;
export type CommandArgs<O extends Record<string, OptionSpec>> = Pick<Parsed<O>, 'values' | 'positionals'>;

/** Parse `argv` by `spec`; a wrong call throws UsageError (one line). */
export function parseCommandLine<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: string[],
): CommandArgs<O> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: parseConfig(spec),
      strict: true,
      allowPositionals: spec.positionals ?? false,
    });
    return { values, positionals } as unknown as CommandArgs<O>;
  } catch (error) {
    const message = usageMessageOf(error);
    if (message) throw new UsageError(message);
    throw error;
  }
}

/** A string option of decimal digits only (no "", "0x10", "1e3", " 7") within [min, max]. */
export function decimalOption(flag: string, text: string, min: number, max: number): number;
export function decimalOption(
  flag: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined;
export function decimalOption(flag: string, text: string | undefined, min: number, max: number) {
  if (text === undefined) return undefined;
  const n = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) {
    throw new UsageError(`--${flag}: expected a whole number from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

/** One of the listed words. */
export function choiceOption<T extends string>(
  flag: string,
  text: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`--${flag}: expected one of ${choices.join(', ')}, got "${text}"`);
  }
  return text as T;
}

/**
 * True when the module at `moduleUrl` (its import.meta.url) is the one node
 * was started with: a file that is both a command and a library (announce,
 * clips, bundle) runs its command only then.
 */
export function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && moduleUrl === pathToFileURL(resolve(entry)).href;
}

/** The one line a refused call prints. */
export function usageLine(name: string, message: string): string {
  return `${name}: ${message.split('\n')[0]} (see --help)`;
}

/**
 * For a script that reads its command line at the top (the benchmarks): the
 * parsed call; or, for `--help`, the help printed and exit 0; or a wrong call
 * refused in one line, exit 2.
 */
export function commandLineOrExit<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: string[] = process.argv.slice(2),
): CommandArgs<O> {
  let args: CommandArgs<O>;
  try {
    args = parseCommandLine(spec, argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(usageLine(spec.name, error.message));
    process.exit(2);
  }
  if ((args.values as { help?: boolean }).help) {
    console.log(helpText(spec));
    process.exit(0);
  }
  return args;
}

/**
 * Parse, print help for `--help`, run `main`, and turn a failure into one
 * line: a UsageError exits 2 with "(see --help)", anything else exits 1
 * (`fatal` decides what to print; the default is the message, no stack).
 * `main` may return an exit status.
 */
export function runCommand<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  // biome-ignore lint/suspicious/noConfusingVoidType: main may return nothing, sync or async
  main: (args: CommandArgs<O>) => Promise<number | void> | number | void,
  options: { argv?: string[]; fatal?: (error: unknown) => string } = {},
): void {
  const run = async (): Promise<number> => {
    const args = parseCommandLine(spec, options.argv ?? process.argv.slice(2));
    if ((args.values as { help?: boolean }).help) {
      console.log(helpText(spec));
      return 0;
    }
    return (await main(args)) ?? 0;
  };
  run().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(usageLine(spec.name, error.message));
        process.exit(2);
      }
      const text = options.fatal?.(error) ?? (error instanceof Error ? error.message : String(error));
      console.error(`${spec.name}: ${text}`);
      process.exit(1);
    },
  );
}
