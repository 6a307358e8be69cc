import { fillText, type RefusalCode, refusalText } from '../../shared/text/vi.js';
import type { Refusal } from './types.js';

/** A refusal with its Vietnamese message, placeholders filled. */
export function refuse(code: RefusalCode, params: Record<string, string | number> = {}): Refusal {
  return { ok: false, code, message: fillText(refusalText[code], params) };
}

/** Tells a refusal from the value a check returns when it passes. */
export function isRefusal(x: unknown): x is Refusal {
  return typeof x === 'object' && x !== null && (x as Refusal).ok === false;
}
