import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ClipPackError,
  loadClipPack,
  loadCompleteClipPack,
  MANIFEST_FILE,
  requiredClips,
} from '../../../edge/speaker/clip-pack.js';
import { type AnnouncementSettings, DEFAULT_ANNOUNCEMENT_SETTINGS } from '../../../edge/speaker/composer.js';
import { encodeWav, parseWav, WavError } from '../../../edge/speaker/wav.js';
import { writeSyntheticPack } from '../../helpers/clips.js';
import { tempDir } from '../../helpers/hub.js';

const settings: AnnouncementSettings = DEFAULT_ANNOUNCEMENT_SETTINGS;

describe('WAV headers', () => {
  it('round-trips PCM s16le mono', () => {
    const data = Buffer.from([1, 0, 255, 127, 0, 128]);
    const wav = parseWav(encodeWav(data, 22_050));
    expect(wav.format).toEqual({ audioFormat: 1, channels: 1, sampleRate: 22_050, bitsPerSample: 16 });
    expect(wav.data).toEqual(data);
  });

  it('skips other chunks (LIST, odd sizes padded) and reads WAVE_FORMAT_EXTENSIBLE', () => {
    const data = Buffer.from([10, 0, 20, 0]);
    const fmt = Buffer.alloc(8 + 40);
    fmt.write('fmt ', 0, 'latin1');
    fmt.writeUInt32LE(40, 4);
    fmt.writeUInt16LE(0xfffe, 8);
    fmt.writeUInt16LE(1, 10);
    fmt.writeUInt32LE(16_000, 12);
    fmt.writeUInt32LE(32_000, 16);
    fmt.writeUInt16LE(2, 20);
    fmt.writeUInt16LE(16, 22);
    fmt.writeUInt16LE(22, 24);
    fmt.writeUInt16LE(16, 26);
    fmt.writeUInt16LE(1, 32); // subformat GUID starts with 0x0001: PCM
    const list = Buffer.concat([
      Buffer.from('LIST', 'latin1'),
      Buffer.from([3, 0, 0, 0]),
      Buffer.from('abc\0'),
    ]);
    const dataChunk = Buffer.concat([Buffer.from('data', 'latin1'), Buffer.from([4, 0, 0, 0]), data]);
    const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), fmt, list, dataChunk]);
    const head = Buffer.alloc(8);
    head.write('RIFF', 0, 'latin1');
    head.writeUInt32LE(body.length, 4);
    const wav = parseWav(Buffer.concat([head, body]));
    expect(wav.format).toMatchObject({ audioFormat: 1, sampleRate: 16_000, channels: 1 });
    expect(wav.data).toEqual(data);
  });

  it('takes what is there when a streaming writer left the data size open', () => {
    const wav = encodeWav(Buffer.from([1, 0, 2, 0, 3]), 8000);
    wav.writeUInt32LE(0xffffffff, 40);
    expect(parseWav(wav).data).toEqual(Buffer.from([1, 0, 2, 0])); // whole frames only
  });

  it('says what is wrong', () => {
    expect(() => parseWav(Buffer.from('ID3 not a wav at all'))).toThrow(/no RIFF header/);
    expect(() => parseWav(encodeWav(Buffer.alloc(0), 8000).subarray(0, 36))).toThrow(/no data chunk/);
    expect(() => parseWav(Buffer.from('RIFF\x04\0\0\0AVI ', 'latin1'))).toThrow(WavError);
  });
});

