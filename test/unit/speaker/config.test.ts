import { describe, expect, it } from 'vitest';
import { announcementSettings } from '../../../edge/speaker/main.js';
import { ConfigError, parseDeviceConfig, type SpeakerConfig } from '../../../shared/config/device-config.js';

const speaker = (hardware: unknown) =>
  JSON.stringify({
    role: 'speaker',
    deviceId: 'speaker-01',
    site: { name: 'Bộ phận một cửa' },
    hub: { mqttUrl: 'mqtt://hub.local:1883', httpUrl: 'http://hub.local:8080' },
    credentials: { password: 's3cret' },
    hardware,
  });

function problems(hardware: unknown): string[] {
  try {
    parseDeviceConfig(speaker(hardware), 'speaker.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('speaker announcement settings in the device config', () => {
  it('Southern wording, twice, no chime', () => {
    const config = parseDeviceConfig(
      speaker({
        repeat: 2,
        announcement: { zeroTens: 'lẻ', four: 'bốn', thousand: 'ngàn', chime: false, wordGapMs: 80 },
      }),
      'speaker.json',
    ) as SpeakerConfig;
    expect(announcementSettings(config)).toEqual({
      zeroTens: 'lẻ',
      four: 'bốn',
      thousand: 'ngàn',
      recallPrefix: true,
      chime: false,
      leadInMs: 100,
      wordGapMs: 80,
      phraseGapMs: 250,
      repeatGapMs: 1000,
      repeat: 2,
    });
  });

  it('names a bad setting by its path', () => {
    expect(problems({ announcement: { zeroTens: 'le' } })[0]).toMatch(
      /^hardware\.announcement\.zeroTens: .*"linh"/,
    );
    expect(problems({ announcement: { wordGapMs: 5000 } })).toEqual([
      'hardware.announcement.wordGapMs: expected a number between 0 and 1000',
    ]);
    expect(problems({ announcement: { chimes: true } })[0]).toMatch(/chimes/);
    expect(problems({ audio: { keepFiles: 0 } })).toEqual([
      'hardware.audio.keepFiles: expected a number between 1 and 10000',
    ]);
  });
});
