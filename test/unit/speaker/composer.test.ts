import { describe, expect, it } from 'vitest';
import {
  type AnnouncementSettings,
  announcementSentence,
  type ClipSource,
  composeSamples,
  composeWav,
  DEFAULT_ANNOUNCEMENT_SETTINGS,
  MissingClipError,
  planAnnouncement,
  planDurationMs,
  type Segment,
} from '../../../edge/speaker/composer.js';
import { parseWav } from '../../../edge/speaker/wav.js';

const plain: AnnouncementSettings = {
  ...DEFAULT_ANNOUNCEMENT_SETTINGS,
  chime: false,
  leadInMs: 0,
  wordGapMs: 10,
  phraseGapMs: 20,
  repeatGapMs: 50,
};
const call = { prefix: '', number: 1023, counterId: 3, recall: false };
const clipsOf = (plan: Segment[]) => plan.flatMap((s) => ('clip' in s ? [s.clip] : []));

describe('the sentence', () => {
  it('is the domain wording, numbers in words, the counter read the same way', () => {
    expect(announcementSentence(call, plain)).toBe(
      'Xin mời công dân có số thứ tự một nghìn không trăm hai mươi ba đến quầy số ba',
    );
    expect(announcementSentence({ ...call, prefix: 'B', number: 15, counterId: 12 }, plain)).toBe(
      'Xin mời công dân có số thứ tự bê mười lăm đến quầy số mười hai',
    );
  });

  it('a recall is prefixed "Nhắc lại" unless turned off', () => {
    const recall = { ...call, recall: true };
    expect(announcementSentence(recall, plain)).toMatch(/^Nhắc lại: Xin mời/);
    expect(announcementSentence(recall, { ...plain, recallPrefix: false })).toMatch(/^Xin mời/);
    expect(clipsOf(planAnnouncement(recall, plain))[0]).toBe('nhac-lai');
    expect(clipsOf(planAnnouncement(recall, { ...plain, recallPrefix: false }))[0]).toBe('xin-moi');
  });

  it('follows the number settings', () => {
    const southern = { ...plain, zeroTens: 'lẻ', four: 'bốn', thousand: 'ngàn' } as const;
    expect(announcementSentence({ ...call, number: 1104, counterId: 24 }, southern)).toBe(
      'Xin mời công dân có số thứ tự một ngàn một trăm lẻ bốn đến quầy số hai mươi bốn',
    );
  });
});

describe('the plan', () => {
  it('clips in order with word, phrase and repeat gaps', () => {
    expect(planAnnouncement({ ...call, number: 21, counterId: 3 }, plain)).toEqual([
      { clip: 'xin-moi' },
      { silenceMs: 20 },
      { clip: 'hai' },
      { silenceMs: 10 },
      { clip: 'muoi' },
      { silenceMs: 10 },
      { clip: 'mot-sac' },
      { silenceMs: 20 },
      { clip: 'den-quay-so' },
      { silenceMs: 10 },
      { clip: 'ba' },
    ]);
  });

  it('lead-in, chime once, then the sentence repeated', () => {
    const plan = planAnnouncement(call, { ...plain, leadInMs: 100, chime: true, repeat: 2 });
    expect(plan.slice(0, 3)).toEqual([{ silenceMs: 100 }, { clip: 'chime' }, { silenceMs: 20 }]);
    const clips = clipsOf(plan);
    expect(clips.filter((c) => c === 'chime')).toHaveLength(1);
    expect(clips.filter((c) => c === 'xin-moi')).toHaveLength(2);
    const second = plan.findIndex((s, i) => i > 3 && 'clip' in s && s.clip === 'xin-moi');
    expect(plan[second - 1]).toEqual({ silenceMs: 50 });
  });
});

