// RIFF/WAVE reading and writing, enough for speech clips: PCM only, with the
// header fields checked by the clip pack. No library: the format is small and
// we need to say exactly what is wrong with a clip a person recorded.

export interface WavFormat {
  /** 1 = PCM (WAVE_FORMAT_EXTENSIBLE with a PCM subformat is reported as 1 too). */
  audioFormat: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

export interface Wav {
  format: WavFormat;
  /** The sample bytes of the data chunk, as stored (s16le for our clips). */
  data: Buffer;
}

export class WavError extends Error {
  override readonly name = 'WavError';
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Parse a WAV file's header and find its samples; throws a WavError saying what is wrong. */
export function parseWav(buffer: Buffer): Wav {
  if (buffer.length < 12 || buffer.toString('latin1', 0, 4) !== 'RIFF') {
    throw new WavError('not a WAV file (no RIFF header)');
  }
  if (buffer.toString('latin1', 8, 12) !== 'WAVE') throw new WavError('a RIFF file but not WAVE');
  let format: WavFormat | undefined;
  let offset = 12;
  while (offset + 8 <= buffer.length) {
    const id = buffer.toString('latin1', offset, offset + 4);
    const declared = buffer.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (declared < 16 || body + 16 > buffer.length) throw new WavError('fmt chunk is too short');
      let audioFormat = buffer.readUInt16LE(body);
      if (audioFormat === WAVE_FORMAT_EXTENSIBLE && declared >= 40 && body + 40 <= buffer.length) {
        audioFormat = buffer.readUInt16LE(body + 24); // first two bytes of the subformat GUID
      }
      format = {
        audioFormat,
        channels: buffer.readUInt16LE(body + 2),
        sampleRate: buffer.readUInt32LE(body + 4),
        bitsPerSample: buffer.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format) throw new WavError('data chunk before the fmt chunk');
      // Streaming writers leave the size at 0 or 0xFFFFFFFF: take what is there.
      const available = buffer.length - body;
      let size = declared === 0 || declared > available ? available : declared;
      const frame = Math.max(1, (format.channels * format.bitsPerSample) / 8);
      size -= size % frame;
      return { format, data: buffer.subarray(body, body + size) };
    }
    offset = body + declared + (declared % 2); // chunks are padded to even sizes
  }
  throw new WavError(format ? 'no data chunk' : 'no fmt chunk');
}

/** A canonical 44-byte-header PCM WAV around s16le samples. */
export function encodeWav(data: Buffer, sampleRate: number, channels = 1, bitsPerSample = 16): Buffer {
  const header = Buffer.alloc(44);
  const blockAlign = (channels * bitsPerSample) / 8;
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bitsPerSample, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export function describeFormat(f: WavFormat): string {
  const kind = f.audioFormat === WAVE_FORMAT_PCM ? 'PCM' : `format ${f.audioFormat}`;
  const layout = f.channels === 1 ? 'mono' : f.channels === 2 ? 'stereo' : `${f.channels} channels`;
  return `${kind} ${f.bitsPerSample}-bit ${layout} ${f.sampleRate} Hz`;
}

/** The format every clip of a pack must have, apart from the rate, which they must share. */
export function isSpeechFormat(f: WavFormat): boolean {
  return f.audioFormat === WAVE_FORMAT_PCM && f.channels === 1 && f.bitsPerSample === 16;
}

/** Seconds of audio in a mono s16 WAV buffer (or its data). */
export function wavDurationSeconds(wav: Wav): number {
  const frame = (wav.format.channels * wav.format.bitsPerSample) / 8;
  return wav.data.length / frame / wav.format.sampleRate;
}