describe('clip pack', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir('qms-pack-');
  });
  afterEach(() => dir.remove());

  it('loads a complete pack: every required clip, one rate', async () => {
    const samples = writeSyntheticPack(dir.path);
    const { pack, problems, warnings } = await loadClipPack(dir.path, settings);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(pack.sampleRate).toBe(8000);
    expect(pack.voice).toBe('synthetic');
    expect(pack.samples('mot-sac')).toEqual(samples.get('mot-sac'));
    expect(requiredClips(settings)).toEqual(
      expect.arrayContaining(['chime', 'xin-moi', 'den-quay-so', 'nhac-lai']),
    );
  });

  it('names each missing clip with its words', async () => {
    writeSyntheticPack(dir.path, { omit: ['mot-sac', 'den-quay-so'] });
    rmSync(join(dir.path, 'lam.wav'));
    const { problems } = await loadClipPack(dir.path, settings);
    expect(problems).toEqual(
      expect.arrayContaining([
        'clip mot-sac ("mốt") is not in manifest.json',
        'clip den-quay-so ("đến quầy số") is not in manifest.json',
        'clip lam ("lăm"): lam.wav not found',
      ]),
    );
    expect(problems).toHaveLength(3);
    const error = await loadCompleteClipPack(dir.path, settings).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClipPackError);
    expect((error as Error).message).toMatch(/mốt/);
  });

  it('names clips in another format: rate, channels, bits, not a WAV', async () => {
    const stereo = encodeWav(Buffer.alloc(400), 8000, 2);
    writeSyntheticPack(dir.path, {
      files: {
        hai: encodeWav(Buffer.alloc(400), 16_000),
        ba: stereo,
        tram: encodeWav(Buffer.alloc(400), 8000, 1, 8),
        nghin: Buffer.from('not audio'),
        sau: encodeWav(Buffer.alloc(0), 8000),
      },
    });
    const { pack, problems } = await loadClipPack(dir.path, settings);
    expect(problems.sort()).toEqual(
      [
        'clip hai ("hai"): hai.wav is 16000 Hz; the pack is 8000 Hz',
        'clip ba ("ba"): ba.wav is PCM 16-bit stereo 8000 Hz; clips must be PCM 16-bit mono',
        'clip tram ("trăm"): tram.wav is PCM 8-bit mono 8000 Hz; clips must be PCM 16-bit mono',
        'clip nghin ("nghìn"): nghin.wav: not a WAV file (no RIFF header)',
        'clip sau ("sáu"): sau.wav has no samples',
      ].sort(),
    );
    // The good clips are still usable.
    expect(pack.samples('mot')).toBeDefined();
    expect(pack.samples('hai')).toBeUndefined();
  });

  it('without a rate in the manifest, the clips must agree with the most common rate', async () => {
    writeSyntheticPack(dir.path, { files: { chin: encodeWav(Buffer.alloc(400), 44_100) } });
    const manifestPath = join(dir.path, MANIFEST_FILE);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    delete manifest.sampleRate;
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const { pack, problems } = await loadClipPack(dir.path, settings);
    expect(pack.sampleRate).toBe(8000);
    expect(problems).toEqual(['clip chin ("chín"): chin.wav is 44100 Hz; the pack is 8000 Hz']);
  });

  it('only warns about clips no call needs with these settings (letters, the other variant)', async () => {
    writeSyntheticPack(dir.path, { omit: ['letter-q', 'letter-z', 'le'], files: { ngan: Buffer.from('x') } });
    const { problems, warnings } = await loadClipPack(dir.path, settings);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([
      'clip ngan ("ngàn"): ngan.wav: not a WAV file (no RIFF header)',
      'no clips for the prefix letters Q Z: tickets with those prefixes cannot be announced',
    ]);
    // With the Southern settings the same pack lacks what it needs.
    const southern = await loadClipPack(dir.path, { ...settings, zeroTens: 'lẻ', thousand: 'ngàn' });
    expect(southern.problems).toEqual([
      'clip ngan ("ngàn"): ngan.wav: not a WAV file (no RIFF header)',
      'clip le ("lẻ") is not in manifest.json',
    ]);
  });

  it('a pack without the short-form clips still serves every call: a warning, not a problem', async () => {
    writeSyntheticPack(dir.path, { omit: ['moi-so', 'quay'] });
    const { problems, warnings } = await loadClipPack(dir.path, settings);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([
      'clip moi-so ("Mời số") is not in manifest.json: when behind, calls are shortened only to the sentence without the chime (npm run clips builds it)',
      'clip quay ("quầy") is not in manifest.json: when behind, calls are shortened only to the sentence without the chime (npm run clips builds it)',
    ]);
  });

  it('chime and recall clips are needed only when those settings are on', async () => {
    writeSyntheticPack(dir.path, { omit: ['chime', 'nhac-lai'] });
    expect((await loadClipPack(dir.path, settings)).problems).toHaveLength(2);
    const plain = { ...settings, chime: false, recallPrefix: false };
    expect((await loadClipPack(dir.path, plain)).problems).toEqual([]);
  });

  it('a missing or broken manifest is one clear problem', async () => {
    let result = await loadClipPack(dir.path, settings);
    expect(result.problems).toEqual([
      `${join(dir.path, MANIFEST_FILE)} not found (build the default pack with "npm run clips -- --out ${dir.path}")`,
    ]);
    writeFileSync(join(dir.path, MANIFEST_FILE), '{"version": 1, "clips": {');
    result = await loadClipPack(dir.path, settings);
    expect(result.problems[0]).toMatch(/is not valid JSON/);
    writeFileSync(join(dir.path, MANIFEST_FILE), '{"version": 2, "clips": {"a": 5}}');
    result = await loadClipPack(dir.path, settings);
    expect(result.problems[0]).toMatch(/version: .*clips\.a: /);
  });
});
