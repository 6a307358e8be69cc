// `npm run announce -- --number 1023 --counter 3 --out call.wav`: prints the
// sentence a speaker says for a call and writes its WAV, so a technician can
// hear it (and, on a Pi, `--play` sends it to the loudspeaker). Settings come
// from a speaker config (`--config`) or the defaults, and flags override them.

import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
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

const USAGE = `usage: npm run announce -- --number 1023 --counter 3 [--out call.wav] [options]
  --number N          ticket number, 0–9999
  --prefix A          ticket letter prefix (read letter by letter)
  --counter N         counter number
  --recall            a recall ("Nhắc lại: …")
  --out FILE          write the announcement as a WAV file
  --play              play it with aplay (on the speaker)
  --config FILE       take clips, settings, ALSA device and volume from a speaker config
  --clips DIR         clip pack (default: the config's clipsDir, else ./data/clips)
  --zero-tens linh|le   105 "một trăm linh năm" / "lẻ năm"
  --four tu|bon         24 "hai mươi tư" / "hai mươi bốn"
  --thousand nghin|ngan 1023 "một nghìn …" / "một ngàn …"
  --repeat N          say the sentence N times (1–3)
  --no-chime          no chime before the sentence
  --no-recall-prefix  a recall without "Nhắc lại"
  --device NAME       ALSA device for --play (default: config, else "default")
  --volume PCT        0–100 for --play`;

const ALIASES: Record<string, Record<string, string>> = {
  'zero-tens': { linh: 'linh', le: 'lẻ', lẻ: 'lẻ' },
  four: { tu: 'tư', tư: 'tư', bon: 'bốn', bốn: 'bốn' },
  thousand: { nghin: 'nghìn', nghìn: 'nghìn', ngan: 'ngàn', ngàn: 'ngàn' },
};

class UsageError extends Error {}

function choice(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = ALIASES[flag]![value.normalize('NFC').toLowerCase()];
  if (!v) throw new UsageError(`--${flag}: expected one of ${Object.keys(ALIASES[flag]!).join(', ')}`);
  return v;
}

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${flag}: expected a whole number from ${min} to ${max}`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      number: { type: 'string', short: 'n' },
      prefix: { type: 'string', default: '' },
      counter: { type: 'string', short: 'c' },
      recall: { type: 'boolean', default: false },
      out: { type: 'string', short: 'o' },
      play: { type: 'boolean', default: false },
      config: { type: 'string' },
      clips: { type: 'string' },
      'zero-tens': { type: 'string' },
      four: { type: 'string' },
      thousand: { type: 'string' },
      repeat: { type: 'string' },
      'no-chime': { type: 'boolean', default: false },
      'no-recall-prefix': { type: 'boolean', default: false },
      device: { type: 'string' },
      volume: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const number = integer('number', values.number, 0, 9999);
  const counterId = integer('counter', values.counter, 1, 9999);
  if (number === undefined || counterId === undefined)
    throw new UsageError('--number and --counter are required');
  const prefix = values.prefix.toUpperCase();
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

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(resolve(entry)).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    const parseError = String((error as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
    if (error instanceof ClipPackError)
      console.error(`clip pack ${error.dir}:\n  ${error.problems.join('\n  ')}`);
    else if (error instanceof UsageError || parseError)
      console.error(`${(error as Error).message}\n\n${USAGE}`);
    else console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
