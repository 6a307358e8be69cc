// `npm run announce -- --number 1023 --counter 3 --out call.wav`: prints the
// sentence a speaker says for a call and writes its WAV, so a technician can
// hear it (and, on a Pi, `--play` sends it to the loudspeaker). Settings come
// from a speaker config (`--config`) or the defaults, and flags override them.

import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type CommandArgs,
  decimalOption,
  defineCommand,
  isEntryPoint,
  runCommand,
  UsageError,
} from '../../shared/cli/command-line.js';
import { loadDeviceConfig } from '../../shared/config/device-config.js';
import { readTicket } from '../../shared/vietnamese-numbers.js';
import { createAplayPlayer } from './aplay.js';
import { ClipPackError, loadCompleteClipPack } from './clip-pack.js';
import {
  type AnnouncementSettings,
  announcementSentence,
  composeWav,
  DEFAULT_ANNOUNCEMENT_SETTINGS,
  planAnnouncement,
} from './composer.js';
import { announcementSettings } from './main.js';
import { parseWav, wavDurationSeconds } from './wav.js';

export const ANNOUNCE_COMMAND = defineCommand({
  name: 'announce',
  usage: 'npm run announce -- --number 1023 --counter 3 [--out call.wav] [options]',
  summary: 'Prints the sentence a speaker says for a call and writes or plays its WAV.',
  options: {
    number: { type: 'string', short: 'n', value: 'N', help: 'ticket number, 0–9999 (required)' },
    prefix: {
      type: 'string',
      default: '',
      value: 'A',
      help: 'ticket letter prefix, up to three letters A–Z',
    },
    counter: { type: 'string', short: 'c', value: 'N', help: 'counter number, 1–9999 (required)' },
    recall: { type: 'boolean', default: false, help: 'a recall ("Nhắc lại: …")' },
    out: { type: 'string', short: 'o', value: 'FILE', help: 'write the announcement as a WAV file' },
    play: { type: 'boolean', default: false, help: 'play it with aplay (on the speaker)' },
    config: {
      type: 'string',
      value: 'FILE',
      help: 'take clips, settings, ALSA device and volume from a speaker config',
    },
    clips: {
      type: 'string',
      value: 'DIR',
      help: "clip pack (default: the config's clipsDir, else ./data/clips)",
    },
    'zero-tens': { type: 'string', value: 'linh|le', help: '105 "một trăm linh năm" / "lẻ năm"' },
    four: { type: 'string', value: 'tu|bon', help: '24 "hai mươi tư" / "hai mươi bốn"' },
    thousand: { type: 'string', value: 'nghin|ngan', help: '1023 "một nghìn …" / "một ngàn …"' },
    repeat: { type: 'string', value: 'N', help: 'say the sentence N times (1–3)' },
    'no-chime': { type: 'boolean', default: false, help: 'no chime before the sentence' },
    'no-recall-prefix': { type: 'boolean', default: false, help: 'a recall without "Nhắc lại"' },
    device: {
      type: 'string',
      value: 'NAME',
      help: 'ALSA device for --play (default: config, else "default")',
    },
    volume: { type: 'string', value: 'PCT', help: '0–100 for --play' },
  },
});

const ALIASES: Record<string, Record<string, string>> = {
  'zero-tens': { linh: 'linh', le: 'lẻ', lẻ: 'lẻ' },
  four: { tu: 'tư', tư: 'tư', bon: 'bốn', bốn: 'bốn' },
  thousand: { nghin: 'nghìn', nghìn: 'nghìn', ngan: 'ngàn', ngàn: 'ngàn' },
};

function choice(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = ALIASES[flag]![value.normalize('NFC').toLowerCase()];
  if (!v) throw new UsageError(`--${flag}: expected one of ${Object.keys(ALIASES[flag]!).join(', ')}`);
  return v;
}

const integer = decimalOption;

async function main({ values }: CommandArgs<typeof ANNOUNCE_COMMAND.options>): Promise<void> {
  const number = integer('number', values.number, 0, 9999);
  const counterId = integer('counter', values.counter, 1, 9999);
  if (number === undefined || counterId === undefined)
    throw new UsageError('--number and --counter are required');
  const prefix = (values.prefix ?? '').toUpperCase();
  if (!/^[A-Z]{0,3}$/.test(prefix)) throw new UsageError('--prefix: up to three letters A–Z');

  const config = values.config ? await loadDeviceConfig(values.config) : undefined;
  if (config && config.role !== 'speaker')
    throw new UsageError(`${values.config} is a ${config.role} config, not a speaker's`);
  const base = config?.role === 'speaker' ? announcementSettings(config) : DEFAULT_ANNOUNCEMENT_SETTINGS;
  const settings: AnnouncementSettings = {
    ...base,
    zeroTens: (choice('zero-tens', values['zero-tens']) as AnnouncementSettings['zeroTens']) ?? base.zeroTens,
    four: (choice('four', values.four) as AnnouncementSettings['four']) ?? base.four,
    thousand: (choice('thousand', values.thousand) as AnnouncementSettings['thousand']) ?? base.thousand,
    repeat: integer('repeat', values.repeat, 1, 3) ?? base.repeat,
    chime: values['no-chime'] ? false : base.chime,
    recallPrefix: values['no-recall-prefix'] ? false : base.recallPrefix,
  };
  const call = { prefix, number, counterId, recall: values.recall };

  console.log(announcementSentence(call, settings));
  console.log(`  ticket: ${readTicket(prefix, number, settings).join(' ')}`);
  const plan = planAnnouncement(call, settings);
  console.log(`  clips:  ${plan.flatMap((s) => ('clip' in s ? [s.clip] : [])).join(' ')}`);
  if (!values.out && !values.play) return;

  const clipsDir = resolve(
    values.clips ?? (config?.role === 'speaker' ? config.hardware.audio.clipsDir : './data/clips'),
  );
  const pack = await loadCompleteClipPack(clipsDir, settings);
  const wav = composeWav(plan, pack);
  const seconds = wavDurationSeconds(parseWav(wav));
  if (values.out) {
    await writeFile(values.out, wav);
    console.log(
      `  wrote ${values.out}: ${seconds.toFixed(2)} s, PCM 16-bit mono ${pack.sampleRate} Hz (${pack.voice ?? 'clips'} from ${clipsDir})`,
    );
  }
  if (values.play) {
    const audio = config?.role === 'speaker' ? config.hardware.audio : undefined;
    const player = createAplayPlayer({
      device: values.device ?? audio?.device ?? 'default',
      volume: integer('volume', values.volume, 0, 100) ?? audio?.volume,
    });
    const played = await player.play(wav, `${prefix}${number}-q${counterId}`);
    console.log(`  played in ${((played.endedAt - played.startedAt) / 1000).toFixed(2)} s`);
  }
}

if (isEntryPoint(import.meta.url)) {
  runCommand(ANNOUNCE_COMMAND, main, {
    fatal: (error) =>
      error instanceof ClipPackError
        ? `clip pack ${error.dir}: ${error.problems.join('; ')}`
        : error instanceof Error
          ? error.message
          : String(error),
  });
}
