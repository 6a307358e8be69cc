// Real aplay (Debian alsa-utils) into an ALSA `file` plugin PCM defined in a
// test .asoundrc: the bytes aplay hands to ALSA are captured and compared
// with the clips joined independently (sox decodes each clip file).

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioError, checkAplay, createAplayPlayer } from '../../edge/speaker/aplay.js';
import { type ClipPack, loadCompleteClipPack } from '../../edge/speaker/clip-pack.js';
import {
  type AnnouncementSettings,
  composeWav,
  DEFAULT_ANNOUNCEMENT_SETTINGS,
  planAnnouncement,
} from '../../edge/speaker/composer.js';
import { buildRealPack, captureHome } from '../helpers/clips.js';
import { tempDir } from '../helpers/hub.js';

/** The clip's samples as sox decodes the file: independent of our WAV reader. */
function soxSamples(file: string): Buffer {
  return execFileSync('sox', [file, '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-c', '1', '-']);
}

describe('aplay through an ALSA file plugin', () => {
  const clips = tempDir('qms-clips-');
  const home = tempDir('qms-alsa-');
  let pack: ClipPack;
  let capture: ReturnType<typeof captureHome>;
  const settings: AnnouncementSettings = { ...DEFAULT_ANNOUNCEMENT_SETTINGS, repeat: 2 };
  const call = { prefix: '', number: 1023, counterId: 3, recall: true };

  beforeAll(async () => {
    await buildRealPack(clips.path);
    pack = await loadCompleteClipPack(clips.path, settings);
    capture = captureHome(home.path);
  }, 120_000);
  afterAll(() => {
    clips.remove();
    home.remove();
  });

  /** The announcement's samples built from the clip files by sox, with the silences. */
  function expectedSamples(): Buffer {
    const manifest = JSON.parse(readFileSync(join(clips.path, 'manifest.json'), 'utf8')) as {
      clips: Record<string, { file: string }>;
    };
    return Buffer.concat(
      planAnnouncement(call, settings).map((s) =>
        'clip' in s
          ? soxSamples(join(clips.path, manifest.clips[s.clip]!.file))
          : Buffer.alloc(Math.round((s.silenceMs * pack.sampleRate) / 1000) * 2),
      ),
    );
  }

  /** What reached ALSA: the samples, then aplay's silence padding to a whole period. */
  function captured(): Buffer {
    return readFileSync(capture.raw);
  }

  it('plays exactly the expected samples; soxi gives the expected duration', async () => {
    const expected = expectedSamples();
    const wav = composeWav(planAnnouncement(call, settings), pack);
    const file = join(home.path, 'call.wav');
    writeFileSync(file, wav);

    const player = createAplayPlayer({ device: 'capture', env: capture.env });
    const result = await player.play(wav, 'test');
    expect(result.endedAt).toBeGreaterThanOrEqual(result.startedAt);

    const raw = captured();
    expect(raw.length).toBeGreaterThanOrEqual(expected.length);
    expect(raw.subarray(0, expected.length).equals(expected)).toBe(true);
    // aplay pads its last period with silence: zeros only, less than a second.
    const tail = raw.subarray(expected.length);
    expect(tail.every((b) => b === 0)).toBe(true);
    expect(tail.length).toBeLessThan(pack.sampleRate * 2);

    const seconds = Number(execFileSync('soxi', ['-D', file]).toString().trim());
    expect(seconds).toBeCloseTo(expected.length / 2 / pack.sampleRate, 5);
    // Recall prefix, chime, two repeats with a second between them: several seconds.
    expect(seconds).toBeGreaterThan(8);
    expect(seconds).toBeLessThan(25); // the length of the audio, not time taken
  });

  it('volume scales the samples it plays', async () => {
    const wav = composeWav(planAnnouncement(call, settings), pack);
    const expected = expectedSamples();
    await createAplayPlayer({ device: 'capture', env: capture.env, volume: 50 }).play(wav, 'test');
    const raw = captured();
    let wrong = 0;
    for (let i = 0; i + 1 < expected.length; i += 2) {
      if (raw.readInt16LE(i) !== Math.round(expected.readInt16LE(i) * 0.5)) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('an unknown device is an AudioError with aplay’s own words', async () => {
    const wav = composeWav(planAnnouncement(call, settings), pack);
    const error = await createAplayPlayer({ device: 'no-such-device', env: capture.env })
      .play(wav, 'test')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AudioError);
    expect((error as Error).message).toMatch(/^aplay failed \(exit code 1\): .*Unknown PCM no-such-device/);
  });

  it('a missing aplay is reported as not installed, not ignored', async () => {
    const wav = composeWav(planAnnouncement(call, settings), pack);
    const error = await createAplayPlayer({ device: 'capture', command: '/nonexistent/aplay' })
      .play(wav, 'test')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AudioError);
    expect((error as Error).message).toBe(
      '/nonexistent/aplay is not installed (Debian package alsa-utils: sudo apt-get install alsa-utils)',
    );
    expect(await checkAplay('/nonexistent/aplay')).toMatch(/is not installed/);
    expect(await checkAplay()).toBeNull();
  });
});
