// Office settings an administrator edits that are not part of the live queue
// state: rating scale, opening hours, daily reset time, announcement wording.
// Stored as JSON in the settings table (QueueStore.getSetting/putSetting);
// readers fall back to the defaults, so a hub with nothing stored works.

import { FOUR_LEVELS, type RatingScale, THREE_LEVELS } from '../../shared/ratings.js';
import type { QueueStore } from '../store/queue-store.js';

export const SETTING_KEYS = {
  ratingScale: 'ratingScale',
  ratingRules: 'ratingRules',
  openingHours: 'openingHours',
  dailyResetTime: 'dailyResetTime',
  announcements: 'announcements',
} as const;

export const TIME_PATTERN = '^([01]\\d|2[0-3]):[0-5]\\d$';

// ---------------------------------------------------------------- ratings

export type RatingLevelCount = 3 | 4;

export const DEFAULT_RATING_LEVELS: RatingLevelCount = 3;

export function readRatingLevels(store: QueueStore): RatingLevelCount {
  const stored = store.getSetting<{ levels?: unknown }>(SETTING_KEYS.ratingScale);
  return stored?.levels === 4 ? 4 : DEFAULT_RATING_LEVELS;
}

/** The scale rating devices and reports use (three levels unless set to four). */
export function readRatingScale(store: QueueStore): RatingScale {
  return readRatingLevels(store) === 4 ? FOUR_LEVELS : THREE_LEVELS;
}

/**
 * Which ticket a rating key press goes to, and whether a second press counts
 * (hub/ratings/rules.ts applies them). A press goes to the ticket served last
 * at the device's counter, during its service or up to `windowSeconds` after
 * it finished. One rating per ticket: with policy "first" the first press
 * stands; with "correction" (the default) a press within `correctionSeconds`
 * of the one that counts replaces it, so a citizen who hit the wrong key can
 * fix it at once, and the rating is final once it has stood that long.
 */
export interface RatingRules {
  windowSeconds: number;
  policy: 'first' | 'correction';
  correctionSeconds: number;
}

export const RATING_WINDOW_SECONDS = { min: 10, max: 3600 } as const;
export const RATING_CORRECTION_SECONDS = { min: 1, max: 60 } as const;

export const DEFAULT_RATING_RULES: RatingRules = {
  windowSeconds: 120,
  policy: 'correction',
  correctionSeconds: 5,
};

const within = (value: unknown, range: { min: number; max: number }): value is number =>
  Number.isInteger(value) && (value as number) >= range.min && (value as number) <= range.max;

/** The stored rules; a missing or invalid value falls back to its default (a hub never stops rating). */
export function readRatingRules(store: QueueStore): RatingRules {
  const stored =
    store.getSetting<Partial<Record<keyof RatingRules, unknown>>>(SETTING_KEYS.ratingRules) ?? {};
  const d = DEFAULT_RATING_RULES;
  return {
    windowSeconds: within(stored.windowSeconds, RATING_WINDOW_SECONDS)
      ? stored.windowSeconds
      : d.windowSeconds,
    policy: stored.policy === 'first' || stored.policy === 'correction' ? stored.policy : d.policy,
    correctionSeconds: within(stored.correctionSeconds, RATING_CORRECTION_SECONDS)
      ? stored.correctionSeconds
      : d.correctionSeconds,
  };
}

/** A correction must fit inside the window it corrects in; null when the rules hang together. */
export function checkRatingRules(rules: RatingRules): string | null {
  if (rules.policy === 'correction' && rules.correctionSeconds >= rules.windowSeconds) {
    return `thời gian sửa đánh giá (${rules.correctionSeconds} giây) phải ngắn hơn thời gian nhận đánh giá (${rules.windowSeconds} giây)`;
  }
  return null;
}

// ---------------------------------------------------------------- opening hours

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One opening period of a day, local time "HH:MM". */
export interface OpeningPeriod {
  open: string;
  close: string;
}

/** Per weekday, the periods the office is open (none: closed that day). */
export type OpeningHours = Record<Weekday, OpeningPeriod[]>;

const morning = { open: '07:30', close: '11:30' };
const afternoon = { open: '13:30', close: '17:00' };

/** Working days of a state office: mornings and afternoons on weekdays, Saturday morning. */
export const DEFAULT_OPENING_HOURS: OpeningHours = {
  mon: [morning, afternoon],
  tue: [morning, afternoon],
  wed: [morning, afternoon],
  thu: [morning, afternoon],
  fri: [morning, afternoon],
  sat: [morning],
  sun: [],
};

export function readOpeningHours(store: QueueStore): OpeningHours {
  return store.getSetting<OpeningHours>(SETTING_KEYS.openingHours) ?? DEFAULT_OPENING_HOURS;
}

/**
 * Periods must each open before they close and follow each other without
 * overlapping. Returns the day and the reason of the first problem, or null.
 */
export function checkOpeningHours(hours: OpeningHours): { day: Weekday; reason: string } | null {
  for (const day of WEEKDAYS) {
    let lastClose = '';
    for (const p of hours[day]) {
      if (p.open >= p.close) return { day, reason: `giờ mở ${p.open} phải trước giờ đóng ${p.close}` };
      if (p.open < lastClose)
        return { day, reason: `buổi từ ${p.open} chồng lên buổi trước (đến ${lastClose})` };
      lastClose = p.close;
    }
  }
  return null;
}

// ---------------------------------------------------------------- daily reset

/** The stored reset time, which overrides the hub config's dailyResetTime. */
export function readDailyResetTime(store: QueueStore): string | undefined {
  const stored = store.getSetting<unknown>(SETTING_KEYS.dailyResetTime);
  return typeof stored === 'string' && new RegExp(TIME_PATTERN).test(stored) ? stored : undefined;
}

// ---------------------------------------------------------------- announcements

/**
 * How speakers word a call (docs/domain.md: Reading numbers in Vietnamese).
 * The three reading choices use the words themselves, as NumberReading in
 * shared/vietnamese-numbers.ts does, so a speaker can pass them on as they are.
 */
export interface AnnouncementSettings {
  /** How many times each call is played. */
  repeat: 1 | 2 | 3;
  /** A recall starts with "Nhắc lại". */
  recallPrefix: boolean;
  /** Zero tens after hundreds: "linh" (Northern) or "lẻ" (Southern). */
  zeroTens: 'linh' | 'lẻ';
  /** Unit 4 after "mươi": "tư" or "bốn". */
  four: 'tư' | 'bốn';
  /** "nghìn" or "ngàn". */
  thousand: 'nghìn' | 'ngàn';
}

/** The same wording a speaker's own config has by default (hardware.repeat 1, linh, tư, nghìn). */
export const DEFAULT_ANNOUNCEMENTS: AnnouncementSettings = {
  repeat: 1,
  recallPrefix: true,
  zeroTens: 'linh',
  four: 'tư',
  thousand: 'nghìn',
};

export function readAnnouncementSettings(store: QueueStore): AnnouncementSettings {
  return {
    ...DEFAULT_ANNOUNCEMENTS,
    ...store.getSetting<Partial<AnnouncementSettings>>(SETTING_KEYS.announcements),
  };
}