describe('the shorter forms, when the speaker is behind', () => {
  const full = { ...plain, leadInMs: 100, chime: true, repeat: 2 };

  it('brief: the sentence once, no chime', () => {
    const clips = clipsOf(planAnnouncement(call, full, 'brief'));
    expect(clips).not.toContain('chime');
    expect(clips.filter((c) => c === 'xin-moi')).toHaveLength(1);
    expect(announcementSentence(call, full, 'brief')).toBe(announcementSentence(call, full));
  });

  it('short: "Mời số 1023, quầy 3", with half the pauses', () => {
    expect(announcementSentence(call, full, 'short')).toBe(
      'Mời số một nghìn không trăm hai mươi ba, quầy ba',
    );
    const plan = planAnnouncement({ ...call, recall: true }, full, 'short');
    expect(plan).toEqual([
      { silenceMs: 100 },
      { clip: 'moi-so' },
      { silenceMs: 10 },
      ...planAnnouncement(call, plain).slice(2, 15),
      { silenceMs: 10 },
      { clip: 'quay' },
      { silenceMs: 10 },
      { clip: 'ba' },
    ]);
  });

  it('each is shorter than the one before', () => {
    const source: ClipSource = { sampleRate: 8000, samples: () => Buffer.alloc(8000) }; // every clip 0.5 s
    const ms = (form: 'full' | 'brief' | 'short') =>
      planDurationMs(planAnnouncement(call, full, form), source);
    expect(ms('full')).toBeGreaterThan(ms('brief'));
    expect(ms('brief')).toBeGreaterThan(ms('short'));
    // Lead-in, ten clips ("mời số", seven words of 1023, "quầy", "ba"), the pauses between them.
    expect(ms('short')).toBe(100 + 10 * 500 + 10 + 6 * 10 + 10 + 10);
    expect(composeSamples(planAnnouncement(call, full, 'short'), source).length / 2 / 8).toBe(ms('short'));
  });
});

describe('composing', () => {
  const source = (clips: Record<string, number[]>, sampleRate = 1000): ClipSource => ({
    sampleRate,
    samples: (id) => {
      const values = clips[id];
      if (!values) return undefined;
      const b = Buffer.alloc(values.length * 2);
      values.forEach((v, i) => {
        b.writeInt16LE(v, i * 2);
      });
      return b;
    },
  });

  it('joins the clips with exact silences', () => {
    const samples = composeSamples(
      [{ clip: 'a' }, { silenceMs: 3 }, { clip: 'b' }, { silenceMs: 2 }, { clip: 'a' }],
      source({ a: [1, -2], b: [300] }),
    );
    const values = Array.from({ length: samples.length / 2 }, (_, i) => samples.readInt16LE(i * 2));
    expect(values).toEqual([1, -2, 0, 0, 0, 300, 0, 0, 1, -2]);
  });

  it('wraps them in one WAV at the pack rate', () => {
    const wav = parseWav(composeWav([{ clip: 'a' }, { silenceMs: 10 }], source({ a: [5, 6] }, 8000)));
    expect(wav.format).toEqual({ audioFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 });
    expect(wav.data.length).toBe((2 + 80) * 2);
  });

  it('names every missing clip', () => {
    const plan = planAnnouncement({ ...call, number: 1009 }, plain);
    const clips = Object.fromEntries(clipsOf(plan).map((c) => [c, [1]]));
    delete clips.chin;
    delete clips.nghin;
    const error = (() => {
      try {
        composeWav(plan, source(clips));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MissingClipError);
    expect((error as MissingClipError).clips.sort()).toEqual(['chin', 'nghin']);
    expect((error as Error).message).toBe('missing clips "nghin", "chin" in the clip pack');
  });

  it('refuses numbers it cannot read instead of saying something wrong', () => {
    expect(() => planAnnouncement({ ...call, number: 10_000 }, plain)).toThrow(RangeError);
    expect(() => planAnnouncement({ ...call, prefix: 'Ä' }, plain)).toThrow(/prefix/);
  });
});
