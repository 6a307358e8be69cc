import { describe, expect, it } from 'vitest';
import { OPTIONS as FLASH_OPTIONS, USAGE as FLASH_USAGE } from '../../../scripts/flash-lib/options.js';
import {
  choiceOption,
  decimalOption,
  defineCommand,
  helpText,
  parseCommandLine,
  UsageError,
  usageLine,
} from '../../../shared/cli/command-line.js';

const command = defineCommand({
  name: 'demo',
  usage: 'demo [options] FILE',
  positionals: true,
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', help: 'the config' },
    tag: { type: 'string', multiple: true, value: 'TAG', help: 'a tag' },
    quiet: { type: 'boolean', help: 'say less' },
  },
});

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('not refused');
};

describe('the shared command-line parser', () => {
  it('parses options and positionals', () => {
    const { values, positionals } = parseCommandLine(command, [
      '-c',
      'a.json',
      '--tag',
      'x',
      '--tag',
      'y',
      'f',
    ]);
    expect(values).toMatchObject({ config: 'a.json', tag: ['x', 'y'] });
    expect(positionals).toEqual(['f']);
  });

  it('turns every parse error into one short line naming the option', () => {
    expect(refusal(() => parseCommandLine(command, ['--nope']))).toBe("Unknown option '--nope'");
    expect(refusal(() => parseCommandLine(command, ['--config']))).toBe('--config needs a value');
    expect(refusal(() => parseCommandLine(command, ['-c']))).toBe('--config needs a value');
    expect(refusal(() => parseCommandLine(command, ['--config', '--quiet']))).toBe('--config needs a value');
    expect(refusal(() => parseCommandLine(command, ['--quiet=yes']))).toBe('--quiet takes no value');
    const noPositionals = defineCommand({ name: 'x', usage: 'x', options: {} });
    expect(refusal(() => parseCommandLine(noPositionals, ['stray']))).toBe('unexpected argument stray');
    for (const args of [['--nope'], ['--config'], ['--quiet=1']]) {
      expect(refusal(() => parseCommandLine(command, args))).not.toContain('\n');
    }
  });

  it('lists every option, --help included, one line each', () => {
    const text = helpText(command);
    const rows = text.split('\n').filter((l) => /^\s+(-\w, )?\s*--/.test(l));
    expect(rows.map((r) => /--([\w-]+)/.exec(r)![1])).toEqual(['config', 'tag', 'quiet', 'help']);
    expect(text).toContain('-c, --config FILE');
    expect(text).toMatch(/--tag TAG\s+a tag \(repeatable\)/);
  });

  it('takes decimal digits only, within the range', () => {
    expect(decimalOption('number', '0', 0, 9999)).toBe(0);
    expect(decimalOption('number', '0123', 0, 9999)).toBe(123);
    expect(decimalOption('number', undefined, 0, 9999)).toBeUndefined();
    for (const bad of ['', ' ', '0x10', '1e3', '-1', '+1', '1.5', ' 7', '10000', 'Infinity', '٣']) {
      expect(refusal(() => decimalOption('number', bad, 0, 9999))).toBe(
        `--number: expected a whole number from 0 to 9999, got "${bad}"`,
      );
    }
  });

  it('takes one of the listed words', () => {
    expect(choiceOption('arch', 'x64', ['arm64', 'x64'])).toBe('x64');
    expect(refusal(() => choiceOption('arch', 'armv7l', ['arm64', 'x64']))).toContain('arm64, x64');
  });

  it('the refusal line points at --help', () => {
    expect(usageLine('kiosk', "Unknown option '--x'\nmore")).toBe("kiosk: Unknown option '--x' (see --help)");
  });

  it("flash's help names every option it accepts", () => {
    for (const name of Object.keys(FLASH_OPTIONS)) expect(FLASH_USAGE).toMatch(new RegExp(`--${name}\\b`));
  });
});
