// Playing a WAV with ALSA's `aplay` (Debian alsa-utils), fed on stdin. A
// small execFile wrapper instead of node-aplay, which reports success when
// aplay fails and crashes when it is missing: here every failure is an
// AudioError carrying aplay's own words.
//
// Volume is applied by scaling the samples in JavaScript, not with `amixer`:
// mixer control names differ from card to card (PCM, Master, Headphone,
// Speaker, or none on an I2S amplifier), `amixer` changes a level that is
// system-wide and survives the program, and scaling is exact and testable.
// At most 100 % (as recorded), so it never clips; the amplifier's knob sets
// the room's loudness.

import { type ExecFileException, execFile } from 'node:child_process';
import { basename } from 'node:path';
import { parseWav, wavDurationSeconds } from './wav.js';

export interface PlayResult {
  /** When the audio started (aplay was running). */
  startedAt: number;
  /** When it ended (aplay exited). */
  endedAt: number;
}

/** Anything that can play an announcement's WAV: aplay, a file in simulate mode, a fake in tests. */
export interface Player {
  /** `name` labels the audio, e.g. for a file name: "1023-q3". */
  play(wav: Buffer, name: string): Promise<PlayResult>;
}

export class AudioError extends Error {
  override readonly name = 'AudioError';
}

export interface AplayOptions {
  /** ALSA device, as for `aplay -D`. */
  device: string;
  /** 0–100 % of the recorded level; undefined = 100. */
  volume?: number | undefined;
  /** The program to run (tests point it at a broken one). */
  command?: string;
  /** Environment for aplay (tests set HOME to use their own .asoundrc). */
  env?: NodeJS.ProcessEnv;
  /** How long after the audio's own length aplay is given before it is killed. */
  graceMs?: number;
}

/** Scale the samples of a PCM s16le WAV to `percent` of their level; a new buffer. */
export function applyVolume(wav: Buffer, percent: number): Buffer {
  if (percent >= 100) return wav;
  const parsed = parseWav(wav);
  const out = Buffer.from(wav);
  const start = parsed.data.byteOffset - wav.byteOffset;
  const gain = Math.max(0, percent) / 100;
  for (let i = start; i + 1 < start + parsed.data.length; i += 2) {
    out.writeInt16LE(Math.round(wav.readInt16LE(i) * gain), i);
  }
  return out;
}

/** aplay's last words (the error is at the end), on one line. */
function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

/** Turn a failed execFile into one sentence a technician can act on. */
function describeFailure(command: string, error: ExecFileException, stderr: string) {
  if (error.code === 'ENOENT') {
    return `${command} is not installed (Debian package alsa-utils: sudo apt-get install alsa-utils)`;
  }
  if (error.code === 'EACCES') return `${command} cannot be run: permission denied`;
  if (error.killed) return `${command} did not finish in time and was stopped (is the audio device stuck?)`;
  const said = lastLines(stderr);
  const how = typeof error.code === 'number' ? `exit code ${error.code}` : (error.code ?? error.message);
  return `${basename(command)} failed (${how})${said ? `: ${said}` : ''}`;
}

export function createAplayPlayer(options: AplayOptions): Player {
  const command = options.command ?? 'aplay';
  return {
    play(wav) {
      const audio = options.volume === undefined ? wav : applyVolume(wav, options.volume);
      const seconds = wavDurationSeconds(parseWav(audio));
      const timeout = Math.round(seconds * 1000) + (options.graceMs ?? 10_000);
      return new Promise<PlayResult>((resolve, reject) => {
        let startedAt = 0;
        const child = execFile(
          command,
          ['-q', '-D', options.device, '-t', 'wav', '-'],
          { env: options.env ?? process.env, timeout, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 },
          (error, _stdout, stderr) => {
            const endedAt = Date.now();
            if (error) reject(new AudioError(describeFailure(command, error, String(stderr))));
            else resolve({ startedAt: startedAt || endedAt, endedAt });
          },
        );
        child.once('spawn', () => {
          startedAt = Date.now();
        });
        // aplay that fails to open the device exits before reading: its exit
        // status, not our broken pipe, is what to report.
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(audio);
      });
    },
  };
}

/** Null when `aplay --version` runs, else why not (checked at start, so a missing aplay is known at once). */
export function checkAplay(command = 'aplay', env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(command, ['--version'], { env, timeout: 5000 }, (error, _stdout, stderr) =>
      resolve(error ? describeFailure(command, error, String(stderr)) : null),
    );
  });
}
