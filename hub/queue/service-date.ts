import { localDate } from '../../shared/local-date.js';

/**
 * The service date a moment belongs to, in the office's time zone. The day
 * turns over at `resetTime` (HH:MM) rather than at midnight, so an office can
 * keep late tickets of one day separate from early ones of the next.
 */
export function serviceDateOf(now: number, timeZone: string, resetTime: string): string {
  const [h, m] = resetTime.split(':').map(Number) as [number, number];
  return localDate(now - (h * 60 + m) * 60_000, timeZone);
}
