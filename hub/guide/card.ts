// A procedure's guide card: what a citizen reads on the touch screen before
// coming to a counter (documents to bring and how many copies, fee, time
// limit, legal basis, where to apply online). Pure, like the queue domain:
// input in, a clean card or a refusal out.
//
// The format is deliberately plain: every part is plain text (a document's
// name, a fee, lines of legal basis), stored as JSON and always shown with
// textContent on the pages and drawn as text on the ticket, never parsed as
// markup. So "<b>" or "<img onerror=…>" in a card is shown as those
// characters, and there is nothing to sanitise. Text is stored in NFC (so
// "căn cước" typed two ways is one text), trimmed, with control characters
// removed (line breaks are kept only in the notes).

import {
  type GuideRefusalCode,
  guideCopyText,
  guidePartText,
  guideRefusalText,
} from '../../shared/text/vi/guide.js';
import { fillText } from '../../shared/text/vi.js';

export interface GuideDocument {
  name: string;
  /** Bản chính to bring (0: none). */
  originals: number;
  /** Bản sao (0: none). */
  copies: number;
  note: string;
}

export interface GuideCard {
  documents: GuideDocument[];
  fee: string;
  timeLimit: string;
  legalBasis: string[];
  /** The procedure's page on the national public-service portal (shown as a QR code); '' for none. */
  onlineUrl: string;
  notes: string;
  /** More words the search finds it by ("cccd", "bang lai"). */
  keywords: string[];
}

/** A card as stored: the office's own, or a sample shipped with the hub that the office has not edited yet. */
export interface StoredGuide {
  procedureId: string;
  card: GuideCard;
  sample: boolean;
  /** The day (office calendar, YYYY-MM-DD) someone last checked the content against the law. */
  checkedOn: string | null;
  updatedAt: number;
  updatedBy: string | null;
}

export const GUIDE_LIMITS = {
  documents: 40,
  name: 300,
  note: 200,
  copies: 20,
  fee: 300,
  timeLimit: 300,
  legalBasis: 20,
  legalLine: 300,
  notes: 2000,
  keywords: 30,
  keyword: 60,
  onlineUrl: 500,
} as const;

export type GuideRefusal = { ok: false; code: GuideRefusalCode; message: string };
export type GuideChecked = { ok: true; card: GuideCard; checkedOn: string | null } | GuideRefusal;

export function refuseGuide(
  code: GuideRefusalCode,
  params: Record<string, string | number> = {},
): GuideRefusal {
  return { ok: false, code, message: fillText(guideRefusalText[code], params) };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/** One line of text: NFC, control characters and line breaks gone, spaces collapsed, trimmed. */
export function cleanLine(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\r\n\t]+/g, ' ')
    .replace(CONTROL, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Several lines (the notes): each line cleaned, at most one blank line in a row, trimmed. */
export function cleanLines(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map(cleanLine)
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * The portal's pages only: https, and a host under .gov.vn (the national
 * portal dichvucong.gov.vn, the Ministry of Public Security's, a province's).
 * A citizen scans this on a police office's screen: it must not lead
 * anywhere else, whatever is typed into the card.
 */
export function isPortalUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port) return false;
  const host = url.hostname.toLowerCase();
  return host === 'dichvucong.gov.vn' || (host.endsWith('.gov.vn') && /^[a-z0-9.-]+$/.test(host));
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar day from 2000-01-01 to `today` (YYYY-MM-DD, office calendar). */
export function isCheckDate(date: string, today: string): boolean {
  const m = DATE.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const back = new Date(Date.UTC(y, mo - 1, d));
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return false;
  return date >= '2000-01-01' && date <= today;
}

/** What an administrator sends (already of the right JSON types: the route's schema checks them). */
export interface GuideInput {
  documents?: { name: string; originals?: number; copies?: number; note?: string }[];
  fee?: string;
  timeLimit?: string;
  legalBasis?: string[];
  onlineUrl?: string;
  notes?: string;
  keywords?: string[];
  checkedOn?: string | null;
}

type Part = keyof typeof guidePartText;
const tooLong = (part: Part, max: number) => refuseGuide('bad_text', { what: guidePartText[part], max });
const tooMany = (part: Part, max: number) => refuseGuide('too_many', { what: guidePartText[part], max });

/** Check and clean a card; `today` is the office's date (the check date may not be later). */
export function checkGuide(input: GuideInput, today: string): GuideChecked {
  const L = GUIDE_LIMITS;
  const docsIn = input.documents ?? [];
  if (docsIn.length > L.documents) return tooMany('documents', L.documents);
  const documents: GuideDocument[] = [];
  for (const [i, d] of docsIn.entries()) {
    const index = i + 1;
    const name = cleanLine(d.name);
    if (!name) return refuseGuide('empty_document', { index });
    if (name.length > L.name) return tooLong('name', L.name);
    const note = cleanLine(d.note ?? '');
    if (note.length > L.note) return tooLong('note', L.note);
    const originals = d.originals ?? 0;
    const copies = d.copies ?? 0;
    const count = (n: number) => Number.isInteger(n) && n >= 0 && n <= L.copies;
    if (!count(originals) || !count(copies)) return refuseGuide('bad_copies', { index, max: L.copies });
    documents.push({ name, originals, copies, note });
  }
  const fee = cleanLine(input.fee ?? '');
  if (fee.length > L.fee) return tooLong('fee', L.fee);
  const timeLimit = cleanLine(input.timeLimit ?? '');
  if (timeLimit.length > L.timeLimit) return tooLong('timeLimit', L.timeLimit);
  const legalBasis = (input.legalBasis ?? []).map(cleanLine).filter(Boolean);
  if (legalBasis.length > L.legalBasis) return tooMany('legalBasis', L.legalBasis);
  if (legalBasis.some((l) => l.length > L.legalLine)) return tooLong('legalBasis', L.legalLine);
  const notes = cleanLines(input.notes ?? '');
  if (notes.length > L.notes) return tooLong('notes', L.notes);
  const keywords = [
    ...new Set(
      (input.keywords ?? [])
        .flatMap((k) => k.split(','))
        .map(cleanLine)
        .filter(Boolean),
    ),
  ];
  if (keywords.length > L.keywords) return tooMany('keywords', L.keywords);
  if (keywords.some((k) => k.length > L.keyword)) return tooLong('keywords', L.keyword);
  const onlineUrl = cleanLine(input.onlineUrl ?? '');
  if (onlineUrl.length > L.onlineUrl) return tooLong('onlineUrl', L.onlineUrl);
  if (onlineUrl && !isPortalUrl(onlineUrl)) return refuseGuide('bad_url');
  const checkedOn = input.checkedOn ?? null;
  if (checkedOn !== null && !isCheckDate(checkedOn, today))
    return refuseGuide('bad_date', { date: checkedOn });
  return {
    ok: true,
    card: { documents, fee, timeLimit, legalBasis, onlineUrl, notes, keywords },
    checkedOn,
  };
}

/** "1 bản chính, 2 bản sao"; '' when neither is counted (a paper shown, not handed in). */
export function copiesText(d: Pick<GuideDocument, 'originals' | 'copies'>): string {
  const parts: string[] = [];
  if (d.originals > 0) parts.push(fillText(guideCopyText.originals, { count: d.originals }));
  if (d.copies > 0) parts.push(fillText(guideCopyText.copies, { count: d.copies }));
  return parts.join(', ');
}
